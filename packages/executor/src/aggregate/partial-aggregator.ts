import { CustomerTable } from './customer-table';
import { ShufflePartitioner } from './hash-partition';
import { PartialSet, PartialSetColumns } from './partial-set';
import { assertWindowMicros, windowStartMicros } from './window';

/** Decoded events of one input batch, as typed columns (rows 0..count−1 are used). */
export interface EventColumns {
  readonly count: number;
  readonly customerId: Int32Array;
  /** DECIMAL(10,2) as integer cents, |amount| < 10^10. */
  readonly amountCents: Float64Array;
  /** Exact integer epoch microseconds (UTC). */
  readonly eventTimeMicros: Float64Array;
}

export interface AddOptions {
  /** Tumbling window size, e.g. 300_000_000 for 5 minutes. Fixed between drains. */
  readonly windowMicros: number;
  /** Rows whose window end ≤ this are late (−Infinity: nothing is late, e.g. complete mode). */
  readonly lateWatermarkMicros: number;
  /** Called with the row index of each late row, in row order (for a late-rows side table). */
  readonly onLate?: (rowIndex: number) => void;
}

export interface DrainOptions {
  /** Return views into buffers reused by the next drain (see drainPartitions). Default false. */
  readonly reuseBuffers?: boolean;
}

/** What one batch's partial aggregation produced; counters cover every add() since the last drain. */
export interface DrainResult {
  /** partitions[p] holds the partials of shuffle partition p (see hash-partition.ts). */
  readonly partitions: PartialSet[];
  readonly inputRows: number;
  readonly lateRows: number;
  /**
   * Max event time over ALL input rows, late ones included (−Infinity if none). This matches Spark,
   * whose EventTimeWatermarkExec observes every row before the stateful operator drops late rows;
   * it feeds the next batch's watermark.
   */
  readonly maxEventTimeMicros: number;
}

const MAX_POOLED_TABLES = 16;

/**
 * Partial aggregation of one batch: COUNT(*) and exact SUM(amount) per (tumbling window,
 * customer_id), late rows dropped by Spark's predicate (window end ≤ watermark). Reused across
 * batches: drainPartitions() hands out the result and clears the aggregator, keeping its tables.
 *
 * Layout: one CustomerTable per window start (a batch spans few windows, keys are many). The row loop
 * caches the current window, so in-order events cost one range check per row for the window.
 * An add() that throws (bad event time, DECIMAL(20,2) overflow) leaves the aggregator partly
 * updated: the batch attempt has failed, so discard the aggregator.
 */
export class PartialAggregator {
  private readonly windows = new Map<number, CustomerTable>();
  private readonly pool: CustomerTable[] = [];
  private windowMicros = 0;
  private inputRows = 0;
  private lateRows = 0;
  private maxEventTime = -Infinity;
  private partitionOf = new Int32Array(0);
  private outBuffers: PartialSetColumns | null = null;

  constructor(private readonly initialKeysPerWindow = 16 * 1024) {}

  /** Aggregates one batch of events; returns how many of its rows were late. */
  add(cols: EventColumns, opts: AddOptions): number {
    const windowMicros = opts.windowMicros;
    assertWindowMicros(windowMicros);
    if (this.windowMicros !== windowMicros) {
      if (this.windows.size > 0) throw new RangeError('window size changed before drainPartitions()');
      this.windowMicros = windowMicros;
    }
    if (Number.isNaN(opts.lateWatermarkMicros)) throw new RangeError('lateWatermarkMicros is NaN');
    const n = cols.count;
    if (cols.customerId.length < n || cols.amountCents.length < n || cols.eventTimeMicros.length < n) {
      throw new RangeError(`event columns are shorter than count ${n}`);
    }
    const times = cols.eventTimeMicros;
    const customers = cols.customerId;
    const amounts = cols.amountCents;
    const watermark = opts.lateWatermarkMicros;
    const onLate = opts.onLate;

    let maxT = this.maxEventTime;
    let late = 0;
    let curStart = 0;
    let curEnd = -Infinity; // empty range: the first row selects its window
    let table: CustomerTable | null = null;
    for (let i = 0; i < n; i++) {
      const t = times[i];
      if (t > maxT) maxT = t;
      if (!(t >= curStart && t < curEnd)) {
        if (!Number.isSafeInteger(t)) throw new RangeError(`row ${i}: event time ${t} is not an integer of µs`);
        curStart = windowStartMicros(t, windowMicros);
        curEnd = curStart + windowMicros;
        table = curEnd <= watermark ? null : this.tableFor(curStart);
      }
      if (table === null) {
        late++;
        if (onLate !== undefined) onLate(i);
        continue;
      }
      table.addRow(customers[i], amounts[i]);
    }
    this.maxEventTime = maxT;
    this.inputRows += n;
    this.lateRows += late;
    return late;
  }

  /**
   * Splits the partials by shuffle partition (murmur3 of customer_id, pmod numPartitions) and clears
   * the aggregator. Within a partition rows are ordered by window start, then first appearance.
   * The partitions' columns are views into one allocation per column: fresh by default, or, with
   * `reuseBuffers`, the aggregator's own buffers, valid only until the next drainPartitions() (saves
   * the page faults of a fresh multi-MiB allocation per batch when the caller encodes or merges the
   * partitions right away).
   */
  drainPartitions(numPartitions: number, opts: DrainOptions = {}): DrainResult {
    const partitioner = new ShufflePartitioner(numPartitions);
    const tables = [...this.windows.values()].sort((a, b) => a.windowStart - b.windowStart);
    let total = 0;
    for (const t of tables) total += t.size;
    if (this.partitionOf.length < total) this.partitionOf = new Int32Array(Math.max(total, this.partitionOf.length * 2));
    const partitionOf = this.partitionOf;

    const rowsPer = new Int32Array(numPartitions);
    let k = 0;
    for (const t of tables) {
      const keys = t.customerId;
      const size = t.size;
      for (let e = 0; e < size; e++) {
        const p = partitioner.partitionOf(keys[e]);
        partitionOf[k++] = p;
        rowsPer[p]++;
      }
    }
    const offset = new Int32Array(numPartitions + 1);
    for (let p = 0; p < numPartitions; p++) offset[p + 1] = offset[p] + rowsPer[p];
    const cursor = offset.slice(0, numPartitions);

    const out = opts.reuseBuffers === true ? this.reusableColumns(total) : new PartialSetColumns(total);
    const exactByPartition: Map<number, bigint>[] = [];
    for (let p = 0; p < numPartitions; p++) exactByPartition.push(new Map());
    const outStart = out.windowStartMicros;
    const outKey = out.customerId;
    const outCount = out.count;
    const outSum = out.sumCents;
    k = 0;
    for (const t of tables) {
      const keys = t.customerId;
      const counts = t.count;
      const sums = t.sum;
      const ws = t.windowStart;
      const size = t.size;
      for (let e = 0; e < size; e++) {
        const p = partitionOf[k++];
        const row = cursor[p]++;
        outStart[row] = ws;
        outKey[row] = keys[e];
        outCount[row] = counts[e];
        const s = sums[e];
        if (s === s) {
          outSum[row] = s;
        } else {
          const exact = t.sumAt(e);
          if (typeof exact === 'number') outSum[row] = exact;
          else {
            outSum[row] = NaN;
            exactByPartition[p].set(row - offset[p], exact);
          }
        }
      }
    }

    const partitions: PartialSet[] = [];
    for (let p = 0; p < numPartitions; p++) {
      const from = offset[p];
      const to = offset[p + 1];
      partitions.push({
        length: to - from,
        windowStartMicros: out.windowStartMicros.subarray(from, to),
        customerId: out.customerId.subarray(from, to),
        count: out.count.subarray(from, to),
        sumCents: out.sumCents.subarray(from, to),
        exactSums: exactByPartition[p],
      });
    }
    const result: DrainResult = {
      partitions,
      inputRows: this.inputRows,
      lateRows: this.lateRows,
      maxEventTimeMicros: this.maxEventTime,
    };
    this.clear();
    return result;
  }

  /** Distinct (window, customer_id) keys aggregated since the last drain. */
  get numKeys(): number {
    let n = 0;
    for (const t of this.windows.values()) n += t.size;
    return n;
  }

  private reusableColumns(rows: number): PartialSetColumns {
    if (this.outBuffers === null || this.outBuffers.customerId.length < rows) {
      const previous = this.outBuffers === null ? 0 : this.outBuffers.customerId.length;
      this.outBuffers = new PartialSetColumns(Math.max(rows, Math.ceil(previous * 1.5)));
    }
    return this.outBuffers;
  }

  private tableFor(windowStart: number): CustomerTable {
    let t = this.windows.get(windowStart);
    if (t === undefined) {
      t = this.pool.pop() ?? new CustomerTable(this.initialKeysPerWindow);
      t.reset(windowStart, this.windowMicros);
      this.windows.set(windowStart, t);
    }
    return t;
  }

  private clear(): void {
    for (const t of this.windows.values()) {
      if (this.pool.length < MAX_POOLED_TABLES) {
        t.reset(0, 0);
        this.pool.push(t);
      }
    }
    this.windows.clear();
    this.inputRows = 0;
    this.lateRows = 0;
    this.maxEventTime = -Infinity;
  }
}
