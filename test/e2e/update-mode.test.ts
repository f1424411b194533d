/**
 * Update mode into Delta end to end on a real cluster (Kafka, Redis, driver + executor processes,
 * Delta on disk), written with the job API:
 *   (a) count and sum of price per user and 1-minute window, watermark 1 minute, late rows, and a
 *       closing event that closes every window: after EVERY batch (each table version), the table
 *       equals the aggregate over the records that batch and the ones before it read (the Kafka end
 *       offsets its commit carries), late records left out; every version holds one row per key;
 *       batches rewrite files (removes with dataChange) but never the whole table; a replayed batch
 *       (its commit-log entry deleted, the query restarted) changes nothing;
 *   (b) a group-by without a window in update mode, checked the same way at every version.
 * The expected tables are computed here from the records read back from Kafka with a plain kafkajs
 * consumer: JSON.parse, BigInt cents, window starts by hand. No engine code.
 * Lateness never depends on batch boundaries: in-order events are at most 30 s behind the newest
 * (delay 1 minute), and late events are produced only once a committed batch's watermark is past
 * their windows.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, produceEvents, StreamingQuery, StringType, StructField,
  StructType, sum, TimestampType, TributarySession, window, type DataFrame,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { readTopicEvents, type TopicRecord } from '../support/oracle/read-topic';
import { deltaCommits, waitUntil, watermarkMicros } from '../support/seed-run';
import { batchOf } from '../support/event-rows';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
/** 2026-03-01T00:00:00Z in µs. */
const BASE = Date.UTC(2026, 2, 1) * 1000;

function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

function iso(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % SECOND).padStart(6, '0')}Z`;
}

function centsText(c: bigint): string {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

/** '-12.30' → -1230n. */
function cents(text: string): bigint {
  const neg = text.startsWith('-');
  const [i, f = ''] = (neg ? text.slice(1) : text).split('.');
  const v = BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
}

const SCHEMA = new StructType([
  new StructField('user_id', IntegerType()),
  new StructField('kind', StringType()),
  new StructField('price', DecimalType(12, 2)),
  new StructField('ts', TimestampType()),
]);

interface Purchase { user_id: number; kind: string; cents: bigint; us: number }

function json(p: Purchase): string {
  return `{"user_id":${p.user_id},"kind":"${p.kind}","price":${centsText(p.cents)},"ts":"${iso(p.us)}"}`;
}

/** In-order purchases from `from`, 20 ms apart, each up to 30 s behind the newest. */
function purchases(n: number, seed: number, from: number, users: number): Purchase[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    user_id: r(users), kind: ['view', 'click', 'buy'][r(3)], cents: BigInt(r(1_000_000)) - 5_000n + (r(50) === 0 ? 10n ** 11n : 0n),
    us: from + i * 20_000 - r(30 * SECOND) + 30 * SECOND,
  }));
}

function session(client: DriverClient, name: string): TributarySession {
  return TributarySession.builder().appName(name).submitter(new GrpcSubmitter(client)).getOrCreate();
}

function source(spark: TributarySession, bootstrap: string, topic: string, maxOffsets: number): DataFrame {
  return spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
    .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', maxOffsets).load()
    .select(fromJson(col('value').cast('string'), SCHEMA).alias('e')).select('e.*');
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark })}`;
}

/** The end offset per Kafka partition a table version's commit carries (its batch read up to there). */
function endOffsets(actions: any[], queryId: string, topic: string): Map<number, bigint> {
  const prefix = `${queryId}-${topic}-`;
  const out = new Map<number, bigint>();
  for (const a of actions) if (a.txn && String(a.txn.appId).startsWith(prefix)) out.set(Number(String(a.txn.appId).slice(prefix.length)), BigInt(a.txn.version));
  return out;
}

function readSoFar(records: readonly TopicRecord[], ends: Map<number, bigint>): Purchase[] {
  return records
    .filter((r) => BigInt(r.offset) < (ends.get(r.partition) ?? 0n))
    .map((r) => {
      const e = JSON.parse(String(r.value)) as { user_id: number; kind: string; price: number; ts: string };
      // The price's text as written (JSON.parse would round it through a double): re-read it from the bytes.
      const priceText = /"price":(-?[0-9.]+)/.exec(String(r.value))?.[1] as string;
      return { user_id: e.user_id, kind: e.kind, cents: cents(priceText), us: Date.parse(`${e.ts.slice(0, 19)}Z`) * 1000 + Number(e.ts.slice(20, 26)) };
    });
}

function sortedText(rows: readonly Record<string, CanonicalValue>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

function assertOneRowPerKey(rows: readonly Record<string, CanonicalValue>[], keyOf: (r: Record<string, CanonicalValue>) => string, at: string): void {
  const seen = new Set<string>();
  for (const r of rows) {
    const k = keyOf(r);
    assert.ok(!seen.has(k), `${at}: key ${k} appears twice`);
    seen.add(k);
  }
}

describe('update mode into Delta on a real cluster (Kafka, Redis, driver + executors)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-update-', 3);

  it('(a) windowed counts and sums: after every batch the table equals the aggregate so far, one row per key; closed windows stay final; a replayed batch changes nothing', async () => {
    const topic = `update_${Date.now()}`;
    const bootstrap = testKafka();
    const inOrder = purchases(24_000, 7, BASE, 300);
    await produceEvents(bootstrap, topic, 4, batchOf(inOrder.map(json)));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = session(client, 'update windows');
    const table = path.join(env.dir, 'delta', 'update');
    const checkpoint = path.join(env.dir, 'chk-update');
    const start = () => source(spark, bootstrap, topic, 2_500)
      .withWatermark('ts', '1 minute')
      .groupBy(window(col('ts'), '1 minute'), col('user_id'))
      .agg(count('*').alias('n'), sum('price').alias('revenue'))
      .writeStream.format('delta').outputMode('update').option('checkpointLocation', checkpoint)
      .trigger({ processingTime: '200 milliseconds' }).start(table);
    const query = await start();

    // Late purchases (kind 'late'): in windows a committed batch's watermark has closed; dropped.
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= BASE + 5 * MINUTE, 300_000, () => progressText(query));
    const r = rng(3);
    const late: Purchase[] = Array.from({ length: 300 }, () => ({ user_id: r(300), kind: 'late', cents: 1n, us: BASE + r(4 * MINUTE) }));
    await produceEvents(bootstrap, topic, 4, batchOf(late.map(json)));
    // More in-order purchases, then one an hour later that closes every earlier window.
    const more = purchases(3_000, 9, BASE + 8 * MINUTE + 30 * SECOND, 300);
    await produceEvents(bootstrap, topic, 4, batchOf(more.map(json)));
    const closing: Purchase = { user_id: 1, kind: 'buy', cents: 100n, us: BASE + 60 * MINUTE };
    await produceEvents(bootstrap, topic, 4, batchOf([json(closing)]));
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= closing.us - MINUTE, 300_000, () => progressText(query));
    // The no-data batch after the closing event evicts the closed windows from state.
    await waitUntil(query, async () => ((await query.lastProgress())?.stateOperators[0]?.numRowsTotal ?? Infinity) <= 1, 120_000, () => progressText(query));
    const progress = await query.recentProgress();
    const queryId = query.id;
    await query.stop();

    const records = await readTopicEvents(bootstrap, topic);
    assert.equal(records.length, inOrder.length + late.length + more.length + 1);
    const commits = deltaCommits(table).filter((c) => c.version > 0);
    assert.ok(commits.length >= 10, `several batches, got ${commits.length}`);
    let rewrites = 0;
    for (const c of commits) {
      const at = `table version ${c.version}`;
      const ends = endOffsets(c.actions, queryId, topic);
      assert.equal(ends.size, 4, `${at} carries the end offset of each Kafka partition`);
      // Independent calculation over what the batches up to this one read, late purchases left out.
      const groups = new Map<string, { window: { start: string; end: string }; user_id: string; n: number; cents: bigint }>();
      for (const p of readSoFar(records, ends)) {
        if (p.kind === 'late') continue;
        const s = Math.floor(p.us / MINUTE) * MINUTE;
        const key = `${s}/${p.user_id}`;
        const g = groups.get(key) ?? { window: { start: String(s), end: String(s + MINUTE) }, user_id: String(p.user_id), n: 0, cents: 0n };
        g.n++;
        g.cents += p.cents;
        groups.set(key, g);
      }
      const expected = [...groups.values()].map((g) => ({ window: g.window, user_id: g.user_id, n: String(g.n), revenue: centsText(g.cents) }));
      const rows = canonicalRows(await readTableRows(storage, table, { version: c.version }));
      assertOneRowPerKey(rows, (x) => `${(x.window as { start: string }).start}/${x.user_id}`, at);
      assert.deepEqual(sortedText(rows), sortedText(expected), `${at} equals the aggregate so far`);
      const removes = c.actions.filter((a) => a.remove);
      for (const a of removes) assert.equal(a.remove.dataChange, true);
      if (removes.length > 0) rewrites++;
    }
    assert.ok(rewrites >= 3, `batches rewrote files of earlier ones, got ${rewrites}`);
    // Files of closed windows are not read again: the last data batch rewrote fewer files than the table holds.
    const last = commits.filter((c) => c.actions.some((a) => a.add)).at(-1)!;
    const live = new Set<string>();
    for (const c of deltaCommits(table)) for (const a of c.actions) { if (a.add) live.add(a.add.path); if (a.remove) live.delete(a.remove.path); }
    assert.ok(last.actions.filter((a) => a.remove).length < live.size / 2, 'a batch rewrites only the files of the window ranges it touched');
    assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), late.length, 'late rows counted in progress');

    // A replay: the last batch's commit-log entry is deleted, so the restarted query runs it again; its sink commit is skipped by txn.
    const lastBatch = Math.max(...fs.readdirSync(path.join(checkpoint, 'commits')).filter((f) => /^\d+$/.test(f)).map(Number));
    fs.rmSync(path.join(checkpoint, 'commits', String(lastBatch)));
    const versionsBefore = deltaCommits(table).length;
    const rowsBefore = sortedText(canonicalRows(await readTableRows(storage, table)));
    const again = await start();
    await waitUntil(again, async () => fs.existsSync(path.join(checkpoint, 'commits', String(lastBatch))), 120_000, () => progressText(again));
    await again.stop();
    const after = deltaCommits(table);
    const carrying = after.filter((c) => c.actions.some((a) => a.txn && a.txn.appId === queryId && a.txn.version === lastBatch));
    assert.equal(carrying.length, 1, `batch ${lastBatch} is in the table once`);
    assert.equal(after.length, versionsBefore, 'the replay wrote no table version');
    assert.deepEqual(sortedText(canonicalRows(await readTableRows(storage, table))), rowsBefore);
  });

  it('(b) a group-by without a window: each version equals the totals per kind so far, one row per kind', async () => {
    const topic = `update_kinds_${Date.now()}`;
    const bootstrap = testKafka();
    const all = purchases(12_000, 21, BASE, 50);
    await produceEvents(bootstrap, topic, 4, batchOf(all.map(json)));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = session(client, 'update kinds');
    const table = path.join(env.dir, 'delta', 'kinds');
    const query = await source(spark, bootstrap, topic, 1_500)
      .groupBy(col('kind'), col('user_id')).agg(count('*').alias('n'), sum('price').alias('revenue'))
      .writeStream.format('delta').outputMode('update').option('checkpointLocation', path.join(env.dir, 'chk-kinds'))
      .trigger({ availableNow: true }).start(table);
    assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
    assert.equal(await query.exception(), null);
    const records = await readTopicEvents(bootstrap, topic);
    const commits = deltaCommits(table).filter((c) => c.version > 0);
    assert.ok(commits.length >= 6, `several batches, got ${commits.length}`);
    for (const c of commits) {
      const totals = new Map<string, { kind: string; user_id: string; n: number; cents: bigint }>();
      for (const p of readSoFar(records, endOffsets(c.actions, query.id, topic))) {
        const key = `${p.kind}/${p.user_id}`;
        const t = totals.get(key) ?? { kind: p.kind, user_id: String(p.user_id), n: 0, cents: 0n };
        t.n++;
        t.cents += p.cents;
        totals.set(key, t);
      }
      const expected = [...totals.values()].map((t) => ({ kind: t.kind, user_id: t.user_id, n: String(t.n), revenue: centsText(t.cents) }));
      const rows = canonicalRows(await readTableRows(storage, table, { version: c.version }));
      assertOneRowPerKey(rows, (x) => `${x.kind}/${x.user_id}`, `table version ${c.version}`);
      assert.deepEqual(sortedText(rows), sortedText(expected), `table version ${c.version} equals the totals so far`);
    }
  });
});
