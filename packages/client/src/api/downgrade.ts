/**
 * A version 2 spec (plan/logical-plan.ts) as the version 1 spec (plan/query-spec.ts) the driver
 * runs today, when the plan has the one shape v1 expresses:
 *
 *   select(from_json(CAST(value AS STRING), schema) AS n)   fields of int, bigint, double, string,
 *                                                           boolean, decimal, timestamp
 *   select('n.*' | 'n.f', …)
 *   [select(columns by name) | withWatermark(column, delay)]…   (at most one watermark)
 *   aggregate(keys: window(col, duration[, slide]), then top-level columns;
 *             aggregates: count('*'), sum(col), aliased or not)
 *   withColumn(name, to_date | hour (window.start|end) | date_format(window.start|end, 'pattern'))…
 *
 * The v1 aggregate aliases are the columns' names (an unaliased count('*') is 'count(1)'); the
 * query's time zone becomes the parse's.
 */
import type {
  AggregateFn, DerivedExpr, ExprSpec, FieldSpec, FieldType, LogicalOp, QuerySpec, QuerySpecV2, SqlField, SqlType, WatermarkSpec, WindowSpec,
} from '@tributary/common';
import { columnName } from './column-name';
import { seedSchemaProblem } from '@tributary/common';

/** The v1 spec of `spec`, or null when its plan is not expressible in v1. */
export function downgradeToV1(spec: QuerySpecV2): QuerySpec | null {
  const result = toV1(spec);
  return 'spec' in result ? result.spec : null;
}

/** The v1 spec of `spec`, or why it has none. */
export function toV1(spec: QuerySpecV2): { spec: QuerySpec } | { reason: string } {
  try {
    const v1 = downgrade(spec);
    // Version 1 runs only the seed's fields and grouping (plan/seed-shape.ts); anything else goes as v2.
    const seed = seedSchemaProblem(v1);
    return seed === null ? { spec: v1 } : { reason: seed };
  } catch (e) {
    if (e instanceof NotV1) return { reason: e.message };
    throw e;
  }
}

class NotV1 extends Error {}

function no(reason: string): never {
  throw new NotV1(reason);
}

function downgrade(spec: QuerySpecV2): QuerySpec {
  const ops = spec.plan;
  let at = 0;
  const next = (): LogicalOp | undefined => ops[at];

  const parse = parsedStruct(next());
  at += 1;
  let columns = selectFields(parse.name, parse.fields, next());
  at += 1;

  let watermark: WatermarkSpec | undefined;
  for (let op = next(); op !== undefined && op.op !== 'aggregate'; op = next()) {
    if (op.op === 'withWatermark' && watermark === undefined) watermark = { column: op.column, delay: op.delay };
    else if (op.op === 'select') columns = selectByName(columns, op.exprs);
    else no(`${op.op} before the aggregation`);
    at += 1;
  }

  const aggOp = next();
  if (aggOp === undefined || aggOp.op !== 'aggregate') no('no aggregation');
  at += 1;
  const aggregation = aggregationOf(aggOp);

  const outputNames = [columnName(aggOp.keys[0]), ...aggregation.keys, ...aggregation.aggregates.map((a) => a.alias)];
  const withColumns: QuerySpec['withColumns'] = [];
  for (let op = next(); op !== undefined; op = next()) {
    if (op.op !== 'withColumn') no(`${op.op} after the aggregation`);
    if (outputNames.includes(op.name)) no(`withColumn('${op.name}') replacing a column`);
    withColumns.push({ name: op.name, expr: derivedExpr(op.expr) });
    outputNames.push(op.name);
    at += 1;
  }

  const { timeZone, ...options } = spec.options;
  const v1: QuerySpec = {
    version: 1,
    source: structuredClone(spec.source),
    parse: { format: 'json', schema: columns, timeZone: timeZone ?? 'UTC' },
    aggregation,
    sink: structuredClone(spec.sink),
    trigger: structuredClone(spec.trigger),
    options: structuredClone(options),
  };
  if (spec.name !== undefined) v1.name = spec.name;
  if (watermark !== undefined) v1.watermark = watermark;
  if (withColumns.length > 0) v1.withColumns = withColumns;
  return v1;
}

/** select(from_json(CAST(value AS STRING), schema) AS name). */
function parsedStruct(op: LogicalOp | undefined): { name: string; fields: FieldSpec[] } {
  if (op === undefined || op.op !== 'select' || op.exprs.length !== 1) no('the plan does not start with select(fromJson(...).alias(...))');
  const e = op.exprs[0];
  if (e.kind !== 'alias' || e.expr.kind !== 'fromJson') no('the plan does not start with select(fromJson(...).alias(...))');
  const input = e.expr.expr;
  if (!(input.kind === 'cast' && input.to.kind === 'string' && input.expr.kind === 'col' && input.expr.name === 'value')) {
    no("fromJson does not parse col('value').cast('string')");
  }
  return { name: e.name, fields: e.expr.schema.map(fieldSpec) };
}

function fieldSpec(f: SqlField): FieldSpec {
  return { name: f.name, type: fieldType(f.type, f.name), nullable: f.nullable };
}

function fieldType(t: SqlType, name: string): FieldType {
  switch (t.kind) {
    case 'int': case 'long': case 'double': case 'string': case 'boolean': case 'timestamp': return t.kind;
    case 'decimal': return { decimal: [t.precision, t.scale] };
    default: return no(`field '${name}' has type ${t.kind}`);
  }
}

/** select('n.*') / select('n.a', 'n.b'): the parsed fields, in order. */
function selectFields(struct: string, fields: FieldSpec[], op: LogicalOp | undefined): FieldSpec[] {
  if (op === undefined || op.op !== 'select') return no(`the parsed struct '${struct}' is not expanded with select('${struct}.*')`);
  const out: FieldSpec[] = [];
  for (const e of op.exprs) {
    if (e.kind !== 'col') no(`select(${columnName(e)}) on the parsed struct`);
    if (e.name === `${struct}.*`) out.push(...fields);
    else if (e.name.startsWith(`${struct}.`)) out.push(field(fields, e.name.slice(struct.length + 1)));
    else no(`select('${e.name}') on the parsed struct`);
  }
  return unique(out);
}

/** select of top-level columns by name on the parsed rows. */
function selectByName(columns: FieldSpec[], exprs: readonly ExprSpec[]): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const e of exprs) {
    if (e.kind !== 'col' || e.name.includes('.')) no(`select(${columnName(e)}) of a computed or nested column`);
    if (e.name === '*') out.push(...columns);
    else out.push(field(columns, e.name));
  }
  return unique(out);
}

function field(fields: FieldSpec[], name: string): FieldSpec {
  const f = fields.find((x) => x.name === name);
  if (f === undefined) no(`no column '${name}'`);
  return { ...f };
}

function unique(fields: FieldSpec[]): FieldSpec[] {
  const names = new Set(fields.map((f) => f.name));
  if (names.size !== fields.length) no('a column is selected twice');
  return fields;
}

function aggregationOf(op: Extract<LogicalOp, { op: 'aggregate' }>): QuerySpec['aggregation'] {
  const [first, ...rest] = op.keys;
  if (first === undefined || first.kind !== 'window') no('the first grouping key is not a window');
  if (first.column.kind !== 'col' || first.column.name.includes('.')) no('the window is not over a top-level column');
  if (first.startTime !== undefined) no('the window has a startTime');
  const window: WindowSpec = { column: first.column.name, duration: first.duration };
  if (first.slide !== undefined) window.slide = first.slide;
  const keys = rest.map((k) => {
    if (k.kind !== 'col' || k.name.includes('.') || k.name.endsWith('*')) no(`grouping by ${columnName(k)}`);
    return k.name;
  });
  const aggregates = op.aggregates.map(aggregateFn);
  return { window, keys, aggregates };
}

function aggregateFn(e: ExprSpec): AggregateFn {
  const alias = columnName(e);
  const inner = e.kind === 'alias' ? e.expr : e;
  if (inner.kind === 'call' && inner.fn === 'count' && inner.args.length === 0) return { fn: 'count', column: '*', alias };
  if (inner.kind === 'call' && inner.fn === 'sum' && inner.args.length === 1) {
    const arg = inner.args[0];
    if (arg.kind === 'col' && !arg.name.includes('.') && !arg.name.endsWith('*')) return { fn: 'sum', column: arg.name, alias };
  }
  return no(`the aggregate ${alias}`);
}

const WINDOW_BOUNDS = ['window.start', 'window.end'];

function derivedExpr(e: ExprSpec): DerivedExpr {
  if (e.kind !== 'call') return no(`withColumn of ${columnName(e)}`);
  const [arg, format] = e.args;
  if (arg === undefined || arg.kind !== 'col' || !WINDOW_BOUNDS.includes(arg.name)) no(`withColumn of ${columnName(e)}`);
  if ((e.fn === 'to_date' || e.fn === 'hour') && e.args.length === 1) return { fn: e.fn, column: arg.name };
  if (e.fn === 'date_format' && e.args.length === 2 && format.kind === 'lit' && typeof format.value === 'string' && format.type === undefined) {
    return { fn: 'date_format', column: arg.name, format: format.value };
  }
  return no(`withColumn of ${columnName(e)}`);
}
