/**
 * What the dashboard shows of a query's Delta tables, read with the engine's own reader
 * (common/delta) and cached by table version: a table is read again only when its version changed.
 *
 * - Results: the latest rows of the output table. With a window column (a struct of start and end,
 *   as Spark's window() and session_window() produce), the rows of the newest window, sorted by the
 *   last numeric column descending (an aggregation's last aggregate); with no window, all rows so
 *   sorted; with no numeric column (an ingest query), the rows of the newest files. At most `limit`.
 * - Commit history: the newest commits of the output table, each with the batch that wrote it (the
 *   txn action whose appId is the query id), files added and rows added (Σ numRecords of the adds'
 *   stats), and the commit's timestamp.
 * - Bad-record samples: the newest rows of the quarantine table (reason, detail, where in Kafka).
 *
 * A big table is not read whole: at most MAX_FILES_READ data files, the most recently added.
 */
import * as arrow from 'apache-arrow';
import {
  AddFile, CanonicalValue, DataType, LogStore, Snapshot, type Storage, canonicalRows, parseActions, readDataFile, readSnapshot, snapshotSchema, updateSnapshot,
} from '@tributary/common';

const MAX_FILES_READ = 64;
const NUMERIC = ['byte', 'short', 'integer', 'long', 'float', 'double'];

export interface ResultsView {
  version: number;
  columns: string[];
  /** Display strings, one array per row, in `columns` order. */
  rows: string[][];
  /** How the rows were chosen, e.g. "window 2026-12-06T02:05:00Z – 02:10:00Z, by total_amount". */
  selection: string;
}

export interface CommitRow {
  version: number;
  /** The batch that wrote the commit; null for commits of no batch of this query (e.g. the table's creation, OPTIMIZE). */
  batchId: number | null;
  operation: string;
  timestampMs: number;
  filesAdded: number;
  rowsAdded: number;
}

export interface BadRecordSample {
  reason: string;
  detail: string;
  topic: string;
  partition: number;
  offset: string;
  batchId: string;
}

interface Cached<T> { version: number; value: T }

export class TableViews {
  constructor(private readonly storage: Storage) {}

  private readonly snapshots = new Map<string, Snapshot>();
  private readonly results = new Map<string, Cached<ResultsView>>();
  private readonly commits = new Map<string, Cached<CommitRow[]>>();
  private readonly samples = new Map<string, Cached<BadRecordSample[]>>();

  /** The newest snapshot of a table, advanced from the cached one (only the new commits are read). */
  async snapshot(tablePath: string): Promise<Snapshot> {
    const old = this.snapshots.get(tablePath);
    const next = old ? await updateSnapshot(this.storage, old) : await readSnapshot(this.storage, tablePath);
    this.snapshots.set(tablePath, next);
    return next;
  }

  async resultsOf(tablePath: string, limit: number): Promise<ResultsView> {
    const s = await this.snapshot(tablePath);
    const cached = this.results.get(tablePath);
    if (cached && cached.version === s.version) return cached.value;
    const value = await readResults(this.storage, s, limit);
    this.results.set(tablePath, { version: s.version, value });
    return value;
  }

  async commitHistoryOf(tablePath: string, queryId: string, limit: number): Promise<CommitRow[]> {
    const s = await this.snapshot(tablePath);
    const cached = this.commits.get(tablePath);
    if (cached && cached.version === s.version) return cached.value;
    const value = await readCommitHistory(this.storage, tablePath, queryId, limit);
    this.commits.set(tablePath, { version: s.version, value });
    return value;
  }

  async badRecordSamplesOf(quarantinePath: string, limit: number): Promise<BadRecordSample[]> {
    const s = await this.snapshot(quarantinePath);
    const cached = this.samples.get(quarantinePath);
    if (cached && cached.version === s.version) return cached.value;
    const rows = await newestRows(this.storage, s, 4);
    const value = rows
      .sort((a, b) => compareDecimal(String(b.batch_id), String(a.batch_id)) || compareDecimal(String(b.offset), String(a.offset)))
      .slice(0, limit)
      .map((r) => ({
        reason: String(r.reason), detail: String(r.detail), topic: String(r.topic), partition: Number(r.partition),
        offset: String(r.offset), batchId: String(r.batch_id),
      }));
    this.samples.set(quarantinePath, { version: s.version, value });
    return value;
  }
}

/** The rows of the `maxFiles` most recently added live files (all of them when there are fewer). */
async function newestRows(storage: Storage, s: Snapshot, maxFiles: number): Promise<Record<string, CanonicalValue>[]> {
  const schema = snapshotSchema(s);
  const files = [...s.files.entries()].sort((a, b) => b[1].modificationTime - a[1].modificationTime || (a[0] < b[0] ? 1 : -1)).slice(0, maxFiles);
  const batches: arrow.RecordBatch[] = [];
  for (const [file, add] of files) batches.push(...(await readDataFile(storage, file, add as AddFile, schema, s.metadata.partitionColumns)));
  if (batches.length === 0) return [];
  return canonicalRows(new arrow.Table(batches));
}

async function readResults(storage: Storage, s: Snapshot, limit: number): Promise<ResultsView> {
  const schema = snapshotSchema(s);
  const columns = schema.fields.map((f) => f.name);
  const rows = await newestRows(storage, s, MAX_FILES_READ);
  const windowCol = schema.fields.find((f) => f.type.kind === 'struct'
    && f.type.fields.some((c) => c.name === 'start') && f.type.fields.some((c) => c.name === 'end'))?.name;
  const isNumeric = (t: DataType): boolean => t.kind === 'decimal' || (t.kind === 'primitive' && NUMERIC.includes(t.name));
  const sortCol = schema.fields.filter((f) => isNumeric(f.type)).at(-1)?.name;
  let chosen = rows;
  const notes: string[] = [];
  if (windowCol) {
    let newest: string | null = null;
    for (const r of rows) {
      const start = windowStart(r[windowCol]);
      if (start !== null && (newest === null || compareDecimal(start, newest) > 0)) newest = start;
    }
    if (newest !== null) {
      chosen = rows.filter((r) => windowStart(r[windowCol]) === newest);
      const end = windowEnd(chosen[0]?.[windowCol]);
      notes.push(`newest window ${isoOfMicros(newest)}${end === null ? '' : ` – ${isoOfMicros(end)}`}`);
    }
  }
  if (sortCol) {
    chosen = [...chosen].sort((a, b) => compareNumeric(b[sortCol], a[sortCol]));
    notes.push(`top ${limit} by ${sortCol}`);
  } else {
    notes.push(`${limit} rows of the newest files`);
  }
  const isTimestamp = new Set(schema.fields.filter((f) => f.type.kind === 'primitive' && f.type.name.startsWith('timestamp')).map((f) => f.name));
  return {
    version: s.version,
    columns,
    rows: chosen.slice(0, limit).map((r) => columns.map((c) => display(r[c], isTimestamp.has(c) || c === windowCol))),
    selection: notes.join(', '),
  };
}

async function readCommitHistory(storage: Storage, tablePath: string, queryId: string, limit: number): Promise<CommitRow[]> {
  const store = new LogStore(storage, tablePath);
  const versions = (await store.list()).commits.slice(-limit).reverse();
  const out: CommitRow[] = [];
  for (const version of versions) {
    const text = await store.readCommit(version);
    if (text === undefined) continue;
    let batchId: number | null = null, operation = '?', timestampMs = 0, filesAdded = 0, rowsAdded = 0;
    for (const a of parseActions(text, `${tablePath} version ${version}`) as Record<string, any>[]) {
      if (a.txn && a.txn.appId === queryId) batchId = Number(a.txn.version);
      if (a.commitInfo) { operation = String(a.commitInfo.operation ?? '?'); timestampMs = Number(a.commitInfo.timestamp) || 0; }
      if (a.add) {
        filesAdded++;
        try { rowsAdded += Number((JSON.parse(a.add.stats ?? '{}') as { numRecords?: number }).numRecords ?? 0); } catch { /* stats unreadable: rows unknown */ }
      }
    }
    out.push({ version, batchId, operation, timestampMs, filesAdded, rowsAdded });
  }
  return out;
}

function windowStart(v: CanonicalValue | undefined): string | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.start === 'string' ? v.start : null;
}

function windowEnd(v: CanonicalValue | undefined): string | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.end === 'string' ? v.end : null;
}

/** Compares two decimal strings (integers or with a fraction, either sign) exactly enough for ordering. */
function compareDecimal(a: string, b: string): number {
  return compareNumeric(a, b);
}

function compareNumeric(a: CanonicalValue | undefined, b: CanonicalValue | undefined): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'string' && typeof b === 'string' && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) {
    const x = BigInt(a), y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = Number(a), y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isoOfMicros(micros: string): string {
  return new Date(Number(BigInt(micros) / 1000n)).toISOString().replace('.000Z', 'Z');
}

/** One cell as text: timestamps (µs strings) as ISO times, structs as {a: …, b: …}. */
function display(v: CanonicalValue | undefined, timestamps: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (timestamps && typeof v === 'string' && /^-?\d+$/.test(v)) return isoOfMicros(v);
  if (Array.isArray(v)) return `[${v.map((x) => display(x, false)).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}: ${display(x, timestamps)}`).join(', ')}}`;
  return String(v);
}
