import { InvalidArgumentError } from '../errors';
import { parseDuration } from './duration';
import { outputSchema, typeName } from './output-schema';
import { derivedExprProblems } from './derived-columns';
import type { DerivedColumnSpec, FieldSpec, FieldType, QuerySpec } from './query-spec';
import { startingOffsetsProblems } from './starting-offsets';
import { kafkaOptionsProblems } from './kafka-options';
import { specBoundsProblem } from './spec-document';
import { pathRuleProblems, specPaths } from './table-paths';

/** Largest input precision of a summed decimal: one row's unscaled value always fits an int64. */
export const MAX_SUM_INPUT_PRECISION = 18;
export const MAX_SHUFFLE_PARTITIONS = 10_000;

/** Spark's own message, word for word. */
export const APPEND_WITHOUT_WATERMARK =
  'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark';

/** Characters Delta refuses in column names without column mapping (Spark's message names them so). */
const DELTA_INVALID_NAME_CHARS = ' ,;{}()\n\t=';

/**
 * Every problem of a query spec, each a sentence naming what is wrong and, where it helps, what would
 * be right; empty when the spec can run. The spec may come from the wire, so no field is trusted to
 * have its declared type. Checks that depend on a section are skipped when that section is missing.
 */
export function validateSpec(spec: QuerySpec): string[] {
  const problems: string[] = [];
  const add = (p: string): void => {
    problems.push(p);
  };
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return ['the query spec is not an object'];
  const tooBig = specBoundsProblem(spec);
  if (tooBig !== undefined) return [tooBig];
  const misshapen = shapeProblems(spec);
  if (misshapen.length > 0) return misshapen;
  if (spec.version !== 1) add(`unknown query spec version ${JSON.stringify(spec.version)}; this version of Tributary understands version 1`);

  const schema = checkSchema(spec, add);
  const columns = new Map<string, FieldType>();
  for (const f of schema) if (!columns.has(f.name)) columns.set(f.name, f.type);
  const available = `available columns: ${schema.map((f) => f.name).join(', ') || '(none)'}`;
  const known = (name: unknown, where: string): FieldType | undefined => {
    const type = typeof name === 'string' ? columns.get(name) : undefined;
    if (type === undefined) add(`unknown column ${quote(name)} in ${where}; ${available}`);
    return type;
  };
  const duration = (text: unknown, where: string): number | undefined => {
    try {
      return parseDuration(text as string);
    } catch (e) {
      add(`${where}: ${(e as Error).message}`);
      return undefined;
    }
  };

  const agg = spec.aggregation;
  const wm = spec.watermark ?? undefined;
  if (wm !== undefined) {
    known(wm.column, 'watermark');
    const delay = duration(wm.delay, 'watermark delay');
    if (delay !== undefined && delay < 0) add('watermark delay must not be negative');
  }
  if (agg === undefined || agg === null || typeof agg !== 'object') {
    add('queries without an aggregation are not supported yet; group by window(<timestamp column>, <duration>) and one int column');
  } else {
    checkAggregation(spec, known, duration, add);
  }

  for (const p of sharedSectionProblems(spec)) add(p);
  if (spec.sink?.outputMode === 'append' && agg !== undefined && agg !== null && wm === undefined) add(APPEND_WITHOUT_WATERMARK);
  if (agg !== undefined && agg !== null && typeof agg === 'object' && Array.isArray(agg.keys) && Array.isArray(agg.aggregates)) {
    checkOutputColumns(spec, add);
  }
  return problems;
}

/**
 * Problems of the sections a version 1 and a version 2 spec share: the Kafka source, the sink's
 * format, locations and output mode (the modes no query may use), the trigger and the options
 * (side-table paths included). The checks that depend on the query's operations (append mode
 * without a watermark) are the caller's.
 */
export function sharedSectionProblems(spec: Pick<QuerySpec, 'source' | 'sink' | 'trigger' | 'options'>): string[] {
  const problems: string[] = [];
  const add = (p: string): void => {
    problems.push(p);
  };
  const duration = (text: unknown, where: string): number | undefined => {
    try {
      return parseDuration(text as string);
    } catch (e) {
      add(`${where}: ${(e as Error).message}`);
      return undefined;
    }
  };
  checkSource(spec, add);
  checkSink(spec, add);
  checkTrigger(spec, duration, add);
  checkOptions(spec, duration, add);
  return problems;
}

/** Throws InvalidArgumentError listing every problem of the spec. */
export function assertValidSpec(spec: QuerySpec): void {
  const problems = validateSpec(spec);
  if (problems.length === 0) return;
  const noun = problems.length === 1 ? 'problem' : 'problems';
  throw new InvalidArgumentError(`invalid query (${problems.length} ${noun}):\n- ${problems.join('\n- ')}`);
}

type Add = (problem: string) => void;
type Known = (name: unknown, where: string) => FieldType | undefined;
type Duration = (text: unknown, where: string) => number | undefined;

/**
 * Elements of the spec's lists that are not of the kind the other checks read (e.g. a null in the
 * schema): reported alone, naming the element, since nothing else can be judged around them.
 */
function shapeProblems(spec: QuerySpec): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const each = (list: unknown, where: string, ok: (v: unknown) => boolean, want: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((v, i) => { if (!ok(v)) problems.push(`${where}[${i}] must be ${want}, got ${JSON.stringify(v)}`); });
  };
  const fieldType = (t: unknown): boolean => typeof t === 'string'
    || (isObject(t) && Array.isArray(t.decimal) && t.decimal.length === 2 && t.decimal.every((n) => typeof n === 'number'));
  each(spec.parse?.schema, 'parse.schema', (f) => isObject(f) && typeof f.name === 'string' && fieldType(f.type),
    "a field { name: '<column>', type: 'int' | 'long' | 'string' | 'timestamp' | 'double' | 'boolean' | { decimal: [p, s] } }");
  each(spec.aggregation?.keys, 'aggregation.keys', (k) => typeof k === 'string', 'a column name');
  each(spec.aggregation?.aggregates, 'aggregation.aggregates', (a) => isObject(a) && typeof a.fn === 'string', "an aggregate { fn: 'count' | 'sum', column, alias }");
  each(spec.withColumns, 'withColumns', (d) => isObject(d) && typeof d.name === 'string', 'a derived column { name, expr }');
  each(spec.sink?.partitionBy, 'sink.partitionBy', (c) => typeof c === 'string', 'a column name');
  return problems;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function isDecimal(t: FieldType): t is { decimal: [number, number] } {
  return typeof t === 'object' && t !== null && Array.isArray((t as { decimal?: unknown }).decimal);
}

function checkSchema(spec: QuerySpec, add: Add): FieldSpec[] {
  const parse = spec.parse;
  if (parse === undefined || parse === null || !Array.isArray(parse.schema)) {
    add("the query has no JSON schema: parse the value with fromJson(col('value').cast('string'), schema)");
    return [];
  }
  if (parse.format !== 'json') add(`value format ${quote(parse.format)} is not supported yet; use fromJson`);
  const zone = parse.timeZone;
  if (zone !== 'UTC' && !(typeof zone === 'string' && /^[+-]([01]\d|2[0-3]):[0-5]\d$/.test(zone))) {
    add(`time zone ${quote(zone)} is not supported yet; use 'UTC' or a fixed offset such as '+02:00'`);
  }
  const seen = new Set<string>();
  const simple = new Set(['int', 'long', 'string', 'timestamp', 'double', 'boolean']);
  for (const field of parse.schema) {
    if (seen.has(field.name)) add(`column '${field.name}' appears twice in the schema`);
    seen.add(field.name);
    if (isDecimal(field.type)) {
      const [p, s] = field.type.decimal;
      if (!Number.isInteger(p) || !Number.isInteger(s) || p < 1 || p > 38 || s < 0 || s > p) {
        add(`decimal(${p},${s}) of column '${field.name}' is not a valid type: precision must be 1..38 and scale 0..precision`);
      }
    } else if (!simple.has(field.type as string)) {
      add(`type ${JSON.stringify(field.type)} of column '${field.name}' is not supported yet`);
    }
  }
  return parse.schema;
}

function checkSource(spec: Pick<QuerySpec, 'source'>, add: Add): void {
  const src = spec.source;
  if (src === undefined || src === null) {
    add("the query has no source: use readStream.format('kafka')");
    return;
  }
  if (src.format !== 'kafka') add(`source format ${quote(src.format)} is not supported yet; use 'kafka'`);
  const servers = typeof src.bootstrapServers === 'string' ? src.bootstrapServers.trim() : '';
  if (servers === '') {
    add("no bootstrap servers: set option('kafka.bootstrap.servers', 'host:port') on readStream");
  } else {
    for (const server of servers.split(',')) {
      if (!/^[^\s:]+:\d{1,5}$/.test(server.trim())) add(`bootstrap server '${server.trim()}' is not host:port`);
    }
  }
  const topic = typeof src.topic === 'string' ? src.topic.trim() : '';
  if (topic === '') add("no topic: set option('subscribe', '<topic>') on readStream");
  else if (topic.includes(',')) add(`subscribing to several topics ('${topic}') is not supported yet; subscribe to one topic`);
  else { const bad = topicNameProblem(src.topic as string); if (bad) add(bad); }
  for (const p of startingOffsetsProblems(src.startingOffsets, topic)) add(p);
  const max = src.maxOffsetsPerTrigger;
  if (max !== undefined && !(typeof max === 'number' && Number.isSafeInteger(max) && max > 0)) {
    add(`maxOffsetsPerTrigger must be a positive integer, got ${JSON.stringify(max)}`);
  }
  if (typeof src.failOnDataLoss !== 'boolean') add(`failOnDataLoss must be true or false, got ${JSON.stringify(src.failOnDataLoss)}`);
  for (const p of kafkaOptionsProblems(src.kafkaOptions)) add(p);
}

/** Kafka's rule for topic names (Topic.validate): 1..249 characters of [a-zA-Z0-9._-], and not '.' or '..'. */
const MAX_TOPIC_NAME_LENGTH = 249;
function topicNameProblem(topic: string): string | undefined {
  const why = topic === '.' || topic === '..' ? "'.' and '..' are not allowed"
    : topic.length > MAX_TOPIC_NAME_LENGTH ? `it is ${topic.length} characters long, more than ${MAX_TOPIC_NAME_LENGTH}`
    : /^[a-zA-Z0-9._-]+$/.test(topic) ? undefined
    : "Kafka topic names use only ASCII letters, digits, '.', '_' and '-'";
  return why && `topic ${JSON.stringify(topic.length > 80 ? topic.slice(0, 80) + '…' : topic)} is not a legal Kafka topic name: ${why}`;
}

function checkAggregation(spec: QuerySpec, known: Known, duration: Duration, add: Add): void {
  const agg = spec.aggregation;
  const win = agg.window;
  if (win === undefined || win === null) {
    add('aggregations without a window are not supported yet; group by window(<timestamp column>, <duration>)');
  } else {
    const type = known(win.column, 'window');
    if (type !== undefined && type !== 'timestamp') {
      add(`window column '${win.column}' must be a timestamp, but it is ${typeName(type)}`);
    }
    const size = duration(win.duration, 'window duration');
    if (size !== undefined && size <= 0) add(`window duration must be positive, got '${win.duration}'`);
    if (win.slide !== undefined && win.slide !== win.duration) {
      add(`sliding windows (slide '${win.slide}') are not supported yet; use tumbling windows`);
    }
    const wm = spec.watermark ?? undefined;
    if (wm !== undefined && typeof wm.column === 'string' && wm.column !== win.column) {
      add(`the watermark is on column '${wm.column}' but the window is on '${win.column}'; the watermark must be on the window's time column`);
    }
  }

  const keys: unknown[] = Array.isArray(agg.keys) ? agg.keys : [];
  if (keys.length !== 1) {
    const what = keys.length === 0 ? 'grouping by the window alone is' : `grouping by ${keys.length} columns besides the window is`;
    add(`${what} not supported yet; group by the window and exactly one int column`);
  }
  for (const key of keys) {
    const type = known(key, 'grouping keys');
    if (type !== undefined && type !== 'int') {
      add(`grouping by ${typeName(type)} column '${key as string}' is not supported yet; the key must be an int column`);
    }
  }

  const aggregates: unknown[] = Array.isArray(agg.aggregates) ? agg.aggregates : [];
  if (aggregates.length === 0) add("the aggregation has no aggregates: use agg(count('*'), sum(<column>))");
  for (const a of aggregates as { fn: unknown; column: unknown; alias: unknown }[]) {
    if (a.fn === 'count') {
      if (a.column !== '*') add(`count(${String(a.column)}) is not supported yet; use count('*')`);
    } else if (a.fn === 'sum') {
      const type = known(a.column, `sum(${String(a.column)})`);
      if (type === undefined) continue;
      if (type === 'string' || type === 'boolean' || type === 'timestamp') {
        add(`sum(${a.column as string}) needs a numeric column, but '${a.column as string}' is ${typeName(type)}`);
      } else if (!isDecimal(type)) {
        add(`sum over ${typeName(type)} column '${a.column as string}' is not supported yet; sum a decimal column with precision at most ${MAX_SUM_INPUT_PRECISION}`);
      } else if (type.decimal[0] > MAX_SUM_INPUT_PRECISION) {
        add(`sum over ${typeName(type)} column '${a.column as string}' is not supported yet; the precision must be at most ${MAX_SUM_INPUT_PRECISION}`);
      }
    } else {
      add(`aggregate function ${quote(a.fn)} is not supported yet; use count('*') and sum(<decimal column>)`);
    }
  }
}

function checkSink(spec: Pick<QuerySpec, 'sink'>, add: Add): void {
  const sink = spec.sink;
  if (sink === undefined || sink === null) {
    add("the query has no sink: use writeStream.format('delta')");
    return;
  }
  if (sink.format !== 'delta') add(`sink format ${quote(sink.format)} is not supported yet; use 'delta'`);
  if (typeof sink.path !== 'string' || sink.path.trim() === '') add("no output path: call start('<table path>')");
  if (typeof sink.checkpointLocation !== 'string' || sink.checkpointLocation.trim() === '') {
    add("no checkpoint location: set option('checkpointLocation', '<path>') on writeStream");
  }
  const mode = sink.outputMode;
  if (mode === 'update') {
    add('Data source delta does not support Update output mode (as in Spark, the Delta sink refuses it); use append or complete');
  } else if (mode !== 'complete' && mode !== 'append') {
    add(`unknown output mode ${quote(mode)}; use append, complete or update`);
  }
}

function checkTrigger(spec: Pick<QuerySpec, 'trigger'>, duration: Duration, add: Add): void {
  const trigger = spec.trigger;
  if (trigger === undefined || trigger === null) {
    add('the query has no trigger');
  } else if (trigger.kind === 'processingTime') {
    duration(trigger.interval, 'trigger interval');
  } else if (trigger.kind !== 'availableNow') {
    add(`trigger ${quote((trigger as { kind: unknown }).kind)} is not supported yet; use { processingTime: '<interval>' } or { availableNow: true }`);
  }
}

function checkOptions(spec: Pick<QuerySpec, 'sink' | 'options'>, duration: Duration, add: Add): void {
  const opts = spec.options;
  if (opts === undefined || opts === null) {
    add('the query has no options object');
    return;
  }
  const p = opts.shufflePartitions;
  if (p !== undefined && !(Number.isInteger(p) && p >= 1 && p <= MAX_SHUFFLE_PARTITIONS)) {
    add(`shufflePartitions must be an integer in 1..${MAX_SHUFFLE_PARTITIONS}, got ${JSON.stringify(p)}`);
  }
  if (opts.badRecords !== undefined && !['quarantine', 'fail', 'drop'].includes(opts.badRecords)) {
    add(`badRecords must be 'quarantine', 'fail' or 'drop', got ${JSON.stringify(opts.badRecords)}`);
  }
  if (opts.lateRows !== undefined && !['drop', 'table'].includes(opts.lateRows)) {
    add(`lateRows must be 'drop' or 'table', got ${JSON.stringify(opts.lateRows)}`);
  }
  const m = opts.maxValueBytes;
  if (m !== undefined && !(Number.isSafeInteger(m) && m > 0)) add(`maxValueBytes must be a positive integer, got ${JSON.stringify(m)}`);
  if (opts.maxEventTimeAhead !== undefined) {
    const ahead = duration(opts.maxEventTimeAhead, 'maxEventTimeAhead');
    if (ahead !== undefined && ahead <= 0) add(`maxEventTimeAhead must be positive, got '${opts.maxEventTimeAhead}'`);
  }
  let pathsTyped = true;
  for (const key of ['quarantinePath', 'lateRowsPath'] as const) {
    const p = opts[key];
    if (p === undefined) continue;
    if (typeof p !== 'string' || p.trim() === '') { add(`${key} must be a table path, got ${JSON.stringify(p)}`); pathsTyped = false; }
  }
  if (pathsTyped) for (const p of pathRuleProblems(specPaths(spec))) add(p);
}

function checkOutputColumns(spec: QuerySpec, add: Add): void {
  const columns = outputSchema({
    ...spec,
    parse: { ...spec.parse, schema: Array.isArray(spec.parse?.schema) ? spec.parse.schema : [] },
    withColumns: Array.isArray(spec.withColumns) ? spec.withColumns : undefined,
  });
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c.name !== 'string' || c.name === '') {
      add(`an output column has no name (${JSON.stringify(c.name)}); give each aggregate an alias`);
      continue;
    }
    if (seen.has(c.name)) add(`output column '${c.name}' appears twice`);
    seen.add(c.name);
    if ([...c.name].some((ch) => DELTA_INVALID_NAME_CHARS.includes(ch))) {
      add(`output column name ${JSON.stringify(c.name)} contains invalid character(s) among ' ,;{}()\\n\\t=' that Delta refuses; give it an alias`);
    }
  }
  const partitionBy: unknown = spec.sink?.partitionBy;
  const derived: unknown = spec.withColumns;
  if (derived !== undefined && !Array.isArray(derived)) add(`withColumns must be a list, got ${JSON.stringify(derived)}`);
  const derivedList = Array.isArray(derived) ? (derived as DerivedColumnSpec[]) : [];
  for (const d of derivedList) {
    for (const p of derivedExprProblems(d.name, d.expr)) add(p);
    if (!Array.isArray(partitionBy) || !partitionBy.includes(d.name)) {
      add(`withColumn('${d.name}') is only supported for partition columns yet; add it to partitionBy`);
    }
  }
  if (partitionBy === undefined) return;
  if (!Array.isArray(partitionBy)) {
    add(`partitionBy must be a list of column names, got ${JSON.stringify(partitionBy)}`);
    return;
  }
  if (new Set(partitionBy).size !== partitionBy.length) add(`partitionBy names a column twice: ${JSON.stringify(partitionBy)}`);
  if (partitionBy.length > 0 && partitionBy.length >= columns.length) add('cannot use all columns for partition columns (Delta needs at least one data column)');
  for (const name of partitionBy) {
    const col = columns.find((c) => c.name === name);
    if (col === undefined) {
      add(`partitionBy column ${quote(name)} is not an output column; output columns: ${columns.map((c) => c.name).join(', ')}`);
    } else if (typeof col.type === 'object' && 'struct' in col.type) {
      add(`partitionBy column '${name}' is a struct; Delta partition columns must be of a primitive type`);
    }
  }
}
