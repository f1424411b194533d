/**
 * The rows a reduce task emits (closed windows in append mode, the whole state in complete mode)
 * as Parquet data files of the query's Delta table, in Spark's output schema. Returns their `add`
 * actions for the driver's commit; files of attempts that never commit stay out of the log and are
 * removed by VACUUM once older than its retention.
 */
import { AddFile, buildAggregateTable, ExecutorJob, writeDataFile } from '@tributary/common';
import { EmittedRows } from '../aggregate';

/** Rows per file at most, keeping parquet-wasm's memory bounded (DESIGN.md). */
const MAX_ROWS_PER_FILE = 1_000_000;

export async function writeEmittedRows(job: ExecutorJob, parts: EmittedRows[]): Promise<AddFile[]> {
  const total = parts.reduce((a, p) => a + p.length, 0);
  if (total === 0) return [];
  const adds: AddFile[] = [];
  for (let from = 0; from < total; from += MAX_ROWS_PER_FILE) {
    const n = Math.min(MAX_ROWS_PER_FILE, total - from);
    const cols = concat(parts, from, n);
    adds.push(await writeDataFile(job.tablePath, buildAggregateTable(cols, job.windowMicros)));
  }
  return adds;
}

/** Rows [from, from+n) of the concatenation of `parts`, as aggregate columns. */
function concat(parts: EmittedRows[], from: number, n: number) {
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
