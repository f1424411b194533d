/**
 * The seed job with its table and checkpoint on an S3-compatible server (S3Mock, started by the
 * test): a real Kafka broker and Redis, a driver and 3 executor processes that reach the store only
 * through s3:// locations configured from the AWS environment. Fed in phases — on-time events, then
 * late ones once a batch's watermark passed their windows, then events that close every window —
 * the table equals the independent calculation (test/support/oracle); every commit carries the
 * query's txn once; the JVM Delta reference (delta-spark through Hadoop's S3A) reads the same rows
 * from the same server; and nothing of the query lands on the local disk.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalRows, processStorage, readTableRows, testRedis } from '@tributary/common';
import { EventGenerator, LocalCluster, produceEvents } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { DeltaPeer } from '../support/delta-peer';
import { testKafka } from '../support/infra';
import { computeExpected, diffRows } from '../support/oracle';
import { S3TestServer, S3_TEST_REGION, s3TestCredentials } from '../support/s3-server';
import { DELAY, WINDOW, startSeedJob, waitUntil, watermarkMicros, MINUTE } from '../support/seed-run';

const sorted = (rows: Record<string, unknown>[]): string[] => rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();

describe('the seed job with table and checkpoint on S3 (S3Mock), read back by the JVM through S3A', function () {
  this.timeout(20 * 60_000);
  let server: S3TestServer;
  let cluster: LocalCluster | undefined;
  let dir = '';
  const saved: Record<string, string | undefined> = {};

  before(async function () {
    this.timeout(240_000);
    server = await S3TestServer.start();
    // The driver and executors inherit this process's environment: the AWS settings are all they get.
    for (const [k, v] of Object.entries(server.environment())) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-s3-seed-'));
  });
  after(async function () {
    this.timeout(120_000);
    if (this.currentTest?.state === 'failed' && cluster) {
      for (const name of ['driver', ...cluster.executors.keys()]) console.log(`--- ${name} log (tail)\n${cluster.logOf(name).slice(-4000)}`);
    }
    await cluster?.stop();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is exact against the independent calculation, each batch committed once, and the JVM reads the same rows', async () => {
    const bucket = await server.createBucket();
    const table = `s3://${bucket}/delta/customer_aggregates`;
    const checkpoint = `s3://${bucket}/checkpoints/customers`;
    const peerStarting = DeltaPeer.start(240_000, { endpoint: server.endpoint, region: S3_TEST_REGION, ...s3TestCredentials() });
    peerStarting.catch(() => undefined);
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 3 });

    const topic = `customer_events_s3_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 7, customers: 2000, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(bootstrap, topic, 4, inOrder);
    const { query, client } = await startSeedJob(cluster.driverAddress, { bootstrap, topic, table, checkpoint, maxOffsetsPerTrigger: 6_000 });
    try {
      const lateBound = Math.floor((inOrder.eventTimeMicros[20_000] - DELAY) / WINDOW) * WINDOW;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, async () => JSON.stringify(await query.lastProgress()));
      const late = gen.phaseLate(2_000, lateBound);
      await produceEvents(bootstrap, topic, 4, late);
      const closing = gen.phaseCloseAll(3);
      await produceEvents(bootstrap, topic, 4, closing);
      const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 300_000, async () => JSON.stringify(await query.lastProgress()));
      const progress = await query.recentProgress();
      await query.stop();

      const storage = processStorage();
      const expected = computeExpected([...inOrder.values, ...late.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: late.eventIds });
      const rows = await readTableRows(storage, table);
      const actual = aggregateRows(rows).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
      const diff = diffRows(expected.rows, actual);
      assert.ok(diff.equal, diff.text);
      assert.ok(expected.rows.length > 1_000, `expected many rows, got ${expected.rows.length}`);
      assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), expected.lateRows, 'late rows counted in progress');

      // The Delta log, read straight from the bucket: each commit after the table's creation carries
      // this query's txn once, batch ids in order.
      const logNames = (await storage.list(`${table}/_delta_log`)).map((o) => o.name).filter((n) => /^\d{20}\.json$/.test(n)).sort();
      assert.ok(logNames.length >= 5, `several commits, got ${logNames.length}`);
      const batches: number[] = [];
      for (const name of logNames.slice(1)) {
        const text = Buffer.from((await storage.get(`${table}/_delta_log/${name}`))!).toString('utf8');
        const own = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((a) => a.txn?.appId === query.id);
        assert.equal(own.length, 1, `${name} carries the query's txn once`);
        batches.push(own[0].txn.version);
      }
      assert.deepEqual(batches, batches.map((_, i) => i), 'batch ids in order, none twice');
      // The checkpoint is in the bucket too.
      assert.ok((await storage.list(`${checkpoint}/commits`)).length >= logNames.length - 1, 'the commit log is on S3');

      const peer = await peerStarting;
      try {
        const theirs = await peer.read(table.replace(/^s3:/, 's3a:'));
        assert.ok(theirs.ok, `the JVM reads the table: ${theirs.ok ? '' : theirs.error}`);
        if (theirs.ok) assert.deepEqual(sorted(theirs.rows), sorted(canonicalRows(rows)), 'the JVM reads the same rows through S3A');
      } finally {
        await peer.close();
      }

      // Nothing of the query went to the local disk: the cluster's directory holds logs and the
      // driver's own state only.
      const local = fs.readdirSync(path.join(dir, 'cluster'), { recursive: true }).map(String);
      assert.ok(!local.some((f) => f.includes('_delta_log') || f.endsWith('.parquet')), `no table files on the local disk: ${local.join(', ')}`);
    } finally {
      client.close();
    }
  });
});
