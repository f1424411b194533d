/**
 * A rogue process pushes partials over the real gRPC ShuffleService to every executor while a real
 * query runs: pushes for batches and attempts the executors never opened, other query ids, map tasks
 * and partitions no attempt names, 50 MB payloads and 80 MB ones past the receive bound. The
 * query's table is exact against the independent calculation, every rogue push is refused with a
 * named code, and the inboxes never hold the rogue's bytes (GetInboxStats, polled throughout).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readTableRows, RpcClient } from '@tributary/common';
import { EventGenerator, produceEvents } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const run = promisify(execFile);
const ROGUE = path.join(__dirname, '..', 'support', 'rogue-shuffle.js');
const MB = 1024 * 1024;

describe('a rogue process pushing shuffle data nobody asked for', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-rogue-', 2);

  it('is refused with named codes and never stored, while the real query stays exact', async () => {
    const bootstrap = testKafka();
    const topic = `rogue_${Date.now()}`;
    const gen = new EventGenerator({ seed: 77, customers: 150, eventsPerSecond: 2, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(4_000);
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, 4, inOrder);
    await produceEvents(bootstrap, topic, 4, closing);
    const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;

    const addresses = [...env.cluster.executors.keys()].map((id) => /serving on ([\w.:-]+)/.exec(env.cluster.logOf(id))![1]);
    const stats = addresses.map((a) => new RpcClient('ShuffleService', a));
    const table = path.join(env.dir, 'table');
    const started = await startSeedJob(env.cluster.driverAddress, {
      bootstrap, topic, table, checkpoint: path.join(env.dir, 'checkpoint'), maxOffsetsPerTrigger: 400, trigger: '100 milliseconds',
    });
    env.track(started.client);
    const query = started.query;
    try {
      let maxHeld = 0;
      let polling = true;
      const poll = (async () => {
        while (polling) {
          for (const s of stats) maxHeld = Math.max(maxHeld, Number((await s.call<any>('GetInboxStats', {})).held_bytes));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const rogues = await Promise.all(addresses.map((a) => run(process.execPath, [ROGUE, a, query.id, '15'], { maxBuffer: 1 << 20 })));
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 180_000, async () => JSON.stringify(await query.status()));
      polling = false;
      await poll;
      const progress = await query.recentProgress();
      await query.stop();

      const answers = rogues.map((r) => JSON.parse(r.stdout.trim()) as Record<string, number>);
      for (const a of answers) {
        assert.equal(a.stored, undefined, `no rogue push is stored: ${JSON.stringify(a)}`);
        assert.ok((a.NOT_OPEN ?? 0) > 0, `pushes to attempts never opened answer NOT_OPEN: ${JSON.stringify(a)}`);
        assert.ok((a['grpc:RESOURCE_EXHAUSTED'] ?? 0) > 0, `80 MB pushes pass the receive bound: ${JSON.stringify(a)}`);
        for (const code of Object.keys(a)) assert.ok(['NOT_OPEN', 'UNEXPECTED', 'FENCED', 'grpc:RESOURCE_EXHAUSTED'].includes(code), `unexpected answer ${code}`);
      }
      assert.ok(maxHeld < 5 * MB, `the inboxes held at most the real query's partials, not the rogue's 50 MB pushes (max ${maxHeld} bytes)`);
      // Nothing is held once the query stopped (an attempt cut short by the stop is aborted or expires).
      const heldNow = async () => (await Promise.all(stats.map((s) => s.call<any>('GetInboxStats', {})))).reduce((a, r) => a + Number(r.held_bytes), 0);
      for (let i = 0; i < 50 && (await heldNow()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await heldNow(), 0, 'nothing is held once the query stopped');

      const expected = computeExpected([...inOrder.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY });
      const actual = aggregateRows(await readTableRows(storage, table)).map((row) => ({ ...row, count: row.eventCount, sumCents: row.totalCents }));
      const diff = diffRows(expected.rows, actual);
      assert.ok(diff.equal, diff.text);
      assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), inOrder.count + closing.count);
      const retried = env.cluster.logOf('driver').match(/FENCED|superseded/g) ?? [];
      assert.equal(retried.length, 0, 'no attempt of the real query was fenced by the rogue');
    } finally {
      for (const s of stats) s.close();
    }
  });
});
