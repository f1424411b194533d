/**
 * Partial aggregation of one batch for a general group-by (map side): rows → groups of
 * (window?, keys…) with their accumulators, late rows dropped, then split by shuffle partition
 * (group-partition.ts). drainPartitions() hands out the partials and starts the next batch empty.
 * An add() that throws (overflow, bad time) leaves the aggregator partly updated: the attempt has
 * failed, so discard the aggregator.
 */
import { ColumnBatch } from '@tributary/common';
import { GroupLayout } from './group-layout';
import { sliceRows } from './column-slices';
import { DIRECT_ARRAYS_MAP_SIDE } from './direct-int-keys';
import { GroupTable } from './group-table';

export interface GroupDrainResult {
  /** partitions[p]: the partial rows (layout.stateSchema) of shuffle partition p, in group order. */
  readonly partitions: ColumnBatch[];
  readonly inputRows: number;
  readonly lateRows: number;
  /** (row, window) pairs dropped as late (GroupTable AddRowsResult.lateWindowRows). */
  readonly lateWindowRows: number;
  readonly nullTimeRows: number;
  /** Max non-null event time over all input rows, late ones included (−Infinity if none). */
  readonly maxEventTimeMicros: number;
}

export class PartialGroupAggregator {
  private table: GroupTable;
  private inputRows = 0;
  private lateRows = 0;
  private lateWindowRows = 0;
  private nullTimeRows = 0;
  private maxEventTime = -Infinity;
  private hashes = new Int32Array(0);

  constructor(readonly layout: GroupLayout, initialGroups = 16 * 1024) {
    this.table = new GroupTable(layout, initialGroups, DIRECT_ARRAYS_MAP_SIDE);
  }

  /** Aggregates one batch; rows whose window end ≤ lateWatermarkMicros are late. Returns the late count. */
  add(batch: ColumnBatch, lateWatermarkMicros: number, onLate?: (row: number) => void): number {
    if (Number.isNaN(lateWatermarkMicros)) throw new RangeError('lateWatermarkMicros is NaN');
    const r = this.table.addRows(batch, lateWatermarkMicros, onLate);
    this.inputRows += batch.count;
    this.lateRows += r.lateRows;
    this.lateWindowRows += r.lateWindowRows;
    this.nullTimeRows += r.nullTimeRows;
    if (r.maxEventTimeMicros > this.maxEventTime) this.maxEventTime = r.maxEventTimeMicros;
    return r.lateRows;
  }

  get numGroups(): number {
    return this.table.size;
  }

  /**
   * The partials split by shuffle partition (group-partition.ts), and the counters since the last
   * drain; clears the aggregator (keeping its arrays). The partitions' columns are views into one
   * batch of new columns, in partition order.
   */
  drainPartitions(numPartitions: number): GroupDrainResult {
    if (!Number.isSafeInteger(numPartitions) || numPartitions <= 0 || numPartitions > 0x7fffffff) {
      throw new RangeError(`numPartitions must be a positive int32, got ${numPartitions}`);
    }
    const table = this.table;
    const size = table.size;
    if (this.hashes.length < size) this.hashes = new Int32Array(Math.max(size, this.hashes.length * 2));
    const hashes = table.groupHashes(this.hashes);
    const counts = new Int32Array(numPartitions + 1);
    partitionsOfHashes(hashes, size, numPartitions, counts);
    for (let p = 0; p < numPartitions; p++) counts[p + 1] += counts[p];
    const dest = destinations(hashes, size, counts.slice(0, numPartitions));
    const all = table.rows(null, dest);
    const partitions: ColumnBatch[] = [];
    for (let p = 0; p < numPartitions; p++) partitions.push(sliceRows(all, counts[p], counts[p + 1]));
    const result: GroupDrainResult = {
      partitions,
      inputRows: this.inputRows,
      lateRows: this.lateRows,
      lateWindowRows: this.lateWindowRows,
      nullTimeRows: this.nullTimeRows,
      maxEventTimeMicros: this.maxEventTime,
    };
    table.clear();
    this.inputRows = 0;
    this.lateRows = 0;
    this.lateWindowRows = 0;
    this.nullTimeRows = 0;
    this.maxEventTime = -Infinity;
    return result;
  }
}

/**
 * hashes[g] := pmod(hashes[g], P) for groups 0..size−1, counting each partition's groups into
 * counts[p + 1]. (Row loops live in small functions of their own: V8 optimizes them whole, where
 * a loop inside a long function called once per task runs partly unoptimized.)
 */
function partitionsOfHashes(hashes: Int32Array, size: number, numPartitions: number, counts: Int32Array): void {
  // pmod(h, P) as h − ⌊h/P⌋·P on doubles: a signed integer % that yields −0 drops V8 to a slow
  // floating-point modulus; |h| < 2^31 keeps the floor off by at most one.
  const inverse = 1 / numPartitions;
  for (let g = 0; g < size; g++) {
    const h = hashes[g];
    let p = h - Math.floor(h * inverse) * numPartitions;
    if (p < 0) p += numPartitions;
    else if (p >= numPartitions) p -= numPartitions;
    hashes[g] = p;
    counts[p + 1]++;
  }
}

/** Row of each group: partitions contiguous (cursor[p] = partition p's first row), groups in id order within each. */
function destinations(partitionOf: Int32Array, size: number, cursor: Int32Array): Int32Array {
  const dest = new Int32Array(size);
  for (let g = 0; g < size; g++) dest[g] = cursor[partitionOf[g]]++;
  return dest;
}
