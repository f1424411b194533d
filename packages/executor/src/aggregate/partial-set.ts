/**
 * A set of partial (or merged) aggregates, one row per (window start, customer_id), as typed
 * columns. Used for shuffle payloads, emitted windows, snapshots and change sets.
 *
 * Sum representation: `sumCents[i]` is the exact sum in cents when it is finite, which is exactly
 * when |sum| < 2^53; otherwise it is NaN and `exactSums.get(i)` holds the exact sum as a bigint
 * (|sum| ≥ 2^53, and always < 10^20, the DECIMAL(20,2) bound). Counts are exact integers in a
 * Float64. Columns may be views into a larger buffer: treat them as read-only.
 */
export interface PartialSet {
  readonly length: number;
  readonly windowStartMicros: Float64Array;
  readonly customerId: Int32Array;
  readonly count: Float64Array;
  readonly sumCents: Float64Array;
  readonly exactSums: ReadonlyMap<number, bigint>;
}

/** The exact sum of row `i` in cents. */
export function partialSumCents(set: PartialSet, i: number): bigint {
  const s = set.sumCents[i];
  if (s === s) return BigInt(s);
  const exact = set.exactSums.get(i);
  if (exact === undefined) throw new RangeError(`row ${i} has no exact sum`);
  return exact;
}

/** The exact sum of row `i`: a number when |sum| < 2^53, otherwise a bigint. */
export function partialSumValue(set: PartialSet, i: number): number | bigint {
  const s = set.sumCents[i];
  return s === s ? s : partialSumCents(set, i);
}

export function emptyPartialSet(): PartialSet {
  return {
    length: 0,
    windowStartMicros: new Float64Array(0),
    customerId: new Int32Array(0),
    count: new Float64Array(0),
    sumCents: new Float64Array(0),
    exactSums: new Map(),
  };
}

/** The memory under PartialSetColumns, to hand between threads (by transfer). */
export interface ColumnBuffers {
  readonly windowStartMicros: ArrayBuffer;
  readonly customerId: ArrayBuffer;
  readonly count: ArrayBuffer;
  readonly sumCents: ArrayBuffer;
}

/** Writable columns of a PartialSet being filled; `finish()` views the first `length` rows. */
export class PartialSetColumns {
  readonly windowStartMicros: Float64Array;
  readonly customerId: Int32Array;
  readonly count: Float64Array;
  readonly sumCents: Float64Array;
  readonly exactSums = new Map<number, bigint>();
  readonly capacity: number;

  /** Columns of `capacity` rows over fresh memory, or over `buffers` (of at least `capacity` rows). */
  constructor(capacity: number, buffers?: ColumnBuffers) {
    this.capacity = capacity;
    this.windowStartMicros = new Float64Array(buffers?.windowStartMicros ?? new ArrayBuffer(capacity * 8), 0, capacity);
    this.customerId = new Int32Array(buffers?.customerId ?? new ArrayBuffer(capacity * 4), 0, capacity);
    this.count = new Float64Array(buffers?.count ?? new ArrayBuffer(capacity * 8), 0, capacity);
    this.sumCents = new Float64Array(buffers?.sumCents ?? new ArrayBuffer(capacity * 8), 0, capacity);
  }

  /** Writes every byte once, so the memory is mapped now rather than on first use. */
  touch(): this {
    this.windowStartMicros.fill(0);
    this.customerId.fill(0);
    this.count.fill(0);
    this.sumCents.fill(0);
    return this;
  }

  /** The buffers under the columns (a transfer detaches them: the columns are then unusable). */
  buffers(): ColumnBuffers {
    return {
      windowStartMicros: this.windowStartMicros.buffer as ArrayBuffer,
      customerId: this.customerId.buffer as ArrayBuffer,
      count: this.count.buffer as ArrayBuffer,
      sumCents: this.sumCents.buffer as ArrayBuffer,
    };
  }

  set(row: number, windowStart: number, customerId: number, count: number, sum: number | bigint): void {
    this.windowStartMicros[row] = windowStart;
    this.customerId[row] = customerId;
    this.count[row] = count;
    if (typeof sum === 'number') {
      this.sumCents[row] = sum;
    } else {
      this.sumCents[row] = NaN;
      this.exactSums.set(row, sum);
    }
  }

  finish(length: number): PartialSet {
    return {
      length,
      windowStartMicros: this.windowStartMicros.subarray(0, length),
      customerId: this.customerId.subarray(0, length),
      count: this.count.subarray(0, length),
      sumCents: this.sumCents.subarray(0, length),
      exactSums: this.exactSums,
    };
  }
}
