/**
 * The verdict of a chaos run, from what is in storage (a local directory or the object store, read
 * through the Storage interface) and in Kafka after it, independently of the engine's own bookkeeping:
 *  - the table equals the oracle (test/support/oracle) computed over every record the topic holds,
 *    read back with a plain kafkajs consumer (duplicates from producer retries included); the
 *    string-key query's table, the calculation of string-key-oracle.ts over its topic;
 *  - the Delta log holds each batch of the query exactly once: txn versions 0, 1, 2, … in commit order;
 *  - every data file in the log is added once and exists; files on disk that the log does not name
 *    are orphans of failed attempts (counted: VACUUM's to remove, never part of the table);
 *  - an update-mode table (the string-key job's second run): a file is removed only after it was
 *    added and at most once, every live file exists, and every version of the table, read as of that
 *    version, holds each key (window, event_type, customer_id) once.
 * The CDC job's verdict is cdc-verify.ts (it reuses the merged-log and per-version checks).
 */
import { canonicalRows, joinLocation, readTableRows, type Storage } from '@tributary/common';
import { aggregateRows } from '../support/aggregate-rows';
import { computeExpected, diffRows, readTopicEvents } from '../support/oracle';
import { readDeltaCommits } from '../support/seed-run';
import { STRING_KEY_COLUMNS } from './string-key-job';
import { diffStringKeyRows, expectedStringKeyRows, stringKeyRowKey, type StringKeyRow } from './string-key-oracle';
import { DELAY, WINDOW } from './workload';

export interface Check {
  title: string;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  checks: Check[];
  records: number;
  expectedRows: number;
  orphanFiles: number;
}

export async function verify(storage: Storage, opts: { bootstrap: string; topic: string; table: string; queryId: string; lateEventIds: number[] }): Promise<Verdict> {
  const records = await readTopicEvents(opts.bootstrap, opts.topic, 600_000);
  const expected = computeExpected(records, { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: opts.lateEventIds });
  const actual = aggregateRows(await readTableRows(storage, opts.table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
  const diff = diffRows(expected.rows, actual);
  const checks: Check[] = [{
    title: `the table equals the oracle over the ${records.length} records in the topic (${expected.rows.length} rows, ${expected.lateRows} late, ${expected.badRecords} bad)`,
    ok: diff.equal && expected.rows.length > 0,
    detail: expected.rows.length > 0 ? diff.text : 'the oracle expects no row: the run produced nothing to compare',
  }];

  const log = await verifyLog(storage, opts.table, opts.queryId);
  checks.push(...log.checks);
  return { checks, records: records.length, expectedRows: expected.rows.length, orphanFiles: log.orphanFiles };
}


/**
 * The string-key query's verdict (string-key-job.ts): its table equals the independent calculation
 * of string-key-oracle.ts over every record its topic holds, and its Delta log passes the same checks.
 */
export async function verifyStringKey(storage: Storage, opts: {
  bootstrap: string; topic: string; table: string; queryId: string; lateEventIds: number[]; outputMode?: 'append' | 'update';
}): Promise<Verdict> {
  const records = await readTopicEvents(opts.bootstrap, opts.topic, 600_000);
  const expected = expectedStringKeyRows(records, { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: opts.lateEventIds, outputMode: opts.outputMode });
  const actual = canonicalRows(await readTableRows(storage, opts.table));
  const columns = actual.length > 0 ? Object.keys(actual[0]) : [];
  const diff = diffStringKeyRows(expected.rows, actual as unknown as StringKeyRow[]);
  const types = new Set(expected.rows.map((r) => r.event_type));
  const checks: Check[] = [{
    title: `the string-key table equals the independent calculation over the ${records.length} records in its topic (${expected.rows.length} rows over ${types.size} event types, ${expected.lateRows} late, ${expected.badRecords} bad)`,
    ok: diff.equal && expected.rows.length > 0 && JSON.stringify(columns) === JSON.stringify(STRING_KEY_COLUMNS),
    detail: expected.rows.length === 0 ? 'the calculation expects no row: the run produced nothing to compare'
      : JSON.stringify(columns) !== JSON.stringify(STRING_KEY_COLUMNS) ? `the table's columns are ${JSON.stringify(columns)}, not ${JSON.stringify(STRING_KEY_COLUMNS)}` : diff.text,
  }];
  const log = opts.outputMode === 'update' ? await verifyMergedLog(storage, opts.table, opts.queryId) : await verifyLog(storage, opts.table, opts.queryId);
  checks.push(...log.checks);
  if (opts.outputMode === 'update') checks.push(await everyVersionKeysOnce(storage, opts.table, 'update-mode table', (r) => stringKeyRowKey(r as unknown as StringKeyRow)));
  return { checks, records: records.length, expectedRows: expected.rows.length, orphanFiles: log.orphanFiles };
}

/**
 * Reads the table as of each of its versions (the log's own time travel) and finds any key held
 * twice; `keyOf` names a row's key, or undefined for a row that does not count (an ended SCD2 version).
 */
export async function everyVersionKeysOnce(storage: Storage, table: string, what: string, keyOf: (row: Record<string, unknown>) => string | undefined): Promise<Check> {
  const versions = (await readDeltaCommits(storage, table)).map((c) => c.version);
  const twice: string[] = [];
  let rows = 0;
  for (const version of versions) {
    const seen = new Set<string>();
    const at = canonicalRows(await readTableRows(storage, table, { version }));
    rows += at.length;
    for (const r of at) {
      const key = keyOf(r);
      if (key === undefined) continue;
      if (seen.has(key)) twice.push(`version ${version}: ${key}`);
      seen.add(key);
    }
  }
  return {
    title: `each of the ${versions.length} versions of the ${what} holds every key once (${rows} rows read over all versions)`,
    ok: twice.length === 0 && versions.length > 1,
    detail: twice.length === 0 ? (versions.length > 1 ? '' : 'the table has no version after its creation') : `keys held twice: ${twice.slice(0, 10).join('; ')}${twice.length > 10 ? ` … (${twice.length})` : ''}`,
  };
}

/**
 * The Delta log checks of an update-mode table: each batch exactly once (as verifyLog), and its files
 * as a merge leaves them: every file added once, removed at most once and only in a later version than
 * its add, and every file still in the table on disk. Orphans: files on disk the log never added.
 */
export async function verifyMergedLog(storage: Storage, table: string, queryId: string, name = 'update-mode'): Promise<{ checks: Check[]; orphanFiles: number }> {
  const commits = (await readDeltaCommits(storage, table)).filter((c) => c.version > 0);
  const checks: Check[] = [batchesOnce(commits, queryId, `the ${name} Delta log`)];
  const addedAt = new Map<string, number>();
  const removedAt = new Map<string, number>();
  const problems: string[] = [];
  for (const c of commits) {
    for (const a of c.actions) {
      if (a.add) {
        const p = decodeURIComponent(a.add.path) as string;
        if (addedAt.has(p)) problems.push(`${p} added again at version ${c.version}`);
        addedAt.set(p, c.version);
      } else if (a.remove) {
        const p = decodeURIComponent(a.remove.path) as string;
        const at = addedAt.get(p);
        if (at === undefined || at >= c.version) problems.push(`${p} removed at version ${c.version} but added ${at === undefined ? 'never' : `at version ${at}`}`);
        if (removedAt.has(p)) problems.push(`${p} removed again at version ${c.version}`);
        removedAt.set(p, c.version);
      }
    }
  }
  const live = [...addedAt.keys()].filter((p) => !removedAt.has(p));
  const missing = await absent(storage, table, live);
  const orphans = (await dataFiles(storage, table)).filter((p) => !addedAt.has(p));
  checks.push({
    title: `the ${name} table's ${addedAt.size} added files are each added once and removed at most once after their add (${removedAt.size} rewritten away); its ${live.length} live files exist (${orphans.length} orphan files of failed attempts stay out of the log)`,
    ok: problems.length === 0 && missing.length === 0 && live.length > 0,
    detail: `${problems.slice(0, 5).join('; ') || 'no misplaced add or remove'}; missing: ${missing.slice(0, 5).join(', ') || 'none'}`,
  });
  return { checks, orphanFiles: orphans.length };
}

/**
 * The Delta log checks of one query's table: each batch exactly once (txn versions 0, 1, 2, … in
 * commit order), every added file added once, never removed, and on disk; orphans counted.
 */
async function verifyLog(storage: Storage, table: string, queryId: string): Promise<{ checks: Check[]; orphanFiles: number }> {
  const commits = (await readDeltaCommits(storage, table)).filter((c) => c.version > 0);
  const checks: Check[] = [batchesOnce(commits, queryId, 'the Delta log')];

  const added = commits.flatMap((c) => c.actions.filter((a) => a.add).map((a) => decodeURIComponent(a.add.path) as string));
  const removed = commits.flatMap((c) => c.actions.filter((a) => a.remove));
  const dup = added.filter((p, i) => added.indexOf(p) !== i);
  const missing = await absent(storage, table, added);
  const onDisk = await dataFiles(storage, table);
  const inLog = new Set(added);
  const orphans = onDisk.filter((p) => !inLog.has(p));
  checks.push({
    title: `each of the ${added.length} data files in the log is added once, never removed, and exists (${orphans.length} orphan files of failed attempts stay out of the log)`,
    ok: dup.length === 0 && missing.length === 0 && removed.length === 0,
    detail: `added twice: ${dup.slice(0, 5).join(', ') || 'none'}; missing: ${missing.slice(0, 5).join(', ') || 'none'}; removes: ${removed.length}`,
  });
  return { checks, orphanFiles: orphans.length };
}

/** Each batch exactly once in the commits after the table's creation: txn versions 0, 1, 2, … in commit order. */
function batchesOnce(commits: { version: number; actions: any[] }[], queryId: string, what: string): Check {
  const batches = commits.map((c) => c.actions.filter((a) => a.txn && a.txn.appId === queryId).map((a) => a.txn.version));
  const inOrder = batches.every((b, i) => b.length === 1 && b[0] === i);
  return {
    title: `${what} holds each of the ${commits.length} batches exactly once (txn ${queryId} versions 0..${commits.length - 1} in order)`,
    ok: inOrder && commits.length > 0,
    detail: inOrder ? '' : `txn versions per commit: ${JSON.stringify(batches)}`,
  };
}

/** Those of the table's relative file paths that have no object. */
async function absent(storage: Storage, table: string, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if ((await storage.head(joinLocation(table, p))) === undefined) out.push(p);
  return out;
}

/** Parquet files under the table, relative paths, outside _delta_log. */
async function dataFiles(storage: Storage, table: string): Promise<string[]> {
  return (await storage.list(table, { recursive: true })).map((o) => o.name).filter((n) => n.endsWith('.parquet') && !n.startsWith('_delta_log/'));
}
