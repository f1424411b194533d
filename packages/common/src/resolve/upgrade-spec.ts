/**
 * A version 1 spec (plan/query-spec.ts, still sent by today's client) as the version 2 plan that
 * means the same query:
 *
 *   select(from_json(CAST(value AS STRING), schema).alias('data')).select('data.*')
 *   [.withWatermark(column, delay)]
 *   .groupBy(window(col(column), duration[, slide]), keys…).agg(count('*').alias(a) | sum(col).alias(a), …)
 *   .withColumn(name, to_date(col) | date_format(col, pattern) | hour(col)), …
 *
 * with the parse time zone as the session time zone.
 */
import type { ExprSpec, LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import type { DerivedExpr, FieldType, QuerySpec } from '../plan/query-spec';
import { BOOLEAN, decimalType, DOUBLE, INT, LONG, sqlField, STRING, TIMESTAMP, type SqlType } from '../schema/sql-type';

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
          schema: v1.parse.schema.map((f) => sqlField(f.name, fieldType(f.type), f.nullable)),
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
    options: { ...v1.options, timeZone: v1.parse.timeZone },
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
