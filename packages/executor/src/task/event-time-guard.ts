/**
 * The event-time checks of a resolved query's rows before they are aggregated (after `pre`):
 *   - a row whose event time is null, in a query that uses one (the watermark's column, the
 *     window's column), is a bad record NULL_EVENT_TIME: Spark drops it silently, Tributary
 *     quarantines it;
 *   - a row stamped after the batch's reference time + maxEventTimeAhead (the watermark's column
 *     only) is a bad record EVENT_TIME_TOO_FAR_AHEAD and never moves the watermark.
 * Bad rows are named by their Kafka record (the batch's recordIndex into the chunk) and follow the
 * query's badRecords policy. The kept rows' event-time range is accumulated for the task's stats.
 */
import {
  ColumnBatch, EVENT_TIME_TOO_FAR_AHEAD, ExactVector, formatMicros, formatTimestampMicros, NULL_EVENT_TIME, RecordChunk, takeRows,
} from '@tributary/common';
import { OnBadRecord } from './bad-records';

export interface EventTimeGuardSpec {
  /** Columns (of the rows checked) that must not be null; the watermark's column first when there is one. */
  nonNullColumns: readonly number[];
  nonNullNames: readonly string[];
  /** The watermark's column, or null when the query has no watermark (no ahead check, no event-time stats). */
  watermarkColumn: number | null;
  /** Events after this (µs) are too far ahead; Infinity: no check. */
  aheadLimitMicros: number;
  /** For the detail of EVENT_TIME_TOO_FAR_AHEAD. */
  referenceMs: number;
  maxAheadMs: number;
}

/** Event-time range of the rows kept so far (watermark column). */
export class EventTimeRange {
  min = Infinity;
  max = -Infinity;
  sum = 0;
}

/**
 * The rows that pass the checks (the same batch when all do); bad ones went to `onBad`. The row
 * loops capture nothing in closures (a closure over a loop variable would allocate per row): the
 * messages are made by functions of their own.
 */
export function guardEventTime(
  rows: ColumnBatch, chunk: RecordChunk, onBad: OnBadRecord, spec: EventTimeGuardSpec, range: EventTimeRange,
): ColumnBatch {
  const n = rows.count;
  if (n === 0) return rows;
  const recordIndex = rows.recordIndex;
  if (recordIndex === undefined) throw new RangeError('rows without recordIndex cannot name their bad records');
  let keep: Uint8Array | null = null;
  for (let c = 0; c < spec.nonNullColumns.length; c++) {
    const validity = rows.columns[spec.nonNullColumns[c]].validity;
    if (validity === null) continue;
    for (let r = 0; r < n; r++) {
      if (validity[r] === 0 && (keep === null || keep[r] === 1)) {
        keep ??= new Uint8Array(n).fill(1);
        keep[r] = 0;
        onBad(chunk, recordIndex[r], NULL_EVENT_TIME, nullTimeDetail(spec.nonNullNames[c]));
      }
    }
  }
  if (spec.watermarkColumn !== null) {
    const times = (rows.columns[spec.watermarkColumn] as ExactVector).values;
    const limit = spec.aheadLimitMicros;
    let min = range.min;
    let max = range.max;
    let sum = range.sum;
    for (let r = 0; r < n; r++) {
      if (keep !== null && keep[r] === 0) continue;
      const t = times[r];
      if (t > limit) {
        keep ??= new Uint8Array(n).fill(1);
        keep[r] = 0;
        onBad(chunk, recordIndex[r], EVENT_TIME_TOO_FAR_AHEAD, aheadDetail(t, spec));
        continue;
      }
      if (t < min) min = t;
      if (t > max) max = t;
      sum += t;
    }
    range.min = min;
    range.max = max;
    range.sum = sum;
  }
  if (keep === null) return rows;
  const flags = keep as Uint8Array;
  let kept = 0;
  for (let r = 0; r < n; r++) kept += flags[r];
  const list = new Int32Array(kept);
  for (let r = 0, w = 0; r < n; r++) if (flags[r] === 1) list[w++] = r;
  return takeRows(rows, list);
}

function nullTimeDetail(name: string): () => string {
  return () => `event time column ${name} is null (the query's watermark or window needs it)`;
}

function aheadDetail(t: number, spec: EventTimeGuardSpec): () => string {
  return () => `timestamp ${formatTimestampMicros(t)} is more than ${formatMicros(spec.maxAheadMs * 1000)} after the batch's reference time ${new Date(spec.referenceMs).toISOString()} (maxEventTimeAhead)`;
}
