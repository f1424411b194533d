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
 * Eviction is lazy: a key whose expiry ≤ `deadline` (the highest watermark evicted by) is out of
 * state though its words stay in the table; a row of it is a new key again (its id is reused with a
 * new expiry). evict() only scans the expiries; the table is compacted (GroupKeyTable.retain, which
 * rehashes and rebuilds the dictionaries) once dead keys are half of it, so a batch does not pay a
 * rebuild of the whole state each time the watermark moves.
 *
 * Versioning protocol (as GroupStateTable's): after state version N is durable the owner calls
 * mark(); changesSinceMark() is then the keys batch N added that are still live, with their expiry,
 * and the watermark it evicted by (dedup-codec.ts), stored as version N+1. Rebuild =
 * loadSnapshot(every live key of version S), then applyChanges(change sets S+1 … N) in order.
 */
import { ColumnBatch, ExactVector, Vector } from '@tributary/common';
import { GroupKeyTable } from '../aggregate/group-by/group-keys';
import { DedupChangeSet } from './dedup-codec';
import { DedupLayout } from './dedup-layout';

export class DedupStateTable {
  private keys: GroupKeyTable;
  private expires: Float64Array;
  /** Keys with expiry ≤ deadline are out of state. */
  private deadline = -Infinity;
  private live = 0;
  /** The watermark evict() was called with since mark(), if any. */
  private evictedThrough: number | null = null;
  /** Keys added (or re-added) since mark(): flags by id and their list. */
  private addedFlag = new Uint8Array(0);
  private addedList = new Int32Array(0);
  private addedCount = 0;
  private groupOf = new Int32Array(0);
  /** Per key id, the batch row kept for it during keepFirst (−1 otherwise). */
  private bestRow = new Int32Array(0);

  constructor(readonly layout: DedupLayout, initialKeys = 16 * 1024) {
    this.keys = new GroupKeyTable(false, keyFields(layout), initialKeys);
    this.expires = new Float64Array(initialKeys);
  }

  /** Live keys. */
  get numKeys(): number {
    return this.live;
  }

  /** Bytes of the typed arrays the table holds (the key table, expiries and bookkeeping; capacity included). */
  get memoryBytes(): number {
    return this.keys.memoryBytes + this.expires.byteLength + this.addedFlag.byteLength + this.addedList.byteLength
      + this.bestRow.byteLength + this.groupOf.byteLength;
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
    const groupOf = this.scratch(n);
    this.keys.findOrInsert(n, null, L.keys.map((k) => rows.columns[k]), null, groupOf);
    this.grow(this.keys.size);
    const partition = (rows.columns[L.rowSchema.length] as { values: Int32Array }).values;
    const offset = (rows.columns[L.rowSchema.length + 1] as ExactVector).values;
    const expires = this.expires;
    const deadline = this.deadline;
    const best = this.bestRow;
    for (let g = before; g < this.keys.size; g++) expires[g] = -Infinity; // new ids: not in state
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (expires[g] > deadline) continue; // in state: a duplicate
      const b = best[g];
      if (b < 0) {
        best[g] = i;
        kept++;
      } else if (partition[i] < partition[b] || (partition[i] === partition[b] && offset[i] < offset[b])) {
        best[g] = i;
      }
    }
    const out = new Int32Array(kept);
    if (kept === 0) return out;
    const times = (rows.columns[L.eventTime] as ExactVector).values;
    const delay = L.expiryDelayMicros;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (best[g] !== i) continue;
      out[w++] = i;
      best[g] = -1;
      expires[g] = times[i] + delay;
      this.noteAdded(g);
    }
    this.live += kept;
    return out;
  }

  /** Removes the keys whose expiry ≤ watermarkMicros; returns how many left state. */
  evict(watermarkMicros: number): number {
    if (this.evictedThrough === null || watermarkMicros > this.evictedThrough) this.evictedThrough = watermarkMicros;
    if (watermarkMicros <= this.deadline) return 0;
    const old = this.deadline;
    const size = this.keys.size;
    let removed = 0;
    let dead = 0;
    for (let g = 0; g < size; g++) {
      const e = this.expires[g];
      if (e <= watermarkMicros) {
        dead++;
        if (e > old) removed++;
      }
    }
    this.deadline = watermarkMicros;
    this.live -= removed;
    if (dead > 0 && 2 * dead >= size) this.compact();
    return removed;
  }

  /** Every live key with its expiry, in order of entry (a snapshot's rows). */
  allRows(): ColumnBatch {
    const size = this.keys.size;
    const groups = new Int32Array(this.live);
    for (let g = 0, w = 0; g < size; g++) if (this.expires[g] > this.deadline) groups[w++] = g;
    return this.rowsOf(groups);
  }

  mark(): void {
    for (let i = 0; i < this.addedCount; i++) this.addedFlag[this.addedList[i]] = 0;
    this.addedCount = 0;
    this.evictedThrough = null;
  }

  changesSinceMark(): DedupChangeSet {
    const groups = Int32Array.from(this.addedList.subarray(0, this.addedCount)).sort();
    let w = 0;
    for (let i = 0; i < groups.length; i++) if (this.expires[groups[i]] > this.deadline) groups[w++] = groups[i];
    return { added: this.rowsOf(groups.subarray(0, w)), evictedThroughMicros: this.evictedThrough };
  }

  /** Applies a change set (rebuilding state), then mark(). */
  applyChanges(changes: DedupChangeSet): void {
    if (changes.evictedThroughMicros !== null) this.evict(changes.evictedThroughMicros);
    this.add(changes.added);
    this.mark();
  }

  /** Replaces all content by a snapshot (every live key once), then mark(). */
  loadSnapshot(rows: ColumnBatch): void {
    this.keys = new GroupKeyTable(false, keyFields(this.layout), Math.max(1024, rows.count));
    this.expires = new Float64Array(Math.max(1024, rows.count));
    this.addedFlag = new Uint8Array(0);
    this.addedList = new Int32Array(0);
    this.addedCount = 0;
    this.bestRow = new Int32Array(0);
    this.deadline = -Infinity;
    this.live = 0;
    this.add(rows);
    this.mark();
  }

  /** Adds state rows (layout.stateSchema) of keys not in state (a change set's or a snapshot's). */
  private add(rows: ColumnBatch): void {
    const n = rows.count;
    const k = this.layout.keys.length;
    const groupOf = this.scratch(n);
    const before = this.keys.size;
    this.keys.findOrInsert(n, null, rows.columns.slice(0, k), null, groupOf);
    this.grow(this.keys.size);
    for (let g = before; g < this.keys.size; g++) this.expires[g] = -Infinity;
    const expiry = (rows.columns[k] as ExactVector).values;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (this.expires[g] > this.deadline) throw new RangeError(`dedup state: key ${this.keys.describe(g)} is added but already live`);
      this.expires[g] = expiry[i];
      if (expiry[i] > this.deadline) this.live++;
      this.noteAdded(g);
    }
  }

  /** Drops the dead keys from the table (renumbering the live ones in their order). */
  private compact(): void {
    const size = this.keys.size;
    const keep = new Uint8Array(size);
    for (let g = 0; g < size; g++) keep[g] = this.expires[g] > this.deadline ? 1 : 0;
    const remap = this.keys.retain(keep);
    for (let g = 0; g < size; g++) if (remap[g] >= 0) this.expires[remap[g]] = this.expires[g];
    let n = 0;
    for (let i = 0; i < this.addedCount; i++) {
      const g = remap[this.addedList[i]];
      if (g >= 0) this.addedList[n++] = g;
    }
    this.addedFlag.fill(0);
    for (let i = 0; i < n; i++) this.addedFlag[this.addedList[i]] = 1;
    this.addedCount = n;
  }

  private rowsOf(groups: Int32Array): ColumnBatch {
    const count = groups.length;
    const keyVectors: Vector[] = this.keys.keyVectors(groups, count);
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = this.expires[groups[i]];
    const expires: ExactVector = { type: { kind: 'timestamp' }, validity: null, values, wide: null };
    return { count, schema: this.layout.stateSchema, columns: [...keyVectors, expires] };
  }

  private noteAdded(g: number): void {
    if (this.addedFlag[g] === 1) return;
    this.addedFlag[g] = 1;
    this.addedList[this.addedCount++] = g;
  }

  private scratch(n: number): Int32Array {
    if (this.groupOf.length < n) this.groupOf = new Int32Array(Math.max(n, this.groupOf.length * 2));
    return this.groupOf;
  }

  /** Per-key arrays sized for `size` keys. */
  private grow(size: number): void {
    if (this.expires.length < size) {
      const grown = new Float64Array(Math.max(size, this.expires.length * 2));
      grown.set(this.expires);
      this.expires = grown;
    }
    if (this.addedFlag.length < size) {
      const cap = Math.max(size, this.addedFlag.length * 2);
      const flag = new Uint8Array(cap);
      flag.set(this.addedFlag);
      this.addedFlag = flag;
      const list = new Int32Array(cap);
      list.set(this.addedList.subarray(0, this.addedCount));
      this.addedList = list;
    }
    if (this.bestRow.length < size) {
      const best = new Int32Array(Math.max(size, this.bestRow.length * 2)).fill(-1);
      best.set(this.bestRow);
      this.bestRow = best;
    }
  }
}

function keyFields(layout: DedupLayout) {
  return layout.keys.map((k) => layout.rowSchema[k]);
}
