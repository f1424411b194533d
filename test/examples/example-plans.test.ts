/**
 * The example job files build the plans they describe. Each file is called as `tributary submit`
 * calls it (the module's function, a session, key=value options as strings) with a session whose
 * submitter records the spec instead of sending it. The expected plans and Spark result types are
 * written by hand from the files' comments and Spark's rules (sum of decimal(p,s) is
 * decimal(p+10,s); decimal(12,2) * int is decimal(23,2) through decimal(10,0)).
 *
 * examples/two-key-job.js runs on the cluster once the driver runs version 2 aggregations; until
 * then this is its test: the exact v2 plan, and the resolved query the executors would run.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { resolveQuery, simpleString, type QuerySpec, type QuerySpecV2, type SqlField } from '@tributary/common';
import { REPO_ROOT, TributarySession, type QuerySubmitter, type StreamingQuery } from '@tributary/client';

type Job = (spark: TributarySession, opts: Record<string, string>) => Promise<StreamingQuery>;

/** The spec an example file submits with these options. */
async function specOf(file: string, opts: Record<string, string>): Promise<QuerySpec | QuerySpecV2> {
  let submitted: QuerySpec | QuerySpecV2 | undefined;
  const submitter: QuerySubmitter = {
    async submit(spec) { submitted = spec; return { id: '00000000-0000-4000-8000-000000000000', runId: 'r', name: null }; },
    async status() { throw new Error('not used'); },
    async stop() { throw new Error('not used'); },
    async awaitTermination() { throw new Error('not used'); },
  };
  const job = require(path.join(REPO_ROOT, 'examples', file)) as Job;
  await job(TributarySession.builder().appName(file).submitter(submitter).getOrCreate(), opts);
  assert.ok(submitted, `${file} submitted nothing`);
  return submitted;
}

const fields = (schema: readonly SqlField[]): string[] => schema.map((f) => `${f.name} ${simpleString(f.type)}${f.nullable ? '' : ' not null'}`);

const LOCATIONS = { table: '/tmp/tributary-examples/t', checkpoint: '/tmp/tributary-examples/c' };

describe('the example job files', () => {
  describe('examples/two-key-job.js (a filtered aggregation with two keys, one a string)', () => {
    it('builds the version 2 plan: parse, watermark, filter amount > minAmount as an exact decimal, window + event_type + customer_id, count and sum', async () => {
      const spec = await specOf('two-key-job.js', { ...LOCATIONS, bootstrap: 'k1:9092', topic: 'events_x', minAmount: '10.50', trigger: '5 seconds', maxOffsetsPerTrigger: '1000' });
      const col = (name: string) => ({ kind: 'col', name });
      const field = (name: string, kind: string, extra: object = {}) => ({ name, type: { kind, ...extra }, nullable: true });
      const expected = {
        version: 2,
        source: { format: 'kafka', bootstrapServers: 'k1:9092', topic: 'events_x', startingOffsets: 'earliest', failOnDataLoss: true, maxOffsetsPerTrigger: 1000 },
        plan: [
          {
            op: 'select',
            exprs: [{
              kind: 'alias',
              name: 'data',
              expr: {
                kind: 'fromJson',
                expr: { kind: 'cast', expr: col('value'), to: { kind: 'string' } },
                schema: [field('customer_id', 'int'), field('event_type', 'string'), field('amount', 'decimal', { precision: 10, scale: 2 }), field('timestamp', 'timestamp')],
              },
            }],
          },
          { op: 'select', exprs: [col('data.*')] },
          { op: 'withWatermark', column: 'timestamp', delay: '10 minutes' },
          {
            op: 'filter',
            condition: { kind: 'call', fn: '>', args: [col('amount'), { kind: 'cast', expr: { kind: 'lit', value: '10.50' }, to: { kind: 'decimal', precision: 10, scale: 2 } }] },
          },
          {
            op: 'aggregate',
            keys: [{ kind: 'window', column: col('timestamp'), duration: '5 minutes' }, col('event_type'), col('customer_id')],
            aggregates: [
              { kind: 'alias', name: 'event_count', expr: { kind: 'call', fn: 'count', args: [] } },
              { kind: 'alias', name: 'total_amount', expr: { kind: 'call', fn: 'sum', args: [col('amount')] } },
            ],
          },
        ],
        sink: { format: 'delta', path: LOCATIONS.table, outputMode: 'append', checkpointLocation: LOCATIONS.checkpoint },
        trigger: { kind: 'processingTime', interval: '5 seconds' },
        options: { timeZone: 'UTC' },
      };
      assert.deepEqual(spec, expected);
    });

    it('resolves to a filter before the aggregation, a 5-minute window and the two keys, with Spark\'s result types', async () => {
      const spec = await specOf('two-key-job.js', { ...LOCATIONS, minAmount: '0.01' }) as QuerySpecV2;
      assert.equal(spec.version, 2);
      const q = resolveQuery(spec);
      assert.deepEqual(q.pre.map((s) => s.kind), ['filter', 'project']);
      const filter = q.pre[0] as { kind: 'filter'; condition: { kind: string; fn?: string; args?: { kind: string; type: unknown }[] } };
      assert.equal(filter.condition.fn, '>');
      // amount decimal(10,2) against the literal cast to decimal(10,2): no double on either side.
      assert.deepEqual(filter.condition.args!.map((a) => a.type), [{ kind: 'decimal', precision: 10, scale: 2 }, { kind: 'decimal', precision: 10, scale: 2 }]);
      assert.deepEqual(fields((q.pre[1] as { schema: SqlField[] }).schema), ['timestamp timestamp', 'event_type string', 'customer_id int', 'amount decimal(10,2)']);
      assert.deepEqual(q.eventTime, { column: 0, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 });
      const agg = q.aggregate!;
      assert.deepEqual(agg.window, { column: 0, sizeMicros: 300_000_000, slideMicros: 300_000_000, startMicros: 0 });
      assert.deepEqual(agg.keys.map((k) => k.column), [1, 2]);
      assert.deepEqual(agg.aggregates.map((a) => [a.fn, a.column]), [['count', null], ['sum', 3]]);
      assert.deepEqual(fields(q.output), [
        'window struct<start:timestamp,end:timestamp> not null', 'event_type string', 'customer_id int', 'event_count bigint not null', 'total_amount decimal(20,2)',
      ]);
      assert.equal(q.sink.outputMode, 'append');
      assert.ok(q.options.availableNow, 'availableNow by default');
    });

    it('takes minAmount 0 by default', async () => {
      const spec = await specOf('two-key-job.js', LOCATIONS) as QuerySpecV2;
      const filter = spec.plan.find((op) => op.op === 'filter') as unknown as { condition: { args: { expr?: { value?: unknown } }[] } };
      assert.equal(filter.condition.args[1].expr?.value, '0');
    });
  });

  it('examples/ingest-job.js resolves to an ingest query (no aggregation) partitioned by day, with Spark\'s types', async () => {
    const spec = await specOf('ingest-job.js', LOCATIONS) as QuerySpecV2;
    assert.equal(spec.version, 2);
    const q = resolveQuery(spec);
    assert.equal(q.aggregate, null);
    assert.deepEqual(q.scan.kafkaColumns, ['partition', 'offset']);
    assert.deepEqual(q.sink.partitionBy, ['day']);
    assert.deepEqual(fields(q.output), [
      'order_id bigint not null', 'customer string', 'currency string', 'price decimal(12,2)', 'quantity int', 'ts timestamp',
      'partition int', 'offset bigint', 'total decimal(23,2)', 'hour int', 'day date',
    ]);
  });

  it('examples/dedup-job.js resolves to an ingest query deduplicated by click id within the watermark (or by id and time), partitioned by day', async () => {
    const within = resolveQuery(await specOf('dedup-job.js', LOCATIONS) as QuerySpecV2);
    assert.equal(within.aggregate, null);
    assert.deepEqual(within.dedup, { keys: [0], withinWatermark: true });
    assert.deepEqual(within.eventTime, { column: 3, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 });
    assert.deepEqual(within.sink.partitionBy, ['day']);
    assert.deepEqual(fields(within.output), ['click_id string', 'user_id int', 'url string', 'ts timestamp', 'day date']);
    const exact = resolveQuery(await specOf('dedup-job.js', { ...LOCATIONS, keys: 'exact' }) as QuerySpecV2);
    assert.deepEqual(exact.dedup, { keys: [0, 3], withinWatermark: false });
  });

  it('examples/nested-json-job.js resolves to an ingest query keeping a struct and arrays, partitioned by day', async () => {
    const spec = await specOf('nested-json-job.js', LOCATIONS) as QuerySpecV2;
    assert.equal(spec.version, 2);
    const q = resolveQuery(spec);
    assert.equal(q.aggregate, null);
    assert.deepEqual(q.scan.kafkaColumns, []);
    assert.deepEqual(q.sink.partitionBy, ['day']);
    assert.deepEqual(fields(q.output), [
      'reading_id bigint', 'device_id string', 'battery decimal(5,2)', 'country string', 'site struct<country:string,city:string>',
      'tags array<string>', 'samples array<struct<sensor:string,value:decimal(9,3)>>', 'ts timestamp', 'day date',
    ]);
  });
});
