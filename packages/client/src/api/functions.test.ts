import assert from 'node:assert/strict';
import { InvalidArgumentError, type ExprSpec } from '@tributary/common';
import type { Column } from './column';
import * as F from './functions';
import { col, lit } from './functions';
import { DecimalType, IntegerType, StringType, StructField, StructType, TimestampType } from './types';

const a: ExprSpec = { kind: 'col', name: 'a' };
const b: ExprSpec = { kind: 'col', name: 'b' };
const ts: ExprSpec = { kind: 'col', name: 'ts' };
const text = (value: string): ExprSpec => ({ kind: 'lit', value });
const int = (value: number): ExprSpec => ({ kind: 'lit', value });

function refuses(call: () => unknown, message: string): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe('functions build the plan with Spark SQL names', () => {
  // [call, built column, expected ExprSpec, Spark's generated column name]
  const cases: [string, Column, ExprSpec, string][] = [
    ["col('a')", F.col('a'), a, 'a'],
    ["column('a')", F.column('a'), a, 'a'],
    ["col('data.a') (a struct field)", F.col('data.a'), { kind: 'col', name: 'data.a' }, 'a'],
    ["coalesce('a', col('b'), lit(0))", F.coalesce('a', col('b'), lit(0)), { kind: 'call', fn: 'coalesce', args: [a, b, int(0)] }, 'coalesce(a, b, 0)'],
    ["not('a')", F.not('a'), { kind: 'call', fn: 'not', args: [a] }, '(NOT a)'],
    ["isnull('a')", F.isnull('a'), { kind: 'call', fn: 'isnull', args: [a] }, '(a IS NULL)'],
    ["isnotnull('a')", F.isnotnull('a'), { kind: 'call', fn: 'isnotnull', args: [a] }, '(a IS NOT NULL)'],
    ["lower('a')", F.lower('a'), { kind: 'call', fn: 'lower', args: [a] }, 'lower(a)'],
    ["upper('a')", F.upper('a'), { kind: 'call', fn: 'upper', args: [a] }, 'upper(a)'],
    ["trim('a')", F.trim('a'), { kind: 'call', fn: 'trim', args: [a] }, 'trim(a)'],
    ["substring('a', 2, 3)", F.substring('a', 2, 3), { kind: 'call', fn: 'substring', args: [a, int(2), int(3)] }, 'substring(a, 2, 3)'],
    ["concat('a', lit('-'), 'b')", F.concat('a', lit('-'), 'b'), { kind: 'call', fn: 'concat', args: [a, text('-'), b] }, 'concat(a, -, b)'],
    ["length('a')", F.length('a'), { kind: 'call', fn: 'length', args: [a] }, 'length(a)'],
    ["abs('a')", F.abs('a'), { kind: 'call', fn: 'abs', args: [a] }, 'abs(a)'],
    ["negative('a')", F.negative('a'), { kind: 'call', fn: 'negative', args: [a] }, '(- a)'],
    ["round('a') (scale 0, as Spark)", F.round('a'), { kind: 'call', fn: 'round', args: [a, int(0)] }, 'round(a, 0)'],
    ["round('a', 2)", F.round('a', 2), { kind: 'call', fn: 'round', args: [a, int(2)] }, 'round(a, 2)'],
    ["toDate('ts')", F.toDate('ts'), { kind: 'call', fn: 'to_date', args: [ts] }, 'to_date(ts)'],
    ["toDate('s', 'dd/MM/yyyy')", F.toDate('s', 'dd/MM/yyyy'), { kind: 'call', fn: 'to_date', args: [{ kind: 'col', name: 's' }, text('dd/MM/yyyy')] }, 'to_date(s, dd/MM/yyyy)'],
    ["dateTrunc('hour', 'ts') (format first)", F.dateTrunc('hour', 'ts'), { kind: 'call', fn: 'date_trunc', args: [text('hour'), ts] }, 'date_trunc(hour, ts)'],
    ["hour('ts')", F.hour('ts'), { kind: 'call', fn: 'hour', args: [ts] }, 'hour(ts)'],
    ["dayofweek('ts')", F.dayofweek('ts'), { kind: 'call', fn: 'dayofweek', args: [ts] }, 'dayofweek(ts)'],
    ["dateFormat('ts', 'yyyy-MM-dd')", F.dateFormat('ts', 'yyyy-MM-dd'), { kind: 'call', fn: 'date_format', args: [ts, text('yyyy-MM-dd')] }, 'date_format(ts, yyyy-MM-dd)'],
    ["getJsonObject('v', '$.a.b')", F.getJsonObject('v', '$.a.b'), { kind: 'call', fn: 'get_json_object', args: [{ kind: 'col', name: 'v' }, text('$.a.b')] }, 'get_json_object(v, $.a.b)'],
    ["window('ts', '5 minutes')", F.window('ts', '5 minutes'), { kind: 'window', column: ts, duration: '5 minutes' }, 'window'],
    ["window(col('ts'), '10 minutes', '1 minute', '30 seconds')", F.window(col('ts'), '10 minutes', '1 minute', '30 seconds'),
      { kind: 'window', column: ts, duration: '10 minutes', slide: '1 minute', startTime: '30 seconds' }, 'window'],
    ["sessionWindow('ts', '5 minutes')", F.sessionWindow('ts', '5 minutes'), { kind: 'call', fn: 'session_window', args: [ts, text('5 minutes')] }, 'session_window'],
    ["count('*')", F.count('*'), { kind: 'call', fn: 'count', args: [] }, 'count(1)'],
    ["count(col('*'))", F.count(col('*')), { kind: 'call', fn: 'count', args: [] }, 'count(1)'],
    ["count('a')", F.count('a'), { kind: 'call', fn: 'count', args: [a] }, 'count(a)'],
    ["sum('a')", F.sum('a'), { kind: 'call', fn: 'sum', args: [a] }, 'sum(a)'],
    ["sum(col('a').multiply(col('b')))", F.sum(col('a').multiply(col('b'))), { kind: 'call', fn: 'sum', args: [{ kind: 'call', fn: '*', args: [a, b] }] }, 'sum((a * b))'],
    ["avg('a')", F.avg('a'), { kind: 'call', fn: 'avg', args: [a] }, 'avg(a)'],
    ["mean('a') (Spark's avg)", F.mean('a'), { kind: 'call', fn: 'avg', args: [a] }, 'avg(a)'],
    ["min('a')", F.min('a'), { kind: 'call', fn: 'min', args: [a] }, 'min(a)'],
    ["max('a')", F.max('a'), { kind: 'call', fn: 'max', args: [a] }, 'max(a)'],
    ["approxCountDistinct('a')", F.approxCountDistinct('a'), { kind: 'call', fn: 'approx_count_distinct', args: [a] }, 'approx_count_distinct(a)'],
    ["approxCountDistinct('a', 0.01)", F.approxCountDistinct('a', 0.01),
      { kind: 'call', fn: 'approx_count_distinct', args: [a, { kind: 'lit', value: '0.01', type: { kind: 'double' } }] }, 'approx_count_distinct(a)'],
  ];
  for (const [what, column, expr, name] of cases) {
    it(`${what}: ${name}`, () => {
      assert.deepEqual(column.expr, expr);
      assert.equal(column.outputName(), name);
    });
  }

  it("from_json(col('value').cast('string'), schema) carries the schema as SqlFields", () => {
    const schema = new StructType([
      new StructField('id', IntegerType(), false),
      new StructField('price', DecimalType(12, 2)),
      new StructField('user', new StructType([new StructField('name', StringType())])),
      new StructField('ts', TimestampType()),
    ]);
    const parsed = F.fromJson(col('value').cast('string'), schema).alias('data');
    assert.deepEqual(parsed.expr, {
      kind: 'alias',
      name: 'data',
      expr: {
        kind: 'fromJson',
        expr: { kind: 'cast', expr: { kind: 'col', name: 'value' }, to: { kind: 'string' } },
        schema: [
          { name: 'id', type: { kind: 'int' }, nullable: false },
          { name: 'price', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true },
          { name: 'user', type: { kind: 'struct', fields: [{ name: 'name', type: { kind: 'string' }, nullable: true }] }, nullable: true },
          { name: 'ts', type: { kind: 'timestamp' }, nullable: true },
        ],
      },
    });
    assert.equal(parsed.jsonTimeZone, undefined);
    assert.equal(F.fromJson('v', schema, { timeZone: '+02:00' }).alias('d').jsonTimeZone, '+02:00');
  });

  it('the snake_case names are the camelCase functions', () => {
    const pairs: [unknown, unknown][] = [
      [F.to_date, F.toDate], [F.date_trunc, F.dateTrunc], [F.date_format, F.dateFormat], [F.get_json_object, F.getJsonObject],
      [F.from_json, F.fromJson], [F.approx_count_distinct, F.approxCountDistinct], [F.session_window, F.sessionWindow],
    ];
    for (const [snake, camel] of pairs) assert.equal(snake, camel);
    assert.deepEqual(F.to_date('ts').expr, { kind: 'call', fn: 'to_date', args: [ts] });
  });
});

describe('functions refused by name', () => {
  const cases: [string, () => unknown, string][] = [
    ['countDistinct', () => F.countDistinct(), 'countDistinct is not supported; distinct aggregations are not supported on streaming DataFrames, as in Spark; use approxCountDistinct (Step 8)'],
    ['count_distinct', () => F.count_distinct(), 'count_distinct is not supported; distinct aggregations are not supported on streaming DataFrames, as in Spark; use approx_count_distinct (Step 8)'],
    ['expr', () => F.expr(), 'expr is not supported yet; build the expression with functions and Column methods (or write the query as SQL with spark.sql(…))'],
    ['fromJson with a DDL string naming a type Tributary has not', () => F.fromJson('v', 'a FLOAT'), "type 'float' (in 'struct<a FLOAT>') is not supported yet; use double"],
    ['fromJson with another option', () => F.fromJson('v', new StructType(), { mode: 'FAILFAST' }), "fromJson option 'mode' is not supported yet; only timeZone is understood"],
    ['two fromJson time zones in one expression', () => F.coalesce(F.fromJson('v', new StructType(), { timeZone: 'UTC' }), F.fromJson('w', new StructType(), { timeZone: '+01:00' })),
      'fromJson with different timeZone options (UTC, +01:00) is not supported yet; use one time zone'],
    ['a window without a duration', () => F.window('ts', ''), "window duration must be a duration such as '10 minutes', got "],
    ['substring with a fractional position', () => F.substring('a', 1.5, 2), 'substring(a, 1.5, 2): pos and len must be integers'],
    ['col without a name', () => F.col(''), 'col needs a column name'],
    ['a non-Column condition in when', () => F.when('a > 1' as never, 1), 'when needs a Column, got a > 1'],
  ];
  for (const [what, call, message] of cases) {
    it(`refuses ${what}`, () => refuses(call, message));
  }
});
