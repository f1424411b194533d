import assert from 'node:assert/strict';
import { outputSchema, type OutputColumn, type OutputType } from '../plan/output-schema';
import type { QuerySpec } from '../plan/query-spec';
import { referenceJobSpec } from '../testing';
import { FAKE_CATALOG } from '../testing/fake-catalog';
import { fields, steps } from '../testing/plan-builders';
import { resolveQuery } from './resolve-query';
import { upgradeSpec } from './upgrade-spec';

/** The v1 output schema (output-schema.ts, an independent implementation) as 'name type [not null]', type names as Spark's simpleString. */
function v1Output(spec: QuerySpec): string[] {
  const name = (t: OutputType): string => {
    if (t === 'long') return 'bigint';
    if (typeof t === 'string') return t;
    if ('decimal' in t) return `decimal(${t.decimal[0]},${t.decimal[1]})`;
    return `struct<${t.struct.map((c) => `${c.name}:${name(c.type)}`).join(',')}>`;
  };
  return outputSchema(spec).map((c: OutputColumn) => `${c.name} ${name(c.type)}${c.nullable ? '' : ' not null'}`);
}

describe('upgradeSpec', () => {
  it("resolves the seed job to the seed's output schema", () => {
    const seed = referenceJobSpec();
    const q = resolveQuery(upgradeSpec(seed), { catalog: FAKE_CATALOG });
    assert.deepEqual(fields(q.output), v1Output(seed));
    assert.deepEqual(fields(q.output), [
      'window struct<start:timestamp,end:timestamp> not null', 'customer_id int', 'event_count bigint not null', 'total_amount decimal(20,2)',
    ]);
  });

  it('resolves the seed job with the default catalog (it needs no function)', () => {
    const seed = referenceJobSpec();
    assert.deepEqual(fields(resolveQuery(upgradeSpec(seed)).output), v1Output(seed));
  });

  it('resolves to the query the seed engine runs: the value parsed with the v1 schema, watermark, window, key, count and sum', () => {
    const seed = referenceJobSpec();
    seed.parse.timeZone = '+02:00';
    seed.options.shufflePartitions = 4;
    const q = resolveQuery(upgradeSpec(seed), { catalog: FAKE_CATALOG });
    assert.deepEqual(q.source.topic, 'customer_events');
    assert.deepEqual(q.scan.kafkaColumns, []);
    assert.deepEqual(fields(q.scan.json!.schema), ['customer_id int', 'event_type string', 'amount decimal(10,2)', 'timestamp timestamp']);
    assert.equal(q.scan.json!.timeZone, '+02:00');
    // Fields of the parsed struct: timestamp (event time and window), customer_id (key), amount (summed).
    assert.deepEqual(steps(q.pre), ['project #0[3], #0[0], #0[2]']);
    assert.deepEqual(q.eventTime, { column: 0, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 });
    assert.deepEqual(q.aggregate!.window, { column: 0, sizeMicros: 300_000_000, slideMicros: 300_000_000, startMicros: 0 });
    assert.deepEqual(q.aggregate!.keys.map((k) => k.column), [1]);
    assert.deepEqual(q.aggregate!.aggregates.map((a) => [a.fn, a.column, a.field.name]), [['count', null, 'event_count'], ['sum', 2, 'total_amount']]);
    assert.deepEqual(q.post, []);
    assert.equal(q.options.timeZone, '+02:00');
    assert.equal(q.options.shufflePartitions, 4);
    assert.deepEqual(q.sink, { path: '/delta/customer_aggregates', outputMode: 'append', partitionBy: [], checkpointLocation: '/checkpoints/customers' });
  });

  it('turns the derived partition columns over window.start into withColumn calls after the aggregation', () => {
    const seed = referenceJobSpec();
    seed.withColumns = [
      { name: 'day', expr: { fn: 'to_date', column: 'window.start' } },
      { name: 'hour', expr: { fn: 'hour', column: 'window.start' } },
      { name: 'slot', expr: { fn: 'date_format', column: 'window.start', format: 'yyyy-MM-dd-HH' } },
    ];
    seed.sink.partitionBy = ['day', 'hour', 'slot'];
    const q = resolveQuery(upgradeSpec(seed), { catalog: FAKE_CATALOG });
    assert.deepEqual(fields(q.output), v1Output(seed));
    assert.deepEqual(steps(q.post), ["project #0, #1, #2, #3, to_date(#0[0]), hour(#0[0]), date_format(#0[0], 'yyyy-MM-dd-HH':string)"]);
    assert.deepEqual(q.sink.partitionBy, ['day', 'hour', 'slot']);
  });

  it('keeps the seed refused without a watermark in append mode, with the same message', () => {
    const seed = referenceJobSpec();
    delete seed.watermark;
    assert.throws(() => resolveQuery(upgradeSpec(seed), { catalog: FAKE_CATALOG }), {
      problems: ['Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark'],
    });
  });
});
