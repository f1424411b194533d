import assert from 'node:assert/strict';
import { referenceJobSpec as seedSpec } from '../testing';
import { diffStateful, statefulFingerprint } from './stateful';

describe('statefulFingerprint', () => {
  it('is canonical JSON of the parts the state depends on', () => {
    assert.equal(
      statefulFingerprint(seedSpec()),
      '{"aggregates":[{"column":"*","fn":"count","type":"*"},{"column":"amount","fn":"sum","type":"decimal(10,2)"}],' +
        '"keys":[{"name":"customer_id","type":"int"}],"outputMode":"append","shufflePartitions":null,' +
        '"slideMicros":300000000,"version":1,"watermarkColumn":"timestamp","windowColumn":"timestamp","windowMicros":300000000}',
    );
  });

  it('does not change with aliases, the watermark delay, the trigger or the same duration written otherwise', () => {
    const s = seedSpec();
    s.aggregation.aggregates[0].alias = 'n';
    s.watermark!.delay = '1 hour';
    s.aggregation.window.duration = '300 seconds';
    s.trigger = { kind: 'availableNow' };
    s.source.maxOffsetsPerTrigger = 10;
    assert.equal(statefulFingerprint(s), statefulFingerprint(seedSpec()));
  });
});

describe('diffStateful', () => {
  const seed = statefulFingerprint(seedSpec());

  it('finds nothing when the stateful parts are the same', () => {
    assert.deepEqual(diffStateful(seed, seed), []);
  });

  it('names a changed window, key type, aggregate, output mode and shuffle partitions', () => {
    const old = seedSpec();
    old.options.shufflePartitions = 8;
    const s = seedSpec();
    s.aggregation.window.duration = '10 minutes';
    s.parse.schema[0].type = 'long';
    s.parse.schema[2].type = { decimal: [12, 2] };
    s.sink.outputMode = 'complete';
    s.options.shufflePartitions = 16;
    assert.deepEqual(diffStateful(statefulFingerprint(old), statefulFingerprint(s)), [
      'the window duration changed from 5 minutes to 10 minutes',
      'the grouping keys changed from [customer_id int] to [customer_id long]',
      'the aggregates changed from [count(*), sum(amount decimal(10,2))] to [count(*), sum(amount decimal(12,2))]',
      'shufflePartitions changed from 8 to 16',
      "the output mode changed from 'append' to 'complete'",
    ]);
  });

  it('names a changed window column and watermark column', () => {
    const s = seedSpec();
    s.parse.schema.push({ name: 'ts', type: 'timestamp', nullable: true });
    s.aggregation.window.column = 'ts';
    delete s.watermark;
    assert.deepEqual(diffStateful(seed, statefulFingerprint(s)), [
      "the window column changed from 'timestamp' to 'ts'",
      "the watermark column changed from 'timestamp' to none",
    ]);
  });

  it('keeps the recorded shuffle partitions when the restart leaves them unset', () => {
    const old = seedSpec();
    old.options.shufflePartitions = 8;
    assert.deepEqual(diffStateful(statefulFingerprint(old), seed), []);
  });
});
