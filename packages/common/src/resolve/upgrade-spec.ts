/**
 * A version 1 spec (plan/query-spec.ts: JSON files given to `tributary submit`, specs of earlier
 * clients) as the version 2 plan that means the same query:
 *
 *   select(from_json(CAST(value AS STRING), schema).alias('data')).select('data.*')
 *   [.withWatermark(column, delay)]
 *   .groupBy(window(col(column), duration[, slide]), keys…).agg(count('*').alias(a) | sum(col).alias(a), …)
 *   .withColumn(name, to_date(col) | date_format(col, pattern) | hour(col)), …
 *
 * with the parse time zone as the session time zone. The driver runs every spec as version 2
 * (asVersion2), so a version 1 spec is resolved, refused and run exactly as the plan it upgrades to.
 */
import type { ExprSpec, LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import type { DerivedExpr, FieldType, QuerySpec } from '../plan/query-spec';
import { BOOLEAN, decimalType, DOUBLE, INT, LONG, sqlField, STRING, TIMESTAMP, type SqlType } from '../schema/sql-type';
import { QueryResolutionError } from './problem';

/**
 * The version 2 spec of a submitted document: a version 2 spec as it is (the resolver checks it),
 * a version 1 spec upgraded. A version 1 spec whose parts upgradeSpec reads are misshapen is
 * refused here (QueryResolutionError naming each part); what it means is the resolver's to judge.
 */
export function asVersion2(spec: unknown): QuerySpecV2 {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new QueryResolutionError(['the query spec is not an object']);
  if ((spec as { version?: unknown }).version !== 1) return spec as QuerySpecV2;
  const problems = v1ShapeProblems(spec as Record<string, unknown>);
  if (problems.length > 0) throw new QueryResolutionError(problems);
  return upgradeSpec(spec as QuerySpec);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parts of a version 1 spec that upgradeSpec reads, not of the kind it expects. */
function v1ShapeProblems(spec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const want = (ok: boolean, where: string, what: string, got: unknown): void => {
    if (!ok) problems.push(`${where} must be ${what}, got ${JSON.stringify(got) ?? 'nothing'}`);
  };
  const each = (list: unknown, where: string, ok: (v: Record<string, unknown>) => boolean, what: string, optional = false): void => {
    if (optional && (list === undefined || list === null)) return;
    want(Array.isArray(list), where, 'a list', list);
    if (Array.isArray(list)) list.forEach((v, i) => want(isObject(v) && ok(v), `${where}[${i}]`, what, v));
  };
  const fieldType = (t: unknown): boolean => ['int', 'long', 'string', 'timestamp', 'double', 'boolean'].includes(t as string)
    || (isObject(t) && Array.isArray(t.decimal) && t.decimal.length === 2 && t.decimal.every((n) => Number.isInteger(n)));
  for (const part of ['source', 'sink', 'trigger', 'options'] as const) want(isObject(spec[part]), part, 'an object', spec[part]);
  const parse = spec.parse;
  want(isObject(parse), 'parse', "an object { format: 'json', schema, timeZone }", parse);
  if (isObject(parse)) {
    each(parse.schema, 'parse.schema', (f) => typeof f.name === 'string' && fieldType(f.type),
      "a field { name: '<column>', type: 'int' | 'long' | 'string' | 'timestamp' | 'double' | 'boolean' | { decimal: [p, s] }, nullable }");
    want(parse.timeZone === undefined || typeof parse.timeZone === 'string', 'parse.timeZone', 'a time zone', parse.timeZone);
  }
  const wm = spec.watermark;
  if (wm !== undefined && wm !== null) want(isObject(wm) && typeof wm.column === 'string' && typeof wm.delay === 'string', 'watermark', '{ column, delay }', wm);
  const agg = spec.aggregation;
  want(isObject(agg), 'aggregation', 'an object { window, keys, aggregates } (a version 1 spec always aggregates)', agg);
  if (isObject(agg)) {
    const w = agg.window;
    want(isObject(w) && typeof w.column === 'string' && typeof w.duration === 'string' && (w.slide === undefined || typeof w.slide === 'string'),
      'aggregation.window', '{ column, duration[, slide] }', w);
    want(Array.isArray(agg.keys) && agg.keys.every((k) => typeof k === 'string'), 'aggregation.keys', 'a list of column names', agg.keys);
    each(agg.aggregates, 'aggregation.aggregates', (a) => typeof a.alias === 'string' && (a.fn === 'count' || (a.fn === 'sum' && typeof a.column === 'string')),
      "an aggregate { fn: 'count', column: '*', alias } or { fn: 'sum', column, alias }");
  }
  each(spec.withColumns, 'withColumns', (d) => typeof d.name === 'string' && isObject(d.expr) && typeof d.expr.column === 'string'
    && (d.expr.fn === 'to_date' || d.expr.fn === 'hour' || (d.expr.fn === 'date_format' && typeof d.expr.format === 'string')),
  "a derived column { name, expr: { fn: 'to_date' | 'hour' | 'date_format', column[, format] } }", true);
  return problems;
}

/** Name of the parsed struct column in the upgraded plan (its fields become the columns at once). */
const PARSED = 'data';

export function upgradeSpec(v1: QuerySpec): QuerySpecV2 {
  const col = (name: string): ExprSpec => ({ kind: 'col', name });
  const plan: LogicalOp[] = [
    {
      op: 'select',
      exprs: [{
        kind: 'alias',
        name: PARSED,
        expr: {
          kind: 'fromJson',
          expr: { kind: 'cast', expr: col('value'), to: STRING },
          schema: v1.parse.schema.map((f) => sqlField(f.name, fieldType(f.type), f.nullable ?? true)),
        },
      }],
    },
    { op: 'select', exprs: [col(`${PARSED}.*`)] },
  ];
  if (v1.watermark !== undefined && v1.watermark !== null) plan.push({ op: 'withWatermark', column: v1.watermark.column, delay: v1.watermark.delay });
  const win = v1.aggregation.window;
  plan.push({
    op: 'aggregate',
    keys: [
      { kind: 'window', column: col(win.column), duration: win.duration, ...(win.slide === undefined ? {} : { slide: win.slide }) },
      ...v1.aggregation.keys.map(col),
    ],
    aggregates: v1.aggregation.aggregates.map((a): ExprSpec => ({
      kind: 'alias',
      name: a.alias,
      expr: { kind: 'call', fn: a.fn, args: a.fn === 'count' ? [] : [col(a.column)] },
    })),
  });
  for (const d of v1.withColumns ?? []) plan.push({ op: 'withColumn', name: d.name, expr: derived(d.expr) });
  return {
    version: 2,
    ...(v1.name === undefined ? {} : { name: v1.name }),
    source: v1.source,
    plan,
    sink: v1.sink,
    trigger: v1.trigger,
    options: { ...v1.options, timeZone: v1.parse.timeZone ?? 'UTC' },
  };
}

function fieldType(t: FieldType): SqlType {
  if (typeof t === 'object') return decimalType(t.decimal[0], t.decimal[1]);
  switch (t) {
    case 'int': return INT;
    case 'long': return LONG;
    case 'string': return STRING;
    case 'timestamp': return TIMESTAMP;
    case 'double': return DOUBLE;
    case 'boolean': return BOOLEAN;
  }
}

function derived(e: DerivedExpr): ExprSpec {
  const column: ExprSpec = { kind: 'col', name: e.column };
  switch (e.fn) {
    case 'to_date': return { kind: 'call', fn: 'to_date', args: [column] };
    case 'hour': return { kind: 'call', fn: 'hour', args: [column] };
    case 'date_format': return { kind: 'call', fn: 'date_format', args: [column, { kind: 'lit', value: e.format }] };
  }
}
