/**
 * A set of sessions with their aggregates, on typed arrays: session s has key id keyOf[s] (a group
 * of the GroupKeyTable over the grouping keys), start[s], end[s] (µs, end exclusive) and slot s of
 * every accumulator (accumulators.ts, the group-by's, so every aggregate it computes works here).
 *
 * Sessions come in two ways and may overlap until compact() merges them:
 *   addRows      input rows (map side): a row's session is [t, t + gap); the rows of one call are
 *                merged among themselves at once (SessionSweep), late and null-time rows skipped
 *   appendRows   partial sessions of the layout's stateSchema (shuffle partials, stored state)
 * compact() sorts the sessions by (key, start), merges those of a key that overlap or touch
 * (SessionSweep) and merges their aggregates into fresh accumulators (Accumulator.merge over the
 * old ones' output), column at a time.
 */
import { ColumnBatch, EXACT_LIMIT, ExactVector, Vector } from '@tributary/common';
import { CorruptAggregateDataError } from '../errors';
import { Accumulator, makeAccumulator } from '../group-by/accumulators';
import { GroupKeyTable } from '../group-by/group-keys';
import { formatMicrosIso } from '../window';
import { SESSION_BOUNDS_COLUMNS, SessionLayout } from './session-layout';
import { SessionSweep } from './session-sweep';

/** 2^53, held in a module constant: the package's export is a getter, costly in row loops. */
const EXACT = EXACT_LIMIT;

export interface AddSessionRowsResult {
  /** Rows whose session end (t + gap) ≤ the watermark (not aggregated). */
  readonly lateRows: number;
  /** Rows whose event time is null (not aggregated). */
  readonly nullTimeRows: number;
}

export class SessionSet {
  readonly keys: GroupKeyTable;
  private accumulators: Accumulator[];
  /** The accumulators compact() merged from last time, reused as the next compaction's target (arrays stay grown). */
  private spare: Accumulator[] | null = null;
  size = 0;
  keyOf = new Int32Array(0);
  start = new Float64Array(0);
  end = new Float64Array(0);
  /** True when no two sessions of a key overlap or touch and they are ordered by (key id, start). */
  private compacted = true;
  private readonly sweep = new SessionSweep();
  private rowKey = new Int32Array(0);
  private rowStart = new Float64Array(0);
  private rowEnd = new Float64Array(0);
  private rowSession = new Int32Array(0);
  private skip = new Uint8Array(0);

  /** `directArrays`: a cache in front of the key table for a lone int key (GroupKeyTable; 0: none). */
  constructor(readonly layout: SessionLayout, initialSessions = 1024, directArrays = 0) {
    this.keys = new GroupKeyTable(false, layout.keys.map((k) => k.field), initialSessions, directArrays);
    this.accumulators = this.makeAccumulators(initialSessions);
    this.ensureSessions(initialSessions);
  }

  /**
   * Aggregates input rows: each row's session is [t, t + gap); a row is late when t + gap ≤
   * lateWatermarkMicros (Spark's predicate on the session window's end; −Infinity: none is), and
   * onLate, if given, is called with each late row's index in row order.
   */
  addRows(batch: ColumnBatch, lateWatermarkMicros: number, onLate?: (row: number) => void): AddSessionRowsResult {
    const n = batch.count;
    this.ensureRows(n);
    const gap = this.layout.gapMicros;
    const time = batch.columns[this.layout.timeColumn] as ExactVector;
    const times = time.values;
    const validity = time.validity;
    const skip = this.skip;
    const rowStart = this.rowStart;
    const rowEnd = this.rowEnd;
    let lateRows = 0;
    let nullTimeRows = 0;
    for (let i = 0; i < n; i++) {
      if (validity !== null && validity[i] === 0) {
        skip[i] = 1;
        nullTimeRows++;
        continue;
      }
      const t = times[i];
      if (!(t - Math.floor(t) === 0 && t < EXACT && t > -EXACT)) {
        throw new RangeError(`row ${i}: event time ${t} is not an integer of µs below 2^53`);
      }
      const e = t + gap;
      if (e <= lateWatermarkMicros) {
        skip[i] = 1;
        lateRows++;
        if (onLate !== undefined) onLate(i);
        continue;
      }
      skip[i] = 0;
      rowStart[i] = t;
      rowEnd[i] = e;
    }
    const keyVectors = this.layout.keys.map((k) => batch.columns[k.column]);
    this.keys.findOrInsert(n, null, keyVectors, lateRows + nullTimeRows > 0 ? skip : null, this.rowKey);
    const sweep = this.sweep;
    const m = sweep.run(n, this.rowKey, rowStart, rowEnd, this.keys.size);
    const base = this.size;
    this.ensureSessions(base + m);
    this.keyOf.set(sweep.key.subarray(0, m), base);
    this.start.set(sweep.start.subarray(0, m), base);
    this.end.set(sweep.end.subarray(0, m), base);
    const rowSession = this.rowSession;
    const target = sweep.target;
    for (let i = 0; i < n; i++) rowSession[i] = target[i] < 0 ? -1 : base + target[i];
    this.size = base + m;
    for (let a = 0; a < this.accumulators.length; a++) {
      const acc = this.accumulators[a];
      acc.ensureCapacity(this.size);
      acc.initGroups(base, this.size);
      const col = this.layout.parts[a].column;
      acc.update(rowSession, n, col === null ? null : batch.columns[col]);
    }
    if (base > 0 || m > 0) this.compacted = base === 0;
    return { lateRows, nullTimeRows };
  }

  /** Appends partial sessions (rows of the layout's stateSchema); they merge at the next compact(). */
  appendRows(rows: ColumnBatch): void {
    const n = rows.count;
    if (n === 0) return;
    this.ensureRows(n);
    const starts = (rows.columns[0] as ExactVector).values;
    const ends = (rows.columns[1] as ExactVector).values;
    for (let i = 0; i < n; i++) {
      const s = starts[i];
      const e = ends[i];
      if (!(Number.isSafeInteger(s) && Number.isSafeInteger(e) && e > s)) {
        throw new CorruptAggregateDataError(`partial session ${i} is [${s}, ${e}): not integer µs with end after start`);
      }
    }
    const k = this.layout.keys.length;
    this.keys.findOrInsert(n, null, rows.columns.slice(SESSION_BOUNDS_COLUMNS, SESSION_BOUNDS_COLUMNS + k), null, this.rowKey);
    const base = this.size;
    this.ensureSessions(base + n);
    this.keyOf.set(this.rowKey.subarray(0, n), base);
    this.start.set(starts.subarray(0, n), base);
    this.end.set(ends.subarray(0, n), base);
    const ids = this.rowSession;
    for (let i = 0; i < n; i++) ids[i] = base + i;
    this.size = base + n;
    for (let a = 0; a < this.accumulators.length; a++) {
      const acc = this.accumulators[a];
      acc.ensureCapacity(this.size);
      acc.initGroups(base, this.size);
      acc.merge(ids, n, rows.columns[SESSION_BOUNDS_COLUMNS + k + a]);
    }
    this.compacted = false;
  }

  /** Merges the sessions of a key that overlap or touch, with their aggregates; orders them by (key id, start). */
  compact(): void {
    if (this.compacted) return;
    const n = this.size;
    const sweep = this.sweep;
    const m = sweep.run(n, this.keyOf, this.start, this.end, this.keys.size);
    const outputs = this.accumulators.map((acc) => acc.output(null, n));
    const target = sweep.target.slice(0, n);
    this.keyOf.set(sweep.key.subarray(0, m));
    this.start.set(sweep.start.subarray(0, m));
    this.end.set(sweep.end.subarray(0, m));
    this.size = m;
    const next = this.spare ?? this.makeAccumulators(m);
    this.spare = this.accumulators;
    this.accumulators = next;
    for (let a = 0; a < next.length; a++) {
      next[a].ensureCapacity(m);
      next[a].initGroups(0, m);
      next[a].merge(target, n, outputs[a]);
    }
    this.compacted = true;
  }

  /**
   * Rows of the layout's stateSchema for `sessions` (all, in id order, when null). Call compact()
   * first for merged sessions.
   */
  rows(sessions: Int32Array | null = null): ColumnBatch {
    const count = sessions === null ? this.size : sessions.length;
    const starts = new Float64Array(count);
    const ends = new Float64Array(count);
    const keyIds = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const s = sessions === null ? i : sessions[i];
      starts[i] = this.start[s];
      ends[i] = this.end[s];
      keyIds[i] = this.keyOf[s];
    }
    const columns: Vector[] = [
      { type: { kind: 'timestamp' }, validity: null, values: starts, wide: null },
      { type: { kind: 'timestamp' }, validity: null, values: ends, wide: null },
      ...this.keys.keyVectors(keyIds, count),
    ];
    for (const acc of this.accumulators) columns.push(acc.output(sessions, count));
    return { count, schema: this.layout.stateSchema, columns };
  }

  /** Keeps the sessions with keep[s] = 1, renumbered in order, and only the keys that still have one. */
  retain(keep: Uint8Array): void {
    const n = this.size;
    const remap = new Int32Array(n);
    const keyUsed = new Uint8Array(this.keys.size);
    let m = 0;
    for (let s = 0; s < n; s++) {
      if (keep[s] === 1) {
        remap[s] = m;
        this.keyOf[m] = this.keyOf[s];
        this.start[m] = this.start[s];
        this.end[m] = this.end[s];
        keyUsed[this.keyOf[s]] = 1;
        m++;
      } else remap[s] = -1;
    }
    for (const acc of this.accumulators) acc.compact(remap, m);
    this.size = m;
    let unusedKeys = 0;
    for (let k = 0; k < keyUsed.length; k++) if (keyUsed[k] === 0) unusedKeys++;
    if (unusedKeys === 0) return;
    const keyRemap = this.keys.retain(keyUsed);
    for (let s = 0; s < m; s++) this.keyOf[s] = keyRemap[this.keyOf[s]];
  }

  /** Empties the set for reuse, keeping the key table's arrays. */
  clear(): void {
    this.keys.clear();
    this.size = 0;
    this.compacted = true;
  }

  /** Bytes of the typed arrays held (capacity included; wide values not counted). */
  get memoryBytes(): number {
    let bytes = this.keys.memoryBytes + this.keyOf.byteLength + this.start.byteLength + this.end.byteLength;
    for (const acc of this.accumulators) bytes += acc.memoryBytes;
    return bytes;
  }

  /** Session s's keys and bounds, for error messages. */
  describe(s: number): string {
    const parts = [`session [${formatMicrosIso(this.start[s])}, ${formatMicrosIso(this.end[s])})`];
    if (this.layout.keys.length > 0) parts.push(this.keys.describe(this.keyOf[s]));
    return parts.join(', ');
  }

  private makeAccumulators(capacity: number): Accumulator[] {
    return this.layout.parts.map((p) => {
      const acc = makeAccumulator(p, (s) => this.describe(s));
      acc.ensureCapacity(Math.max(1, capacity));
      return acc;
    });
  }

  private ensureSessions(n: number): void {
    if (this.keyOf.length >= n) return;
    const cap = Math.max(n, this.keyOf.length * 2);
    const keyOf = new Int32Array(cap);
    keyOf.set(this.keyOf.subarray(0, this.size));
    const start = new Float64Array(cap);
    start.set(this.start.subarray(0, this.size));
    const end = new Float64Array(cap);
    end.set(this.end.subarray(0, this.size));
    this.keyOf = keyOf;
    this.start = start;
    this.end = end;
  }

  private ensureRows(n: number): void {
    if (this.rowKey.length >= n) return;
    const cap = Math.max(n, this.rowKey.length * 2);
    this.rowKey = new Int32Array(cap);
    this.rowStart = new Float64Array(cap);
    this.rowEnd = new Float64Array(cap);
    this.rowSession = new Int32Array(cap);
    this.skip = new Uint8Array(cap);
  }
}
