/**
 * The rows a reduce task emits (closed windows in append mode, the whole state in complete mode)
 * as Parquet data files of the query's Delta table, in Spark's output schema. Returns their `add`
 * actions for the driver's commit; files of attempts that never commit stay out of the log and are
 * removed by VACUUM once older than its retention.
 *
 * A partitioned table (sink-layout.ts: partition columns and how each is computed, read from the
 * table's metadata once per table) gets one file per partition value per task, under Hive
 * directories (`date=2024-01-01/`), with the `add`'s partitionValues; partition columns are not
 * stored in the files, as Spark writes them.
 */
import { AddFile, buildAggregateTable, ExecutorJob, readSnapshot, SinkLayout, sinkLayout, writeDataFile } from '@tributary/common';
import { PartialSet as EmittedRows } from '../aggregate';

/** Rows per file at most, keeping parquet-wasm's memory bounded (DESIGN.md). */
const MAX_ROWS_PER_FILE = 1_000_000;

interface Columns {
  length: number;
  windowStartMicros: Float64Array;
  customerId: Int32Array;
  count: Float64Array;
  sumCents: Float64Array;
  sumCentsExact: Map<number, bigint>;
}

/** Table path → its layout. A table's partitioning never changes (metadata changes fail commits). */
const layouts = new Map<string, Promise<SinkLayout>>();

function layoutOf(tablePath: string): Promise<SinkLayout> {
  let layout = layouts.get(tablePath);
  if (!layout) {
    layout = readSnapshot(tablePath).then((s) => sinkLayout(s.metadata));
    layout.catch(() => layouts.delete(tablePath));
    layouts.set(tablePath, layout);
  }
  return layout;
}

export async function writeEmittedRows(job: ExecutorJob, parts: EmittedRows[]): Promise<AddFile[]> {
  const total = parts.reduce((a, p) => a + p.length, 0);
  if (total === 0) return [];
  const layout = await layoutOf(job.tablePath);
  if (layout.partitionColumns.length === 0) {
    const adds: AddFile[] = [];
    for (let from = 0; from < total; from += MAX_ROWS_PER_FILE) {
      adds.push(await writeColumns(job, concat(parts, from, Math.min(MAX_ROWS_PER_FILE, total - from)), {}));
    }
    return adds;
  }
  const all = concat(parts, 0, total);
  const groups = new Map<string, { values: Record<string, string | null>; rows: number[] }>();
  for (let i = 0; i < total; i++) {
    const start = all.windowStartMicros[i];
    const row = {
      windowStartMicros: start,
      windowEndMicros: start + job.windowMicros,
      customerId: all.customerId[i],
      count: all.count[i],
      sumCents: all.sumCentsExact.get(i) ?? BigInt(all.sumCents[i]),
    };
    const values = layout.partitionValue.map((fn) => fn(row));
    const key = JSON.stringify(values);
    let g = groups.get(key);
    if (!g) {
      const named: Record<string, string | null> = {};
      layout.partitionColumns.forEach((c, k) => {
        named[c] = values[k];
      });
      groups.set(key, (g = { values: named, rows: [] }));
    }
    g.rows.push(i);
  }
  const adds: AddFile[] = [];
  for (const g of groups.values()) {
    for (let from = 0; from < g.rows.length; from += MAX_ROWS_PER_FILE) {
      adds.push(await writeColumns(job, gather(all, g.rows.slice(from, from + MAX_ROWS_PER_FILE)), g.values));
    }
  }
  return adds;
}

function writeColumns(job: ExecutorJob, cols: Columns, partitionValues: Record<string, string | null>): Promise<AddFile> {
  return writeDataFile(job.tablePath, buildAggregateTable(cols, job.windowMicros), { partitionValues });
}

/** Rows at `rows` of `cols`. */
function gather(cols: Columns, rows: number[]): Columns {
  const n = rows.length;
  const out: Columns = {
    length: n,
    windowStartMicros: new Float64Array(n),
    customerId: new Int32Array(n),
    count: new Float64Array(n),
    sumCents: new Float64Array(n),
    sumCentsExact: new Map(),
  };
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    out.windowStartMicros[k] = cols.windowStartMicros[i];
    out.customerId[k] = cols.customerId[i];
    out.count[k] = cols.count[i];
    out.sumCents[k] = cols.sumCents[i];
    const exact = cols.sumCentsExact.get(i);
    if (exact !== undefined) out.sumCentsExact.set(k, exact);
  }
  return out;
}

/** Rows [from, from+n) of the concatenation of `parts`, as aggregate columns. */
function concat(parts: EmittedRows[], from: number, n: number): Columns {
  const windowStartMicros = new Float64Array(n);
  const customerId = new Int32Array(n);
  const count = new Float64Array(n);
  const sumCents = new Float64Array(n);
  const sumCentsExact = new Map<number, bigint>();
  let skip = from;
  let o = 0;
  for (const p of parts) {
    if (o >= n) break;
    if (skip >= p.length) { skip -= p.length; continue; }
    const take = Math.min(p.length - skip, n - o);
    windowStartMicros.set(p.windowStartMicros.subarray(skip, skip + take), o);
    customerId.set(p.customerId.subarray(skip, skip + take), o);
    count.set(p.count.subarray(skip, skip + take), o);
    sumCents.set(p.sumCents.subarray(skip, skip + take), o);
    for (const [i, exact] of p.exactSums) if (i >= skip && i < skip + take) sumCentsExact.set(o + i - skip, exact);
    o += take;
    skip = 0;
  }
  return { length: n, windowStartMicros, customerId, count, sumCents, sumCentsExact };
}
