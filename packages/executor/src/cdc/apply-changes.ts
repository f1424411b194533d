/**
 * Applying one batch's changes to one shuffle partition of a CDC table, SCD type 1 (the table
 * holds each key's current row). Pure: the partition's current rows and key state in, its new
 * rows and key state out (the reduce task reads and writes the files and the state).
 *
 * Rules (docs/cdc.md):
 *   - changes are taken in position order (ties: Kafka offset), so a key changed several times in
 *     a batch ends as its last change says;
 *   - a change at or before the position the state holds for its key is ignored (a replay, a
 *     duplicate, a late older change), across batches too;
 *   - a delete removes the row and leaves a tombstone (its position) in the state, kept until the
 *     source time has moved `tombstoneRetentionMicros` past it: a late older insert is ignored;
 *   - an update carrying some columns changes only those (a compressed update): the others come
 *     from the row as it was (the table's, or an earlier change of the batch);
 *   - a truncate at position P removes every row whose last change is at or before P, and every
 *     later-arriving change at or before P is ignored (the state keeps P).
 */
import { ColumnBatch, concatBatches, OP, takeVector } from '@tributary/common';
import { keyStrings } from '../sink/update-merge';
import { CdcKeyState } from './cdc-key-state';

/** One partition's changes of a batch, in the table's output columns. */
export interface CdcRows {
  count: number;
  op: Uint8Array;
  posMajor: Float64Array;
  posMinor: Float64Array;
  /** µs, NaN when unknown. */
  opTime: Float64Array;
  /** Order among changes at one position: increasing with arrival (the Kafka offset). */
  tie: Float64Array;
  /** Per output column, per row: 1 when the change carries it. */
  present: Uint8Array[];
  row: ColumnBatch;
}

export interface ApplyInput {
  changes: CdcRows;
  /** The partition's rows before the batch (output schema). */
  current: ColumnBatch;
  keyColumns: readonly number[];
  state: CdcKeyState;
  tombstoneRetentionMicros: number;
  /** `current`'s key strings (keyStrings of `keyColumns`) and index key → row, when known (partition-rows-cache.ts); else derived. */
  currentKeys?: { keys: string[]; index: Map<string, number> };
}

export interface ApplyResult {
  /** The partition's rows after the batch. */
  rows: ColumnBatch;
  /** Whether anything changed (else the files stay as they are). */
  changed: boolean;
  /** Rows of `rows` kept as they were, then rows written by the batch (the changed keys' new rows). */
  keptRows: number;
  freshRows: number;
  applied: number;
  ignored: number;
  deletedRows: number;
  /** Partial updates of a key the table did not hold: their absent columns are null. */
  partialWithoutRow: number;
  tombstonesEvicted: number;
  /** Per row of `rows`, its key string (SCD type 1; absent when the batch had no changes and `currentKeys` was not given). */
  keys?: string[];
}

const NONE = -2;
const EXISTING = -1;

export function applyChanges(input: ApplyInput): ApplyResult {
  const { changes: ch, current, keyColumns, state } = input;
  const n = ch.count;
  const result: ApplyResult = {
    rows: current, changed: false, keptRows: current.count, freshRows: 0, applied: 0, ignored: 0, deletedRows: 0, partialWithoutRow: 0, tombstonesEvicted: 0,
    keys: input.currentKeys?.keys,
  };
  if (n === 0) return result;
  const { op, posMajor: major, posMinor: minor } = ch;
  const order = positionOrder(major, minor, ch.tie, n);
  const C = ch.row.schema.length;

  // 1. The latest truncate: every key state at or before it is erased.
  let truncated = false;
  for (let i = 0; i < n; i++) {
    if (op[i] !== OP.TRUNCATE) continue;
    if (before(state.truncMajor, state.truncMinor, major[i], minor[i])) {
      state.truncMajor = major[i];
      state.truncMinor = minor[i];
      truncated = true;
    }
  }
  const erased = new Set<string>(truncated ? state.keysThrough(state.truncMajor, state.truncMinor) : []);
  for (const k of erased) state.remove(k);
  const anyErased = erased.size > 0;

  // 2. Each change in order, against what is known of its key. The keys changed (pending), column
  // by column: key j is pKey[j], found through its state slot (pendingOfSlot) or, for a key the
  // state does not hold, through pendingOfNew; pBase[j] is the change whose image the row starts
  // from, EXISTING (the table's row) or NONE (no row); pOverlay[j] the partial updates after it.
  const keys = keyStrings(ch.row, keyColumns);
  const pendingOfSlot = new Int32Array(state.slotCount).fill(-1);
  const pendingOfNew = new Map<string, number>();
  const pendingOf = (k: string, s: number): number => (s >= 0 ? pendingOfSlot[s] : pendingOfNew.get(k) ?? -1);
  const pKey: string[] = [];
  const pSlot = new Int32Array(n);
  const pMajor = new Float64Array(n);
  const pMinor = new Float64Array(n);
  const pTime = new Float64Array(n);
  const pBase = new Int32Array(n);
  const pDeleted = new Uint8Array(n);
  const pOldRow = new Int32Array(n).fill(-1);
  const pOverlay: (number[] | null)[] = [];
  let P = 0;
  for (let o = 0; o < n; o++) {
    const i = order[o];
    if (op[i] === OP.TRUNCATE) continue;
    if (!Number.isNaN(ch.opTime[i]) && ch.opTime[i] > state.maxOpTime) state.maxOpTime = ch.opTime[i];
    if (!before(state.truncMajor, state.truncMinor, major[i], minor[i])) { result.ignored++; continue; }
    const k = keys[i];
    const s = state.slotOf(k);
    let j = pendingOf(k, s);
    const heldMajor = j >= 0 ? pMajor[j] : s >= 0 ? state.majorAt(s) : -1;
    const heldMinor = j >= 0 ? pMinor[j] : s >= 0 ? state.minorAt(s) : -1;
    if (!before(heldMajor, heldMinor, major[i], minor[i])) { result.ignored++; continue; }
    if (j < 0) {
      j = P++;
      pKey.push(k);
      pSlot[j] = s;
      pBase[j] = s < 0 || state.deletedAt(s) ? NONE : EXISTING;
      pOverlay.push(null);
      if (s >= 0) pendingOfSlot[s] = j;
      else pendingOfNew.set(k, j);
    }
    result.applied++;
    pMajor[j] = major[i];
    pMinor[j] = minor[i];
    pTime[j] = ch.opTime[i];
    if (op[i] === OP.DELETE) {
      pBase[j] = NONE;
      pOverlay[j] = null;
      pDeleted[j] = 1;
    } else {
      pDeleted[j] = 0;
      if (op[i] === OP.INSERT || carriesAll(ch.present, C, i)) {
        pBase[j] = i;
        pOverlay[j] = null;
      } else (pOverlay[j] ??= []).push(i);
    }
  }

  // 3. Old rows: kept unless their key changed or a truncate erased it.
  const oldKeys = input.currentKeys?.keys ?? keyStrings(current, keyColumns);
  result.keys = oldKeys;
  const keep = new Int32Array(current.count);
  let keepCount = 0;
  if (input.currentKeys !== undefined) {
    // Through the index: only the changed and erased keys are looked up.
    const index = input.currentKeys.index;
    const dropped = new Uint8Array(current.count);
    for (let j = 0; j < P; j++) {
      const r = index.get(pKey[j]);
      if (r !== undefined) { pOldRow[j] = r; dropped[r] = 1; }
    }
    if (anyErased) {
      for (const k of erased) {
        const r = index.get(k);
        if (r !== undefined && dropped[r] === 0) { dropped[r] = 1; result.deletedRows++; }
      }
    }
    for (let r = 0; r < current.count; r++) if (dropped[r] === 0) keep[keepCount++] = r;
  } else {
    for (let r = 0; r < current.count; r++) {
      const k = oldKeys[r];
      const j = pendingOf(k, state.slotOf(k));
      if (j >= 0) pOldRow[j] = r;
      else if (anyErased && erased.has(k)) result.deletedRows++;
      else keep[keepCount++] = r;
    }
  }
  if (P === 0 && !truncated) {
    result.tombstonesEvicted = evict(state, input.tombstoneRetentionMicros);
    return result;
  }

  // 4. New rows, column by column over [current, changes] (change i is row R + i): the kept rows,
  // then each changed key's row, each column from the last change that carried it, else the base
  // (its full image, or its old row).
  const R = current.count;
  const picks = Array.from({ length: C }, () => {
    const a = new Int32Array(keepCount + P);
    a.set(keep.subarray(0, keepCount));
    return a;
  });
  let picked = keepCount;
  const freshKeys: string[] = [];
  for (let j = 0; j < P; j++) {
    const k = pKey[j];
    const deleted = pDeleted[j] === 1;
    const time = Number.isNaN(pTime[j]) ? state.maxOpTime : pTime[j];
    if (pSlot[j] >= 0) state.setAt(pSlot[j], pMajor[j], pMinor[j], deleted, time); // no key left the state since step 2
    else state.set(k, pMajor[j], pMinor[j], deleted, time);
    if (deleted) {
      if (pOldRow[j] >= 0) result.deletedRows++;
      continue;
    }
    freshKeys.push(k);
    const overlay = pOverlay[j];
    let base: number;
    if (pBase[j] >= 0) base = R + pBase[j];
    else if (pBase[j] === EXISTING && pOldRow[j] >= 0) base = pOldRow[j];
    else {
      base = R + (overlay as number[])[0];
      result.partialWithoutRow++;
    }
    for (let c = 0; c < C; c++) {
      let src = base;
      if (overlay !== null) {
        for (let x = overlay.length - 1; x >= 0; x--) {
          if (ch.present[c][overlay[x]] === 1) { src = R + overlay[x]; break; }
        }
      }
      picks[c][picked] = src;
    }
    picked++;
  }
  const sources = concatBatches(current.schema, [current, ch.row]);
  result.rows = { count: picked, schema: current.schema, columns: current.schema.map((_, c) => takeVector(sources.columns[c], picks[c].subarray(0, picked))) };
  const newKeys = new Array<string>(picked);
  for (let r = 0; r < keepCount; r++) newKeys[r] = oldKeys[keep[r]];
  for (let r = 0; r < freshKeys.length; r++) newKeys[keepCount + r] = freshKeys[r];
  result.keys = newKeys;
  result.keptRows = keepCount;
  result.freshRows = picked - keepCount;
  result.changed = true;
  result.tombstonesEvicted = evict(state, input.tombstoneRetentionMicros);
  return result;
}

/**
 * The changes 0..n−1 in position order (ties: `tie`). A batch's changes arrive as a few runs
 * already in order (each map task's share of each Kafka partition), so the runs are found and
 * merged pairwise (a natural merge sort: n log(runs) comparisons instead of n log n).
 */
export function positionOrder(major: Float64Array, minor: Float64Array, tie: Float64Array, n: number): Int32Array {
  const after = (a: number, b: number) => major[a] > major[b] || (major[a] === major[b] && (minor[a] > minor[b] || (minor[a] === minor[b] && tie[a] > tie[b])));
  let from = new Int32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (after(i - 1, i)) starts.push(i);
  if (starts.length === 1) return from;
  let to = new Int32Array(n);
  let runs = starts;
  while (runs.length > 1) {
    const merged: number[] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const lo = runs[r];
      const mid = r + 1 < runs.length ? runs[r + 1] : n;
      const hi = r + 2 < runs.length ? runs[r + 2] : n;
      merged.push(lo);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) to[k++] = after(from[a], from[b]) ? from[b++] : from[a++];
      while (a < mid) to[k++] = from[a++];
      while (b < hi) to[k++] = from[b++];
    }
    runs = merged;
    const t = from;
    from = to;
    to = t;
  }
  return from;
}

/** Whether position a is strictly before position b. */
function before(aMajor: number, aMinor: number, bMajor: number, bMinor: number): boolean {
  return aMajor < bMajor || (aMajor === bMajor && aMinor < bMinor);
}

function carriesAll(present: readonly Uint8Array[], columns: number, i: number): boolean {
  for (let c = 0; c < columns; c++) if (present[c][i] !== 1) return false;
  return true;
}

function evict(state: CdcKeyState, retention: number): number {
  return state.maxOpTime === -Infinity ? 0 : state.evictTombstones(state.maxOpTime - retention);
}
