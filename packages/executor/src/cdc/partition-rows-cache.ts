/**
 * The rows of a CDC table's shuffle partition kept in executor memory between batches, with their
 * key index, so that the next batch on this executor applies its changes without reading the
 * partition's Parquet files back and without re-deriving the old rows' key strings (as LiveState
 * keeps the key state).
 *
 * Exact or nothing. An entry is what attempt A of batch N wrote for (table path, partition): the
 * rows, in the files it wrote (their `add` paths). Batch N+1 takes it only when all of these hold,
 * else it reads the files as without the cache:
 *   - the entry is of the same table path, partition, output schema and key columns;
 *   - batch N is the batch before N+1 and A is the attempt of N the driver committed (so a replay,
 *     a retry of N elsewhere, or a recovery that rebuilt the chain differently misses);
 *   - the table at the version the driver passes holds, for the partition, exactly the entry's
 *     files, by path and size and without a deletion vector (a commit that did not land, an
 *     OPTIMIZE, or any other writer misses).
 * Taking removes the entry, hit or miss: an attempt that fails leaves no entry behind, and only
 * an attempt that has written its files puts one back. Entries of partitions not taken for
 * IDLE_MS (the partition moved to another executor, the query stopped) are dropped.
 */
import type { AddFile, BatchId, ColumnBatch, SqlField } from '@tributary/common';
import { keyStrings } from '../sink/update-merge';

/** A partition's rows and, per row, its key string (keyStrings), with the index key → row. */
export interface KeyedRows {
  rows: ColumnBatch;
  keys: string[];
  index: Map<string, number>;
}

/** Keys and index of `rows` (keyStrings of `keyColumns`); a key held twice keeps its last row. */
export function keyedRows(rows: ColumnBatch, keyColumns: readonly number[]): KeyedRows {
  const keys = keyStrings(rows, keyColumns);
  return { rows, keys, index: indexOf(keys) };
}

export function indexOf(keys: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let r = 0; r < keys.length; r++) index.set(keys[r], r);
  return index;
}

/** A data file as the cache compares it: its path and size, and whether a deletion vector applies (then it matches no file written). */
export function fileIdentity(add: Pick<AddFile, 'path' | 'size' | 'deletionVector'>): string {
  return `${add.size} ${add.path}${add.deletionVector === undefined || add.deletionVector === null ? '' : ' (deletion vector)'}`;
}

/** Who wrote an entry and where. */
export interface RowsOrigin {
  tablePath: string;
  partition: number;
  output: readonly SqlField[];
  keyColumns: readonly number[];
  batchId: BatchId;
  attempt: number;
  /** The files holding the rows (fileIdentity of their `add`; none when the partition is empty). */
  files: readonly string[];
}

/** What a batch expects: the batch before it, the attempt of it committed, and the partition's live files at the table version it applies against. */
export interface RowsExpected {
  tablePath: string;
  partition: number;
  output: readonly SqlField[];
  keyColumns: readonly number[];
  prevBatchId: BatchId | null;
  committed: ReadonlyMap<BatchId, number>;
  files: readonly string[];
}

interface Entry { origin: RowsOrigin; signature: string; value: KeyedRows; usedMs: number }

const IDLE_MS = 10 * 60_000;

export class PartitionRowsCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes the partition's entry out; returns its rows when they are exactly what `expected` names, else null. */
  take(expected: RowsExpected): KeyedRows | null {
    const id = entryId(expected.tablePath, expected.partition);
    const e = this.entries.get(id);
    this.entries.delete(id);
    if (e === undefined || !matches(e, expected)) {
      this.misses++;
      return null;
    }
    this.hits++;
    return e.value;
  }

  /** Keeps the rows an attempt has written (call only once its files are written). */
  put(origin: RowsOrigin, value: KeyedRows): void {
    const t = this.now();
    for (const [id, e] of this.entries) if (t - e.usedMs > IDLE_MS) this.entries.delete(id);
    this.entries.set(entryId(origin.tablePath, origin.partition), { origin, signature: signatureOf(origin.output, origin.keyColumns), value, usedMs: t });
  }

  get size(): number {
    return this.entries.size;
  }
}

function entryId(tablePath: string, partition: number): string {
  return `${partition}:${tablePath}`;
}

function signatureOf(output: readonly SqlField[], keyColumns: readonly number[]): string {
  return JSON.stringify([output, keyColumns]);
}

function matches(e: Entry, x: RowsExpected): boolean {
  const o = e.origin;
  if (o.tablePath !== x.tablePath || o.partition !== x.partition) return false;
  if (x.prevBatchId === null || o.batchId !== x.prevBatchId || x.committed.get(x.prevBatchId) !== o.attempt) return false;
  if (o.files.length !== x.files.length) return false;
  const held = new Set(o.files);
  for (const f of x.files) if (!held.has(f)) return false;
  return (o.output === x.output && o.keyColumns === x.keyColumns) || e.signature === signatureOf(x.output, x.keyColumns);
}
