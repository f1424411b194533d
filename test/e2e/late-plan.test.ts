/**
 * A deposed leader's late plan: between a driver's recovery and its next plan, the next batch's plan
 * appears in the offsets log, written by someone else. On separate hosts under load this happens when
 * a leader's plan write is under way as its lease runs out (the chaos run on hosts met it): nobody
 * has planned that batch yet, so put-if-absent lets the write in. The running driver must not plan
 * after it (that would skip its records and leave its state version unwritten); it recovers again and
 * replays that plan like any planned, uncommitted batch.
 *
 * The test plays the deposed leader: while the driver waits for its next trigger (8 s), it produces
 * more events and writes plan N+1 for them, as the driver would have (ranges from where batch N
 * ended to the topic's end, batch N's watermark). The driver must log the foreign plan, replay it,
 * and the table must equal the independent calculation with each batch committed once.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asBatchId, CommitLog, connectKafkaAdmin, LocalStorage, OffsetLog, readTableRows, type BatchPlan } from '@tributary/common';
import { DriverClient, EventGenerator, LocalCluster, produceEvents } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka, testRedis } from '../support/infra';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, deltaCommits, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';

const storage = new LocalStorage();
const PARTITIONS = 4;

describe('a plan written by another run after recovery (a deposed leader\'s late plan)', function () {
  this.timeout(15 * 60_000);
  let dir: string;
  let cluster: LocalCluster | undefined;
  let client: DriverClient | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      for (const name of ['driver', ...cluster.executors.keys()]) console.log(`--- ${name} log (tail)\n${cluster.logOf(name).slice(-4000)}`);
    }
    client?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is replayed by the running driver, not skipped; the table stays exact', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-late-plan-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
    const topic = `customer_events_late_plan_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 17, customers: 300, eventsPerSecond: 10, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const produced = [gen.phaseInOrder(6_000)];
    await produceEvents(bootstrap, topic, PARTITIONS, produced[0]);

    const table = path.join(dir, 'delta', 'customer_aggregates');
    const checkpoint = path.join(dir, 'checkpoints', 'customers');
    const started = await startSeedJob(cluster.driverAddress, { bootstrap, topic, table, checkpoint, maxOffsetsPerTrigger: 100_000, trigger: '8 seconds' });
    client = started.client;
    const query = started.query;
    const offsets = new OffsetLog(storage, path.join(checkpoint, 'offsets'));
    const commits = new CommitLog(storage, path.join(checkpoint, 'commits'));
    const admin = await connectKafkaAdmin({ brokers: [bootstrap] });
    const describe = async (): Promise<string> => JSON.stringify(await query.status());

    let foreign: BatchPlan | undefined;
    try {
      for (let tries = 0; tries < 5 && foreign === undefined; tries++) {
        // Right after a batch committed, with every record read: the driver sleeps until its next trigger.
        let committedN = -1;
        await waitUntil(query, async () => {
          const [plan, commit, end] = [await offsets.getLatest(), await commits.getLatest(), await admin.latestOffsets(topic, 'read_uncommitted')];
          if (!plan || !commit || plan.batchId !== commit.batchId || commit.batchId <= committedN) return false;
          const read = new Map(plan.value.sources.flatMap((s) => s.partitions.map((p) => [p.partition, BigInt(p.to)] as const)));
          if (![...end].every(([p, o]) => (read.get(p) ?? 0n) === o)) return false;
          committedN = commit.batchId;
          return true;
        }, 120_000, describe);
        const planN = (await offsets.get(asBatchId(committedN)))!;
        const commitN = (await commits.get(asBatchId(committedN)))!;
        const more = gen.phaseInOrder(1_500);
        await produceEvents(bootstrap, topic, PARTITIONS, more);
        produced.push(more);
        const end = await admin.latestOffsets(topic, 'read_uncommitted');
        const plan: BatchPlan = {
          ...planN,
          batchId: asBatchId(committedN + 1),
          batchTimestampMs: Date.now(),
          sources: planN.sources.map((s) => ({ topic: s.topic, partitions: s.partitions.map((p) => ({ partition: p.partition, from: p.to, to: String(end.get(p.partition)) })) })),
          lateWatermarkMicros: planN.watermarkMicros,
          maxEventTimeMicrosBefore: commitN.maxEventTimeMicros,
          eventTimeGuardReferenceMs: Date.now(),
          noData: false,
        };
        // The late write wins unless the driver planned the batch first (then it read those events: try again).
        if (await offsets.add(plan.batchId, plan)) foreign = plan;
      }
    } finally {
      await admin.close();
    }
    assert.ok(foreign, 'the test wrote the plan of a batch before the driver planned it');

    // The driver replays the foreign plan: batch N+1 is committed with exactly its ranges.
    await waitUntil(query, async () => (await commits.get(foreign!.batchId)) !== undefined, 120_000, describe);
    assert.match(cluster.logOf('driver'), new RegExp(`batch ${foreign.batchId} was planned by another run of this query`));
    assert.deepEqual((await offsets.get(foreign.batchId))?.sources, foreign.sources, 'the plan of the batch is the one written by the test');
    assert.equal((await commits.get(foreign.batchId))?.numInputRows, produced[produced.length - 1].count, 'the replayed batch read the events of the foreign plan');

    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, PARTITIONS, closing);
    produced.push(closing);
    const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 300_000, describe);
    await query.stop();

    const expected = computeExpected(produced.flatMap((b) => b.values), { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: [] });
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(expected.rows.length > 100, `expected many rows, got ${expected.rows.length}`);
    const batches = deltaCommits(table).slice(1).map((c) => c.actions.filter((a) => a.txn?.appId === query.id).map((a) => a.txn.version));
    assert.deepEqual(batches, batches.map((_, i) => [i]), 'each batch committed once, in order');
  });
});
