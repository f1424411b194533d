/**
 * Applying one batch's changes to one shuffle partition of a CDC table stored as SCD type 2: the
 * table keeps every version of each key's row, each with
 *
 * (SCD2_FIELDS in common/src/cdc/cdc-spec.ts)
 *   __valid_from   the commit time (µs) of the change that made the version
 *   __valid_to     the commit time of the change that ended it (null while it is current)
 *   __is_current   true for the version the source holds now
 *
 * Which changes apply is decided as for type 1 (apply-changes.ts: position order, per-key
 * positions across batches, tombstones, truncates), but every applied change makes a version: a key
 * changed several times in a batch gets one version per change, in position order. A delete ends
 * the current version; a truncate at P ends the current version of every key whose last change is
 * at or before P, at the truncate's commit time. A partial update's version takes the columns it
 * does not carry from the version before. A change without a commit time uses the latest one seen.
 * Versions that ended are never changed again.
 */
import { BooleanVector, ColumnBatch, concatBatches, ExactVector, OP, takeRows } from '@tributary/common';
import { keyStrings } from '../sink/update-merge';
import type { ApplyInput, ApplyResult } from './apply-changes';

const NONE = -2;
const EXISTING = -1;

/** A key the batch changed: its events are change rows i, or ~i for a truncate's end; `truncated` while a truncate is its last. */
interface Pending { major: number; minor: number; base: number; events: number[]; deleted: boolean; time: number; truncated: boolean }

/** As applyChanges, for a table whose rows are the data columns then SCD2_COLUMNS (`current.schema`). */
export function applyChangesScd2(input: ApplyInput): ApplyResult {
  const { changes: ch, current, keyColumns, state } = input;
  const n = ch.count;
  const result: ApplyResult = { rows: current, changed: false, keptRows: current.count, freshRows: 0, applied: 0, ignored: 0, deletedRows: 0, partialWithoutRow: 0, tombstonesEvicted: 0 };
  if (n === 0) return result;
  const C = ch.row.schema.length;
  const { op, posMajor: major, posMinor: minor } = ch;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => major[a] - major[b] || minor[a] - minor[b] || ch.tie[a] - ch.tie[b]);
  for (let i = 0; i < n; i++) if (!Number.isNaN(ch.opTime[i]) && ch.opTime[i] > state.maxOpTime) state.maxOpTime = ch.opTime[i];
  const timeOf = (i: number): number => (Number.isNaN(ch.opTime[i]) ? (Number.isFinite(state.maxOpTime) ? state.maxOpTime : 0) : ch.opTime[i]);

  // One pass in position order. A truncate at P ends the open version of every key: of those the
  // batch changed before it (an end marker, ~i, among their events), and of those the state holds at
  // or before P (closed below at the truncate's time); later-arriving changes at or before P are ignored.
  const keys = keyStrings(ch.row, keyColumns);
  const pending = new Map<string, Pending>();
  const erasedAt = new Map<string, number>();
  for (let o = 0; o < n; o++) {
    const i = order[o];
    if (!before(state.truncMajor, state.truncMinor, major[i], minor[i])) { result.ignored++; continue; }
    if (op[i] === OP.TRUNCATE) {
      state.truncMajor = major[i];
      state.truncMinor = minor[i];
      for (const k of state.keysThrough(major[i], minor[i])) {
        if (pending.has(k)) continue;
        erasedAt.set(k, timeOf(i));
        state.remove(k);
      }
      for (const p of pending.values()) {
        if (p.truncated) continue;
        p.events.push(~i);
        p.truncated = true;
      }
      continue;
    }
    const k = keys[i];
    let p = pending.get(k);
    if (p === undefined) {
      const s = state.slotOf(k);
      p = s < 0
        ? { major: -1, minor: -1, base: NONE, events: [], deleted: false, time: NaN, truncated: false }
        : { major: state.majorAt(s), minor: state.minorAt(s), base: state.deletedAt(s) ? NONE : EXISTING, events: [], deleted: false, time: NaN, truncated: false };
    }
    if (!before(p.major, p.minor, major[i], minor[i])) { result.ignored++; continue; }
    result.applied++;
    p.major = major[i];
    p.minor = minor[i];
    p.deleted = op[i] === OP.DELETE;
    p.time = timeOf(i);
    p.truncated = false;
    p.events.push(i);
    pending.set(k, p);
  }
  if (pending.size === 0 && erasedAt.size === 0) return result;

  // The current version of each key the batch touches.
  const oldKeys = keyStrings(current, keyColumns);
  const isCurrent = current.columns[C + 2] as BooleanVector;
  const currentRow = new Map<string, number>();
  for (let r = 0; r < current.count; r++) {
    if (isCurrent.values[r] !== 1) continue;
    const k = oldKeys[r];
    if (pending.has(k) || erasedAt.has(k)) currentRow.set(k, r);
  }

  // New rows: data columns gathered over [changes, current], with their SCD2 columns.
  const picks = Array.from({ length: C }, () => [] as number[]);
  const from: number[] = [];
  const to: number[] = [];
  const replaced = new Set<number>();
  const oldFrom = (current.columns[C] as ExactVector).values;
  const emit = (src: readonly number[], validFrom: number, validTo: number): void => {
    for (let c = 0; c < C; c++) picks[c].push(src[c]);
    from.push(validFrom);
    to.push(validTo);
  };
  const close = (r: number, time: number): void => {
    replaced.add(r);
    emit(Array.from({ length: C }, () => n + r), oldFrom[r], time);
  };
  for (const [k, time] of erasedAt) {
    const r = currentRow.get(k);
    if (r !== undefined) { close(r, time); result.deletedRows++; }
  }
  for (const [k, p] of pending) {
    if (p.truncated) state.remove(k);
    else state.set(k, p.major, p.minor, p.deleted, p.time);
    const r = currentRow.get(k);
    let open: { src: number[]; from: number; existing: number } | null = p.base === EXISTING && r !== undefined && !replaced.has(r)
      ? { src: Array.from({ length: C }, () => n + r), from: oldFrom[r], existing: r }
      : null;
    for (const e of p.events) {
      const t = timeOf(e < 0 ? ~e : e);
      if (open !== null) {
        if (open.existing >= 0) close(open.existing, t);
        else emit(open.src, open.from, t);
      }
      if (e < 0) {
        open = null;
        continue;
      }
      if (op[e] === OP.DELETE) {
        if (open !== null) result.deletedRows++;
        open = null;
        continue;
      }
      let src: number[];
      if (op[e] === OP.INSERT || open === null) {
        if (op[e] !== OP.INSERT && !carriesAll(ch.present, C, e)) result.partialWithoutRow++;
        src = Array.from({ length: C }, () => e);
      } else {
        src = open.src.slice();
        for (let c = 0; c < C; c++) if (ch.present[c][e] === 1) src[c] = e;
      }
      open = { src, from: t, existing: -1 };
    }
    if (open !== null && open.existing < 0) emit(open.src, open.from, NaN);
  }

  const schema = current.schema;
  const dataSchema = schema.slice(0, C);
  const both = concatBatches(dataSchema, [ch.row, takeRows(current, Int32Array.from({ length: current.count }, (_, i) => i), dataSchema.map((_, c) => c))]);
  const m = from.length;
  const validTo = new Float64Array(m);
  const validToSet = new Uint8Array(m);
  const currentFlag = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    if (Number.isNaN(to[j])) currentFlag[j] = 1;
    else { validTo[j] = to[j]; validToSet[j] = 1; }
  }
  const fresh: ColumnBatch = {
    count: m,
    schema,
    columns: [
      ...dataSchema.map((_, c) => takeRows(both, Int32Array.from(picks[c]), [c]).columns[0]),
      { type: { kind: 'timestamp' }, validity: null, values: Float64Array.from(from), wide: null },
      { type: { kind: 'timestamp' }, validity: validToSet, values: validTo, wide: null },
      { type: { kind: 'boolean' }, validity: null, values: currentFlag },
    ],
  };
  const keep: number[] = [];
  for (let r = 0; r < current.count; r++) if (!replaced.has(r)) keep.push(r);
  const kept = keep.length === current.count ? current : takeRows(current, Int32Array.from(keep));
  result.rows = concatBatches(schema, [kept, fresh]);
  result.keptRows = kept.count;
  result.freshRows = fresh.count;
  result.changed = true;
  result.tombstonesEvicted = Number.isFinite(state.maxOpTime) ? state.evictTombstones(state.maxOpTime - input.tombstoneRetentionMicros) : 0;
  return result;
}

function before(aMajor: number, aMinor: number, bMajor: number, bMinor: number): boolean {
  return aMajor < bMajor || (aMajor === bMajor && aMinor < bMinor);
}

function carriesAll(present: readonly Uint8Array[], columns: number, i: number): boolean {
  for (let c = 0; c < columns; c++) if (present[c][i] !== 1) return false;
  return true;
}
