import { InvalidArgumentError } from '../errors';

/**
 * Decoded events of one Kafka partition as columns. The arrays are capacity-sized and reused across
 * chunks: rows 0..count-1 are valid. All numbers are exact integers: cents |x| < 10^10, epoch µs and
 * offsets below 2^53. `eventType` holds codes into the decoder's dictionary, -1 for null.
 */
export interface EventColumns {
  count: number;
  customerId: Int32Array;
  amountCents: Float64Array;
  eventTimeMicros: Float64Array;
  eventType: Int32Array;
  kafkaOffset: Float64Array;
  kafkaTimestampMs: Float64Array;
  /** The Kafka partition of every row; -1 while empty and not yet assigned. */
  partition: number;
}

export function createEventColumns(capacity = 65536): EventColumns {
  if (!(capacity >= 1)) throw new InvalidArgumentError(`column capacity must be at least 1, got ${capacity}`);
  return {
    count: 0,
    customerId: new Int32Array(capacity),
    amountCents: new Float64Array(capacity),
    eventTimeMicros: new Float64Array(capacity),
    eventType: new Int32Array(capacity),
    kafkaOffset: new Float64Array(capacity),
    kafkaTimestampMs: new Float64Array(capacity),
    partition: -1,
  };
}

/** Empties the columns for reuse, keeping their arrays. */
export function clearEventColumns(cols: EventColumns): void {
  cols.count = 0;
  cols.partition = -1;
}

/** Makes room for `rows` rows in total, at least doubling when it must grow (rows 0..count kept). */
export function ensureEventCapacity(cols: EventColumns, rows: number): void {
  const capacity = cols.customerId.length;
  if (rows <= capacity) return;
  const next = Math.max(rows, capacity * 2);
  const n = cols.count;
  cols.customerId = grown(new Int32Array(next), cols.customerId, n);
  cols.amountCents = grown(new Float64Array(next), cols.amountCents, n);
  cols.eventTimeMicros = grown(new Float64Array(next), cols.eventTimeMicros, n);
  cols.eventType = grown(new Int32Array(next), cols.eventType, n);
  cols.kafkaOffset = grown(new Float64Array(next), cols.kafkaOffset, n);
  cols.kafkaTimestampMs = grown(new Float64Array(next), cols.kafkaTimestampMs, n);
}

function grown<T extends Int32Array | Float64Array>(next: T, old: T, n: number): T {
  next.set(old.subarray(0, n) as never);
  return next;
}
