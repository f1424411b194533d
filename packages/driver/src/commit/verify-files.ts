/**
 * What the driver checks of every data file an executor reports before any of them is committed
 * (main table and side tables alike). An executor's report is a claim; the commit must only ever
 * reference files that are really there, inside the table, holding the rows the stats say:
 *   1. the `add` path is a relative URI, normalised and inside the table: no scheme (`file:`,
 *      `s3:`), no leading `/`, no empty, `.` or `..` segment, before or after percent-decoding
 *      (Delta paths are percent-encoded, so `%2E%2E` is `..`), no NUL or backslash;
 *   2. no two reports name the same file;
 *   3. the file exists as an object of the reported size (`head`; in local storage only a regular
 *      file is one, never a symlink, which could point anywhere);
 *   4. its Parquet footer's `num_rows` equals the stats' `numRecords` (the footer alone is read,
 *      by range).
 * The first problem found is reported as one message naming the table, the file and the problem.
 */
import * as path from 'node:path';
import { AddFile, isObjectStoreLocation, joinLocation, readParquetRowCount, Storage } from '@tributary/common';

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
export async function verifyDataFiles(storage: Storage, tablePath: string, adds: readonly AddFile[], what: string): Promise<number> {
  const objectStore = isObjectStoreLocation(tablePath);
  const root = objectStore ? tablePath.replace(/\/+$/, '') : path.resolve(tablePath);
  const seen = new Set<string>();
  let rows = 0;
  for (const add of adds) {
    const shown = JSON.stringify(add?.path);
    const fail = (problem: string): never => { throw new DataFileRejected(`${what} reported file ${shown} for table ${root}: ${problem}`); };
    const problem = pathProblem(add?.path);
    if (problem) fail(problem);
    // pathProblem refused every '..' and absolute form, so a join stays inside the table.
    const file = objectStore ? joinLocation(root, decodeURIComponent(add.path)) : path.resolve(root, decodeURIComponent(add.path));
    if (!file.startsWith(root + '/')) fail('the path leaves the table');
    if (seen.has(file)) fail('the file is reported twice');
    seen.add(file);
    if (add.deletionVector !== undefined && add.deletionVector !== null) fail('a new data file cannot carry a deletion vector');
    const records = statsRecords(add);
    if (records === undefined) fail('its stats have no numRecords');
    let info;
    try {
      info = await storage.head(file);
    } catch (err) {
      fail(`the file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    // No object there: missing, or (locally) a directory, symbolic link or other non-regular file.
    if (info === undefined) fail('the file cannot be read (ENOENT): there is no such file, or it is not a regular file');
    if (info!.size !== add.size) fail(`the file has ${info!.size} bytes, the report says ${add.size}`);
    let footerRows = 0;
    try {
      footerRows = await readParquetRowCount(storage, file);
    } catch (err) {
      fail(`its Parquet footer cannot be read (${(err as Error).message})`);
    }
    if (footerRows !== records) fail(`its Parquet footer holds ${footerRows} rows, the stats say ${records}`);
    rows += footerRows;
  }
  return rows;
}
