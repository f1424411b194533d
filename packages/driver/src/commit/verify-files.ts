/**
 * What the driver checks of every data file an executor reports before any of them is committed
 * (main table and side tables alike). An executor's report is a claim; the commit must only ever
 * reference files that are really there, inside the table, holding the rows the stats say:
 *   1. the `add` path is a relative URI, normalised and inside the table: no scheme (`file:`,
 *      `s3:`), no leading `/`, no empty, `.` or `..` segment, before or after percent-decoding
 *      (Delta paths are percent-encoded, so `%2E%2E` is `..`), no NUL or backslash;
 *   2. no two reports name the same file;
 *   3. the file exists as a regular file (not a symlink, which could point anywhere) of the
 *      reported size;
 *   4. its Parquet footer's `num_rows` equals the stats' `numRecords` (the footer alone is read).
 * The first problem found is reported as one message naming the table, the file and the problem.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AddFile, readParquetRowCount } from '@tributary/common';

const URI_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** Why `uriPath` cannot name a file inside the table, or undefined when it can. */
export function pathProblem(uriPath: unknown): string | undefined {
  if (typeof uriPath !== 'string' || uriPath === '') return 'the path is empty';
  if (URI_SCHEME.test(uriPath)) return 'the path is an absolute URI (it must be relative to the table)';
  let decoded: string;
  try {
    decoded = decodeURIComponent(uriPath);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  for (const [form, p] of [['', uriPath], [' (percent-decoded)', decoded]] as const) {
    if (p.startsWith('/')) return `the path${form} is absolute (it must be relative to the table)`;
    if (p.includes('\\') || p.includes('\0')) return `the path${form} holds a backslash or NUL`;
    for (const segment of p.split('/')) {
      if (segment === '' || segment === '.' || segment === '..') return `the path${form} is not normalised or leaves the table (segment '${segment}')`;
    }
  }
  return undefined;
}

/** The statistics' `numRecords` of an `add`, or undefined when it has none. */
function statsRecords(add: AddFile): number | undefined {
  if (typeof add.stats !== 'string') return undefined;
  try {
    const n = (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords;
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export class DataFileRejected extends Error {}

/**
 * Checks every reported file of one table; resolves with the total of their rows, or rejects with
 * DataFileRejected naming the first problem.
 */
export async function verifyDataFiles(tablePath: string, adds: readonly AddFile[], what: string): Promise<number> {
  const root = path.resolve(tablePath);
  const seen = new Set<string>();
  let rows = 0;
  for (const add of adds) {
    const shown = JSON.stringify(add?.path);
    const fail = (problem: string): never => { throw new DataFileRejected(`${what} reported file ${shown} for table ${root}: ${problem}`); };
    const problem = pathProblem(add?.path);
    if (problem) fail(problem);
    const file = path.resolve(root, decodeURIComponent(add.path));
    if (!file.startsWith(root + path.sep)) fail('the path leaves the table');
    if (seen.has(file)) fail('the file is reported twice');
    seen.add(file);
    if (add.deletionVector !== undefined && add.deletionVector !== null) fail('a new data file cannot carry a deletion vector');
    const records = statsRecords(add);
    if (records === undefined) fail('its stats have no numRecords');
    let stat;
    try {
      stat = await fs.lstat(file);
    } catch (err) {
      fail(`the file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!stat!.isFile()) fail(stat!.isSymbolicLink() ? 'the file is a symbolic link' : 'it is not a regular file');
    if (stat!.size !== add.size) fail(`the file has ${stat!.size} bytes, the report says ${add.size}`);
    let footerRows = 0;
    try {
      footerRows = await readParquetRowCount(file);
    } catch (err) {
      fail(`its Parquet footer cannot be read (${(err as Error).message})`);
    }
    if (footerRows !== records) fail(`its Parquet footer holds ${footerRows} rows, the stats say ${records}`);
    rows += footerRows;
  }
  return rows;
}
