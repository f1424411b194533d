/**
 * Resolving a CDC query (docs/cdc.md): a Kafka source whose records are change events
 * (source.changes) written with applyChanges (sink.applyChanges). The query has no DataFrame
 * operations: the table's columns are the events' columns minus exceptColumns, its keys the
 * applyChanges keys. Every misconfiguration is named at submit.
 */
import type { ApplyChangesRouteSpec, ApplyChangesSpec } from '../cdc/apply-changes-spec';
import { CHANGE_FORMATS, DEBEZIUM_POSITIONS, SCD2_FIELDS, type CdcSpec, type ChangeFormat, type ChangeSourceSpec, type DebeziumPosition } from '../cdc/cdc-spec';
import { parseDuration } from '../plan/duration';
import type { QuerySpecV2 } from '../plan/logical-plan';
import type { ResolvedQuery } from '../plan/resolved-query';
import { isScalar, simpleString, type SqlField } from '../schema/sql-type';
import { QueryResolutionError } from './problem';
import { DEFAULT_MAX_VALUE_BYTES, resolvedOptions, resolvedSource, type ResolveOptions } from './resolve-query';

export const DEFAULT_TOMBSTONE_RETENTION = '7 days';

/** Whether a spec asks for a CDC query (either half: the other is then required). */
export function isCdcSpec(spec: QuerySpecV2): boolean {
  return spec.source.changes !== undefined || spec.sink.applyChanges !== undefined;
}

export function resolveCdcQuery(spec: QuerySpecV2, opts: ResolveOptions, problems: string[], timeZone: string): ResolvedQuery {
  const events = spec.source.changes;
  const apply = spec.sink.applyChanges;
  if (events === undefined) problems.push("applyChanges needs change events: set option('changes.format', 'goldengate' | 'debezium') on readStream");
  if (apply === undefined) problems.push("a change-event source (option 'changes.format') is written with writeStream.applyChanges({ keys, columns, … })");
  if (spec.plan.length > 0) problems.push(`a change stream is applied as it is read: DataFrame operations (${spec.plan.map((o) => o.op).join(', ')}) are not supported on it`);
  if (spec.sink.outputMode !== 'update') problems.push(`applyChanges writes in update mode (rows are changed by key), not ${spec.sink.outputMode}`);
  if ((spec.sink.format ?? 'delta') !== 'delta') problems.push(`applyChanges writes a Delta table, not the ${spec.sink.format} sink`);
  if ((spec.sink.partitionBy ?? []).length > 0) problems.push('partitionBy is not supported with applyChanges: files are laid out by shuffle partition (docs/cdc.md)');
  let format: ChangeFormat = 'goldengate';
  let position: DebeziumPosition | null = null;
  if (events !== undefined) {
    if (!(CHANGE_FORMATS as readonly string[]).includes(events.format)) problems.push(`changes.format ${JSON.stringify(events.format)} is not a change format; use ${CHANGE_FORMATS.join(' or ')}`);
    else format = events.format as ChangeFormat;
    if (format === 'debezium') {
      if (events.position === undefined) problems.push(`Debezium events need option('changes.position', …): ${DEBEZIUM_POSITIONS.join(', ')} (PostgreSQL lsn, Oracle scn, MySQL binlog)`);
      else if (!(DEBEZIUM_POSITIONS as readonly string[]).includes(events.position)) problems.push(`changes.position ${JSON.stringify(events.position)} is not one of ${DEBEZIUM_POSITIONS.join(', ')}`);
      else position = events.position as DebeziumPosition;
    } else if (events.position !== undefined) problems.push("changes.position is for Debezium events; GoldenGate's position is its pos field");
  }
  const cdc = apply === undefined ? null : applyProblems(apply, problems);
  const routes = apply === undefined ? [] : routeProblems(apply, spec.sink.path, spec.sink.checkpointLocation, problems);
  if (problems.length > 0 || cdc === null) throw new QueryResolutionError(problems);
  const output = tableColumns(apply!, cdc);
  const o = spec.options;
  const maxValueBytes = o.maxValueBytes ?? opts.defaults?.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const sourceOf = (a: Pick<ApplyChangesSpec, 'columns' | 'keys'>): ChangeSourceSpec => ({ format, columns: a.columns, keys: [...a.keys], position, timeZone, maxValueBytes });
  return {
    format: 1,
    name: spec.name ?? null,
    source: resolvedSource(spec),
    scan: { kafkaColumns: [], json: null, schema: [], maxValueBytes: o.maxValueBytes ?? opts.defaults?.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES },
    pre: [],
    eventTime: null,
    aggregate: null,
    cdc: {
      ...cdc,
      source: sourceOf(apply!),
      keyColumns: apply!.keys.map((k) => output.findIndex((c) => c.name === k)),
      ...(routes.length === 0 ? {} : {
        routes: routes.map(({ route, parts }) => {
          const routeOutput = tableColumns(route, parts);
          return { ...parts, source: sourceOf(route), keyColumns: route.keys.map((k) => routeOutput.findIndex((c) => c.name === k)), output: routeOutput, path: route.path };
        }),
      }),
    },
    post: [],
    output,
    sink: { path: spec.sink.path, outputMode: 'update', partitionBy: [], checkpointLocation: spec.sink.checkpointLocation },
    options: resolvedOptions(spec, opts, timeZone, false),
  };
}

/** A table's columns: the source's minus exceptColumns, then SCD2_FIELDS for 'scd2'. */
function tableColumns(a: Pick<ApplyChangesSpec, 'columns'>, parts: Pick<CdcSpec, 'exceptColumns' | 'storedAs'>): SqlField[] {
  const data = a.columns.filter((c) => !parts.exceptColumns.includes(c.name));
  return parts.storedAs === 'scd2' ? [...data, ...SCD2_FIELDS] : data;
}

/**
 * The routes of applyChanges (more source tables, one Delta table each), adding every problem
 * found: each route's own (as applyProblems, prefixed by its table), routes without the query's
 * own sourceTable, a source table named twice, a table path used twice or equal to the query's
 * path or checkpoint.
 */
function routeProblems(
  a: ApplyChangesSpec, mainPath: string, checkpoint: string, problems: string[],
): { route: ApplyChangesRouteSpec; parts: Omit<CdcSpec, 'source' | 'keyColumns' | 'routes'> & { sourceTable: string } }[] {
  if (a.routes === undefined) return [];
  if (!Array.isArray(a.routes)) { problems.push('applyChanges routes: a list of { sourceTable, path, keys, columns, … }'); return []; }
  if (a.routes.length === 0) return [];
  if (a.sourceTable === undefined) problems.push('applyChanges with routes needs its own sourceTable: the table written to the query\'s path (start(path))');
  const tables = new Set<string>(a.sourceTable === undefined ? [] : [a.sourceTable]);
  const norm = (p: string): string => p.replace(/\/+$/, '');
  const paths = new Map<string, string>([[norm(mainPath), 'the query\'s own table (start(path))'], [norm(checkpoint), 'the checkpoint location']]);
  const out: { route: ApplyChangesRouteSpec; parts: Omit<CdcSpec, 'source' | 'keyColumns' | 'routes'> & { sourceTable: string } }[] = [];
  a.routes.forEach((route, i) => {
    const name = typeof route?.sourceTable === 'string' && route.sourceTable !== '' ? route.sourceTable : null;
    const label = `applyChanges route ${name ?? `#${i + 1}`}`;
    if (name === null) problems.push(`applyChanges route #${i + 1} needs a sourceTable such as SHOP.CUSTOMERS`);
    else if (tables.has(name)) problems.push(`${label}: source table ${name} is routed twice; each source table goes to one table`);
    else tables.add(name);
    if (typeof route?.path !== 'string' || route.path === '') problems.push(`${label} needs the path of its Delta table`);
    else {
      const taken = paths.get(norm(route.path));
      if (taken !== undefined) problems.push(`${label}: path ${route.path} is already ${taken}; each source table needs a table of its own`);
      else paths.set(norm(route.path), `the table of route ${name ?? `#${i + 1}`}`);
    }
    const own: string[] = [];
    const parts = applyProblems({ ...route, sourceTable: name ?? 'unnamed' }, own);
    problems.push(...own.map((p) => `${label}: ${p}`));
    if (parts !== null && name !== null) out.push({ route, parts: { ...parts, sourceTable: name } });
  });
  return out;
}

/** The CdcSpec's own parts of applyChanges, adding every problem found. */
function applyProblems(a: Omit<ApplyChangesSpec, 'routes'>, problems: string[]): Omit<CdcSpec, 'source' | 'keyColumns' | 'routes'> | null {
  const start = problems.length;
  const columns = Array.isArray(a.columns) ? a.columns : [];
  if (columns.length === 0) problems.push('applyChanges needs the columns of the source table (columns: a StructType or DDL string)');
  const names = new Set<string>();
  for (const c of columns) {
    const lower = c.name.toLowerCase();
    if (names.has(lower)) problems.push(`column ${c.name} is named twice in applyChanges columns`);
    names.add(lower);
    if (c.type.kind === 'binary' || c.type.kind === 'struct' || c.type.kind === 'array') problems.push(`column ${c.name}: ${simpleString(c.type)} columns are not supported in change events yet`);
  }
  const has = (n: string) => columns.some((c) => c.name === n);
  const keys = Array.isArray(a.keys) ? a.keys : [];
  if (keys.length === 0) problems.push('applyChanges needs keys: the names of the columns that identify a row');
  for (const k of keys) {
    const col = columns.find((c) => c.name === k);
    if (col === undefined) problems.push(`key ${k} is not a column (columns are ${columns.map((c) => c.name).join(', ')}; names are case-sensitive)`);
    else if (!isScalar(col.type)) problems.push(`key ${k} is ${simpleString(col.type)}: keys must be scalar`);
  }
  if (new Set(keys).size !== keys.length) problems.push(`a key is named twice: ${keys.join(', ')}`);
  const except = a.exceptColumns ?? [];
  for (const e of except) {
    if (!has(e)) problems.push(`exceptColumns: ${e} is not a column`);
    if (keys.includes(e)) problems.push(`exceptColumns: ${e} is a key; keys stay in the table`);
  }
  if (except.length > 0 && except.length >= columns.length) problems.push('exceptColumns leaves no column');
  if (a.sequenceBy !== undefined && a.sequenceBy !== 'position') {
    problems.push(`sequenceBy ${JSON.stringify(a.sequenceBy)}: changes are ordered by their source position ('position'); ordering by a column is not supported yet`);
  }
  const storedAs = a.storedAs ?? 'scd1';
  if (storedAs !== 'scd1' && storedAs !== 'scd2') problems.push(`storedAs ${JSON.stringify(a.storedAs)}: use 'scd1' (current rows) or 'scd2' (history)`);
  if (storedAs === 'scd2') {
    for (const f of SCD2_FIELDS) if (names.has(f.name.toLowerCase())) problems.push(`column ${f.name} is one of the columns storedAs 'scd2' adds`);
  }
  let retention = 0;
  try {
    retention = parseDuration(a.tombstoneRetention ?? DEFAULT_TOMBSTONE_RETENTION);
    if (!(retention > 0)) problems.push('tombstoneRetention must be longer than 0');
  } catch (err) {
    problems.push(`tombstoneRetention: ${(err as Error).message}`);
  }
  if (a.sourceTable !== undefined && (typeof a.sourceTable !== 'string' || a.sourceTable === '')) problems.push('sourceTable must be a table name such as SHOP.ORDERS');
  if (problems.length > start) return null;
  return { sourceTable: a.sourceTable ?? null, exceptColumns: [...except], storedAs: storedAs as 'scd1' | 'scd2', tombstoneRetentionMicros: retention };
}
