/**
 * Benchmark (not a test): the update-mode commit of a batch that touches 10,000 keys, on a table of
 * 100,000 rows and on one of 10,000,000 rows (`npm run bench -- --only update-commit`). Target: the
 * larger table takes at most 3× as long as the smaller.
 *
 * Each table holds per-minute windows of 10,000 users (count and decimal sum), laid out as update
 * mode lays out its files (docs/update-mode.md): one file per (shuffle partition, window range of 4
 * windows), tagged, written in one commit. A measured batch changes 5,000 keys of the newest window
 * and adds 5,000 keys of a new window, across the 8 partitions: for each partition the merge of the
 * executor that owns it (mergeUpdates: prune the files by tags and statistics, read those holding
 * changed keys, rewrite them with the new rows), then the driver's one Delta commit of the removes and
 * adds with the batch's txn. `ms` is the batch's total (merges run one after another here; in a
 * cluster the executors run theirs in parallel), the median of the measured batches, after one
 * warm-up batch.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddFile, ColumnBatch, commit, createTable, decimalType, deltaSchemaOf, INT, LONG, readSnapshot, removeFor, sqlField, TIMESTAMP,
  writeBatchFiles, type SqlField, type Vector,
} from '@tributary/common';
import { mergeUpdates, PARTITION_TAG, WINDOW_RANGE_TAG, WINDOWS_PER_RANGE } from '@tributary/executor';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const MINUTE = 60_000_000;
const BASE = Date.UTC(2026, 2, 1) * 1000;
const USERS = 10_000;
const PARTITIONS = 8;
const OUTPUT: SqlField[] = [
  sqlField('window', { kind: 'struct', fields: [sqlField('start', TIMESTAMP), sqlField('end', TIMESTAMP)] }, false),
  sqlField('user_id', INT),
  sqlField('n', LONG, false),
  sqlField('revenue', decimalType(20, 2)),
];
const KEYS = { window: 0, keys: [1] };

export interface UpdateCommitRun {
  tableRows: number;
  filesInTable: number;
  keysTouched: number;
  /** Median over the measured batches: merge (all partitions), commit, total. */
  mergeMs: number;
  commitMs: number;
  ms: number;
  filesRewritten: number;
  rowsRewritten: number;
  batches: number[];
}

export interface UpdateCommitResult {
  runs: UpdateCommitRun[];
  /** Larger table's time over the smaller's. */
  ratio: number;
}

/** Rows of (window minute, user) pairs with n and revenue made up from them. */
function rowsOf(minutes: Int32Array, users: Int32Array, bump: number): ColumnBatch {
  const count = minutes.length;
  const start = new Float64Array(count);
  const end = new Float64Array(count);
  const n = new Float64Array(count);
  const cents = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    start[i] = BASE + minutes[i] * MINUTE;
    end[i] = start[i] + MINUTE;
    n[i] = 1 + ((users[i] + minutes[i] + bump) % 50);
    cents[i] = n[i] * 1999 + users[i];
  }
  const ts = (values: Float64Array): Vector => ({ type: TIMESTAMP as never, validity: null, values, wide: null });
  return {
    count,
    schema: OUTPUT,
    columns: [
      { type: OUTPUT[0].type as never, validity: null, children: [ts(start), ts(end)] },
      { type: INT as never, validity: null, values: users },
      { type: LONG as never, validity: null, values: n, wide: null },
      { type: OUTPUT[3].type as never, validity: null, values: cents, wide: null },
    ],
  } as ColumnBatch;
}

/** The keys of `minutes` × users in partition p (user mod PARTITIONS), optionally only the first `limit` users. */
function keysOf(minutes: number[], p: number, limit = USERS): { minutes: Int32Array; users: Int32Array } {
  const m: number[] = [];
  const u: number[] = [];
  for (const minute of minutes) for (let user = p; user < limit; user += PARTITIONS) { m.push(minute); u.push(user); }
  return { minutes: Int32Array.from(m), users: Int32Array.from(u) };
}

/** A table of `windows` windows × USERS rows in update mode's layout, in one commit. */
async function buildTable(table: string, windows: number): Promise<number> {
  await createTable(storage, table, deltaSchemaOf(OUTPUT));
  const adds: AddFile[] = [];
  for (let r = 0; r < windows; r += WINDOWS_PER_RANGE) {
    const minutes = Array.from({ length: Math.min(WINDOWS_PER_RANGE, windows - r) }, (_, k) => r + k);
    const range = String(Math.floor((BASE + r * MINUTE) / (WINDOWS_PER_RANGE * MINUTE)) * WINDOWS_PER_RANGE * MINUTE);
    for (let p = 0; p < PARTITIONS; p++) {
      const k = keysOf(minutes, p);
      for (const a of await writeBatchFiles(storage, table, rowsOf(k.minutes, k.users, 0))) adds.push({ ...a, tags: { [PARTITION_TAG]: String(p), [WINDOW_RANGE_TAG]: range } });
    }
  }
  const snapshot = await readSnapshot(storage, table);
  await commit(storage, table, adds.map((add) => ({ add })), { readVersion: snapshot.version, snapshot, operation: 'WRITE' });
  return adds.length;
}

/** One batch: 5,000 keys of window `last` change, 5,000 keys of window `last + 1` are new. */
async function updateBatch(table: string, last: number, txn: number): Promise<{ mergeMs: number; commitMs: number; files: number; rows: number }> {
  const t0 = performance.now();
  const snapshot = await readSnapshot(storage, table);
  const removed: string[] = [];
  const adds: AddFile[] = [];
  let rows = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const a = keysOf([last], p, USERS / 2);
    const b = keysOf([last + 1], p, USERS / 2);
    const minutes = Int32Array.from([...a.minutes, ...b.minutes]);
    const users = Int32Array.from([...a.users, ...b.users]);
    const changed = rowsOf(minutes, users, txn + 1);
    const r = await mergeUpdates({
      storage, tablePath: table, snapshot, partition: p, output: OUTPUT, keys: KEYS, windowSizeMicros: MINUTE,
      changed, changedKeyColumns: [0, 1], rows: changed,
    });
    removed.push(...r.removedPaths);
    adds.push(...r.adds);
    rows += r.removedRows;
  }
  const t1 = performance.now();
  const live = new Map([...snapshot.files.values()].map((f) => [f.path, f]));
  const now = Date.now();
  await commit(storage, table, [...removed.map((p) => ({ remove: removeFor(live.get(p) as AddFile, now) })), ...adds.map((add) => ({ add }))], {
    readVersion: snapshot.version, snapshot, operation: 'STREAMING UPDATE', txn: { appId: 'update-commit-bench', version: txn }, readPaths: removed,
  });
  return { mergeMs: t1 - t0, commitMs: performance.now() - t1, files: removed.length, rows };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runUpdateCommitBench(opts: { sizes?: number[]; batches?: number; log?: (m: string) => void } = {}): Promise<UpdateCommitResult> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const sizes = opts.sizes ?? [100_000, 10_000_000];
  const measured = opts.batches ?? 3;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-update-bench-'));
  const runs: UpdateCommitRun[] = [];
  try {
    for (const rows of sizes) {
      const windows = Math.ceil(rows / USERS);
      const table = path.join(dir, `t${rows}`);
      const tb = performance.now();
      const files = await buildTable(table, windows);
      log(`update-commit: table of ${(windows * USERS).toLocaleString('en-US')} rows in ${files} files built in ${((performance.now() - tb) / 1000).toFixed(1)} s`);
      const results: { mergeMs: number; commitMs: number; files: number; rows: number }[] = [];
      for (let b = 0; b <= measured; b++) {
        const r = await updateBatch(table, windows - 1 + b, b);
        if (b > 0) results.push(r); // batch 0 warms up (wasm, caches)
      }
      const totals = results.map((r) => r.mergeMs + r.commitMs);
      const run: UpdateCommitRun = {
        tableRows: windows * USERS, filesInTable: files, keysTouched: USERS,
        mergeMs: Math.round(median(results.map((r) => r.mergeMs))), commitMs: Math.round(median(results.map((r) => r.commitMs))),
        ms: Math.round(median(totals)), filesRewritten: median(results.map((r) => r.files)), rowsRewritten: median(results.map((r) => r.rows)),
        batches: totals.map((t) => Math.round(t)),
      };
      log(`update-commit: ${run.tableRows.toLocaleString('en-US')} rows: ${run.ms} ms per batch of ${USERS.toLocaleString('en-US')} keys (merge ${run.mergeMs} ms, commit ${run.commitMs} ms; ${run.filesRewritten} files / ${run.rowsRewritten.toLocaleString('en-US')} rows rewritten)`);
      runs.push(run);
      await fs.rm(table, { recursive: true, force: true });
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  const ratio = runs.length >= 2 ? runs[runs.length - 1].ms / Math.max(1, runs[0].ms) : 1;
  return { runs, ratio };
}
