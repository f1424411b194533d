/**
 * Aggregation queries of any schema end to end on a real cluster (Kafka, Redis, driver + executor
 * processes, Delta on disk), written with the job API as a Spark user writes them:
 *   (a) the job: groupBy(window(ts, '1 minute'), user_id).agg(count('*'), sum(price)), with a
 *       watermark, append mode, late rows and null event times;
 *   (b) a filtered job with a computed string key and two keys, partitioned by that key;
 *   (c) complete mode grouped without a window;
 *   (d) nullable fields, missing values and null keys (count(col) vs count('*'), sums skipping nulls).
 * Each table is compared with an independent calculation over the generated records: JS integers,
 * BigInt cents for decimals, window starts by hand (⌊t / size⌋ · size on integer µs). No engine code.
 * Lateness never depends on batch boundaries: in-order events are at most 30 s behind the newest
 * (watermark delay 1 minute), and late events are produced only once a committed batch's watermark
 * is past their windows.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, lit, produceEvents, StreamingQuery, StringType, StructField,
  StructType, sum, TimestampType, TributarySession, upper, window,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { deltaCommits, waitUntil, watermarkMicros } from '../support/seed-run';
import { assertSameRows, batchOf } from '../support/event-rows';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
/** 2026-03-01T00:00:00Z in µs. */
const BASE = Date.UTC(2026, 2, 1) * 1000;

/** A deterministic pseudo-random generator (LCG; its high bits, since its low bits cycle quickly): an integer in [0, m). */
function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

/** µs since the epoch → 'YYYY-MM-DDThh:mm:ss.ffffffZ'. */
function iso(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % SECOND).padStart(6, '0')}Z`;
}

function centsText(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

function windowOf(us: number, size: number): { start: string; end: string } {
  const start = Math.floor(us / size) * size;
  return { start: String(start), end: String(start + size) };
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark, sources: p.sources })}`;
}

function session(client: DriverClient, name: string): TributarySession {
  return TributarySession.builder().appName(name).submitter(new GrpcSubmitter(client)).getOrCreate();
}

const PURCHASE_SCHEMA = new StructType([
  new StructField('user_id', IntegerType()),
  new StructField('kind', StringType()),
  new StructField('price', DecimalType(12, 2)),
  new StructField('ts', TimestampType()),
]);

interface Purchase { user_id: number; kind: string; cents: bigint; us: number }

const KINDS = ['view', 'click', 'buy', 'refund'];

/** In-order purchases from BASE, 20 ms apart, each up to 30 s behind the newest; prices up to 10^10 (decimal(12,2)). */
function purchases(n: number, seed: number): Purchase[] {
  const r = rng(seed);
  const out: Purchase[] = [];
  for (let i = 0; i < n; i++) {
    const us = BASE + i * 20_000 - r(30 * SECOND) + 30 * SECOND;
    const big = r(20) === 0;
    const cents = big ? BigInt(r(100_000)) * 10_000_000n + BigInt(r(10_000_000)) : BigInt(r(100_000)) - 5_000n;
    out.push({ user_id: r(200), kind: KINDS[r(4)], cents, us });
  }
  return out;
}

function purchaseJson(p: Purchase): string {
  return `{"user_id":${p.user_id},"kind":"${p.kind}","price":${centsText(p.cents)},"ts":"${iso(p.us)}"}`;
}

describe('aggregation queries on a real cluster (Kafka, Redis, driver + executors, Delta)', function () {
  this.timeout(15 * 60_000);

  describe('windowed jobs in append mode', () => {
    const env = clusterPerTest('tributary-agg-', 3);

    it("(a) the issue's job: count and sum of price per user and 1-minute window, late rows dropped and counted, null event times quarantined", async () => {
      const topic = `purchases_${Date.now()}`;
      const bootstrap = testKafka();
      const inOrder = purchases(40_000, 11);
      const bad = [
        '{"user_id":1,"kind":"buy","price":1.00,"ts":null}',
        '{"user_id":2,"kind":"buy","price":2.00}',
        '{"user_id":3,"kind":"buy","price":1.005,"ts":"2026-03-01T00:00:01Z"}',
      ];
      const values = inOrder.map(purchaseJson);
      values.splice(1_000, 0, bad[0]);
      values.splice(20_000, 0, bad[1], bad[2]);
      await produceEvents(bootstrap, topic, 4, batchOf(values));

      const client = env.track(new DriverClient(env.cluster.driverAddress));
      const spark = session(client, 'why job');
      const table = path.join(env.dir, 'delta', 'revenue');
      const events = spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 5_000).load()
        .select(fromJson(col('value').cast('string'), PURCHASE_SCHEMA).alias('e')).select('e.*');
      const query = await events
        .withWatermark('ts', '1 minute')
        .groupBy(window(col('ts'), '1 minute'), col('user_id'))
        .agg(count('*').alias('n'), sum('price').alias('revenue'))
        .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk-a'))
        .trigger({ processingTime: '200 milliseconds' }).start(table);

      // Late purchases: in windows ending at or before a watermark a committed batch has reached.
      const lateBound = BASE + 6 * MINUTE;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, () => progressText(query));
      const r = rng(5);
      const late: Purchase[] = Array.from({ length: 500 }, () => ({ user_id: r(200), kind: 'buy', cents: BigInt(r(10_000)), us: BASE + r(5 * MINUTE) }));
      await produceEvents(bootstrap, topic, 4, batchOf(late.map(purchaseJson)));
      // Closing purchases an hour later close every earlier window; their own window stays open.
      const closingUs = BASE + 60 * MINUTE;
      const closing: Purchase[] = [0, 1, 2].map((k) => ({ user_id: k, kind: 'buy', cents: 100n, us: closingUs + k }));
      await produceEvents(bootstrap, topic, 4, batchOf(closing.map(purchaseJson)));
      const finalWatermark = closingUs + 2 - MINUTE;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= Math.floor(finalWatermark / 1000) * 1000, 300_000, () => progressText(query));
      const progress = await query.recentProgress();
      await query.stop();

      // Independent calculation: every in-order purchase's (window, user) group; late and closing ones are not in the table.
      const groups = new Map<string, { window: { start: string; end: string }; user_id: string; n: number; cents: bigint }>();
      for (const p of inOrder) {
        const w = windowOf(p.us, MINUTE);
        const key = `${w.start}/${p.user_id}`;
        const g = groups.get(key) ?? { window: w, user_id: String(p.user_id), n: 0, cents: 0n };
        g.n++;
        g.cents += p.cents;
        groups.set(key, g);
      }
      const expected = [...groups.values()].map((g) => ({ window: g.window, user_id: g.user_id, n: String(g.n), revenue: centsText(g.cents) }));
      const rows = canonicalRows(await readTableRows(storage, table));
      assert.deepEqual(Object.keys(rows[0]), ['window', 'user_id', 'n', 'revenue'], 'the table has the query\'s own columns');
      assert.ok(expected.length > 2_000, `many groups expected, got ${expected.length}`);
      assertSameRows(rows, expected);

      const batches = progress.filter((p) => p.numInputRows > 0).length;
      assert.ok(batches >= 8, `state must carry across several batches, got ${batches}`);
      assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), values.length + late.length + closing.length);
      assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), late.length, 'late rows counted in progress');
      const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
      assert.deepEqual(quarantine.map((q) => q.reason).sort(), ['DECIMAL_SCALE', 'NULL_EVENT_TIME', 'NULL_EVENT_TIME']);
    });

    it('(b) a filtered job with a computed string key and two keys, partitioned by the string key', async () => {
      const topic = `clicks_${Date.now()}`;
      const bootstrap = testKafka();
      const REGIONS = ['eu-West', 'EU-west', 'us-east', 'ap-South', 'Us-East'];
      const schema = new StructType([
        new StructField('user_id', IntegerType()),
        new StructField('kind', StringType()),
        new StructField('region', StringType()),
        new StructField('amount', DecimalType(10, 2)),
        new StructField('ts', TimestampType()),
      ]);
      const r = rng(23);
      interface Click { user_id: number; kind: string; region: string; cents: bigint; us: number }
      const clicks: Click[] = [];
      for (let i = 0; i < 30_000; i++) {
        clicks.push({ user_id: r(50), kind: KINDS[r(4)], region: REGIONS[r(5)], cents: BigInt(r(2_000)), us: BASE + i * 20_000 - r(30 * SECOND) + 30 * SECOND });
      }
      const closingUs = BASE + 60 * MINUTE;
      const closing: Click = { user_id: 1, kind: 'buy', region: 'eu-west', cents: 10_000n, us: closingUs };
      const json = (c: Click) => `{"user_id":${c.user_id},"kind":"${c.kind}","region":"${c.region}","amount":${centsText(c.cents)},"ts":"${iso(c.us)}"}`;
      await produceEvents(bootstrap, topic, 3, batchOf(clicks.map(json)));

      const client = env.track(new DriverClient(env.cluster.driverAddress));
      const spark = session(client, 'two keys');
      const table = path.join(env.dir, 'delta', 'clicks');
      const events = spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 4_000).load()
        .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*');
      const query = await events
        .filter(col('amount').gt(lit(5)).and(col('kind').notEqual(lit('view'))))
        .withColumn('region', upper(col('region')))
        .withWatermark('ts', '1 minute')
        .groupBy(window(col('ts'), '1 minute'), col('region'), col('user_id'))
        .agg(count('*').alias('n'), sum('amount').alias('total'))
        .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk-b'))
        .partitionBy('region').trigger({ processingTime: '200 milliseconds' }).start(table);
      await waitUntil(query, async () => (await query.recentProgress()).reduce((a, p) => a + p.numInputRows, 0) >= clicks.length, 300_000, () => progressText(query));
      await produceEvents(bootstrap, topic, 3, batchOf([json(closing)]));
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= closingUs - MINUTE, 300_000, () => progressText(query));
      const progress = await query.recentProgress();
      await query.stop();

      const groups = new Map<string, { window: { start: string; end: string }; region: string; user_id: string; count: number; cents: bigint }>();
      for (const c of clicks) {
        if (!(c.cents > 500n && c.kind !== 'view')) continue;
        const w = windowOf(c.us, MINUTE);
        const region = c.region.toUpperCase();
        const key = `${w.start}/${region}/${c.user_id}`;
        const g = groups.get(key) ?? { window: w, region, user_id: String(c.user_id), count: 0, cents: 0n };
        g.count++;
        g.cents += c.cents;
        groups.set(key, g);
      }
      const expected = [...groups.values()].map((g) => ({ window: g.window, region: g.region, user_id: g.user_id, n: String(g.count), total: centsText(g.cents) }));
      const rows = canonicalRows(await readTableRows(storage, table)).map((x) => ({ window: x.window, region: x.region, user_id: x.user_id, n: x.n, total: x.total }));
      assert.ok(expected.length > 1_000, `many groups expected, got ${expected.length}`);
      assertSameRows(rows, expected);
      assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 6, 'several batches');
      // Partitioned by region: one Hive directory per upper-cased region.
      const fs = await import('node:fs');
      const dirs = fs.readdirSync(table).filter((d) => d.startsWith('region=')).sort();
      assert.deepEqual(dirs, ['region=AP-SOUTH', 'region=EU-WEST', 'region=US-EAST']);
    });
  });

  describe('restart', () => {
    const env = clusterPerTest('tributary-agg-restart-', 3);

    it('(e) the job of (a) resumes after kill -9 of the driver and every executor: the group state is rebuilt from the store and the table stays exact', async () => {
      const topic = `purchases_restart_${Date.now()}`;
      const bootstrap = testKafka();
      const inOrder = purchases(80_000, 13);
      await produceEvents(bootstrap, topic, 4, batchOf(inOrder.map(purchaseJson)));
      const cluster = env.cluster;
      const client = env.track(new DriverClient(cluster.driverAddress));
      const table = path.join(env.dir, 'delta', 'revenue');
      const query = await session(client, 'restart').readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 3_000).load()
        .select(fromJson(col('value').cast('string'), PURCHASE_SCHEMA).alias('e')).select('e.*')
        .withWatermark('ts', '1 minute')
        .groupBy(window(col('ts'), '1 minute'), col('user_id'))
        .agg(count('*').alias('n'), sum('price').alias('revenue'))
        .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk-e'))
        .trigger({ processingTime: '300 milliseconds' }).start(table);
      // Past the first state snapshot (every 10 versions), so the rebuild reads a snapshot and change sets.
      await waitUntil(query, async () => ((await query.lastProgress())?.batchId ?? -1) >= 11, 300_000, () => progressText(query));

      cluster.kill('driver');
      for (const id of [...cluster.executors.keys()]) cluster.kill(id);
      await cluster.driver.exited;
      const committedBefore = deltaCommits(table).length - 1;
      await cluster.restartDriver();
      for (let i = 0; i < 3; i++) await cluster.addExecutor();

      const closingUs = BASE + 60 * MINUTE;
      await produceEvents(bootstrap, topic, 4, batchOf([purchaseJson({ user_id: 1, kind: 'buy', cents: 1n, us: closingUs })]));
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= closingUs - MINUTE, 300_000, () => progressText(query));
      await query.stop();

      const groups = new Map<string, { window: { start: string; end: string }; user_id: string; n: number; cents: bigint }>();
      for (const p of inOrder) {
        const w = windowOf(p.us, MINUTE);
        const key = `${w.start}/${p.user_id}`;
        const g = groups.get(key) ?? { window: w, user_id: String(p.user_id), n: 0, cents: 0n };
        g.n++;
        g.cents += p.cents;
        groups.set(key, g);
      }
      const expected = [...groups.values()].map((g) => ({ window: g.window, user_id: g.user_id, n: String(g.n), revenue: centsText(g.cents) }));
      assertSameRows(canonicalRows(await readTableRows(storage, table)), expected);
      assert.ok(committedBefore >= 11, `batches committed before the crash: ${committedBefore}`);
      assert.match(cluster.logOf('driver'), /resumed/);
      assert.ok(/loaded state of partition \d+ at version \d+ \(snapshot 10 \+/.test([...cluster.executors.keys()].map((id) => cluster.logOf(id)).join('\n')),
        'new executors rebuilt the state from a snapshot and change sets');
      // Each batch landed in the table exactly once: txn versions 0, 1, 2, … with no gap or repeat.
      const batches = deltaCommits(table).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
      assert.deepEqual(batches, batches.map((_, i) => i));
    });
  });

  describe('complete mode and nulls', () => {
    const env = clusterPerTest('tributary-agg-complete-', 2);

    it('(c) complete mode grouped without a window: count and sum of price per kind, filtered and computed after the aggregation', async () => {
      const topic = `kinds_${Date.now()}`;
      const bootstrap = testKafka();
      const all = purchases(20_000, 31);
      await produceEvents(bootstrap, topic, 4, batchOf(all.map(purchaseJson)));
      const client = env.track(new DriverClient(env.cluster.driverAddress));
      const spark = session(client, 'complete');
      const table = path.join(env.dir, 'delta', 'kinds');
      const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 3_000).load()
        .select(fromJson(col('value').cast('string'), PURCHASE_SCHEMA).alias('e')).select('e.*')
        .groupBy('kind').agg(count('*').alias('n'), sum('price').alias('revenue'))
        .filter(col('kind').notEqual(lit('refund')))
        .withColumn('n2', col('n').multiply(lit(2)))
        .writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(env.dir, 'chk-c'))
        .trigger({ availableNow: true }).start(table);
      assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
      assert.equal(await query.exception(), null);
      const progress = await query.recentProgress();
      assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 6, 'several batches');

      const totals = new Map<string, { n: number; cents: bigint }>();
      for (const p of all) {
        const t = totals.get(p.kind) ?? { n: 0, cents: 0n };
        t.n++;
        t.cents += p.cents;
        totals.set(p.kind, t);
      }
      const expected = [...totals].filter(([kind]) => kind !== 'refund').map(([kind, t]) => ({ kind, n: String(t.n), revenue: centsText(t.cents), n2: String(2 * t.n) }));
      assert.equal(expected.length, 3);
      assertSameRows(canonicalRows(await readTableRows(storage, table)), expected);
    });

    it('(d) nullable fields, missing values and null keys: a null key is its own group, sums skip nulls, count(col) counts non-nulls', async () => {
      const topic = `nulls_${Date.now()}`;
      const bootstrap = testKafka();
      const schema = new StructType([
        new StructField('kind', StringType()),
        new StructField('region', StringType()),
        new StructField('price', DecimalType(38, 2)),
        new StructField('qty', IntegerType()),
        new StructField('ts', TimestampType()),
      ]);
      const r = rng(41);
      interface Row { kind: string | null; region: string | null; cents: bigint | null; qty: number | null; us: number }
      const rowsIn: Row[] = [];
      const values: string[] = [];
      for (let i = 0; i < 12_000; i++) {
        const kindPick = r(5);
        const kind = kindPick === 4 ? null : ['a', 'b', 'c', 'nul'][kindPick];
        // Region 'z' never has a price: its sums are null.
        const region = r(6) === 0 ? null : ['x', 'y', 'z'][r(3)];
        const cents = region === 'z' || r(4) === 0 ? null : BigInt(r(1_000_000)) * 10n ** 25n + BigInt(r(1_000_000));
        const qty = r(3) === 0 ? null : r(100);
        const us = BASE + r(5 * MINUTE);
        rowsIn.push({ kind, region, cents, qty, us });
        // Nulls written both ways: JSON null, and the field left out.
        const parts = [`"ts":"${iso(us)}"`];
        const put = (name: string, v: string | null) => { if (v !== null) parts.push(`"${name}":${v}`); else if (i % 2 === 0) parts.push(`"${name}":null`); };
        put('kind', kind === null ? null : `"${kind}"`);
        put('region', region === null ? null : `"${region}"`);
        put('price', cents === null ? null : centsText(cents));
        put('qty', qty === null ? null : String(qty));
        values.push(`{${parts.join(',')}}`);
      }
      values.splice(500, 0, '{"kind":"a","price":1.00}', '{"kind":"a","price":1.00,"ts":null}');
      await produceEvents(bootstrap, topic, 4, batchOf(values));
      const client = env.track(new DriverClient(env.cluster.driverAddress));
      const spark = session(client, 'nulls');
      const table = path.join(env.dir, 'delta', 'nulls');
      const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 2_000).load()
        .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
        .groupBy(window(col('ts'), '1 minute'), col('kind'), col('region'))
        .agg(count('*').alias('n'), count('price').alias('priced'), count('qty').alias('counted'), sum('price').alias('revenue'), sum('qty').alias('qty'))
        .writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(env.dir, 'chk-d'))
        .trigger({ availableNow: true }).start(table);
      assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
      assert.equal(await query.exception(), null);

      const groups = new Map<string, { window: { start: string; end: string }; kind: string | null; region: string | null; n: number; priced: number; counted: number; cents: bigint | null; qty: number | null }>();
      for (const x of rowsIn) {
        const w = windowOf(x.us, MINUTE);
        const key = JSON.stringify([w.start, x.kind, x.region]);
        const g = groups.get(key) ?? { window: w, kind: x.kind, region: x.region, n: 0, priced: 0, counted: 0, cents: null, qty: null };
        g.n++;
        if (x.cents !== null) { g.priced++; g.cents = (g.cents ?? 0n) + x.cents; }
        if (x.qty !== null) { g.counted++; g.qty = (g.qty ?? 0) + x.qty; }
        groups.set(key, g);
      }
      const expected = [...groups.values()].map((g) => ({
        window: g.window, kind: g.kind, region: g.region, n: String(g.n), priced: String(g.priced), counted: String(g.counted),
        revenue: g.cents === null ? null : centsText(g.cents), qty: g.qty === null ? null : String(g.qty),
      }));
      assert.ok(expected.some((e) => e.kind === null) && expected.some((e) => e.region === null), 'null keys form groups');
      assert.ok(expected.some((e) => e.revenue === null), 'some groups have only null prices');
      assertSameRows(canonicalRows(await readTableRows(storage, table)), expected);
      const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
      assert.deepEqual(quarantine.map((q) => q.reason), ['NULL_EVENT_TIME', 'NULL_EVENT_TIME']);
    });
  });
});
