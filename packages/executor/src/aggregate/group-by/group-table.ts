/**
 * One hash aggregation table: groups (GroupKeyTable) and their accumulators, fed either with input
 * rows (addRows: window assignment, late filter, then the aggregates' inputs) or with partial rows
 * of the layout's stateSchema (mergeRows: partials from other tables, state change sets).
 *
 * Window assignment (tumbling, Spark's alignment, exact on integer µs, also before the epoch):
 *   start = t − pmod(t − startMicros, sizeMicros),  i.e. ⌊(t − startMicros) / size⌋ · size + startMicros
 * A row whose time is null has no window and is dropped (Spark filters such rows out). A row is late
 * when its window's end ≤ the watermark (Spark's predicate).
 */
import { ColumnBatch, EXACT_LIMIT, ExactVector, Vector } from '@tributary/common';
/** 2^53, held in a module constant: the package's export is a getter, costly in row loops. */
const EXACT = EXACT_LIMIT;
import { formatMicrosIso } from '../window';
import { Accumulator, makeAccumulator } from './accumulators';
import { GroupKeyTable } from './group-keys';
import { GroupLayout } from './group-layout';

export interface AddRowsResult {
  /** Rows whose window end ≤ the watermark (not aggregated). */
  readonly lateRows: number;
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
  private skip = new Uint8Array(0);

  /** `directIntKeys`: see GroupKeyTable (a cache for a lone int key, for short-lived tables). */
  constructor(readonly layout: GroupLayout, initialGroups = 1024, directIntKeys = false) {
    this.keys = new GroupKeyTable(layout.window !== null, layout.keys.map((k) => k.field), initialGroups, directIntKeys);
    this.accumulators = layout.aggregates.map((a) => makeAccumulator(a, (g) => this.describe(g)));
    for (const a of this.accumulators) a.ensureCapacity(this.keys.capacity);
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Aggregates input rows (columns as the layout's indices say). Rows whose window end ≤
   * lateWatermarkMicros are late and skipped (−Infinity: none is); onLate, if given, is called with
   * each late row's index in row order.
   */
  addRows(batch: ColumnBatch, lateWatermarkMicros: number, onLate?: (row: number) => void): AddRowsResult {
    const n = batch.count;
    this.ensureScratch(n);
    const skip = this.skip;
    let lateRows = 0;
    let nullTimeRows = 0;
    let maxT = -Infinity;
    const w = this.layout.window;
    let anySkipped = false;
    if (w !== null) {
      const time = batch.columns[w.column] as ExactVector;
      const times = time.values;
      const validity = time.validity;
      const ws = this.windowStart;
      const size = w.sizeMicros;
      const start = w.startMicros;
      // the current window [curStart, curEnd): in-order times skip the (slow) floating-point %
      let curStart = 0;
      let curEnd = -Infinity;
      for (let i = 0; i < n; i++) {
        if (validity !== null && validity[i] === 0) {
          skip[i] = 1;
          nullTimeRows++;
          continue;
        }
        const t = times[i];
        if (t > maxT) maxT = t;
        if (!(t - Math.floor(t) === 0 && t < EXACT && t > -EXACT)) {
          throw new RangeError(`row ${i}: event time ${t} is not an integer of µs below 2^53`);
        }
        if (!(t >= curStart && t < curEnd)) {
          let rem = (t - start) % size;
          if (rem < 0) rem += size;
          curStart = t - rem;
          curEnd = curStart + size;
        }
        const s = curStart;
        ws[i] = s;
        if (s + size <= lateWatermarkMicros) {
          skip[i] = 1;
          lateRows++;
          if (onLate !== undefined) onLate(i);
        } else skip[i] = 0;
      }
      anySkipped = lateRows + nullTimeRows > 0;
    }
    const keyVectors = this.layout.keys.map((k) => batch.columns[k.column]);
    const added = this.keys.findOrInsert(n, w === null ? null : this.windowStart, keyVectors, anySkipped ? skip : null, this.groupOf);
    this.afterInsert(added);
    for (let a = 0; a < this.accumulators.length; a++) {
      const col = this.layout.aggregates[a].column;
      this.accumulators[a].update(this.groupOf, n, col === null ? null : batch.columns[col]);
    }
    return { lateRows, nullTimeRows, maxEventTimeMicros: maxT };
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
      const size = layout.window!.sizeMicros;
      const start = layout.window!.startMicros;
      let checked = NaN;
      for (let i = 0; i < n; i++) {
        const s = ws[i];
        if (s === checked) continue;
        if (!Number.isSafeInteger(s) || (((s - start) % size) + size) % size !== 0) {
          throw new RangeError(`window start ${s} is not aligned to windows of ${size} µs from ${start}`);
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
    for (const a of this.accumulators) {
      const arrays = a.arrays();
      bytes += arrays.values.byteLength + (arrays.seen?.byteLength ?? 0);
    }
    return bytes;
  }

  /** Empties the table for reuse, keeping its arrays. */
  clear(): void {
    this.keys.clear();
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
      this.skip = new Uint8Array(cap);
    }
  }
}

