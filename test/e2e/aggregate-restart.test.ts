/**
 * Restart rules of an aggregation on a real cluster (Kafka, Redis, driver + executor processes,
 * Delta on disk). A windowed aggregation runs, is stopped with groups still open in its state, and
 * is submitted again on the same checkpoint:
 *   - where Spark refuses the change (the state's schema or meaning changes: another grouping key,
 *     another aggregate, another window), it is refused at submit with a message naming the change,
 *     and the checkpoint is left as it was;
 *   - where Spark accepts it (a changed filter before the aggregation: stateless), the query goes on
 *     from the committed offsets and state: the open groups keep what the old filter let in and
 *     add what the new one lets in.
 * The table is compared with an independent calculation over the records Kafka holds.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import { col, count, DataFrame, DriverClient, fromJson, GrpcSubmitter, lit, max, produceEvents, StreamingQuery, sum, TributarySession, window } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { readTopicEvents } from '../support/oracle';
import { waitUntil, watermarkMicros } from '../support/seed-run';
import { BASE, MINUTE, rng, Visit, VISIT_SCHEMA, visitBatch, visitsInOrder, visitsPerMinute } from '../support/visits';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const PARTITIONS = 3;

function sorted(rows: Record<string, CanonicalValue>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark })}`;
}

async function inputRows(query: StreamingQuery): Promise<number> {
  return (await query.recentProgress()).reduce((a, p) => a + p.numInputRows, 0);
}

describe('restart rules of an aggregation (real cluster)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-agg-restart-rules-', 2);

  it('refuses another key, aggregate or window at submit naming the change; accepts a changed filter and goes on from the state', async () => {
    const topic = `visits_restart_${Date.now()}`;
    const bootstrap = testKafka();
    const r = rng(59);
    const first = visitsInOrder(12_000, BASE, 0, r);
    await produceEvents(bootstrap, topic, PARTITIONS, visitBatch(first));
    const inTopic = (await readTopicEvents(bootstrap, topic)).length;

    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('restart rules').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'visits');
    const checkpoint = path.join(env.dir, 'chk');
    /** The job with a filter on cost (cents > minCents) before the aggregation. */
    const visits = (minCents: number) => spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 3_000).load()
      .select(fromJson(col('value').cast('string'), VISIT_SCHEMA).alias('v')).select('v.*')
      .filter(col('cost').gt(lit(minCents / 100)))
      .withWatermark('at', '1 minute');
    const start = (df: DataFrame) =>
      df.writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint)
        .trigger({ processingTime: '200 milliseconds' }).start(table);
    const perMinute = (minCents: number, duration = '1 minute') => visits(minCents).groupBy(window(col('at'), duration), col('user'));
    const job = (minCents: number) => perMinute(minCents).agg(count('*').alias('visits'), sum('cost').alias('spent'));

    // Run 1: filter cost > 0; stopped once every record of `first` was read (its last windows are still open).
    const q1 = await start(job(0));
    await waitUntil(q1, async () => (await inputRows(q1)) >= inTopic, 300_000, () => progressText(q1));
    await q1.stop();

    // Changes Spark refuses: each is refused at submit, naming what changed.
    const refused: [string, () => Promise<StreamingQuery>, RegExp][] = [
      ['another grouping key', () => start(visits(0).groupBy(window(col('at'), '1 minute'), col('user'), col('seq')).agg(count('*').alias('visits'), sum('cost').alias('spent'))),
        /the grouping keys changed from \[user string\] to \[user string, seq bigint\]/],
      ['another aggregate', () => start(perMinute(0).agg(count('*').alias('visits'), sum('cost').alias('spent'), max('at').alias('last'))),
        /the aggregates changed from \[visits = count → bigint, spent = sum → decimal\(22,2\)\] to \[visits = count → bigint, spent = sum → decimal\(22,2\), last = max → timestamp\]/],
      ['another window', () => start(perMinute(0, '2 minutes').agg(count('*').alias('visits'), sum('cost').alias('spent'))),
        /the window changed from window\(at, 1 minute\) to window\(at, 2 minutes\)/],
    ];
    for (const [what, submit, message] of refused) {
      await assert.rejects(submit(), (err: Error) => {
        assert.match(err.message, /the checkpoint at .* belongs to a query whose stateful part differs/, what);
        assert.match(err.message, message, what);
        return true;
      });
    }

    // A changed filter (cost > 1.00): accepted; the query goes on from the committed offsets and state.
    const second = visitsInOrder(12_000, first[first.length - 1].us + 20_000, first.length, r);
    const closingUs = BASE + 60 * MINUTE;
    const closing: Visit = { seq: first.length + second.length, user: 'ana-0', cents: 500n, us: closingUs };
    await produceEvents(bootstrap, topic, PARTITIONS, visitBatch([...second, closing]));
    const q2 = await start(job(100));
    assert.equal(q2.id, q1.id, 'the same query, resumed');
    await waitUntil(q2, async () => watermarkMicros(await q2.lastProgress()) >= closingUs - MINUTE, 300_000, () => progressText(q2));
    const lateRows = (await q2.recentProgress()).reduce((a, p) => a + p.lateRows.total, 0);
    await q2.stop();

    // Independent calculation: records of the first run through the old filter, of the second through the new one.
    const firstSeqs = new Set(first.map((v) => v.seq));
    const bySeq = new Map<number, Visit>([...first, ...second].map((v) => [v.seq, v]));
    const kept: Visit[] = [];
    for (const rec of await readTopicEvents(bootstrap, topic)) {
      const v = bySeq.get(JSON.parse(rec.value!.toString('utf8')).seq);
      if (v === undefined) continue; // the closing record: its window stays open
      if (v.cents > (firstSeqs.has(v.seq) ? 0n : 100n)) kept.push(v);
    }
    const expected = visitsPerMinute(kept);
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.equal(lateRows, 0, 'no record was late');
    assert.ok(expected.length > 1_000, `many groups expected, got ${expected.length}`);
    // Groups open at the restart hold records of both runs: the state was carried over.
    const lastFirstWindow = Math.floor(first[first.length - 1].us / MINUTE) * MINUTE;
    assert.ok(kept.some((v) => !firstSeqs.has(v.seq) && Math.floor(v.us / MINUTE) * MINUTE === lastFirstWindow), 'a window spans the restart');
    assert.deepEqual(sorted(rows), sorted(expected));
  });
});
