/**
 * Queries running at once on one cluster do not feed, fence or stall each other: three seed-job
 * queries start together, each on its own topic with different data, in small batches (so their
 * batch ids and attempt numbers collide all the time), ten rounds over on the same driver and
 * executors. Every table is compared with the independent calculation (test/support/oracle).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import { EventGenerator, produceEvents, StreamingQuery } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows, readTopicEvents } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const ROUNDS = 10;
const QUERIES = 3;
const EVENTS = 1_600;
const MAX_OFFSETS_PER_TRIGGER = 400;

interface Topic { topic: string; values: Buffer[]; finalWatermark: number }

/**
 * Events of one query: its own seed, customers and pace, then events that close every window. A
 * broker busy with other tests sometimes fails a topic's creation ("does not host this
 * topic-partition"): the events then go to a fresh topic, so none is in a topic twice. The values
 * are read back from Kafka: the load generator's producer is not idempotent, and a chunk it retries
 * after a lost acknowledgement (a busy broker's "not the leader") is in the topic twice, which the
 * engine rightly counts twice.
 */
async function produceTopic(bootstrap: string, round: number, q: number): Promise<Topic> {
  for (let tries = 1; ; tries++) {
    try {
      return await produceTopicOnce(bootstrap, `concurrent_${Date.now()}_${round}_${q}_${tries}`, round, q);
    } catch (err) {
      if (tries >= 3) throw err;
    }
  }
}

async function produceTopicOnce(bootstrap: string, topic: string, round: number, q: number): Promise<Topic> {
  const gen = new EventGenerator({ seed: 1000 * round + q, customers: 40 + 30 * q, eventsPerSecond: 1 + q, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
  const inOrder = gen.phaseInOrder(EVENTS - 100 * q);
  const closing = gen.phaseCloseAll(3);
  await produceEvents(bootstrap, topic, 4, inOrder);
  await produceEvents(bootstrap, topic, 4, closing);
  const sent = inOrder.values.length + closing.values.length;
  const values = (await readTopicEvents(bootstrap, topic)).map((r) => r.value!);
  assert.ok(values.length >= sent, `${topic}: every event reached Kafka (${values.length} of ${sent})`);
  return { topic, values, finalWatermark: Math.floor(gen.watermarkMicros / 1000) * 1000 };
}

describe('queries at once on one cluster', function () {
  this.timeout(20 * 60_000);
  const env = clusterPerTest('tributary-concurrent-', 3);

  it(`three seed-job queries together, ${ROUNDS} rounds: every table exact against the independent calculation`, async () => {
    const bootstrap = testKafka();
    for (let round = 0; round < ROUNDS; round++) {
      const topics: Topic[] = [];
      for (let q = 0; q < QUERIES; q++) topics.push(await produceTopic(bootstrap, round, q));
      const runs = await Promise.all(topics.map(async (t, q) => {
        const table = path.join(env.dir, `r${round}`, `table${q}`);
        const started = await startSeedJob(env.cluster.driverAddress, {
          bootstrap, topic: t.topic, table, checkpoint: path.join(env.dir, `r${round}`, `checkpoint${q}`),
          maxOffsetsPerTrigger: MAX_OFFSETS_PER_TRIGGER, trigger: '50 milliseconds',
        });
        env.track(started.client);
        return { ...t, table, query: started.query };
      }));
      await Promise.all(runs.map((r) => waitUntil(r.query, async () => watermarkMicros(await r.query.lastProgress()) >= r.finalWatermark, 120_000,
        () => describeQuery(r.query, `round ${round} ${r.topic}`))));
      for (const r of runs) {
        const progress = await r.query.recentProgress();
        await r.query.stop();
        const expected = computeExpected(r.values, { windowMicros: WINDOW, delayMicros: DELAY });
        const actual = aggregateRows(await readTableRows(storage, r.table)).map((row) => ({ ...row, count: row.eventCount, sumCents: row.totalCents }));
        const diff = diffRows(expected.rows, actual);
        assert.ok(diff.equal, `round ${round}, ${r.topic}: ${diff.text}`);
        assert.ok(expected.rows.length > 50, `round ${round}: expected many rows, got ${expected.rows.length}`);
        assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), r.values.length, `round ${round}, ${r.topic}: every event read once`);
        assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 4, `round ${round}, ${r.topic}: in several batches`);
      }
    }
  });
});

async function describeQuery(query: StreamingQuery, what: string): Promise<string> {
  const p = await query.lastProgress();
  return `${what}: status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark })}`;
}
