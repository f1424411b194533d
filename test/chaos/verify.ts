/**
 * The verdict of a chaos run, from what is on disk and in Kafka after it, independently of the
 * engine's own bookkeeping:
 *  - the table equals the oracle (test/support/oracle) computed over every record the topic holds,
 *    read back with a plain kafkajs consumer (duplicates from producer retries included);
 *  - the Delta log holds each batch of the query exactly once: txn versions 0, 1, 2, … in commit order;
 *  - every data file in the log is added once and exists; files on disk that the log does not name
 *    are orphans of failed attempts (counted: VACUUM's to remove, never part of the table).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import { aggregateRows } from '@tributary/client';
import { computeExpected, diffRows, readTopicEvents } from '../support/oracle';
import { deltaCommits } from '../support/seed-run';
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

  const commits = deltaCommits(opts.table).filter((c) => c.version > 0);
  const batches = commits.map((c) => c.actions.filter((a) => a.txn && a.txn.appId === opts.queryId).map((a) => a.txn.version));
  const inOrder = batches.every((b, i) => b.length === 1 && b[0] === i);
  checks.push({
    title: `the Delta log holds each of the ${commits.length} batches exactly once (txn ${opts.queryId} versions 0..${commits.length - 1} in order)`,
    ok: inOrder && commits.length > 0,
    detail: inOrder ? '' : `txn versions per commit: ${JSON.stringify(batches)}`,
  });

  const added = commits.flatMap((c) => c.actions.filter((a) => a.add).map((a) => decodeURIComponent(a.add.path) as string));
  const removed = commits.flatMap((c) => c.actions.filter((a) => a.remove));
  const dup = added.filter((p, i) => added.indexOf(p) !== i);
  const missing = added.filter((p) => !fs.existsSync(path.join(opts.table, p)));
  const onDisk = dataFiles(opts.table);
  const inLog = new Set(added);
  const orphans = onDisk.filter((p) => !inLog.has(p));
  checks.push({
    title: `each of the ${added.length} data files in the log is added once, never removed, and exists (${orphans.length} orphan files of failed attempts stay out of the log)`,
    ok: dup.length === 0 && missing.length === 0 && removed.length === 0,
    detail: `added twice: ${dup.slice(0, 5).join(', ') || 'none'}; missing: ${missing.slice(0, 5).join(', ') || 'none'}; removes: ${removed.length}`,
  });
  return { checks, records: records.length, expectedRows: expected.rows.length, orphanFiles: orphans.length };
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
