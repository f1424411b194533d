import assert from 'node:assert/strict';
import { InvalidArgumentError, type ExprSpec, type LogicalOp, type SqlField } from '@tributary/common';
import { avg, coalesce, col, count, fromJson, lit, lower, max, min, sum, toDate, when, window } from './functions';
import { TributarySession } from './session';
import { DecimalType, IntegerType, StringType, StructField, StructType, TimestampType } from './types';

const spark = TributarySession.builder().getOrCreate();
const kafka = () => spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'k:9092').option('subscribe', 'events').load();

const schema = new StructType([
  new StructField('user_id', StringType()),
  new StructField('kind', StringType()),
  new StructField('price', DecimalType(12, 2)),
  new StructField('ts', TimestampType()),
]);
const schemaFields: SqlField[] = [
  { name: 'user_id', type: { kind: 'string' }, nullable: true },
  { name: 'kind', type: { kind: 'string' }, nullable: true },
  { name: 'price', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true },
  { name: 'ts', type: { kind: 'timestamp' }, nullable: true },
];
const parseExpr: ExprSpec = {
  kind: 'alias', name: 'data',
  expr: { kind: 'fromJson', expr: { kind: 'cast', expr: { kind: 'col', name: 'value' }, to: { kind: 'string' } }, schema: schemaFields },
};
const parseOp: LogicalOp = { op: 'select', exprs: [parseExpr] };
const expandOp: LogicalOp = { op: 'select', exprs: [{ kind: 'col', name: 'data.*' }] };
const parsed = () => kafka().select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*');
const c = (name: string): ExprSpec => ({ kind: 'col', name });

function refuses(call: () => unknown, message: string): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe('DataFrame operations build LogicalOps', () => {
  it('the Kafka source has no operations and the Kafka columns', () => {
    assert.deepEqual(kafka().logicalPlan, []);
    assert.deepEqual(kafka().columns, ['key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'timestampType', 'headers']);
  });

  it("select(fromJson(...).alias('data')).select('data.*') parses the value and expands the struct", () => {
    const df = parsed();
    assert.deepEqual(df.logicalPlan, [parseOp, expandOp]);
    assert.deepEqual(df.columns, ['user_id', 'kind', 'price', 'ts']);
  });

  it('select keeps Kafka columns beside the parsed struct, with names as Spark gives them', () => {
    const df = kafka().select(col('key').cast('string'), 'topic', fromJson(col('value').cast('string'), schema).alias('data'), col('timestamp').alias('kafka_ts'))
      .select('*', 'data.price');
    assert.deepEqual(df.logicalPlan[0], {
      op: 'select',
      exprs: [{ kind: 'cast', expr: c('key'), to: { kind: 'string' } }, c('topic'), parseExpr, { kind: 'alias', expr: c('timestamp'), name: 'kafka_ts' }],
    });
    assert.deepEqual(df.logicalPlan[1], { op: 'select', exprs: [c('*'), c('data.price')] });
    assert.deepEqual(df.columns, ['key', 'topic', 'data', 'kafka_ts', 'price']);
  });

  it('select takes a list, as PySpark', () => {
    assert.deepEqual(parsed().select(['kind', col('price')]).logicalPlan[2], { op: 'select', exprs: [c('kind'), c('price')] });
  });

  it('withColumn appends a new column and replaces one of the same name in place', () => {
    const df = parsed().withColumn('day', toDate(col('ts'))).withColumn('price', col('price').multiply(2));
    assert.deepEqual(df.logicalPlan.slice(2), [
      { op: 'withColumn', name: 'day', expr: { kind: 'call', fn: 'to_date', args: [c('ts')] } },
      { op: 'withColumn', name: 'price', expr: { kind: 'call', fn: '*', args: [c('price'), { kind: 'lit', value: 2 }] } },
    ]);
    assert.deepEqual(df.columns, ['user_id', 'kind', 'price', 'ts', 'day']);
  });

  it('withColumnRenamed and drop, both no-ops for missing names as in Spark', () => {
    const df = parsed().withColumnRenamed('kind', 'event_kind').withColumnRenamed('nope', 'x').drop('user_id', col('nope'));
    assert.deepEqual(df.logicalPlan.slice(2), [
      { op: 'withColumnRenamed', from: 'kind', to: 'event_kind' },
      { op: 'withColumnRenamed', from: 'nope', to: 'x' },
      { op: 'drop', columns: ['user_id', 'nope'] },
    ]);
    assert.deepEqual(df.columns, ['event_kind', 'price', 'ts']);
  });

  it('dropDuplicates (names as a list or as arguments), drop_duplicates, distinct and dropDuplicatesWithinWatermark build dropDuplicates', () => {
    const last = (ops: readonly LogicalOp[]): LogicalOp => ops[ops.length - 1];
    const w = parsed().withWatermark('ts', '1 minute');
    assert.deepEqual(last(w.dropDuplicates(['user_id', 'ts']).framePlan().plan), { op: 'dropDuplicates', columns: ['user_id', 'ts'], withinWatermark: false });
    assert.deepEqual(last(w.drop_duplicates('user_id', 'ts').framePlan().plan), { op: 'dropDuplicates', columns: ['user_id', 'ts'], withinWatermark: false });
    assert.deepEqual(last(w.dropDuplicates().framePlan().plan), { op: 'dropDuplicates', columns: null, withinWatermark: false });
    assert.deepEqual(last(w.distinct().framePlan().plan), { op: 'dropDuplicates', columns: null, withinWatermark: false });
    assert.deepEqual(last(w.dropDuplicatesWithinWatermark(['user_id']).framePlan().plan), { op: 'dropDuplicates', columns: ['user_id'], withinWatermark: true });
  });

  it('filter and where build the same filter', () => {
    const cond = col('price').gt(100).and(col('kind').isin('buy', 'sell'));
    const expected: LogicalOp = {
      op: 'filter',
      condition: {
        kind: 'call', fn: 'and', args: [
          { kind: 'call', fn: '>', args: [c('price'), { kind: 'lit', value: 100 }] },
          { kind: 'call', fn: 'in', args: [c('kind'), { kind: 'lit', value: 'buy' }, { kind: 'lit', value: 'sell' }] },
        ],
      },
    };
    assert.deepEqual(parsed().filter(cond).logicalPlan[2], expected);
    assert.deepEqual(parsed().where(cond).logicalPlan[2], expected);
    assert.deepEqual(parsed().where(cond).columns, ['user_id', 'kind', 'price', 'ts']);
  });

  it('withWatermark', () => {
    assert.deepEqual(parsed().withWatermark('ts', '10 minutes').logicalPlan[2], { op: 'withWatermark', column: 'ts', delay: '10 minutes' });
  });

  it("the job in Step 7's Why: window and user_id, count and sum", () => {
    const df = parsed().withWatermark('ts', '10 minutes')
      .groupBy(window(col('ts'), '1 minute'), col('user_id'))
      .agg(count('*').alias('n'), sum('price').alias('revenue'));
    assert.deepEqual(df.logicalPlan[3], {
      op: 'aggregate',
      keys: [{ kind: 'window', column: c('ts'), duration: '1 minute' }, c('user_id')],
      aggregates: [
        { kind: 'alias', name: 'n', expr: { kind: 'call', fn: 'count', args: [] } },
        { kind: 'alias', name: 'revenue', expr: { kind: 'call', fn: 'sum', args: [c('price')] } },
      ],
    });
    assert.deepEqual(df.columns, ['window', 'user_id', 'n', 'revenue']);
  });

  it('groupBy of computed keys, without a window, and agg of several aggregates', () => {
    const df = parsed().groupBy(lower(col('kind')).alias('k'), 'user_id')
      .agg(avg('price'), min('ts'), max(col('price')).alias('top'), sum(when(col('kind').equalTo('buy'), 1).otherwise(0)).alias('buys'));
    assert.deepEqual(df.logicalPlan[2], {
      op: 'aggregate',
      keys: [{ kind: 'alias', name: 'k', expr: { kind: 'call', fn: 'lower', args: [c('kind')] } }, c('user_id')],
      aggregates: [
        { kind: 'call', fn: 'avg', args: [c('price')] },
        { kind: 'call', fn: 'min', args: [c('ts')] },
        { kind: 'alias', name: 'top', expr: { kind: 'call', fn: 'max', args: [c('price')] } },
        {
          kind: 'alias', name: 'buys', expr: {
            kind: 'call', fn: 'sum', args: [{
              kind: 'case', branches: [{ when: { kind: 'call', fn: '=', args: [c('kind'), { kind: 'lit', value: 'buy' }] }, then: { kind: 'lit', value: 1 } }],
              otherwise: { kind: 'lit', value: 0 },
            }],
          },
        },
      ],
    });
    assert.deepEqual(df.columns, ['k', 'user_id', 'avg(price)', 'min(ts)', 'top', 'buys']);
  });

  it("GroupedData's shortcuts name their columns as Spark does", () => {
    const keys = [{ kind: 'window', column: c('ts'), duration: '5 minutes' }, c('kind')];
    const grouped = () => parsed().groupBy(window('ts', '5 minutes'), 'kind');
    const cases: [string, ReturnType<typeof parsed>, ExprSpec[], string[]][] = [
      ['count()', grouped().count(), [{ kind: 'alias', name: 'count', expr: { kind: 'call', fn: 'count', args: [] } }], ['count']],
      ["sum('price', 'user_id')", grouped().sum('price', 'user_id'), [{ kind: 'call', fn: 'sum', args: [c('price')] }, { kind: 'call', fn: 'sum', args: [c('user_id')] }], ['sum(price)', 'sum(user_id)']],
      ["avg('price')", grouped().avg('price'), [{ kind: 'call', fn: 'avg', args: [c('price')] }], ['avg(price)']],
      ["mean('price')", grouped().mean('price'), [{ kind: 'call', fn: 'avg', args: [c('price')] }], ['avg(price)']],
      ["min('price')", grouped().min('price'), [{ kind: 'call', fn: 'min', args: [c('price')] }], ['min(price)']],
      ["max('price')", grouped().max('price'), [{ kind: 'call', fn: 'max', args: [c('price')] }], ['max(price)']],
      ["agg({ price: 'max', '*': 'count' })", grouped().agg({ price: 'max', '*': 'count' }), [{ kind: 'call', fn: 'max', args: [c('price')] }, { kind: 'call', fn: 'count', args: [] }], ['max(price)', 'count(1)']],
    ];
    for (const [what, df, aggregates, names] of cases) {
      assert.deepEqual(df.logicalPlan[2], { op: 'aggregate', keys, aggregates }, what);
      assert.deepEqual(df.columns, ['window', 'kind', ...names], what);
    }
  });

  it('agg on the DataFrame aggregates all rows (no keys)', () => {
    const df = parsed().agg(count('*').alias('n'));
    assert.deepEqual(df.logicalPlan[2], { op: 'aggregate', keys: [], aggregates: [{ kind: 'alias', name: 'n', expr: { kind: 'call', fn: 'count', args: [] } }] });
  });

  it('a nested-JSON job: struct fields by path, and a struct expanded', () => {
    const nested = new StructType([
      new StructField('order', new StructType([new StructField('id', IntegerType()), new StructField('customer', new StructType([new StructField('country', StringType())]))])),
      new StructField('total', DecimalType(10, 2)),
    ]);
    const df = kafka().select(fromJson(col('value').cast('string'), nested).alias('e'))
      .select(col('e.order.customer.country').alias('country'), col('e').getField('order').getField('id'), 'e.total', 'e.order.*');
    assert.deepEqual(df.logicalPlan[1], {
      op: 'select',
      exprs: [{ kind: 'alias', name: 'country', expr: c('e.order.customer.country') }, c('e.order.id'), c('e.total'), c('e.order.*')],
    });
    assert.deepEqual(df.columns, ['country', 'id', 'total', 'id', 'customer']);
    refuses(() => df.select('customer.city'), "no field 'city' in 'customer'; fields: country");
  });

  it('names resolve case-insensitively, as Spark by default', () => {
    assert.deepEqual(parsed().select('USER_ID').columns, ['USER_ID']);
    assert.deepEqual(parsed().filter(col('Price').gt(1)).columns, ['user_id', 'kind', 'price', 'ts']);
  });

  it('an ingest job: filter, computed columns, and a coalesce', () => {
    const df = parsed().filter(col('price').isNotNull()).withColumn('day', toDate('ts')).select('user_id', coalesce('kind', lit('unknown')).alias('kind'), 'price', 'day');
    assert.deepEqual(df.columns, ['user_id', 'kind', 'price', 'day']);
    assert.equal(df.logicalPlan.length, 5);
  });
});

describe('DataFrame refusals', () => {
  const cases: [string, () => unknown, string][] = [
    ['a filter as SQL text', () => parsed().where('price > 1'), 'filter with a SQL expression string ("price > 1") is not supported yet; write the condition with Column methods, e.g. filter(col(\'price\').gt(100)), or the query as SQL with spark.sql(…)'],
    ['a missing column in select', () => parsed().select('amount'), "cannot resolve 'amount'; available columns: user_id, kind, price, ts"],
    ['a missing column in a filter', () => parsed().filter(col('amount').gt(1)), "cannot resolve 'amount'; available columns: user_id, kind, price, ts"],
    ['a missing column in withColumn', () => parsed().withColumn('x', col('nope').plus(1)), "cannot resolve 'nope'; available columns: user_id, kind, price, ts"],
    ['a missing groupBy key', () => parsed().groupBy('customer_id'), "cannot resolve 'customer_id'; available columns: user_id, kind, price, ts"],
    ['a missing column in an aggregate', () => parsed().groupBy('kind').agg(sum('amount')), "cannot resolve 'amount'; available columns: user_id, kind, price, ts"],
    ['a missing watermark column', () => parsed().withWatermark('timestamp', '1 minute'), "cannot resolve 'timestamp'; available columns: user_id, kind, price, ts"],
    ["expanding a column that is not a struct", () => parsed().select('kind.*'), "cannot expand 'kind.*': 'kind' is not a struct with known fields"],
    ['an aggregate in select', () => parsed().select(count('*')), 'the aggregate count(1) in select is not supported yet; aggregate with groupBy(...).agg(...) or agg(...)'],
    ['an aggregate in filter', () => parsed().filter(sum('price').gt(1)), 'the aggregate (sum(price) > 1) in filter is not supported yet; aggregate with groupBy(...).agg(...) or agg(...)'],
    ['a non-aggregate in agg', () => parsed().groupBy('kind').agg(col('price')), 'price in agg is not an aggregate; use count, sum, avg, min, max or approxCountDistinct'],
    ['agg without aggregates', () => parsed().groupBy('kind').agg(), "agg needs at least one aggregate, e.g. count('*')"],
    ['a sum shortcut without columns', () => parsed().groupBy('kind').sum(), "sum() without column names is not supported yet; name the columns, e.g. sum('price')"],
    ['an unknown agg dict function', () => parsed().groupBy('kind').agg({ price: 'median' }), "agg({ price: 'median' }): use one of count, sum, avg, mean, min, max"],
    ['withColumn of a non-Column', () => parsed().withColumn('x', 1 as never), "withColumn('x') needs a Column, got 1"],
    ['drop of an expression', () => parsed().drop(col('price').plus(1)), 'drop((price + 1)) is not supported yet; drop columns by name'],
    ['join', () => parsed().join(), 'join is not supported yet; no step plans it yet (stream-stream and stream-static joins)'],
    ['dropDuplicates of a missing column', () => parsed().dropDuplicates(['event_id']), "cannot resolve 'event_id'; available columns: user_id, kind, price, ts"],
    ['selectExpr', () => parsed().selectExpr(), 'selectExpr is not supported yet; build the columns with functions and Column methods (or write the query as SQL with spark.sql(…))'],
    ['orderBy', () => parsed().orderBy(), 'orderBy on a stream is not supported yet; sorting is not supported on streaming DataFrames (Spark allows it only after an aggregation in complete mode)'],
    ['pivot', () => parsed().groupBy('kind').pivot(), 'pivot is not supported yet; no step plans it yet'],
    ['count() of a stream (an action)', () => parsed().count(), 'count is not supported on a stream; Queries with streaming sources must be executed with writeStream.start() (group and count with groupBy(...).count())'],
    ['a Kafka sink given a table path', () => parsed().writeStream.format('kafka').option('checkpointLocation', '/c').toQuerySpec('/t'), 'the kafka sink writes no table: call start() without a path'],
    ['a fromJson time zone that differs from an earlier one', () => kafka().select(fromJson('value', schema, { timeZone: '+01:00' }).alias('a')).select(fromJson(col('a.kind'), schema, { timeZone: 'UTC' }).alias('b')),
      'fromJson with different timeZone options (+01:00, UTC) is not supported yet; use one time zone'],
  ];
  for (const [what, call, message] of cases) {
    it(`refuses ${what}`, () => refuses(call, message));
  }
});
