/**
 * Bad input on a real cluster (Kafka, Redis, driver + 3 executors, Delta): a topic carrying every
 * kind of bad record (test/support/bad-records.ts) mixed with 100,000 good events. The query must
 * keep running; the main table must equal the independent calculation over the good events only (an
 * event stamped in 2099 must not move the watermark); the quarantine table must hold every bad
 * record exactly once with its raw bytes, Kafka coordinates and reason; late events must be counted
 * and, with lateRows 'table', land in the late-rows table; every side table carries the batch's txn.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, EventBatch, EventGenerator, fromJson, GrpcSubmitter, IntegerType, produceEvents, StreamingQuery, StringType, StructField, StructType, sum, TimestampType, TributarySession, window,
} from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows, readTopicEvents, TopicRecord } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, deltaCommits, waitUntil, watermarkMicros } from '../support/seed-run';
import { badRecords, reasonOfKey } from '../support/bad-records';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const PARTITIONS = 4;

/** `good` with the bad records spread through it at random positions (fixed seed). */
function mixed(good: EventBatch, bad: { key: string; value: Buffer | null }[]): EventBatch {
  const keys = [...good.keys];
  const values: (Buffer | null)[] = [...good.values];
  let seed = 12345;
  for (const b of bad) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const at = seed % (keys.length + 1);
    keys.splice(at, 0, b.key);
    values.splice(at, 0, b.value);
  }
  return { ...good, count: keys.length, keys, values: values as Buffer[] };
}

async function startQuery(client: DriverClient, opts: { bootstrap: string; topic: string; table: string; checkpoint: string; maxOffsetsPerTrigger?: number }): Promise<StreamingQuery> {
  const spark = TributarySession.builder().appName('bad input test').submitter(new GrpcSubmitter(client)).getOrCreate();
  const schema = new StructType([
    new StructField('customer_id', IntegerType()),
    new StructField('event_type', StringType()),
    new StructField('amount', DecimalType(10, 2)),
    new StructField('timestamp', TimestampType()),
  ]);
  return spark.readStream.format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap).option('subscribe', opts.topic).option('startingOffsets', 'earliest')
    .option('maxOffsetsPerTrigger', opts.maxOffsetsPerTrigger ?? 12_000)
    .load()
    .select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*')
    .withWatermark('timestamp', '10 minutes')
    .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
    .writeStream.format('delta').outputMode('append')
    .option('checkpointLocation', opts.checkpoint)
    .option('lateRows', 'table')
    .trigger({ processingTime: '200 milliseconds' })
    .start(opts.table);
}

describe('bad input on a real cluster: quarantined, counted, never fatal', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-bad-input-', 3);

  it('gives the oracle over the good events, quarantines every bad record once with coordinates and reason, and keeps late rows', async () => {
    const topic = `bad_input_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 7, customers: 2000, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const bad = badRecords(3);
    const good = gen.phaseInOrder(100_000);
    await produceEvents(bootstrap, topic, PARTITIONS, mixed(good, bad));

    const table = path.join(env.dir, 'delta', 'aggregates');
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const query = await startQuery(client, { bootstrap, topic, table, checkpoint: path.join(env.dir, 'checkpoints', 'q') });

    const lateBound = Math.floor((good.eventTimeMicros[40_000] - DELAY) / WINDOW) * WINDOW;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, () => status(query));
    const late = gen.phaseLate(500, lateBound);
    await produceEvents(bootstrap, topic, PARTITIONS, late);
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, PARTITIONS, closing);
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= Math.floor(gen.watermarkMicros / 1000) * 1000, 300_000, () => status(query));
    assert.ok(await query.isActive(), 'the query is still running');
    const progress = await query.recentProgress();
    await query.stop();

    // What Kafka really holds (the producer may have retried a chunk), read independently.
    const records = await readTopicEvents(bootstrap, topic);
    const goodRecords = records.filter((r) => reasonOfKey(r.key?.toString('utf8') ?? null) === undefined);
    const badInTopic = records.filter((r) => reasonOfKey(r.key?.toString('utf8') ?? null) !== undefined);
    assert.ok(badInTopic.length >= bad.length, `every bad record reached Kafka (${badInTopic.length} of ${bad.length})`);

    // Main table: exactly the oracle over the good events.
    const expected = computeExpected(goodRecords.map((r) => ({ value: r.value })), { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: late.eventIds });
    assert.equal(expected.badRecords, 0, 'the oracle accepts every good event');
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(expected.rows.length > 5_000, `expected many rows, got ${expected.rows.length}`);

    await checkQuarantine(`${table}_quarantine`, topic, badInTopic);

    // Progress: bad records by reason and late rows, per batch, add up.
    const byReason: Record<string, number> = {};
    for (const p of progress) for (const [k, v] of Object.entries(p.badRecords.byReason)) byReason[k] = (byReason[k] ?? 0) + v;
    const expectedByReason: Record<string, number> = {};
    for (const r of badInTopic) { const k = reasonOfKey(r.key!.toString('utf8'))!; expectedByReason[k] = (expectedByReason[k] ?? 0) + 1; }
    assert.deepEqual(byReason, expectedByReason);
    assert.equal(progress.reduce((a, p) => a + (p.badRecords.quarantined ?? 0), 0), badInTopic.length);
    assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), expected.lateRows);
    assert.equal(progress.reduce((a, p) => a + (p.lateRows.written ?? 0), 0), expected.lateRows);

    // Late-rows table: exactly the late events (customer, cents, µs), each once.
    const lateTable = await readTableRows(storage, `${table}_late_rows`);
    const lateRows = lateTable.toArray().map((r: any) => r.toJSON());
    const micros = lateTable.getChild('timestamp')!.data.flatMap((d) => [...(d.values as BigInt64Array)].slice(0, d.length));
    const cents = lateTable.getChild('amount')!.data.flatMap((d) => Array.from({ length: d.length }, (_, i) => {
      const w = d.values as Uint32Array;
      return BigInt.asIntN(64, (BigInt(w[4 * i + 1]) << 32n) | BigInt(w[4 * i]));
    }));
    const got = lateRows.map((r: any, i: number) => `${r.customer_id}|${cents[i]}|${micros[i]}`).sort();
    const want = Array.from({ length: late.count }, (_, i) => `${late.customerIds[i]}|${late.amountCents[i]}|${late.eventTimeMicros[i]}`).sort();
    assert.deepEqual(got, want);

    // Every table carries this query's txn for every batch, in order; side tables commit first.
    const main = deltaCommits(table).filter((c) => c.version > 0);
    for (const side of [`${table}_quarantine`, `${table}_late_rows`]) {
      const commits = deltaCommits(side).filter((c) => c.version > 0);
      assert.equal(commits.length, main.length, `${side} has one commit per batch`);
      commits.forEach((c, i) => {
        const own = c.actions.filter((a) => a.txn && a.txn.appId === query.id).map((a) => a.txn.version);
        assert.deepEqual(own, [i]);
        const sideTime = c.actions.find((a) => a.commitInfo).commitInfo.timestamp;
        const mainTime = main[i].actions.find((a) => a.commitInfo).commitInfo.timestamp;
        assert.ok(sideTime <= mainTime, `batch ${i}: ${side} committed before the main table`);
      });
    }
  });
  it('keeps every bad record exactly once when the driver dies between the side-table and the main-table commit', async () => {
    const topic = `bad_input_crash_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 8, customers: 500, eventsPerSecond: 20 });
    const good = gen.phaseInOrder(20_000);
    await produceEvents(bootstrap, topic, PARTITIONS, mixed(good, badRecords(3)));
    // This test's driver kills itself by the fault hook once the side tables hold batch 2.
    await env.cluster.restartDriver({ TRIBUTARY_FAULT_KILL_AT: 'afterSideCommits:2' });
    const table = path.join(env.dir, 'delta', 'crash');
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const query = await startQuery(client, { bootstrap, topic, table, checkpoint: path.join(env.dir, 'checkpoints', 'crash'), maxOffsetsPerTrigger: 3_000 });
    await env.cluster.driver.exited;
    assert.match(env.cluster.logOf('driver'), /fault hook: killing the driver at afterSideCommits of batch 2/);
    await env.cluster.restartDriver({});
    // The restarted driver resumes the query from its saved state (unreachable, then not found, until it has).
    for (const deadline = Date.now() + 120_000; !(await client.list().catch(() => [])).some((q) => q.id === query.id && q.state === 'ACTIVE');) {
      if (Date.now() > deadline) throw new Error(`the query did not resume:\n${env.cluster.logOf('driver').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, PARTITIONS, closing);
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= Math.floor(gen.watermarkMicros / 1000) * 1000, 300_000, () => status(query));
    await query.stop();

    const records = await readTopicEvents(bootstrap, topic);
    const goodRecords = records.filter((r) => reasonOfKey(r.key?.toString('utf8') ?? null) === undefined);
    const badInTopic = records.filter((r) => reasonOfKey(r.key?.toString('utf8') ?? null) !== undefined);
    const expected = computeExpected(goodRecords.map((r) => ({ value: r.value })), { windowMicros: WINDOW, delayMicros: DELAY });
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    await checkQuarantine(`${table}_quarantine`, topic, badInTopic);
    // Batch 2 reached the quarantine table before the crash: the replay skipped it there.
    const batch2 = deltaCommits(`${table}_quarantine`).filter((c) => c.actions.some((a) => a.txn?.appId === query.id && a.txn.version === 2));
    assert.equal(batch2.length, 1, 'batch 2 committed once to the quarantine table');
    const replay = /recovery: \{"kind":"replay","batchId":2,"skipSinks":(\[[^\]]*\])/.exec(env.cluster.logOf('driver').replaceAll('\\"', '"')); // JSON log lines escape the quotes
    assert.ok(replay, 'batch 2 was replayed');
    assert.deepEqual(JSON.parse(replay[1]), [`${table}_quarantine`, `${table}_late_rows`], 'the replay skipped the side tables, not the main table');
  });
});

/** The quarantine table holds every bad record of the topic exactly once, with its coordinates, raw bytes and reason. */
async function checkQuarantine(quarantinePath: string, topic: string, badInTopic: TopicRecord[]): Promise<void> {
    // Quarantine table: every bad record once, with its coordinates, raw bytes and reason.
    const quarantine = (await readTableRows(storage, quarantinePath)).toArray().map((r: any) => r.toJSON());
    const byCoordinates = new Map(quarantine.map((q: any) => [`${q.partition}:${q.offset}`, q]));
    assert.equal(byCoordinates.size, quarantine.length, 'no bad record is quarantined twice');
    assert.equal(quarantine.length, badInTopic.length, 'as many quarantined rows as bad records in the topic');
    for (const r of badInTopic) {
      const key = r.key!.toString('utf8');
      const q: any = byCoordinates.get(`${r.partition}:${r.offset}`);
      assert.ok(q, `bad record ${key} at ${r.partition}:${r.offset} is quarantined`);
      assert.equal(q.topic, topic);
      assert.equal(q.reason, reasonOfKey(key), `reason of ${key}: ${q.detail}`);
      assert.ok(q.detail.length > 0);
      assert.equal(Buffer.from(q.key).toString('utf8'), key);
      if (r.value === null) assert.equal(q.value, null, `${key} is a tombstone`);
      else assert.ok(Buffer.from(q.value).equals(r.value), `raw value bytes of ${key}`);
      assert.ok(Number(q.batch_id) >= 0);
    }

}

async function status(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark, bad: p.badRecords })}`;
}
