/**
 * Sliding-window aggregations end to end on a real cluster (Kafka, Redis, driver + 3 executor
 * processes, Delta on disk), written as a Spark user writes it:
 *
 *   groupBy(window(ts, '10 minutes', '1 minute'), user_id).agg(count('*'), sum(price)), watermark
 *   1 minute, append mode, late rows kept in the late-rows table.
 *
 * The table is compared with an independent calculation over the generated records: each event
 * counts in every minute-aligned window [s, s + 10 min) with s ≤ t < s + 10 min, enumerated by
 * hand in the test; a late event counts only in those of its windows still open when it was read
 * (end > the watermark), and is a late row (counted, in the late-rows table) when none was.
 *
 * Lateness is made independent of batch boundaries: the in-order events (times in whole ms, at most
 * 30 s behind the newest) are read to the end first, so the watermark stops at WF = their max − 1
 * minute; only then are the late events produced, with times below WF (about half of them late for
 * some of their windows only); then closing events two hours later close every earlier window.
 * A second job runs in complete mode with a slide that does not divide the size, a startTime, and
 * times on both sides of the epoch.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, produceEvents, StreamingQuery, StructField, StructType, sum,
  TimestampType, TributarySession, window,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { waitUntil, watermarkMicros } from '../support/seed-run';
import { batchOf } from '../support/event-rows';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const MS = 1_000;
const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const SIZE = 10 * MINUTE;
const SLIDE = MINUTE;
/** 2026-03-01T00:00:00Z in µs. */
const BASE = Date.UTC(2026, 2, 1) * 1000;

/** A deterministic pseudo-random generator (LCG, high bits): an integer in [0, m). */
function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

/** µs since the epoch (before it too) → 'YYYY-MM-DDThh:mm:ss.ffffffZ'. */
function iso(us: number): string {
  const seconds = Math.floor(us / SECOND);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(us - seconds * SECOND).padStart(6, '0')}Z`;
}

function centsText(c: bigint): string {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

interface Purchase { user_id: number; cents: bigint; us: number }

function purchaseJson(p: Purchase): string {
  return `{"user_id":${p.user_id},"price":${centsText(p.cents)},"ts":"${iso(p.us)}"}`;
}

/** The starts of the 10-minute windows every minute that hold t: every multiple s of a minute with s ≤ t < s + 10 min. */
function windowsHolding(t: number): number[] {
  const out: number[] = [];
  let s = Math.ceil((t - SIZE + 1) / SLIDE) * SLIDE;
  for (; s <= t; s += SLIDE) if (t < s + SIZE) out.push(s);
  return out;
}

function sorted(rows: Record<string, CanonicalValue>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark, sources: p.sources })}`;
}

describe('sliding-window jobs on a real cluster (append and complete mode)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-sliding-', 3);

  it('counts every event in its 10 windows, drops only the closed windows of late events, and keeps the wholly late ones in the late-rows table', async () => {
    const topic = `sliding_${Date.now()}`;
    const bootstrap = testKafka();
    const r = rng(31);
    // 20 minutes of in-order events, 50 ms apart, each up to 30 s behind the newest, in whole ms
    const inOrder: Purchase[] = Array.from({ length: 24_000 }, (_, i) => ({
      user_id: r(60), cents: BigInt(r(200_000)) - 20_000n, us: BASE + i * 50 * MS + 30 * SECOND - r(30_000) * MS,
    }));
    const maxInOrder = inOrder.reduce((m, p) => Math.max(m, p.us), -Infinity);
    const finalInOrderWatermark = maxInOrder - MINUTE;
    await produceEvents(bootstrap, topic, 4, batchOf(inOrder.map(purchaseJson)));

    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('sliding').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'sliding');
    const schema = new StructType([new StructField('user_id', IntegerType()), new StructField('price', DecimalType(12, 2)), new StructField('ts', TimestampType())]);
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 4_000).load()
      .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
      .withWatermark('ts', '1 minute')
      .groupBy(window(col('ts'), '10 minutes', '1 minute'), col('user_id'))
      .agg(count('*').alias('n'), sum('price').alias('revenue'))
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk'))
      .option('lateRows', 'table')
      .trigger({ processingTime: '200 milliseconds' }).start(table);

    // The watermark stops at WF once every in-order event is read (times in whole ms: exact in progress).
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalInOrderWatermark, 300_000, () => progressText(query));
    assert.equal(watermarkMicros(await query.lastProgress()), finalInOrderWatermark);
    const late: Purchase[] = Array.from({ length: 800 }, () => ({
      user_id: r(60), cents: BigInt(r(10_000)), us: BASE + r(Math.floor((finalInOrderWatermark - BASE) / MS)) * MS,
    }));
    await produceEvents(bootstrap, topic, 4, batchOf(late.map(purchaseJson)));
    const read = async (): Promise<number> => (await query.recentProgress()).reduce((a, p) => a + p.numInputRows, 0);
    await waitUntil(query, async () => (await read()) >= inOrder.length + late.length, 300_000, () => progressText(query));
    assert.equal(watermarkMicros(await query.lastProgress()), finalInOrderWatermark, 'the late events moved no watermark');
    const closingUs = BASE + 120 * MINUTE;
    const closing: Purchase[] = [0, 1, 2].map((k) => ({ user_id: k, cents: 100n, us: closingUs + k * MS }));
    await produceEvents(bootstrap, topic, 4, batchOf(closing.map(purchaseJson)));
    const finalWatermark = closingUs + 2 * MS - MINUTE;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 300_000, () => progressText(query));
    const progress = await query.recentProgress();
    await query.stop();

    // Independent calculation.
    const groups = new Map<string, { start: number; user_id: number; n: number; cents: bigint }>();
    const add = (p: Purchase, start: number): void => {
      const key = `${start}/${p.user_id}`;
      const g = groups.get(key) ?? { start, user_id: p.user_id, n: 0, cents: 0n };
      g.n++;
      g.cents += p.cents;
      groups.set(key, g);
    };
    for (const p of inOrder) for (const s of windowsHolding(p.us)) add(p, s);
    const whollyLate: Purchase[] = [];
    let partlyLate = 0;
    let closedWindowRows = 0;
    for (const p of late) {
      const open = windowsHolding(p.us).filter((s) => s + SIZE > finalInOrderWatermark);
      closedWindowRows += windowsHolding(p.us).length - open.length;
      if (open.length === 0) whollyLate.push(p);
      else if (open.length < windowsHolding(p.us).length) partlyLate++;
      for (const s of open) add(p, s);
    }
    assert.ok(whollyLate.length > 100 && partlyLate > 100, `the late events mix wholly late (${whollyLate.length}) and partly late (${partlyLate}) ones`);
    const expected = [...groups.values()].map((g) => ({
      window: { start: String(g.start), end: String(g.start + SIZE) }, user_id: String(g.user_id), n: String(g.n), revenue: centsText(g.cents),
    }));
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(Object.keys(rows[0]), ['window', 'user_id', 'n', 'revenue']);
    assert.ok(expected.length > 1_500, `many groups expected, got ${expected.length}`);
    assert.equal(rows.length, expected.length, 'one row per (window, user)');
    assert.deepEqual(sorted(rows), sorted(expected));

    assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 6, 'state carries across several batches');
    assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), inOrder.length + late.length + closing.length);
    assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), whollyLate.length, 'late rows: the events none of whose windows was open');
    assert.equal(progress.reduce((a, p) => a + (p.lateRows.written ?? 0), 0), whollyLate.length);
    assert.equal(progress.reduce((a, p) => a + (p.lateRows.windowRows ?? 0), 0), closedWindowRows, 'every (event, closed window) pair dropped is counted');
    const lateTable = canonicalRows(await readTableRows(storage, `${table}_late_rows`));
    assert.deepEqual(
      lateTable.map((l) => `${l.user_id}|${l.price}|${l.ts}`).sort(),
      whollyLate.map((p) => `${p.user_id}|${centsText(p.cents)}|${p.us}`).sort(),
    );
  });
  it("complete mode: window(ts, '5 minutes', '2 minutes', '30 seconds') — a slide that does not divide the size, a start offset, times before the epoch", async () => {
    const topic = `sliding_complete_${Date.now()}`;
    const bootstrap = testKafka();
    const r = rng(77);
    const size = 5 * MINUTE;
    const slide = 2 * MINUTE;
    const offset = 30 * SECOND;
    // times around the epoch and around BASE, in any order (complete mode drops nothing)
    const events: Purchase[] = Array.from({ length: 6_000 }, (_, i) => ({
      user_id: r(7), cents: BigInt(r(100_000)) - 50_000n, us: (i % 2 === 0 ? 0 : BASE) + (r(40 * 60_000) - 20 * 60_000) * MS + r(1000),
    }));
    await produceEvents(bootstrap, topic, 4, batchOf(events.map(purchaseJson)));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('sliding complete').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'sliding_complete');
    const schema = new StructType([new StructField('user_id', IntegerType()), new StructField('price', DecimalType(12, 2)), new StructField('ts', TimestampType())]);
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 1_500).load()
      .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
      .groupBy(col('user_id'), window(col('ts'), '5 minutes', '2 minutes', '30 seconds').alias('w'))
      .agg(sum('price').alias('revenue'), count('*').alias('n'))
      .writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(env.dir, 'chk-complete'))
      .trigger({ processingTime: '200 milliseconds' }).start(table);
    const read = async (): Promise<number> => (await query.recentProgress()).reduce((a, p) => a + p.numInputRows, 0);
    await waitUntil(query, async () => (await read()) >= events.length, 300_000, () => progressText(query));
    await query.stop();

    // Independent calculation: the starts offset + j·slide (any integer j) with start ≤ t < start + size.
    const groups = new Map<string, { start: number; user_id: number; n: number; cents: bigint }>();
    for (const p of events) {
      const first = Math.ceil((p.us - size + 1 - offset) / slide) * slide + offset;
      for (let s = first; s <= p.us; s += slide) {
        if (!(p.us < s + size)) continue;
        const key = `${s}/${p.user_id}`;
        const g = groups.get(key) ?? { start: s, user_id: p.user_id, n: 0, cents: 0n };
        g.n++;
        g.cents += p.cents;
        groups.set(key, g);
      }
    }
    const expected = [...groups.values()].map((g) => ({
      user_id: String(g.user_id), w: { start: String(g.start), end: String(g.start + size) }, revenue: centsText(g.cents), n: String(g.n),
    }));
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(Object.keys(rows[0]), ['user_id', 'w', 'revenue', 'n']);
    assert.ok(expected.some((e) => Number(e.w.start) < 0) && expected.length > 300, `windows before the epoch and many groups (${expected.length})`);
    assert.deepEqual(sorted(rows), sorted(expected));
  });
});
