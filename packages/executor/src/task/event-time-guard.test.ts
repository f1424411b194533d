import assert from 'node:assert/strict';
import { INT, RecordChunk, STRING, TIMESTAMP, sqlField } from '@tributary/common';
import { batch, rowsOf } from '../aggregate/group-by/group-by.test-support';
import { EventTimeGuardSpec, EventTimeRange, guardEventTime } from './event-time-guard';

const T = 1_772_323_200_000_000; // 2026-03-01T00:00:00Z
const schema = [sqlField('ts', TIMESTAMP), sqlField('k', STRING), sqlField('other_ts', TIMESTAMP), sqlField('n', INT)];

/** A chunk of 6 records at offsets 100..105 (only topic, partition and offsets are read). */
const chunk = { topic: 't', partition: 3, count: 6, offset: Float64Array.from([100, 101, 102, 103, 104, 105]) } as unknown as RecordChunk;

function collect(): { bad: string[]; onBad: (c: RecordChunk, i: number, reason: string, detail: () => string) => void } {
  const bad: string[] = [];
  return { bad, onBad: (c, i, reason, detail) => bad.push(`${c.offset[i]} ${reason}: ${detail()}`) };
}

const spec = (over: Partial<EventTimeGuardSpec> = {}): EventTimeGuardSpec => ({
  nonNullColumns: [0, 2], nonNullNames: ['ts', 'other_ts'], watermarkColumn: 0,
  aheadLimitMicros: T + 60_000_000, referenceMs: (T - 86_400_000_000) / 1000, maxAheadMs: 86_400_000, ...over,
});

describe('guardEventTime', () => {
  it('quarantines null event times of every column the query uses, and times past the limit; keeps the rest with their records', () => {
    // rows come from records 5, 0, 1, 2, 3 (a filter may reorder nothing, but rows need not start at 0)
    const rows = batch(schema, [
      [BigInt(T), 'a', BigInt(T), 1],
      [null, 'b', BigInt(T), 2],
      [BigInt(T + 60_000_000), 'c', null, 3],
      [BigInt(T + 60_000_001), 'd', BigInt(T), 4],
      [BigInt(T - 5), 'e', BigInt(T), 5],
    ]);
    rows.recordIndex = Int32Array.from([5, 0, 1, 2, 3]);
    const { bad, onBad } = collect();
    const range = new EventTimeRange();
    const kept = guardEventTime(rows, chunk, onBad, spec(), range);
    assert.deepEqual(rowsOf(kept), [[BigInt(T), 'a', BigInt(T), 1], [BigInt(T - 5), 'e', BigInt(T), 5]]);
    assert.deepEqual([...kept.recordIndex!], [5, 3]);
    assert.deepEqual(bad, [
      "100 NULL_EVENT_TIME: event time column ts is null (the query's watermark or window needs it)",
      "101 NULL_EVENT_TIME: event time column other_ts is null (the query's watermark or window needs it)",
      "102 EVENT_TIME_TOO_FAR_AHEAD: timestamp 2026-03-01T00:01:00.000001Z is more than 1 day after the batch's reference time 2026-02-28T00:00:00.000Z (maxEventTimeAhead)",
    ]);
    assert.deepEqual([range.min, range.max, range.sum], [T - 5, T, 2 * T - 5]);
  });

  it('returns the same rows when all pass; without a watermark there is no limit and no event-time range', () => {
    const rows = batch(schema, [[BigInt(T + 10 ** 12), 'a', BigInt(T), 1]]);
    rows.recordIndex = Int32Array.from([0]);
    const { bad, onBad } = collect();
    const range = new EventTimeRange();
    assert.equal(guardEventTime(rows, chunk, onBad, spec({ watermarkColumn: null, aheadLimitMicros: Infinity, nonNullColumns: [0], nonNullNames: ['ts'] }), range), rows);
    assert.deepEqual(bad, []);
    assert.deepEqual([range.min, range.max, range.sum], [Infinity, -Infinity, 0]);
  });
});
