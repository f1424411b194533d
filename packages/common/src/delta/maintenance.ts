/**
 * Table maintenance that streaming users need (Delta's OPTIMIZE, VACUUM and log cleanup).
 *
 * OPTIMIZE (bin-packing): within each partition, files smaller than `minFileBytes` are grouped into
 * bins of at most `targetFileBytes` (by their sizes on disk); each bin of two or more files is
 * rewritten as one file (rows read exactly and written again; the new file is at most
 * `maxRowsPerFile` rows, so one call bounds parquet-wasm's memory). One commit removes the old files
 * and adds the new ones, all with dataChange=false, so streaming readers of the table see no new
 * data. The commit names the files it removes: a concurrent streaming append (blind) lets it
 * through at the next version; a concurrent removal of one of its files fails it
 * (ConcurrentDeleteDelete) and nothing changes.
 *
 * VACUUM: deletes data files under the table directory that no version within the retention
 * references: a file is deleted only if it is neither live in the latest snapshot nor a tombstone
 * younger than the retention, and its modification time is older than the retention. The default
 * retention is delta.deletedFileRetentionDuration (7 days); a shorter one is refused unless
 * `unsafe` is set (the files of running writers and of readers of older versions would go). Files
 * and directories whose names start with `_` or `.` (the log, Spark's checksums) are never touched,
 * except partition directories (`name=value`).
 *
 * Log cleanup: commits and checkpoints older than delta.logRetentionDuration (30 days) are deleted,
 * but only below the newest checkpoint that is itself older than the retention, so the oldest
 * retained version can still be reconstructed from a checkpoint.
 */
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { InvalidArgumentError } from '../errors';
import { Action, AddFile, removeFor } from './actions';
import { writeDataFile } from './data-file';
import { LogStore, LAST_CHECKPOINT } from './log-store';
import { Snapshot, readSnapshot, snapshotSchema } from './snapshot';
import { readDataFile } from './table-reader';
import { deletedFileRetentionMs, logRetentionMs } from './table-properties';
import { commit } from './transaction';
import { isObjectStoreLocation, joinLocation, type Storage } from '../storage/storage';

export interface OptimizeOptions {
  /** Files at least this large are left alone. Default 3/4 of targetFileBytes. */
  minFileBytes?: number;
  /** Bins hold at most this many bytes of input files. Default 128 MiB. */
  targetFileBytes?: number;
  /** Rows per output file at most (bounds wasm memory). Default 2,000,000. */
  maxRowsPerFile?: number;
  /** Only these partitions, as `{column: value}`. */
  partitionFilter?: Record<string, string | null>;
  /** Plan from this snapshot instead of the latest (commits after it go through the conflict checks). */
  snapshot?: Snapshot;
  now?: () => number;
}

export interface OptimizeResult {
  /** Table version of the OPTIMIZE commit, or undefined when nothing was compacted. */
  version?: number;
  readVersion: number;
  filesRemoved: number;
  filesAdded: number;
  rows: number;
}

export async function optimize(storage: Storage, tablePath: string, opts: OptimizeOptions = {}): Promise<OptimizeResult> {
  const target = opts.targetFileBytes ?? 128 * 1024 * 1024;
  const minBytes = opts.minFileBytes ?? Math.floor(target * 0.75);
  const maxRows = opts.maxRowsPerFile ?? 2_000_000;
  const now = opts.now ?? Date.now;
  const snapshot = opts.snapshot ?? (await readSnapshot(storage, tablePath));
  const schema = snapshotSchema(snapshot);
  const partitionColumns = snapshot.metadata.partitionColumns;
  const byPartition = new Map<string, [string, AddFile][]>();
  for (const [file, add] of snapshot.files) {
    if (add.deletionVector) continue;
    if (add.size >= minBytes) continue;
    if (opts.partitionFilter && Object.entries(opts.partitionFilter).some(([c, v]) => (add.partitionValues[c] ?? null) !== v)) continue;
    // Files of different tags are never combined, and the output keeps them: update mode's file
    // groups (shuffle partition, window range) are tags, which its merges find files by.
    const key = JSON.stringify([partitionColumns.map((c) => add.partitionValues[c] ?? null), add.tags ?? null]);
    const list = byPartition.get(key) ?? [];
    list.push([file, add]);
    byPartition.set(key, list);
  }
  const dataSchema = { ...schema, fields: schema.fields.filter((f) => !partitionColumns.includes(f.name)) };
  const actions: Action[] = [];
  let rows = 0;
  let filesAdded = 0;
  let filesRemoved = 0;
  for (const files of byPartition.values()) {
    files.sort((a, b) => a[1].size - b[1].size || (a[0] < b[0] ? -1 : 1));
    for (const bin of binPack(files, target)) {
      if (bin.length < 2) continue;
      const partitionValues = bin[0][1].partitionValues;
      const batches: arrow.RecordBatch[] = [];
      for (const [file, add] of bin) batches.push(...(await readDataFile(storage, file, add, dataSchema, [])));
      const total = batches.reduce((a, b) => a + b.numRows, 0);
      const table = new arrow.Table(batches.length > 0 ? batches[0].schema : new arrow.Schema([]), batches);
      for (let from = 0; from < total; from += maxRows) {
        const part = total <= maxRows ? table : table.slice(from, Math.min(total, from + maxRows));
        const written = await writeDataFile(storage, tablePath, part, { partitionValues: orderedValues(partitionColumns, partitionValues), dataChange: false });
        const tags = bin[0][1].tags;
        actions.push({ add: tags === undefined ? written : { ...written, tags } });
        filesAdded++;
      }
      const ts = now();
      for (const [, add] of bin) actions.push({ remove: removeFor(add, ts, false) });
      filesRemoved += bin.length;
      rows += total;
    }
  }
  if (actions.length === 0) return { readVersion: snapshot.version, filesRemoved: 0, filesAdded: 0, rows: 0 };
  const result = await commit(storage, tablePath, actions, {
    readVersion: snapshot.version,
    snapshot,
    operation: 'OPTIMIZE',
    operationParameters: { predicate: JSON.stringify(opts.partitionFilter ? [JSON.stringify(opts.partitionFilter)] : []), zOrderBy: '[]', auto: false },
    now,
  });
  if (result.skipped) throw new InvalidArgumentError(`OPTIMIZE commit was skipped: ${result.reason}`);
  return { version: result.version, readVersion: snapshot.version, filesRemoved, filesAdded, rows };
}

function orderedValues(columns: readonly string[], values: Record<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of columns) out[c] = values[c] ?? null;
  return out;
}

/** Consecutive (size-sorted) files into bins whose total size stays within `target`. */
function binPack<T extends [string, AddFile]>(files: T[], target: number): T[][] {
  const bins: T[][] = [];
  let bin: T[] = [];
  let size = 0;
  for (const f of files) {
    if (bin.length > 0 && size + f[1].size > target) {
      bins.push(bin);
      bin = [];
      size = 0;
    }
    bin.push(f);
    size += f[1].size;
  }
  if (bin.length > 0) bins.push(bin);
  return bins;
}

export interface VacuumOptions {
  /** Default: the table's delta.deletedFileRetentionDuration (7 days). */
  retentionHours?: number;
  /** Allow a retention shorter than the table's (Spark: retentionDurationCheck.enabled=false). */
  unsafe?: boolean;
  /** List the files that would be deleted, delete nothing. */
  dryRun?: boolean;
  now?: () => number;
}

export interface VacuumResult {
  /** Paths relative to the table root, sorted. */
  files: string[];
  dryRun: boolean;
  retentionMs: number;
}

export async function vacuum(storage: Storage, tablePath: string, opts: VacuumOptions = {}): Promise<VacuumResult> {
  const now = (opts.now ?? Date.now)();
  const snapshot = await readSnapshot(storage, tablePath);
  const tableRetention = deletedFileRetentionMs(snapshot.metadata);
  const retentionMs = opts.retentionHours === undefined ? tableRetention : opts.retentionHours * 3600_000;
  if (!(retentionMs >= 0)) throw new InvalidArgumentError(`retention must be a non-negative number of hours, got ${opts.retentionHours}`);
  if (retentionMs < tableRetention && !opts.unsafe) {
    throw new InvalidArgumentError(
      `VACUUM retention ${retentionMs / 3600_000} hours is shorter than the table's ${tableRetention / 3600_000} hours ` +
        '(delta.deletedFileRetentionDuration): files that running writers or readers of older versions still need could be deleted. ' +
        'Pass the unsafe flag (--unsafe-retention) to do it anyway.',
      { code: 'DELTA_VACUUM_RETENTION_TOO_SHORT' },
    );
  }
  const cutoff = now - retentionMs;
  const keep = new Set<string>(snapshot.files.keys());
  for (const [file, r] of snapshot.tombstones) if ((r.deletionTimestamp ?? 0) > cutoff) keep.add(file);
  // Live files are keyed as canonicalFilePath keys them: resolved local paths, or URLs under the table.
  const root = isObjectStoreLocation(tablePath) ? tablePath.replace(/\/+$/, '') : path.resolve(tablePath);
  const doomed: { name: string; location: string }[] = [];
  for (const object of await storage.list(root, { recursive: true })) {
    if (!isDataFileName(object.name)) continue;
    const location = joinLocation(root, object.name);
    if (keep.has(location) || object.modifiedMs >= cutoff) continue;
    doomed.push({ name: object.name, location });
  }
  doomed.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  if (!opts.dryRun) for (const file of doomed) await storage.delete(file.location);
  return { files: doomed.map((f) => f.name), dryRun: opts.dryRun ?? false, retentionMs };
}

/** False for hidden entries (`_x`, `.x`) and anything below a hidden directory, except partition directories (`_x=v`). */
function isDataFileName(name: string): boolean {
  const segments = name.split('/');
  const hidden = (s: string): boolean => s.startsWith('_') || s.startsWith('.');
  return !hidden(segments[segments.length - 1]) && segments.slice(0, -1).every((d) => !hidden(d) || d.includes('='));
}

export interface LogCleanupResult {
  /** File names deleted from `_delta_log`. */
  deleted: string[];
  /** The checkpoint version kept as the start of the oldest retained version, if any. */
  keptCheckpoint?: number;
}

export async function cleanupLog(storage: Storage, tablePath: string, opts: { now?: () => number; snapshot?: Snapshot } = {}): Promise<LogCleanupResult> {
  const now = (opts.now ?? Date.now)();
  const snapshot = opts.snapshot ?? (await readSnapshot(storage, tablePath));
  const cutoff = now - logRetentionMs(snapshot.metadata);
  const store = new LogStore(storage, tablePath);
  const listing = await store.list();
  let keep: number | undefined;
  for (const cp of listing.checkpoints) {
    if (cp.version > snapshot.version) break;
    const mtime = await store.modificationTime(cp.files[0]).catch(() => Infinity);
    if (mtime <= cutoff) keep = cp.version;
  }
  if (keep === undefined) return { deleted: [] };
  const deleted: string[] = [];
  const names = await store.names();
  for (const name of names) {
    if (name === LAST_CHECKPOINT || name.startsWith('.')) continue;
    const m = /^(\d{20})\./.exec(name);
    if (!m || Number(m[1]) >= keep) continue;
    const mtime = await store.modificationTime(name).catch(() => Infinity);
    if (mtime > cutoff) continue;
    await store.deleteFile(name);
    deleted.push(name);
  }
  return { deleted: deleted.sort(), keptCheckpoint: keep };
}
