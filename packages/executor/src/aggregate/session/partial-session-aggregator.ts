/**
 * Partial aggregation of one map task for a session-window query (map side): rows → sessions per
 * key, pre-merged within the task's input (SessionSet: each call's rows at once, all of them at
 * drain), late rows dropped, then split by shuffle partition of the grouping keys alone — never of
 * the session, whose bounds change as it merges — so every partial session of a key meets the
 * key's stored sessions at one owner. drainPartitions() hands out the partials and starts empty.
 * An add() that throws leaves the aggregator partly updated: the attempt has failed, discard it.
 */
import { DIRECT_ARRAYS_MAP_SIDE } from '../group-by/direct-int-keys';
import { ColumnBatch } from '@tributary/common';
import { sliceRows } from '../group-by/column-slices';
import { SessionLayout } from './session-layout';
import { SessionSet } from './session-set';

/** Below this many sessions the map side does not compact before the drain. */
const MIN_COMPACT_SESSIONS = 16 * 1024;

export interface SessionDrainResult {
  /** partitions[p]: the partial sessions (layout.stateSchema) of shuffle partition p, by key then start. */
  readonly partitions: ColumnBatch[];
  readonly lateRows: number;
  readonly nullTimeRows: number;
}

export class PartialSessionAggregator {
  private readonly sessions: SessionSet;
  private lateRows = 0;
  private nullTimeRows = 0;
  private hashes = new Int32Array(0);
  /** Sessions after the last compact(): the set is compacted again once it doubles (amortised linear). */
  private compactedSize = 0;

  constructor(readonly layout: SessionLayout, initialSessions = 16 * 1024) {
    this.sessions = new SessionSet(layout, initialSessions, DIRECT_ARRAYS_MAP_SIDE);
  }

  /** Aggregates one batch; rows whose session end (t + gap) ≤ lateWatermarkMicros are late. Returns the late count. */
  add(batch: ColumnBatch, lateWatermarkMicros: number, onLate?: (row: number) => void): number {
    if (Number.isNaN(lateWatermarkMicros)) throw new RangeError('lateWatermarkMicros is NaN');
    const r = this.sessions.addRows(batch, lateWatermarkMicros, onLate);
    // each call's rows are merged among themselves only; merging with earlier calls' sessions keeps
    // the set near the number of distinct sessions instead of growing with the rows
    if (this.sessions.size > Math.max(MIN_COMPACT_SESSIONS, 2 * this.compactedSize)) {
      this.sessions.compact();
      this.compactedSize = this.sessions.size;
    }
    this.lateRows += r.lateRows;
    this.nullTimeRows += r.nullTimeRows;
    return r.lateRows;
  }

  get numSessions(): number {
    return this.sessions.size;
  }

  /**
   * The merged partial sessions split by shuffle partition: pmod(hash(keys…), P), the hash of the
   * group-by without window (group-partition.ts). Clears the aggregator.
   */
  drainPartitions(numPartitions: number): SessionDrainResult {
    if (!Number.isSafeInteger(numPartitions) || numPartitions <= 0 || numPartitions > 0x7fffffff) {
      throw new RangeError(`numPartitions must be a positive int32, got ${numPartitions}`);
    }
    const set = this.sessions;
    set.compact();
    const keys = set.keys.size;
    if (this.hashes.length < keys) this.hashes = new Int32Array(Math.max(keys, this.hashes.length * 2));
    const hashes = this.hashes;
    set.keys.sparkHashes(0, hashes);
    const keyPartition = new Int32Array(keys);
    for (let k = 0; k < keys; k++) {
      const p = hashes[k] % numPartitions;
      keyPartition[k] = p < 0 ? p + numPartitions : p;
    }
    const n = set.size;
    const counts = new Int32Array(numPartitions + 1);
    for (let s = 0; s < n; s++) counts[keyPartition[set.keyOf[s]] + 1]++;
    for (let p = 0; p < numPartitions; p++) counts[p + 1] += counts[p];
    const cursor = counts.slice(0, numPartitions);
    const order = new Int32Array(n);
    for (let s = 0; s < n; s++) order[cursor[keyPartition[set.keyOf[s]]]++] = s;
    const all = set.rows(order);
    const partitions: ColumnBatch[] = [];
    for (let p = 0; p < numPartitions; p++) partitions.push(sliceRows(all, counts[p], counts[p + 1]));
    const result: SessionDrainResult = { partitions, lateRows: this.lateRows, nullTimeRows: this.nullTimeRows };
    set.clear();
    this.compactedSize = 0;
    this.lateRows = 0;
    this.nullTimeRows = 0;
    return result;
  }
}
