import assert from 'node:assert/strict';
import { referenceJobSpec } from '../testing';
import { FAKE_CATALOG } from '../testing/fake-catalog';
import { fields, steps } from '../testing/plan-builders';
import { resolveQuery } from './resolve-query';
import { asVersion2, upgradeSpec } from './upgrade-spec';
import { QueryResolutionError } from './problem';

/** The seed job's table as Spark 3.5 gives it (printSchema of the reference job), as 'name type [not null]'. */
const SEED_OUTPUT = ['window struct<start:timestamp,end:timestamp> not null', 'customer_id int', 'event_count bigint not null', 'total_amount decimal(20,2)'];

describe('upgradeSpec', () => {
  it("resolves the seed job to the seed's output schema", () => {
    const seed = referenceJobSpec();
    const q = resolveQuery(upgradeSpec(seed), { catalog: FAKE_CATALOG });
    assert.deepEqual(fields(q.output), SEED_OUTPUT);
  });

  it('resolves the seed job with the default catalog (it needs no function)', () => {
    const seed = referenceJobSpec();
    assert.deepEqual(fields(resolveQuery(upgradeSpec(seed)).output), SEED_OUTPUT);
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
    assert.deepEqual(fields(q.output), [...SEED_OUTPUT, 'day date', 'hour int', 'slot string']);
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

describe('asVersion2', () => {
  it('upgrades a version 1 spec and passes a version 2 spec through', () => {
    const seed = referenceJobSpec();
    assert.deepEqual(asVersion2(seed), upgradeSpec(seed));
    const v2 = upgradeSpec(seed);
    assert.equal(asVersion2(v2), v2);
  });

  it('reads a missing nullable as nullable and a missing parse time zone as UTC (JSON files written by hand)', () => {
    const seed = referenceJobSpec() as unknown as { parse: { schema: Record<string, unknown>[]; timeZone?: string } };
    for (const f of seed.parse.schema) delete f.nullable;
    delete seed.parse.timeZone;
    const q = resolveQuery(asVersion2(seed));
    assert.deepEqual(fields(q.output), SEED_OUTPUT);
    assert.equal(q.options.timeZone, 'UTC');
  });

  it('refuses a misshapen version 1 spec naming each part, instead of failing inside the upgrade', () => {
    const seed = referenceJobSpec() as unknown as Record<string, any>;
    seed.parse.schema = [null, { name: 'x', type: 'float' }];
    seed.aggregation.window = 'five minutes';
    seed.aggregation.aggregates = [{ fn: 'avg', column: 'amount', alias: 'a' }];
    delete seed.sink;
    assert.throws(() => asVersion2(seed), (e: unknown) => {
      assert.ok(e instanceof QueryResolutionError);
      assert.deepEqual(e.problems.map((p) => p.replace(/,? got .*/, '')), [
        'sink must be an object',
        'parse.schema[0] must be a field { name: \'<column>\', type: \'int\' | \'long\' | \'string\' | \'timestamp\' | \'double\' | \'boolean\' | { decimal: [p, s] }, nullable }',
        'parse.schema[1] must be a field { name: \'<column>\', type: \'int\' | \'long\' | \'string\' | \'timestamp\' | \'double\' | \'boolean\' | { decimal: [p, s] }, nullable }',
        'aggregation.window must be { column, duration[, slide] }',
        "aggregation.aggregates[0] must be an aggregate { fn: 'count', column: '*', alias } or { fn: 'sum', column, alias }",
      ]);
      return true;
    });
    assert.throws(() => asVersion2(null), /the query spec is not an object/);
  });

  it('never throws anything but a QueryResolutionError, whatever value replaces any part of a version 1 spec', () => {
    const withDerived = (): Record<string, unknown> => {
      const s = referenceJobSpec();
      s.withColumns = [{ name: 'day', expr: { fn: 'to_date', column: 'window.start' } }];
      s.sink.partitionBy = ['day'];
      s.options = { lateRows: 'table', lateRowsPath: '/late', quarantinePath: '/q', maxEventTimeAhead: '1 hour' };
      return s as unknown as Record<string, unknown>;
    };
    resolveQuery(asVersion2(withDerived()));
    const locations: string[][] = [];
    const walk = (v: unknown, at: string[]): void => {
      if (v === null || typeof v !== 'object') return;
      for (const k of Object.keys(v)) { locations.push([...at, k]); walk((v as Record<string, unknown>)[k], [...at, k]); }
    };
    walk(withDerived(), []);
    let probes = 0;
    for (const at of locations) {
      for (const odd of [null, 7, 'x', true, [], {}, [null], { decimal: null }]) {
        const s = withDerived();
        let parent = s;
        for (const k of at.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
        parent[at[at.length - 1]] = odd;
        try {
          resolveQuery(asVersion2(s));
        } catch (e) {
          assert.ok(e instanceof QueryResolutionError, `${at.join('.')} = ${JSON.stringify(odd)}: ${(e as Error).stack}`);
        }
        probes++;
      }
    }
    assert.ok(probes > 400, `${probes} probes`);
  });
});
