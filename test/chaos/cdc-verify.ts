/**
 * The CDC job's verdict (cdc-job.ts), read through Storage and from Kafka after the run:
 *  - the topic holds every change of the source log at least once (read back with a plain kafkajs
 *    consumer; GoldenGate's `pos` names a change), so the model's state is what the table must hold;
 *  - the table equals the model's final rows (SCD type 1) or the history its log makes (type 2),
 *    both computed by the model (test/support/cdc-source-db.ts), not by engine code;
 *  - the Delta log holds each batch exactly once (txn versions 0, 1, 2, … in commit order), every
 *    file is added once and removed at most once after its add, every live file exists;
 *  - every version of the table holds each key once (type 1), one current version per key (type 2).
 */
import { canonicalRows, readTableRows, type Storage } from '@tributary/common';
import { expectedHistory, expectedRows, type SourceChange, type SourceRow } from '../support/cdc-source-db';
import { readTopicEvents } from '../support/oracle';
import { everyVersionKeysOnce, verifyMergedLog, type Check, type Verdict } from './verify';

export async function verifyCdc(storage: Storage, opts: {
  bootstrap: string; topic: string; table: string; queryId: string; log: readonly SourceChange[]; final: readonly SourceRow[]; storedAs: 'scd1' | 'scd2';
}): Promise<Verdict> {
  const records = await readTopicEvents(opts.bootstrap, opts.topic, 600_000);
  const inTopic = new Set<bigint>();
  for (const r of records) if (r.value !== null) inTopic.add(BigInt(JSON.parse(r.value.toString('utf8')).pos));
  const lost = opts.log.filter((c) => !inTopic.has(c.pos));
  const checks: Check[] = [{
    title: `the topic ${opts.topic} holds each of the ${opts.log.length} changes of the source log (${records.length} records: duplicates, a replay and resent units included)`,
    ok: lost.length === 0,
    detail: `positions not in the topic: ${lost.slice(0, 10).map((c) => String(c.pos)).join(', ')}${lost.length > 10 ? ` … (${lost.length})` : ''}`,
  }];

  const scd2 = opts.storedAs === 'scd2';
  const expected = scd2 ? expectedHistory(opts.log) : expectedRows(opts.final);
  const actual = canonicalRows(await readTableRows(storage, opts.table));
  const keyOf = (r: Record<string, unknown>) => (scd2 ? `${r.ID}@${r.__valid_from}..${r.__valid_to}` : String(r.ID));
  const diff = diffByKey(expected, actual, keyOf);
  const keys = new Set(expected.map((r) => r.ID)).size;
  const truncates = opts.log.filter((c) => c.op === 'T').length;
  checks.push({
    title: scd2
      ? `the history table equals the source's history: ${expected.length} versions of ${keys} keys, ${expected.filter((r) => r.__is_current === true).length} current, over ${truncates} truncates`
      : `the table equals the source table's final ${expected.length} rows after ${opts.log.length} changes (${truncates} truncates)`,
    ok: diff.equal && expected.length > 0,
    detail: expected.length > 0 ? diff.text : 'the model ends with no row: nothing to compare',
  });

  const log = await verifyMergedLog(storage, opts.table, opts.queryId, 'CDC');
  checks.push(...log.checks);
  checks.push(scd2
    ? await everyVersionKeysOnce(storage, opts.table, 'history table (in its current versions)', (r) => (r.__is_current === true ? String(r.ID) : undefined))
    : await everyVersionKeysOnce(storage, opts.table, 'CDC table', (r) => String(r.ID)));
  return { checks, records: records.length, expectedRows: expected.length, orphanFiles: log.orphanFiles };
}

/** Compares rows by key, each row's columns compared in a fixed (sorted) order: missing, extra, different and duplicated rows. */
export function diffByKey(expected: readonly Record<string, unknown>[], actual: readonly Record<string, unknown>[], keyOf: (r: Record<string, unknown>) => string, limit = 20): { equal: boolean; text: string } {
  const show = (r: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]])));
  const want = new Map(expected.map((r) => [keyOf(r), show(r)]));
  const seen = new Set<string>();
  const extra: string[] = [];
  const duplicated: string[] = [];
  const different: string[] = [];
  for (const row of actual) {
    const key = keyOf(row);
    if (seen.has(key)) { duplicated.push(show(row)); continue; }
    seen.add(key);
    const e = want.get(key);
    if (e === undefined) extra.push(show(row));
    else if (e !== show(row)) different.push(`${e}\n    but got ${show(row)}`);
  }
  const missing = [...want].filter(([k]) => !seen.has(k)).map(([, v]) => v);
  const lines = [`expected ${expected.length} rows, got ${actual.length}: ${missing.length} missing, ${extra.length} extra, ${different.length} different, ${duplicated.length} duplicated`];
  for (const [title, items] of [['missing', missing], ['extra', extra], ['different', different], ['duplicated', duplicated]] as const) {
    if (items.length === 0) continue;
    lines.push(`${title} (first ${Math.min(limit, items.length)} of ${items.length}):`);
    for (const item of items.slice(0, limit)) lines.push(`  ${item}`);
  }
  return { equal: missing.length + extra.length + different.length + duplicated.length === 0, text: lines.join('\n') };
}
