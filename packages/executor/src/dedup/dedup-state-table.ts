/**
 * The deduplication state of one shuffle partition: the live keys (a GroupKeyTable: keys encoded
 * as fixed-width words, dense ids in order of entry) and each key's expiry (µs), with change
 * tracking for versioned state.
 *
 * A batch (dedup-reduce-task.ts): keepFirst(rows) adds the keys not in state and names, for each,
 * the row kept — the one with the lowest (kafka_partition, kafka_offset) among the batch's rows of
 * that key; rows whose key is in state are duplicates. Then evict(WM(N)) removes the keys whose
 * expiry ≤ WM(N) (Spark evicts at the end of the batch too).
 *
 * Versioning protocol (as GroupStateTable's): after state version N is durable the owner calls
 * mark(); changesSinceMark() is then what batch N added (still live) and the watermark it evicted
 * by (dedup-codec.ts), stored as version N+1. Rebuild = loadSnapshot(every key of version S), then
 * applyChanges(change sets S+1 … N) in order.
 */
import { ColumnBatch, ExactVector, Vector } from '@tributary/common';
import { GroupKeyTable } from '../aggregate/group-by/group-keys';
import { DedupChangeSet } from './dedup-codec';
import { DedupLayout } from './dedup-layout';

export class DedupStateTable {
  private keys: GroupKeyTable;
  private expires: Float64Array;
  /** Keys with id ≥ this entered state since mark(). */
  private firstAdded = 0;
  private evictedThrough: number | null = null;
  private groupOf = new Int32Array(0);

  constructor(readonly layout: DedupLayout, initialKeys = 16 * 1024) {
    this.keys = new GroupKeyTable(false, layout.keys.map((k) => layout.rowSchema[k]), initialKeys);
    this.expires = new Float64Array(initialKeys);
  }

  get numKeys(): number {
    return this.keys.size;
  }

  /**
   * Rows (layout.shuffleSchema) of one batch: adds the keys not in state, with their expiry, and
   * returns the kept rows' indices, ascending: per new key, its row with the lowest
   * (kafka_partition, kafka_offset).
   */
  keepFirst(rows: ColumnBatch): Int32Array {
    const n = rows.count;
    const L = this.layout;
    const before = this.keys.size;
    if (this.groupOf.length < n) this.groupOf = new Int32Array(Math.max(n, this.groupOf.length * 2));
    const groupOf = this.groupOf;
    const keyColumns: Vector[] = L.keys.map((k) => rows.columns[k]);
    const added = this.keys.findOrInsert(n, null, keyColumns, null, groupOf);
    if (added === 0) return new Int32Array(0);
    const partition = (rows.columns[L.rowSchema.length] as { values: Int32Array }).values;
    const offset = (rows.columns[L.rowSchema.length + 1] as ExactVector).values;
    const best = new Int32Array(added).fill(-1);
    for (let i = 0; i < n; i++) {
      const a = groupOf[i] - before;
      if (a < 0) continue;
      const b = best[a];
      if (b < 0 || partition[i] < partition[b] || (partition[i] === partition[b] && offset[i] < offset[b])) best[a] = i;
    }
    this.ensureCapacity(before + added);
    const times = (rows.columns[L.eventTime] as ExactVector).values;
    const delay = L.expiryDelayMicros;
    const keep = new Uint8Array(n);
    for (let a = 0; a < added; a++) {
      keep[best[a]] = 1;
      this.expires[before + a] = times[best[a]] + delay;
    }
    const kept = new Int32Array(added);
    for (let i = 0, w = 0; i < n; i++) if (keep[i] === 1) kept[w++] = i;
    return kept;
  }

  /** Removes the keys whose expiry ≤ watermarkMicros; returns how many left. */
  evict(watermarkMicros: number): number {
    const size = this.keys.size;
    const keep = new Uint8Array(size);
    let removed = 0;
    for (let g = 0; g < size; g++) {
      if (this.expires[g] > watermarkMicros) keep[g] = 1;
      else removed++;
    }
    if (this.evictedThrough === null || watermarkMicros > this.evictedThrough) this.evictedThrough = watermarkMicros;
    if (removed === 0) return 0;
    const remap = this.keys.retain(keep);
    let firstAdded = 0;
    for (let g = 0; g < size; g++) {
      const r = remap[g];
      if (r < 0) continue;
      this.expires[r] = this.expires[g];
      if (g < this.firstAdded) firstAdded++;
    }
    this.firstAdded = firstAdded;
    return removed;
  }

  /** Every live key with its expiry, in order of entry (a snapshot's rows). */
  allRows(): ColumnBatch {
    return this.rowsFrom(0);
  }

  mark(): void {
    this.firstAdded = this.keys.size;
    this.evictedThrough = null;
  }

  changesSinceMark(): DedupChangeSet {
    return { added: this.rowsFrom(this.firstAdded), evictedThroughMicros: this.evictedThrough };
  }

  /** Applies a change set (rebuilding state), then mark(). */
  applyChanges(changes: DedupChangeSet): void {
    if (changes.evictedThroughMicros !== null) this.evict(changes.evictedThroughMicros);
    this.add(changes.added);
    this.mark();
  }

  /** Replaces all content by a snapshot (every key once), then mark(). */
  loadSnapshot(rows: ColumnBatch): void {
    this.keys = new GroupKeyTable(false, this.layout.keys.map((k) => this.layout.rowSchema[k]), Math.max(1024, rows.count));
    this.expires = new Float64Array(Math.max(1024, rows.count));
    this.add(rows);
    this.mark();
  }

  /** Adds state rows (layout.stateSchema); a key already live keeps its expiry. */
  private add(rows: ColumnBatch): void {
    const n = rows.count;
    const before = this.keys.size;
    if (this.groupOf.length < n) this.groupOf = new Int32Array(Math.max(n, this.groupOf.length * 2));
    const k = this.layout.keys.length;
    const added = this.keys.findOrInsert(n, null, rows.columns.slice(0, k), null, this.groupOf);
    this.ensureCapacity(before + added);
    const expiry = (rows.columns[k] as ExactVector).values;
    for (let i = 0; i < n; i++) if (this.groupOf[i] >= before) this.expires[this.groupOf[i]] = expiry[i];
  }

  private rowsFrom(first: number): ColumnBatch {
    const count = this.keys.size - first;
    const groups = new Int32Array(count);
    for (let i = 0; i < count; i++) groups[i] = first + i;
    const keyVectors = this.keys.keyVectors(groups, count);
    const expires: ExactVector = { type: { kind: 'timestamp' }, validity: null, values: this.expires.slice(first, first + count), wide: null };
    return { count, schema: this.layout.stateSchema, columns: [...keyVectors, expires] };
  }

  private ensureCapacity(size: number): void {
    if (this.expires.length >= size) return;
    const grown = new Float64Array(Math.max(size, this.expires.length * 2));
    grown.set(this.expires);
    this.expires = grown;
  }
}
