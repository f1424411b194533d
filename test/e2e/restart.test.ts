/**
 * Restart: the driver and every executor are killed (SIGKILL) in the middle of a stream and started
 * again on the same checkpoint; the driver resumes the query by itself. The final table must still
 * equal the independent calculation: no batch lost, none counted twice.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import { EventGenerator, produceEvents } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { clusterPerTest } from '../support/cluster-fixture';
import { testKafka } from '../support/infra';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, deltaCommits, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

describe('restarting the whole cluster mid-stream', function () {
  this.timeout(15 * 60_000);
  const fixture = clusterPerTest('tributary-restart-', 3);

  it('resumes on the same checkpoint after kill -9 of the driver and all executors, and the table stays exact', async () => {
    const { cluster, dir } = fixture;
    const topic = `customer_events_restart_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 7, customers: 500, eventsPerSecond: 10, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(bootstrap, topic, 4, inOrder);

    const table = path.join(dir, 'delta', 'customer_aggregates');
    const started = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic, table, checkpoint: path.join(dir, 'checkpoints', 'customers'), maxOffsetsPerTrigger: 3_000, trigger: '300 milliseconds',
    });
    fixture.track(started.client);
    const query = started.query;
    await waitUntil(query, async () => ((await query.lastProgress())?.batchId ?? -1) >= 5, 120_000, async () => JSON.stringify(await query.status()));

    // Everything dies at once, mid-stream.
    cluster.kill('driver');
    for (const id of [...cluster.executors.keys()]) cluster.kill(id);
    await cluster.driver.exited;
    const committedBefore = deltaCommits(table).length - 1;

    await cluster.restartDriver();
    for (let i = 0; i < 3; i++) await cluster.addExecutor();
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, 4, closing);
    const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 300_000, async () => JSON.stringify(await query.lastProgress()));
    await query.stop();

    const expected = computeExpected([...inOrder.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY });
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(committedBefore >= 5, `batches committed before the crash: ${committedBefore}`);
    assert.match(cluster.logOf('driver'), /resumed/);

    // Each batch landed in the table exactly once: txn versions 0, 1, 2, … with no gap or repeat.
    const batches = deltaCommits(table).filter((c) => c.version > 0)
      .map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
    assert.deepEqual(batches, batches.map((_, i) => i));
  });
});
