/**
 * The aggregation state of one shuffle partition for a general group-by: one GroupTable holding
 * every live group (all windows), fed with partials, with change tracking for versioned state.
 *
 * Output modes:
 *   append    evictClosed(watermark) removes and returns the groups whose window end ≤ watermark
 *             (a window is emitted once, in the first batch whose watermark reaches its end)
 *   complete  allRows() returns every group, each batch; nothing is evicted (this is also the only
 *             mode for a group-by without a window)
 *
 * Eviction compacts the table to the groups kept (GroupTable.retain); it runs only in batches where
 * some window has closed (the live windows are tracked, so other batches pay nothing), and costs
 * in proportion to the state then.
 *
 * Versioning protocol (as WindowStateTable's): after state version N is durable the owner calls
 * mark(); batch N+1's merges and evictions are recorded; changesSinceMark() is then the change set
 * stored as version N+1 (encodeGroupChanges). Rebuild = loadSnapshot(snapshot at version S), then
 * applyChanges(change sets S+1 … N) in order. A merge that throws (overflow) leaves the table partly
 * merged: the attempt fails and state is rebuilt from durable storage.
 */
import { ColumnBatch } from '@tributary/common';
import { DIRECT_ARRAYS_STATE } from './direct-int-keys';
import { GroupChangeSet } from './group-codec';
import { copyGroupImage, GroupImage, ImageBuffers, imageSizes } from './group-image';
import { GroupLayout } from './group-layout';
import { GroupTable } from './group-table';

export class GroupStateTable {
  private table: GroupTable;
  /** Live window starts (windowed layouts). */
  private readonly windows = new Set<number>();
  private readonly deletedSinceMark = new Set<number>();
  private dirtyFlag: Uint8Array = new Uint8Array(0);
  private dirtyList: Int32Array = new Int32Array(0);
  private dirtyCount = 0;

  constructor(readonly layout: GroupLayout, initialGroups = 16 * 1024) {
    this.table = new GroupTable(layout, initialGroups, DIRECT_ARRAYS_STATE);
  }

  get numGroups(): number {
    return this.table.size;
  }

  /** Bytes of the typed arrays holding the state (an estimate: capacity included, wide values not). */
  get memoryBytes(): number {
    return this.table.memoryBytes + this.dirtyFlag.byteLength + this.dirtyList.byteLength;
  }

  /** Live window starts, ascending. */
  windowStarts(): number[] {
    return [...this.windows].sort((a, b) => a - b);
  }

  /** Adds partial rows (layout.stateSchema): counts and sums add up per group. */
  merge(partials: ColumnBatch | readonly ColumnBatch[]): void {
    const list = Array.isArray(partials) ? partials : [partials as ColumnBatch];
    for (const rows of list) this.mergeOne(rows, false);
  }

  /**
   * Append mode: removes and returns the groups whose window end ≤ watermarkMicros, ordered by
   * window start, then by the order groups entered state.
   */
  evictClosed(watermarkMicros: number): ColumnBatch {
    const w = this.layout.window;
    if (w === null) throw new RangeError('a group-by without a window has no closed windows (complete mode only)');
    const closed = this.windowStarts().filter((s) => s + w.sizeMicros <= watermarkMicros);
    if (closed.length === 0) return this.table.rows(new Int32Array(0));
    const starts = this.table.keys.windowStarts(null, this.table.size);
    const rows = this.rowsOfWindows(closed, starts);
    const keep = new Uint8Array(this.table.size);
    const lastClosed = closed[closed.length - 1];
    for (let g = 0; g < keep.length; g++) keep[g] = starts[g] <= lastClosed ? 0 : 1;
    this.retain(keep);
    for (const s of closed) {
      this.windows.delete(s);
      this.deletedSinceMark.add(s);
    }
    return rows;
  }

  /** Every group, ordered by window start, then by the order groups entered state (complete-mode output). */
  allRows(): ColumnBatch {
    if (this.layout.window === null) return this.table.rows();
    return this.rowsOfWindows(this.windowStarts(), this.table.keys.windowStarts(null, this.table.size));
  }

  /**
   * Bytes of each buffer an image of the state needs (group-image.ts), for the state scaled by
   * `factor` plus `padRows` rows (room to grow).
   */
  imageSizes(factor = 1, padRows = 0): Record<string, number> {
    return imageSizes(this.table, factor, padRows);
  }

  /**
   * Copies the whole state into `buffers` (they must hold imageSizes()), column at a time: a
   * snapshot's rows, to encode on another thread (encodeGroupImage).
   */
  copyImage(buffers: ImageBuffers): GroupImage {
    return copyGroupImage(this.table, buffers);
  }

  /** Starts a new change set: forgets what was recorded so far. */
  mark(): void {
    for (let i = 0; i < this.dirtyCount; i++) this.dirtyFlag[this.dirtyList[i]] = 0;
    this.dirtyCount = 0;
    this.deletedSinceMark.clear();
  }

  /** Groups merged or set since mark() (current values) and windows removed since then. */
  changesSinceMark(): GroupChangeSet {
    const groups = Int32Array.from(this.dirtyList.subarray(0, this.dirtyCount)).sort();
    const deleted = Float64Array.from([...this.deletedSinceMark].sort((a, b) => a - b));
    return { upserts: this.table.rows(groups), deletedWindowStartsMicros: deleted };
  }

  /** Applies a change set (rebuilding state), then mark(): the table is at the change set's version. */
  applyChanges(changes: GroupChangeSet): void {
    if (changes.deletedWindowStartsMicros.length > 0) {
      const gone = new Set(changes.deletedWindowStartsMicros);
      const keep = new Uint8Array(this.table.size);
      for (let g = 0; g < keep.length; g++) keep[g] = gone.has(this.table.windowStartOf(g)) ? 0 : 1;
      this.retain(keep);
      for (const s of gone) this.windows.delete(s);
    }
    this.mergeOne(changes.upserts, true);
    this.mark();
  }

  /** Replaces all content by a snapshot (every group of some version, once, in any order), then mark(). */
  loadSnapshot(rows: ColumnBatch): void {
    this.table = new GroupTable(this.layout, Math.max(1024, rows.count), DIRECT_ARRAYS_STATE);
    this.windows.clear();
    this.dirtyCount = 0;
    this.dirtyFlag = new Uint8Array(0);
    this.dirtyList = new Int32Array(0);
    this.mergeOne(rows, true);
    this.mark();
  }

  private mergeOne(rows: ColumnBatch, replace: boolean): void {
    const before = this.table.size;
    const groupOf = this.table.mergeRows(rows, replace);
    const size = this.table.size;
    if (this.dirtyFlag.length < size) {
      const cap = Math.max(size, this.dirtyFlag.length * 2);
      const flag = new Uint8Array(cap);
      flag.set(this.dirtyFlag);
      this.dirtyFlag = flag;
      const list = new Int32Array(cap);
      list.set(this.dirtyList);
      this.dirtyList = list;
    }
    for (let i = 0; i < groupOf.length; i++) {
      const g = groupOf[i];
      if (this.dirtyFlag[g] === 0) {
        this.dirtyFlag[g] = 1;
        this.dirtyList[this.dirtyCount++] = g;
      }
    }
    if (this.layout.window !== null) {
      for (let g = before; g < size; g++) {
        const s = this.table.windowStartOf(g);
        this.windows.add(s);
      }
    }
  }

  /** Rows of the windows `starts` (ascending), window by window; groupStarts[g] is group g's window. */
  private rowsOfWindows(starts: readonly number[], groupStarts: Float64Array): ColumnBatch {
    const rank = new Map<number, number>();
    starts.forEach((s, i) => rank.set(s, i));
    const counts = new Int32Array(starts.length + 1);
    const size = this.table.size;
    const rankOf = new Int32Array(size);
    for (let g = 0; g < size; g++) {
      const r = rank.get(groupStarts[g]);
      rankOf[g] = r === undefined ? -1 : r;
      if (r !== undefined) counts[r + 1]++;
    }
    for (let r = 0; r < starts.length; r++) counts[r + 1] += counts[r];
    const groups = new Int32Array(counts[starts.length]);
    for (let g = 0; g < size; g++) if (rankOf[g] >= 0) groups[counts[rankOf[g]]++] = g;
    return this.table.rows(groups);
  }

  private retain(keep: Uint8Array): void {
    const remap = this.table.retain(keep);
    let n = 0;
    for (let i = 0; i < this.dirtyCount; i++) {
      const g = remap[this.dirtyList[i]];
      if (g >= 0) this.dirtyList[n++] = g;
    }
    this.dirtyFlag.fill(0);
    for (let i = 0; i < n; i++) this.dirtyFlag[this.dirtyList[i]] = 1;
    this.dirtyCount = n;
  }
}
