import assert from 'node:assert/strict';
import * as path from 'node:path';
import { referenceJobSpec, type LogicalOp, type QuerySpec, type QuerySpecV2 } from '@tributary/common';
import { downgradeToV1, toV1 } from './downgrade';
import { avg, col, count, fromJson, hour, sum, toDate, window } from './functions';
import { TributarySession } from './session';
import type { QuerySubmitter } from './submitter';
import { DateType, DecimalType, IntegerType, StringType, StructField, StructType, TimestampType } from './types';

/** The reference job as a version 2 spec, written out by hand. */
function referenceJobV2(): QuerySpecV2 {
  return {
    version: 2,
    source: { format: 'kafka', bootstrapServers: 'localhost:9092', topic: 'customer_events', startingOffsets: 'earliest', failOnDataLoss: true },
    plan: [
      {
        op: 'select',
        exprs: [{
          kind: 'alias',
          name: 'data',
          expr: {
            kind: 'fromJson',
            expr: { kind: 'cast', expr: { kind: 'col', name: 'value' }, to: { kind: 'string' } },
            schema: [
              { name: 'customer_id', type: { kind: 'int' }, nullable: true },
              { name: 'event_type', type: { kind: 'string' }, nullable: true },
              { name: 'amount', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: true },
              { name: 'timestamp', type: { kind: 'timestamp' }, nullable: true },
            ],
          },
        }],
      },
      { op: 'select', exprs: [{ kind: 'col', name: 'data.*' }] },
      { op: 'withWatermark', column: 'timestamp', delay: '10 minutes' },
      {
        op: 'aggregate',
        keys: [{ kind: 'window', column: { kind: 'col', name: 'timestamp' }, duration: '5 minutes' }, { kind: 'col', name: 'customer_id' }],
        aggregates: [
          { kind: 'alias', name: 'event_count', expr: { kind: 'call', fn: 'count', args: [] } },
          { kind: 'alias', name: 'total_amount', expr: { kind: 'call', fn: 'sum', args: [{ kind: 'col', name: 'amount' }] } },
        ],
      },
    ],
    sink: { format: 'delta', path: '/delta/customer_aggregates', outputMode: 'append', checkpointLocation: '/checkpoints/customers' },
    trigger: { kind: 'processingTime', interval: '10 seconds' },
    options: { timeZone: 'UTC' },
  };
}

const seedSchema = new StructType([
  new StructField('customer_id', IntegerType()),
  new StructField('event_type', StringType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('timestamp', TimestampType()),
]);

function recordingSubmitter(): QuerySubmitter & { specs: (QuerySpec | QuerySpecV2)[] } {
  const specs: (QuerySpec | QuerySpecV2)[] = [];
  return {
    specs,
    async submit(spec) {
      specs.push(spec);
      return { id: 'q', runId: 'r', name: null };
    },
    async status() {
      throw new Error('not used');
    },
    async stop() {},
    async awaitTermination() {
      return { terminated: true, exception: null };
    },
  };
}

function parsedSeed(spark: TributarySession) {
  return spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'localhost:9092').option('subscribe', 'customer_events')
    .option('startingOffsets', 'earliest').load()
    .select(fromJson(col('value').cast('string'), seedSchema).alias('data')).select('data.*');
}

function seedWriter(spark: TributarySession) {
  return parsedSeed(spark).withWatermark('timestamp', '10 minutes')
    .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
    .writeStream.format('delta').outputMode('append').option('checkpointLocation', '/checkpoints/customers').trigger({ processingTime: '10 seconds' });
}

describe('the v1 downgrade', () => {
  it('turns the hand-written v2 reference job into the reference v1 spec', () => {
    assert.deepEqual(downgradeToV1(referenceJobV2()), referenceJobSpec());
  });

  it('the job API builds exactly the hand-written v2 reference job', () => {
    const spark = TributarySession.builder().getOrCreate();
    assert.deepEqual(seedWriter(spark).toQuerySpec('/delta/customer_aggregates'), referenceJobV2());
  });

  it('carries the name, the time zone into the parse, partition columns and window-derived columns', () => {
    const v2 = referenceJobV2();
    v2.name = 'q';
    v2.options = { timeZone: '+02:00', shufflePartitions: 4 };
    v2.sink.partitionBy = ['day'];
    v2.plan.push(
      { op: 'withColumn', name: 'day', expr: { kind: 'call', fn: 'to_date', args: [{ kind: 'col', name: 'window.start' }] } },
      { op: 'withColumn', name: 'hh', expr: { kind: 'call', fn: 'date_format', args: [{ kind: 'col', name: 'window.end' }, { kind: 'lit', value: 'HH' }] } },
    );
    const expected = referenceJobSpec();
    expected.name = 'q';
    expected.options = { shufflePartitions: 4 };
    expected.parse.timeZone = '+02:00';
    expected.sink.partitionBy = ['day'];
    expected.withColumns = [
      { name: 'day', expr: { fn: 'to_date', column: 'window.start' } },
      { name: 'hh', expr: { fn: 'date_format', column: 'window.end', format: 'HH' } },
    ];
    assert.deepEqual(downgradeToV1(v2), expected);
  });

  it("keeps only the seed's shape in v1: a sliding window, or other field names, go as v2", () => {
    const sliding = referenceJobV2();
    const agg = sliding.plan[3] as Extract<LogicalOp, { op: 'aggregate' }>;
    sliding.plan[3] = { ...agg, keys: [{ kind: 'window', column: { kind: 'col', name: 'timestamp' }, duration: '5 minutes', slide: '1 minute' }, ...agg.keys.slice(1)] };
    assert.equal(downgradeToV1(sliding), null);
    const renamed = JSON.parse(JSON.stringify(referenceJobV2()).replaceAll('customer_id', 'user_id')) as QuerySpecV2;
    assert.equal(downgradeToV1(renamed), null);
  });

  it('names unaliased aggregates as Spark does, and narrows the schema to the selected fields', () => {
    const spark = TributarySession.builder().getOrCreate();
    const spec = spark.readStream.format('kafka').load()
      .select(fromJson(col('value').cast('string'), seedSchema).alias('e')).select('e.timestamp', 'e.amount', 'e.customer_id')
      .withWatermark('timestamp', '1 minute').select('customer_id', 'timestamp', 'amount')
      .groupBy(window('timestamp', '1 minute'), 'customer_id').agg(count('*'), sum('amount'))
      .writeStream.toQuerySpec('/t');
    const v1 = downgradeToV1(spec);
    assert.ok(v1 !== null);
    assert.deepEqual(v1.parse.schema, [
      { name: 'customer_id', type: 'int', nullable: true },
      { name: 'timestamp', type: 'timestamp', nullable: true },
      { name: 'amount', type: { decimal: [10, 2] }, nullable: true },
    ]);
    assert.deepEqual(v1.aggregation.aggregates, [{ fn: 'count', column: '*', alias: 'count(1)' }, { fn: 'sum', column: 'amount', alias: 'sum(amount)' }]);
  });

  const spark = TributarySession.builder().getOrCreate();
  const cases: [string, () => QuerySpecV2, string][] = [
    ['an ingest job (no aggregation)', () => parsedSeed(spark).writeStream.toQuerySpec('/t'), 'no aggregation'],
    ['a filter', () => parsedSeed(spark).filter(col('amount').gt(0)).groupBy(window('timestamp', '5 minutes')).agg(count('*')).writeStream.toQuerySpec('/t'), 'filter before the aggregation'],
    ['a group-by without a window', () => parsedSeed(spark).groupBy('customer_id').count().writeStream.toQuerySpec('/t'), 'the first grouping key is not a window'],
    ['a key before the window', () => parsedSeed(spark).groupBy('customer_id', window('timestamp', '5 minutes')).count().writeStream.toQuerySpec('/t'), 'the first grouping key is not a window'],
    ['a window startTime', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes', '5 minutes', '1 minute')).count().writeStream.toQuerySpec('/t'), 'the window has a startTime'],
    ['an aliased window', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes').alias('w')).count().writeStream.toQuerySpec('/t'), 'the first grouping key is not a window'],
    ['a computed key', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes'), col('customer_id').mod(10)).count().writeStream.toQuerySpec('/t'), 'grouping by (customer_id % 10)'],
    ['avg', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes')).agg(avg('amount')).writeStream.toQuerySpec('/t'), 'the aggregate avg(amount)'],
    ['count of a column', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes')).agg(count('amount')).writeStream.toQuerySpec('/t'), 'the aggregate count(amount)'],
    ['a derived column over a parsed column', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes')).count().withColumn('d', toDate('count')).writeStream.toQuerySpec('/t'), 'withColumn of to_date(count)'],
    ['a derived column replacing one', () => parsedSeed(spark).groupBy(window('timestamp', '5 minutes')).count().withColumn('count', hour('window.start')).writeStream.toQuerySpec('/t'), "withColumn('count') replacing a column"],
    ['a date field', () => spark.readStream.format('kafka').load().select(fromJson(col('value').cast('string'), new StructType([new StructField('d', DateType())])).alias('x')).select('x.*')
      .groupBy(window('d', '1 day')).count().writeStream.toQuerySpec('/t'), "field 'd' has type date"],
    ["select('*') keeping the struct", () => spark.readStream.format('kafka').load().select(fromJson(col('value').cast('string'), seedSchema).alias('data')).select('*')
      .groupBy(window('data.timestamp', '1 day')).count().writeStream.toQuerySpec('/t'), "select('*') on the parsed struct"],
    ['Kafka columns beside the parsed value', () => spark.readStream.format('kafka').load().select(fromJson(col('value').cast('string'), seedSchema).alias('data'), 'key').select('data.*')
      .groupBy(window('timestamp', '1 day')).count().writeStream.toQuerySpec('/t'), 'the plan does not start with select(fromJson(...).alias(...))'],
    ['fromJson of the binary value', () => spark.readStream.format('kafka').load().select(fromJson('value', seedSchema).alias('data')).select('data.*')
      .groupBy(window('timestamp', '1 day')).count().writeStream.toQuerySpec('/t'), "fromJson does not parse col('value').cast('string')"],
  ];
  for (const [what, spec, reason] of cases) {
    it(`gives no v1 spec for ${what}`, () => {
      const v2 = spec();
      assert.equal(downgradeToV1(v2), null);
      assert.deepEqual(toV1(v2), { reason });
    });
  }
});

describe('submitting', () => {
  it('sends the seed job as v1 and any other job as v2, with absolute locations', async () => {
    const submitter = recordingSubmitter();
    const spark = TributarySession.builder().submitter(submitter).getOrCreate();
    await seedWriter(spark).start('/delta/customer_aggregates');
    const ingest = parsedSeed(spark).filter(col('amount').gt(0)).withColumn('day', toDate('timestamp'));
    await ingest.writeStream.partitionBy('day').option('checkpointLocation', 'chk').start('table');
    assert.equal(submitter.specs.length, 2);
    assert.deepEqual(submitter.specs[0], referenceJobSpec());
    const v2 = submitter.specs[1] as QuerySpecV2;
    assert.equal(v2.version, 2);
    assert.deepEqual(v2.sink, { format: 'delta', path: path.resolve('table'), outputMode: 'append', checkpointLocation: path.resolve('chk'), partitionBy: ['day'] });
    assert.deepEqual(v2.plan.slice(2), [
      { op: 'filter', condition: { kind: 'call', fn: '>', args: [{ kind: 'col', name: 'amount' }, { kind: 'lit', value: 0 }] } },
      { op: 'withColumn', name: 'day', expr: { kind: 'call', fn: 'to_date', args: [{ kind: 'col', name: 'timestamp' }] } },
    ]);
  });

  it("takes the query's time zone from fromJson's option, else the session's", () => {
    const zoned = TributarySession.builder().config('spark.sql.session.timeZone', '+05:30').getOrCreate();
    assert.equal(parsedSeed(zoned).writeStream.toQuerySpec('/t').options.timeZone, '+05:30');
    const df = zoned.readStream.format('kafka').load().select(fromJson(col('value').cast('string'), seedSchema, { timeZone: '-01:00' }).alias('d'));
    assert.equal(df.writeStream.toQuerySpec('/t').options.timeZone, '-01:00');
  });
});
