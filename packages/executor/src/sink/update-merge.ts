/**
 * Update mode into Delta: merges the rows a shuffle partition changed in a batch into the table's
 * data files by their key (window and grouping keys), copy-on-write, for one atomic commit by the
 * driver (remove the files rewritten, add their unchanged rows plus the changed rows).
 *
 * File layout (docs/update-mode.md). Every data file of an update-mode table holds the rows of one
 * *file group*: one shuffle partition (the hash bucket of the keys, Spark's pmod(hash(window,
 * keys), P)) and, for a windowed aggregation, one *window range* (window starts in
 * [r, r + 4 × window size)). Its `add` carries the group as tags:
 *
 *   tributary.update.partition    the shuffle partition, e.g. "5"
 *   tributary.update.windowRange  the range start in µs since the epoch, or "" without a window
 *
 * So the owner of partition p finds every row of its keys in the files tagged with p, and a batch,
 * whose changes are in recent windows, rewrites only the groups of those windows: files of older
 * ranges are never read again (closed windows stay final), and the cost of a batch does not grow
 * with the table. Within a group, files whose statistics (min/max of window.start) exclude every changed key of the group are skipped. The files of a group that are read
 * become one new file (or more past DEFAULT_MAX_ROWS_PER_FILE) with the group's new rows, so a group
 * holds few files; OPTIMIZE combines files of one group only and keeps their tags.
 *
 * Keys compare as their column values (null apart from every value; decimals unscaled; strings as
 * bytes), encoded per row into one string (keyStrings).
 */
import type { Storage } from '@tributary/common';
import type * as arrow from 'apache-arrow';
import {
  AddFile, ColumnBatch, concatBatches, exactBigInt, ExactVector, readDataFile, Snapshot, snapshotSchema, SqlField, SqlType, StructType,
  takeRows, UpdateKeys, Vector, writeBatchFiles,
} from '@tributary/common';
import { fromArrowData } from '../aggregate/group-by/arrow-columns';

export const PARTITION_TAG = 'tributary.update.partition';
export const WINDOW_RANGE_TAG = 'tributary.update.windowRange';
/** Windows per window range of the file layout. */
export const WINDOWS_PER_RANGE = 4;

export interface UpdateMergeInput {
  storage: Storage;
  tablePath: string;
  /** The table at the version the driver commits against. */
  snapshot: Snapshot;
  /** The shuffle partition whose keys these are. */
  partition: number;
  /** The query's output schema and where its merge key is. */
  output: readonly SqlField[];
  keys: UpdateKeys;
  /** The window size, or null for a group-by without window. */
  windowSizeMicros: number | null;
  /** Keys changed in the batch: rows whose columns `changedKeyColumns` are, in order, the window (if any) and the keys. */
  changed: ColumnBatch;
  changedKeyColumns: number[];
  /** The rows to write (output schema): the changed keys' new rows (a `post` filter may have dropped some). */
  rows: ColumnBatch;
}

export interface UpdateMergeResult {
  /** Paths (as in their `add`) of the files rewritten: the driver removes them. */
  removedPaths: string[];
  /** Rows those files held. */
  removedRows: number;
  adds: AddFile[];
  /** Rows copied unchanged from the rewritten files into the new ones. */
  keptRows: number;
  groupsRewritten: number;
}

interface FileGroup {
  range: string;
  /** Changed keys of the group. */
  keys: Set<string>;
  minStart: number;
  maxStart: number;
  rows: number[];
}

export async function mergeUpdates(input: UpdateMergeInput): Promise<UpdateMergeResult> {
  const { changed, rows, keys } = input;
  const part = String(input.partition);
  const rangeWidth = input.windowSizeMicros === null ? 0 : input.windowSizeMicros * WINDOWS_PER_RANGE;
  const groups = new Map<string, FileGroup>();
  const groupOf = (range: string): FileGroup => {
    let g = groups.get(range);
    if (g === undefined) groups.set(range, (g = { range, keys: new Set(), minStart: Infinity, maxStart: -Infinity, rows: [] }));
    return g;
  };
  const changedStarts = keys.window === null ? null : windowStarts(changed.columns[input.changedKeyColumns[0]]);
  const changedKeys = keyStrings(changed, input.changedKeyColumns);
  for (let i = 0; i < changed.count; i++) {
    const start = changedStarts === null ? 0 : changedStarts[i];
    const g = groupOf(rangeOf(changedStarts, i, rangeWidth));
    g.keys.add(changedKeys[i]);
    if (start < g.minStart) g.minStart = start;
    if (start > g.maxStart) g.maxStart = start;
  }
  const rowStarts = keys.window === null ? null : windowStarts(rows.columns[keys.window]);
  for (let i = 0; i < rows.count; i++) groupOf(rangeOf(rowStarts, i, rangeWidth)).rows.push(i);

  // Live files of this partition, by window range.
  const filesByRange = new Map<string, AddFile[]>();
  const absoluteOf = new Map<AddFile, string>();
  for (const [absolute, add] of input.snapshot.files) {
    if (add.tags?.[PARTITION_TAG] !== part) continue;
    const range = add.tags[WINDOW_RANGE_TAG] ?? '';
    if (!groups.has(range)) continue;
    const list = filesByRange.get(range) ?? [];
    list.push(add);
    filesByRange.set(range, list);
    absoluteOf.set(add, absolute);
  }

  const deltaSchema = snapshotSchema(input.snapshot);
  const outKeyColumns = keys.window === null ? keys.keys : [keys.window, ...keys.keys];
  const result: UpdateMergeResult = { removedPaths: [], removedRows: 0, adds: [], keptRows: 0, groupsRewritten: 0 };
  for (const g of groups.values()) {
    const files = (filesByRange.get(g.range) ?? []).filter((f) => mayHoldKeys(f, g, keys.window === null ? null : input.output[keys.window].name));
    const pieces: ColumnBatch[] = [];
    for (const f of files) {
      const old = await readFileRows(absoluteOf.get(f) as string, f, deltaSchema, input);
      result.removedPaths.push(f.path);
      result.removedRows += old.count;
      const oldKeys = keyStrings(old, outKeyColumns);
      let n = 0;
      const keep = new Int32Array(old.count);
      for (let i = 0; i < old.count; i++) if (!g.keys.has(oldKeys[i])) keep[n++] = i;
      if (n > 0) pieces.push(n === old.count ? old : takeRows(old, keep.subarray(0, n)));
      result.keptRows += n;
    }
    if (g.rows.length > 0) pieces.push(takeRows(rows, Int32Array.from(g.rows)));
    if (files.length === 0 && g.rows.length === 0) continue;
    result.groupsRewritten++;
    if (pieces.length === 0) continue;
    const tags = { [PARTITION_TAG]: part, [WINDOW_RANGE_TAG]: g.range };
    const adds = await writeBatchFiles(input.storage, input.tablePath, concatBatches(input.output, pieces));
    for (const a of adds) result.adds.push({ ...a, tags });
  }
  return result;
}

function rangeOf(starts: Float64Array | null, i: number, width: number): string {
  if (starts === null) return '';
  return String(Math.floor(starts[i] / width) * width);
}

function windowStarts(v: Vector): Float64Array {
  if (v.type.kind !== 'struct') throw new RangeError(`the window column is ${v.type.kind}, not struct<start,end>`);
  return ((v as { children: Vector[] }).children[0] as ExactVector).values;
}

/**
 * False when the file's statistics show it holds none of the group's changed keys: its window.start
 * range (truncated to ms by the protocol, hence the 1 ms slack) misses every changed start.
 */
function mayHoldKeys(add: AddFile, g: FileGroup, windowName: string | null): boolean {
  if (windowName === null || add.stats === undefined) return true;
  let stats: { minValues?: Record<string, unknown>; maxValues?: Record<string, unknown> };
  try { stats = JSON.parse(add.stats); } catch { return true; }
  const lo = (stats.minValues?.[windowName] as { start?: string } | undefined)?.start;
  const hi = (stats.maxValues?.[windowName] as { start?: string } | undefined)?.start;
  if (typeof lo !== 'string' || typeof hi !== 'string') return true;
  const min = Date.parse(lo) * 1000;
  const max = Date.parse(hi) * 1000 + 1000;
  if (!Number.isFinite(min) || !Number.isFinite(max)) return true;
  return !(g.maxStart < min || g.minStart > max);
}

/** A data file's rows as columns of the output schema (`input`: where the table is and its schema). */
export async function readFileRows(
  absolute: string, add: AddFile, deltaSchema: StructType, input: Pick<UpdateMergeInput, 'storage' | 'snapshot' | 'output'>,
): Promise<ColumnBatch> {
  const batches = await readDataFile(input.storage, absolute, add, deltaSchema, input.snapshot.metadata.partitionColumns);
  const parts: ColumnBatch[] = batches.map((b) => ({
    count: b.numRows,
    schema: input.output,
    columns: input.output.map((f, i) => vectorOf(b.data.children[i], f.type, f.name)),
  }));
  return concatBatches(input.output, parts);
}

function vectorOf(d: arrow.Data, t: SqlType, name: string): Vector {
  if (t.kind !== 'struct') return fromArrowData(d, t, name);
  // readDataFile builds its struct columns at offset 0, so the children line up with the rows.
  if (d.offset !== 0) throw new RangeError(`column ${name}: a struct read at offset ${d.offset}`);
  let validity: Uint8Array | null = null;
  if (d.nullCount > 0) {
    const bitmap = d.nullBitmap as Uint8Array;
    validity = new Uint8Array(d.length);
    for (let i = 0; i < d.length; i++) validity[i] = (bitmap[(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1;
  }
  return { type: t, validity, children: t.fields.map((f, k) => vectorOf(d.children[k], f.type, `${name}.${f.name}`)) };
}

const NULL_KEY = '\u0000';
const SEP = '\u0001';

/** Each row's key (the columns `cols`) as one string, equal exactly when the key values are. */
export function keyStrings(batch: ColumnBatch, cols: readonly number[]): string[] {
  const out = new Array<string>(batch.count).fill('');
  cols.forEach((c, k) => appendKeyParts(batch.columns[c], batch.count, out, k === 0 ? '' : SEP));
  return out;
}

function appendKeyParts(v: Vector, n: number, out: string[], sep: string): void {
  const valid = v.validity;
  switch (v.type.kind) {
    case 'struct': {
      // The window: its start identifies it (end = start + size).
      const start = (v as { children: Vector[] }).children[0];
      appendKeyParts(start, n, out, sep);
      return;
    }
    case 'string':
    case 'binary': {
      const b = v as { offsets: Int32Array; data: Uint8Array };
      const buf = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength);
      for (let i = 0; i < n; i++) out[i] += sep + (valid !== null && valid[i] === 0 ? NULL_KEY : buf.toString('latin1', b.offsets[i], b.offsets[i + 1]));
      return;
    }
    case 'long':
    case 'decimal':
    case 'timestamp': {
      const e = v as ExactVector;
      for (let i = 0; i < n; i++) {
        out[i] += sep + (valid !== null && valid[i] === 0 ? NULL_KEY : e.wide !== null && e.wide.has(i) ? exactBigInt(e, i).toString() : String(e.values[i]));
      }
      return;
    }
    default: {
      const values = (v as { values: ArrayLike<number> }).values;
      for (let i = 0; i < n; i++) out[i] += sep + (valid !== null && valid[i] === 0 ? NULL_KEY : String(values[i]));
    }
  }
}
