import assert from 'node:assert/strict';
import { DataLossError } from '@tributary/common';
import { planRanges } from './offset-ranges';
import { nextWatermark } from './watermark';
import { resolveStartingOffsets } from './starting-offsets';

const ranges = (rs: { partition: number; from: bigint; to: bigint }[]) => rs.map((r) => [r.partition, Number(r.from), Number(r.to)]);

describe('planning offset ranges', () => {
  it('takes everything up to the latest offsets when no limit is set', () => {
    const planned = planRanges({ topic: 't', start: { 0: 5n, 1: 0n }, earliest: { 0: 0n, 1: 0n }, latest: { 0: 10n, 1: 3n }, failOnDataLoss: true });
    assert.deepEqual(ranges(planned), [[0, 5, 10], [1, 0, 3]]);
  });

  it('splits maxOffsetsPerTrigger over partitions in proportion to their backlog, exactly up to the limit', () => {
    // Backlogs 600, 300, 100 (total 1000) with a limit of 100 → 60, 30, 10.
    const planned = planRanges({
      topic: 't', start: { 0: 0n, 1: 0n, 2: 0n }, earliest: { 0: 0n, 1: 0n, 2: 0n }, latest: { 0: 600n, 1: 300n, 2: 100n },
      maxOffsetsPerTrigger: 100, failOnDataLoss: true,
    });
    assert.deepEqual(ranges(planned), [[0, 0, 60], [1, 0, 30], [2, 0, 10]]);
  });

  it('hands the remainder of an uneven split to the largest fractions without exceeding any backlog', () => {
    // Backlogs 1, 1, 1 with a limit of 2: two partitions get one offset each, the third none.
    const planned = planRanges({
      topic: 't', start: { 0: 0n, 1: 0n, 2: 0n }, earliest: { 0: 0n, 1: 0n, 2: 0n }, latest: { 0: 1n, 1: 1n, 2: 1n },
      maxOffsetsPerTrigger: 2, failOnDataLoss: true,
    });
    const total = planned.reduce((a, r) => a + Number(r.to - r.from), 0);
    assert.equal(total, 2);
    for (const r of planned) assert.ok(r.to - r.from <= 1n);
  });

  it('starts a partition that appeared since the last plan at its earliest offset', () => {
    const planned = planRanges({ topic: 't', start: { 0: 7n }, earliest: { 0: 0n, 1: 2n }, latest: { 0: 9n, 1: 4n }, failOnDataLoss: true });
    assert.deepEqual(ranges(planned), [[0, 7, 9], [1, 2, 4]]);
  });

  it('fails with failOnDataLoss naming topic, partition and the deleted range', () => {
    assert.throws(
      () => planRanges({ topic: 'orders', start: { 0: 3n, 1: 10n }, earliest: { 0: 0n, 1: 25n }, latest: { 0: 5n, 1: 30n }, failOnDataLoss: true }),
      (err: unknown) => err instanceof DataLossError && /\[10, 25\) of orders-1 were deleted/.test(err.message),
    );
  });

  it('skips to the earliest offset and reports the loss when failOnDataLoss is false', () => {
    const lost: string[] = [];
    const planned = planRanges({
      topic: 'orders', start: { 0: 10n }, earliest: { 0: 25n }, latest: { 0: 30n }, failOnDataLoss: false, onDataLoss: (m) => lost.push(m),
    });
    assert.deepEqual(ranges(planned), [[0, 25, 30]]);
    assert.equal(lost.length, 1);
    assert.match(lost[0], /orders-0/);
  });
});

describe('the event-time watermark', () => {
  it('is the max event time seen minus the delay, and never moves back', () => {
    assert.equal(nextWatermark(0, null, 600), 0);
    assert.equal(nextWatermark(0, 10_000, 600), 9_400);
    assert.equal(nextWatermark(9_400, 9_000, 600), 9_400);
  });
});

describe('startingOffsets', () => {
  const earliest = new Map([[0, 2n], [1, 0n]]);
  const latest = new Map([[0, 50n], [1, 70n]]);
  it('resolves earliest and latest', () => {
    assert.deepEqual(resolveStartingOffsets('earliest', 't', earliest, latest), { 0: 2n, 1: 0n });
    assert.deepEqual(resolveStartingOffsets('latest', 't', earliest, latest), { 0: 50n, 1: 70n });
  });
  it('resolves per-partition JSON with -2 for earliest and -1 for latest', () => {
    assert.deepEqual(resolveStartingOffsets({ t: { 0: -1, 1: 33 } }, 't', earliest, latest), { 0: 50n, 1: 33n });
    assert.deepEqual(resolveStartingOffsets({ t: { 0: -2 } }, 't', earliest, latest), { 0: 2n, 1: 0n });
  });
  it('refuses a partition that does not exist', () => {
    assert.throws(() => resolveStartingOffsets({ t: { 5: 1 } }, 't', earliest, latest), /partition 5 of t/);
  });
});
