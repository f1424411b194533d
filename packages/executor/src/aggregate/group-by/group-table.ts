/**
 * One hash aggregation table: groups (GroupKeyTable) and their accumulators, fed either with input
 * rows (addRows: window assignment, late filter, then the aggregates' inputs) or with partial rows
 * of the layout's stateSchema (mergeRows: partials from other tables, state change sets).
 *
 * Window assignment (window-assignment.ts: Spark's alignment, tumbling or sliding): a row belongs to
 * the windows [start, start + size) that hold its time, with starts at startMicros + j·slideMicros;
 * addRows runs one pass per window offset k (a tumbling window's one pass assigns and filters in
 * one loop: tumblingPass). A row whose time is null has no window and is dropped
 * (Spark filters such rows out). A row's contribution to a window is late when that window's end ≤
 * the watermark (Spark's predicate, per window); the row is late (counted, handed to onLate) when
 * all its windows are.
 */
import { ColumnBatch, ExactVector, Vector } from '@tributary/common';
import { formatMicrosIso } from '../window';
import { Accumulator, makeAccumulator } from './accumulators';
import { GroupKeyTable } from './group-keys';
import { GroupLayout } from './group-layout';
import { latestStarts, tumblingPass, windowPass, windowsPerRow } from './window-assignment';

export interface AddRowsResult {
  /** Rows whose window end ≤ the watermark (not aggregated). */
  readonly lateRows: number;
  /**
   * (row, window) pairs not aggregated because the window's end ≤ the watermark: lateRows for a
   * tumbling window; with a sliding one also the closed windows of rows that count in open ones.
   */
  readonly lateWindowRows: number;
  /** Rows whose event time is null (not aggregated). */
  readonly nullTimeRows: number;
  /** Max event time over the non-null times of all rows, late ones included (−Infinity if none). */
  readonly maxEventTimeMicros: number;
}

export class GroupTable {
  readonly keys: GroupKeyTable;
  readonly accumulators: Accumulator[];
  private groupOf = new Int32Array(0);
  private windowStart = new Float64Array(0);
  private lastStart = new Float64Array(0);
  private nullTime = new Uint8Array(0);
  private skip = new Uint8Array(0);

  /** `directArrays`: see GroupKeyTable (a cache for a lone int key; 0: none). */
  constructor(readonly layout: GroupLayout, initialGroups = 1024, directArrays = 0) {
    this.keys = new GroupKeyTable(layout.window !== null, layout.keys.map((k) => k.field), initialGroups, directArrays);
    this.accumulators = layout.parts.map((p) => makeAccumulator(p, (g) => this.describe(g)));
    for (const a of this.accumulators) a.ensureCapacity(this.keys.capacity);
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Aggregates input rows (columns as the layout's indices say) into each of their windows. A
   * window whose end ≤ lateWatermarkMicros (−Infinity: none) gets nothing; a row all of whose
   * windows are so is late: counted in lateRows, and onLate, if given, is called with its index,
   * in row order.
   */
  addRows(batch: ColumnBatch, lateWatermarkMicros: number, onLate?: (row: number) => void): AddRowsResult {
    const n = batch.count;
    this.ensureScratch(n);
    let lateRows = 0;
    let nullTimeRows = 0;
    let maxT = -Infinity;
    const w = this.layout.window;
    const keyVectors = this.layout.keys.map((k) => batch.columns[k.column]);
    if (w === null) {
      this.aggregatePass(batch, n, null, keyVectors, null);
      return { lateRows, lateWindowRows: 0, nullTimeRows, maxEventTimeMicros: maxT };
    }
    const time = batch.columns[w.column] as ExactVector;
    const times = time.values;
    if (w.slideMicros === w.sizeMicros) {
      const r = tumblingPass(n, times, time.validity, w, lateWatermarkMicros, this.windowStart, this.skip, onLate);
      if (r.kept > 0) this.aggregatePass(batch, n, this.windowStart, keyVectors, r.kept === n ? null : this.skip);
      return { lateRows: r.late, lateWindowRows: r.late, nullTimeRows: r.nullTimeRows, maxEventTimeMicros: r.maxTimeMicros };
    }
    const last = this.lastStart;
    const nullTime = this.nullTime;
    const r = latestStarts(n, times, time.validity, w, last, nullTime);
    nullTimeRows = r.nullTimeRows;
    maxT = r.maxTimeMicros;
    // a row is late when all its windows are: window 0 (the latest end) has closed
    const size = w.sizeMicros;
    for (let i = 0; i < n; i++) {
      if (nullTime[i] === 0 && last[i] + size <= lateWatermarkMicros) {
        lateRows++;
        if (onLate !== undefined) onLate(i);
      }
    }
    const passes = windowsPerRow(w);
    let lateWindowRows = 0;
    for (let k = 0; k < passes; k++) {
      const { kept, late } = windowPass(k, n, times, last, nullTime, w, lateWatermarkMicros, this.windowStart, this.skip);
      lateWindowRows += late;
      if (kept > 0) this.aggregatePass(batch, n, this.windowStart, keyVectors, kept === n ? null : this.skip);
    }
    return { lateRows, lateWindowRows, nullTimeRows, maxEventTimeMicros: maxT };
  }

  /** Adds rows 0..n−1 (but those with skip[i] = 1) to their groups of (window start, keys). */
  private aggregatePass(batch: ColumnBatch, n: number, windowStart: Float64Array | null, keyVectors: Vector[], skip: Uint8Array | null): void {
    const added = this.keys.findOrInsert(n, windowStart, keyVectors, skip, this.groupOf);
    this.afterInsert(added);
    for (let a = 0; a < this.accumulators.length; a++) {
      const col = this.layout.parts[a].column;
      this.accumulators[a].update(this.groupOf, n, col === null ? null : batch.columns[col]);
    }
  }

  /**
   * Merges rows of the layout's stateSchema: adds them to their groups, or with `replace` sets the
   * groups to them (rebuilding state: snapshots and change sets hold each group once). Returns the
   * rows' group ids (a view valid until the next call).
   */
  mergeRows(rows: ColumnBatch, replace = false): Int32Array {
    const n = rows.count;
    const layout = this.layout;
    this.ensureScratch(n);
    const hasWindow = layout.window !== null;
    const ws = hasWindow ? (rows.columns[0] as ExactVector).values : null;
    if (ws !== null) {
      const slide = layout.window!.slideMicros;
      const start = layout.window!.startMicros;
      let checked = NaN;
      for (let i = 0; i < n; i++) {
        const s = ws[i];
        if (s === checked) continue;
        if (!Number.isSafeInteger(s) || (((s - start) % slide) + slide) % slide !== 0) {
          throw new RangeError(`window start ${s} is not aligned to window starts every ${slide} µs from ${start}`);
        }
        checked = s;
      }
    }
    const keyVectors = rows.columns.slice(hasWindow ? 1 : 0, layout.groupColumns);
    const added = this.keys.findOrInsert(n, ws, keyVectors, null, this.groupOf);
    this.afterInsert(added);
    const groupOf = this.groupOf;
    if (replace) for (let i = 0; i < n; i++) for (const a of this.accumulators) a.initGroups(groupOf[i], groupOf[i] + 1);
    for (let a = 0; a < this.accumulators.length; a++) this.accumulators[a].merge(groupOf, n, rows.columns[layout.groupColumns + a]);
    return groupOf.subarray(0, n);
  }

  /**
   * Rows of the layout's stateSchema for `groups` (all groups, in id order, when null); with
   * `dest` (all groups only), group g becomes row dest[g]: scattering in group order reads the
   * table sequentially, which beats gathering it in another order.
   */
  rows(groups: Int32Array | null = null, dest: Int32Array | null = null): ColumnBatch {
    if (groups !== null && dest !== null) throw new RangeError('rows(): give groups or dest, not both');
    const count = groups === null ? this.size : groups.length;
    const columns: Vector[] = [];
    if (this.layout.window !== null) {
      columns.push({ type: { kind: 'timestamp' }, validity: null, values: this.keys.windowStarts(groups, count, dest), wide: null });
    }
    columns.push(...this.keys.keyVectors(groups, count, dest));
    for (const a of this.accumulators) columns.push(a.output(groups, count, dest));
    return { count, schema: this.layout.stateSchema, columns };
  }

  /** Bytes of the typed arrays of the groups and their accumulators (capacity included; wide values not counted). */
  get memoryBytes(): number {
    let bytes = this.keys.memoryBytes;
    for (const a of this.accumulators) bytes += a.memoryBytes;
    return bytes;
  }

  /** Empties the table for reuse, keeping its arrays. */
  clear(): void {
    this.keys.clear();
    for (const a of this.accumulators) a.reset();
  }

  /** Spark's hash of each group's window and keys (see group-partition.ts), groups 0..size−1. */
  groupHashes(out: Int32Array = new Int32Array(this.size)): Int32Array {
    this.keys.sparkHashes(this.layout.window === null ? 0 : this.layout.window.sizeMicros, out);
    return out;
  }

  /** Window start of group g (windowed layouts only). */
  windowStartOf(g: number): number {
    return this.keys.windowStartOf(g);
  }

  /** Keeps the groups with keep[g] = 1, renumbered in order; returns old id → new id (−1: dropped). */
  retain(keep: Uint8Array): Int32Array {
    const remap = this.keys.retain(keep);
    for (const a of this.accumulators) a.compact(remap, this.size);
    return remap;
  }

  /** The group's window and key values, for error messages. */
  describe(g: number): string {
    const parts: string[] = [];
    const w = this.layout.window;
    if (w !== null) {
      const s = this.keys.windowStartOf(g);
      parts.push(`window [${formatMicrosIso(s)}, ${formatMicrosIso(s + w.sizeMicros)})`);
    }
    if (this.layout.keys.length > 0) parts.push(this.keys.describe(g));
    return parts.length === 0 ? 'the whole input' : parts.join(', ');
  }

  private afterInsert(added: number): void {
    if (added === 0) return;
    const cap = this.keys.capacity;
    for (const a of this.accumulators) {
      a.ensureCapacity(cap);
      a.initGroups(this.size - added, this.size);
    }
  }

  private ensureScratch(n: number): void {
    if (this.groupOf.length < n) {
      const cap = Math.max(n, this.groupOf.length * 2);
      this.groupOf = new Int32Array(cap);
      this.windowStart = new Float64Array(cap);
      this.lastStart = new Float64Array(cap);
      this.nullTime = new Uint8Array(cap);
      this.skip = new Uint8Array(cap);
    }
  }
}

