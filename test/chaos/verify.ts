/**
 * The verdict of a chaos run, from what is on disk and in Kafka after it, independently of the
 * engine's own bookkeeping:
 *  - the table equals the oracle (test/support/oracle) computed over every record the topic holds,
 *    read back with a plain kafkajs consumer (duplicates from producer retries included); the
 *    string-key query's table, the calculation of string-key-oracle.ts over its topic;
 *  - the Delta log holds each batch of the query exactly once: txn versions 0, 1, 2, … in commit order;
 *  - every data file in the log is added once and exists; files on disk that the log does not name
 *    are orphans of failed attempts (counted: VACUUM's to remove, never part of the table).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalRows, readTableRows } from '@tributary/common';
import { aggregateRows } from '../support/aggregate-rows';
import { computeExpected, diffRows, readTopicEvents } from '../support/oracle';
import { deltaCommits } from '../support/seed-run';
import { STRING_KEY_COLUMNS } from './string-key-job';
import { diffStringKeyRows, expectedStringKeyRows, type StringKeyRow } from './string-key-oracle';
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

export async function verify(opts: { bootstrap: string; topic: string; table: string; queryId: string; lateEventIds: number[] }): Promise<Verdict> {
  const records = await readTopicEvents(opts.bootstrap, opts.topic, 600_000);
  const expected = computeExpected(records, { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: opts.lateEventIds });
  const actual = aggregateRows(await readTableRows(opts.table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
  const diff = diffRows(expected.rows, actual);
  const checks: Check[] = [{
    title: `the table equals the oracle over the ${records.length} records in the topic (${expected.rows.length} rows, ${expected.lateRows} late, ${expected.badRecords} bad)`,
    ok: diff.equal && expected.rows.length > 0,
    detail: expected.rows.length > 0 ? diff.text : 'the oracle expects no row: the run produced nothing to compare',
  }];

  const log = verifyLog(opts.table, opts.queryId);
  checks.push(...log.checks);
  return { checks, records: records.length, expectedRows: expected.rows.length, orphanFiles: log.orphanFiles };
}


/**
 * The string-key query's verdict (string-key-job.ts): its table equals the independent calculation
 * of string-key-oracle.ts over every record its topic holds, and its Delta log passes the same checks.
 */
export async function verifyStringKey(opts: { bootstrap: string; topic: string; table: string; queryId: string; lateEventIds: number[] }): Promise<Verdict> {
  const records = await readTopicEvents(opts.bootstrap, opts.topic, 600_000);
  const expected = expectedStringKeyRows(records, { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: opts.lateEventIds });
  const actual = canonicalRows(await readTableRows(opts.table));
  const columns = actual.length > 0 ? Object.keys(actual[0]) : [];
  const diff = diffStringKeyRows(expected.rows, actual as unknown as StringKeyRow[]);
  const types = new Set(expected.rows.map((r) => r.event_type));
  const checks: Check[] = [{
    title: `the string-key table equals the independent calculation over the ${records.length} records in its topic (${expected.rows.length} rows over ${types.size} event types, ${expected.lateRows} late, ${expected.badRecords} bad)`,
    ok: diff.equal && expected.rows.length > 0 && JSON.stringify(columns) === JSON.stringify(STRING_KEY_COLUMNS),
    detail: expected.rows.length === 0 ? 'the calculation expects no row: the run produced nothing to compare'
      : JSON.stringify(columns) !== JSON.stringify(STRING_KEY_COLUMNS) ? `the table's columns are ${JSON.stringify(columns)}, not ${JSON.stringify(STRING_KEY_COLUMNS)}` : diff.text,
  }];
  const log = verifyLog(opts.table, opts.queryId);
  checks.push(...log.checks);
  return { checks, records: records.length, expectedRows: expected.rows.length, orphanFiles: log.orphanFiles };
}

/**
 * The Delta log checks of one query's table: each batch exactly once (txn versions 0, 1, 2, … in
 * commit order), every added file added once, never removed, and on disk; orphans counted.
 */
function verifyLog(table: string, queryId: string): { checks: Check[]; orphanFiles: number } {
  const checks: Check[] = [];
  const commits = deltaCommits(table).filter((c) => c.version > 0);
  const batches = commits.map((c) => c.actions.filter((a) => a.txn && a.txn.appId === queryId).map((a) => a.txn.version));
  const inOrder = batches.every((b, i) => b.length === 1 && b[0] === i);
  checks.push({
    title: `the Delta log holds each of the ${commits.length} batches exactly once (txn ${queryId} versions 0..${commits.length - 1} in order)`,
    ok: inOrder && commits.length > 0,
    detail: inOrder ? '' : `txn versions per commit: ${JSON.stringify(batches)}`,
  });

  const added = commits.flatMap((c) => c.actions.filter((a) => a.add).map((a) => decodeURIComponent(a.add.path) as string));
  const removed = commits.flatMap((c) => c.actions.filter((a) => a.remove));
  const dup = added.filter((p, i) => added.indexOf(p) !== i);
  const missing = added.filter((p) => !fs.existsSync(path.join(table, p)));
  const onDisk = dataFiles(table);
  const inLog = new Set(added);
  const orphans = onDisk.filter((p) => !inLog.has(p));
  checks.push({
    title: `each of the ${added.length} data files in the log is added once, never removed, and exists (${orphans.length} orphan files of failed attempts stay out of the log)`,
    ok: dup.length === 0 && missing.length === 0 && removed.length === 0,
    detail: `added twice: ${dup.slice(0, 5).join(', ') || 'none'}; missing: ${missing.slice(0, 5).join(', ') || 'none'}; removes: ${removed.length}`,
  });
  return { checks, orphanFiles: orphans.length };
}

/** Parquet files under the table directory, relative paths, outside _delta_log. */
function dataFiles(table: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(table, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) { if (e.name !== '_delta_log') out.push(...dataFiles(table, p)); } else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}
