/**
 * Source options and output modes on a real cluster: failOnDataLoss (offsets deleted by retention
 * stop the query naming topic, partition and range, or are skipped when it is false) and complete
 * mode (every batch replaces the table with the whole result, nothing is late, nothing evicted).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { readSnapshot, readTableRows } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, EventGenerator, fromJson, GrpcSubmitter, IntegerType, LocalCluster, produceEvents, StreamingQuery, StringType, StructField, StructType, sum, TimestampType, TributarySession, window,
} from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka, testRedis } from '../support/infra';
import { amountCents, diffRows, timestampMicros } from '../support/oracle';
import { MINUTE, WINDOW, waitUntil } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const SCHEMA = new StructType([
  new StructField('customer_id', IntegerType()),
  new StructField('event_type', StringType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('timestamp', TimestampType()),
]);

describe('source options and output modes on a real cluster', function () {
  this.timeout(10 * 60_000);
  let dir: string;
  let cluster: LocalCluster;
  let client: DriverClient;
  let spark: TributarySession;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-modes-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
    client = new DriverClient(cluster.driverAddress);
    spark = TributarySession.builder().appName('modes').submitter(new GrpcSubmitter(client)).getOrCreate();
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(cluster.logOf('driver').slice(-4000));
    client.close();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function job(topic: string, opts: { mode: 'append' | 'complete'; failOnDataLoss?: boolean; maxOffsetsPerTrigger?: number; trigger: object; name: string }) {
    let reader = spark.readStream.format('kafka').option('kafka.bootstrap.servers', testKafka()).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('failOnDataLoss', opts.failOnDataLoss ?? true);
    if (opts.maxOffsetsPerTrigger) reader = reader.option('maxOffsetsPerTrigger', opts.maxOffsetsPerTrigger);
    let df = reader.load().select(fromJson(col('value').cast('string'), SCHEMA).alias('data')).select('data.*');
    if (opts.mode === 'append') df = df.withWatermark('timestamp', '10 minutes');
    return df.groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
      .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
      .writeStream.format('delta').outputMode(opts.mode)
      .option('checkpointLocation', path.join(dir, 'checkpoints', opts.name))
      .trigger(opts.trigger as any)
      .start(path.join(dir, 'tables', opts.name));
  }

  async function deleteRecords(topic: string, partition: number, offset: string) {
    const kafka = new Kafka({ brokers: [testKafka()], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset }] });
    } finally {
      await admin.disconnect();
    }
  }

  async function firstBatchThenStop(query: StreamingQuery) {
    await waitUntil(query, async () => (await query.lastProgress()) !== null, 60_000, async () => JSON.stringify(await query.status()));
    await query.stop();
  }

  it('stops the query when offsets it has not read were deleted, naming topic, partition and range', async () => {
    const topic = `dataloss_${Date.now()}`;
    const gen = new EventGenerator({ seed: 3, customers: 10, eventsPerSecond: 1 });
    await produceEvents(testKafka(), topic, 1, gen.phaseInOrder(1000));
    // Batch 0 reads [0, 100) and the query waits an hour for its next trigger; stop it there.
    await firstBatchThenStop(await job(topic, { mode: 'append', maxOffsetsPerTrigger: 100, trigger: { processingTime: '1 hour' }, name: 'dataloss' }));
    await deleteRecords(topic, 0, '500');
    const resumed = await job(topic, { mode: 'append', maxOffsetsPerTrigger: 100, trigger: { processingTime: '1 hour' }, name: 'dataloss' });
    await assert.rejects(resumed.awaitTermination(60_000), (err: Error) => {
      assert.match(err.message, new RegExp(`\\[100, 500\\) of ${topic}-0 were deleted`));
      assert.match(err.message, /failOnDataLoss/);
      return true;
    });
  });

  it('skips deleted offsets and goes on when failOnDataLoss is false', async () => {
    const topic = `dataloss_ok_${Date.now()}`;
    const gen = new EventGenerator({ seed: 4, customers: 10, eventsPerSecond: 1 });
    await produceEvents(testKafka(), topic, 1, gen.phaseInOrder(1000));
    await firstBatchThenStop(await job(topic, { mode: 'append', failOnDataLoss: false, maxOffsetsPerTrigger: 100, trigger: { processingTime: '1 hour' }, name: 'dataloss-ok' }));
    await deleteRecords(topic, 0, '500');
    const resumed = await job(topic, { mode: 'append', failOnDataLoss: false, maxOffsetsPerTrigger: 100, trigger: { processingTime: '1 hour' }, name: 'dataloss-ok' });
    await waitUntil(resumed, async () => ((await resumed.lastProgress())?.batchId ?? -1) >= 1, 60_000, async () => JSON.stringify(await resumed.status()));
    const p = await resumed.lastProgress();
    assert.deepEqual(p!.sources[0].startOffset, { [topic]: { 0: '500' } });
    await resumed.stop();
  });

  it('in complete mode replaces the table with every group at each batch, late or not', async () => {
    const topic = `complete_${Date.now()}`;
    const gen = new EventGenerator({ seed: 5, customers: 40, eventsPerSecond: 2, outOfOrderShare: 0.3, maxDisorderMicros: 5 * MINUTE });
    const events = gen.phaseInOrder(6000);
    const old = gen.phaseLate(200, gen.watermarkMicros - 60 * MINUTE);
    await produceEvents(testKafka(), topic, 3, events);
    await produceEvents(testKafka(), topic, 3, old);
    const query = await job(topic, { mode: 'complete', maxOffsetsPerTrigger: 1000, trigger: { availableNow: true }, name: 'complete' });
    assert.equal(await query.awaitTermination(120_000), true);

    // Independent calculation: every (window, customer) group over all events.
    const groups = new Map<string, { windowStartMicros: bigint; windowEndMicros: bigint; customerId: number; count: number; sumCents: bigint }>();
    for (const v of [...events.values, ...old.values]) {
      const e = JSON.parse(v.toString('utf8'));
      const t = timestampMicros(e.timestamp)!;
      const start = t - (((t % BigInt(WINDOW)) + BigInt(WINDOW)) % BigInt(WINDOW));
      const key = `${start}:${e.customer_id}`;
      const g = groups.get(key) ?? { windowStartMicros: start, windowEndMicros: start + BigInt(WINDOW), customerId: e.customer_id, count: 0, sumCents: 0n };
      g.count += 1;
      g.sumCents += amountCents(e.amount)!;
      groups.set(key, g);
    }
    const table = path.join(dir, 'tables', 'complete');
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows([...groups.values()], actual);
    assert.ok(diff.equal, diff.text);
    // 6,200 events in batches of 1,000: 7 commits after the table's creation, each replacing the last.
    const snapshot = await readSnapshot(storage, table);
    assert.equal(snapshot.version, 7);
    assert.ok(snapshot.files.size <= 2, `only the last batch's files are live, found ${snapshot.files.size}`);
  });
});
