/**
 * The seed job end to end: a real Kafka broker and Redis, a driver and 3 executor processes talking
 * gRPC, a real Delta table. The result is compared with an independent calculation (test/support/
 * oracle: JSON.parse and BigInt, no engine code). Lateness does not depend on batch boundaries:
 * in-order events are never more than 2 minutes behind the newest (delay 10 minutes); late events are
 * produced only after a batch whose watermark is past their windows has committed; a few events far
 * ahead finally close every earlier window.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import { EventGenerator, produceEvents, StreamingQuery } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, deltaCommits, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

describe('the seed job on a real cluster (Kafka, Redis, driver + 3 executors, Delta)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-e2e-', 3);

  it('writes exactly the windows an independent calculation expects, over 200,000 events in at least 20 batches', async () => {
    const topic = `customer_events_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 42, customers: 3000, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(194_000);
    await produceEvents(bootstrap, topic, 8, inOrder);

    const table = path.join(env.dir, 'delta', 'customer_aggregates');
    const started = await startSeedJob(env.cluster.driverAddress, {
      bootstrap, topic, table, checkpoint: path.join(env.dir, 'checkpoints', 'customers'), maxOffsetsPerTrigger: 9_000,
    });
    env.track(started.client);
    const query = started.query;

    // Late events: stamped in windows that end before a watermark a committed batch already reached.
    const lateBound = Math.floor((inOrder.eventTimeMicros[60_000] - DELAY) / WINDOW) * WINDOW;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, () => progressText(query));
    const late = gen.phaseLate(6_000, lateBound);
    await produceEvents(bootstrap, topic, 8, late);
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, 8, closing);
    const finalWatermark = gen.watermarkMicros;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= Math.floor(finalWatermark / 1000) * 1000, 300_000, () => progressText(query));
    const progress = await query.recentProgress();
    await query.stop();

    const expected = computeExpected([...inOrder.values, ...late.values, ...closing.values], {
      windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: late.eventIds,
    });
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(expected.rows.length > 10_000, `expected many rows, got ${expected.rows.length}`);

    const batches = progress.filter((p) => p.numInputRows > 0).length;
    assert.ok(batches >= 20, `state must carry across at least 20 batches with input, got ${batches}`);
    // Progress shows how far behind the topic's latest offsets each batch was: the first batch was
    // planned when every in-order event was already in the topic, and read only its 9,000.
    const sumOffsets = (o: Record<string, Record<string, string>> | null) => Object.values(o![topic]).reduce((a, v) => a + Number(v), 0);
    const first = progress.find((p) => p.batchId === 0)!;
    assert.equal(sumOffsets(first.sources[0].latestOffset), inOrder.count);
    assert.equal(sumOffsets(first.sources[0].endOffset), 9_000);
    assert.ok(Number(first.sources[0].metrics!.maxOffsetsBehindLatest) > 0);
    const lateCounted = progress.reduce((a, p) => a + p.lateRows.total, 0);
    assert.equal(lateCounted, expected.lateRows, 'late rows counted in progress');
    assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), inOrder.count + late.count + closing.count);

    // Every commit after the table's creation carries this query's txn, with batch ids in order,
    // and the Kafka end offsets as per-partition txn actions.
    const commits = deltaCommits(table).filter((c) => c.version > 0);
    assert.ok(commits.length >= 20);
    commits.forEach((c, i) => {
      const txns = c.actions.filter((a) => a.txn).map((a) => a.txn);
      const own = txns.filter((t: any) => t.appId === query.id);
      assert.deepEqual(own.map((t: any) => t.version), [i], `commit ${c.version} carries txn (${query.id}, ${i})`);
      assert.equal(txns.filter((t: any) => t.appId.startsWith(`${query.id}-${topic}-`)).length, 8, `commit ${c.version} carries 8 offset txns`);
    });
  });
});

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark, sources: p.sources })}`;
}
