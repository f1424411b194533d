/**
 * Tributary on separate hosts (test/support/network-hosts.ts, hosts-cluster.ts): Kafka, Redis, the
 * object store (S3Mock), the driver and each executor in a network namespace of its own, with its
 * own address and a private directory no other host can read. Nothing is shared but the network:
 * the table and checkpoint are on the object store, the driver's state directory is its own.
 * Processes talk mutual TLS with certificates from `tributary certs`; the client presents the token.
 *
 * The seed job is fed in phases (on-time events, late ones once a batch's watermark passed their
 * windows, then events that close every window). While it runs, one executor is cut off the network
 * (it is declared lost and the batches go on without it), then healed (it registers again), a new
 * executor joins on a host of its own, and another leaves. The table equals the independent
 * calculation, and each batch is committed once.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processStorage } from '@tributary/common';
import { DriverClient, EventGenerator, GrpcSubmitter, produceEvents, REPO_ROOT, StreamingQuery, TributarySession } from '@tributary/client';
import { assertSeedTableExact, HostsCluster, withEnvironment } from '../support/hosts-cluster';
import { DELAY, MINUTE, WINDOW, waitUntil, watermarkMicros } from '../support/seed-run';

const EXECUTORS = ['exec-a', 'exec-b', 'exec-c', 'exec-d'];

describe('Tributary on separate hosts (network namespaces, private directories, S3, mutual TLS)', function () {
  this.timeout(30 * 60_000);
  let c: HostsCluster;

  before(async function () {
    this.timeout(10 * 60_000);
    c = await HostsCluster.start(['driver', ...EXECUTORS], ['driver']);
  });

  after(async function () {
    this.timeout(120_000);
    if (this.currentTest?.state === 'failed' || process.env.TRIBUTARY_KEEP_LOGS) c?.printLogs(['driver', ...EXECUTORS]);
    await c?.destroy();
  });

  it('runs the seed job exact while an executor is partitioned and healed, one joins and one leaves', async () => {
    const { hosts } = c;
    const driverAddress = c.driverAddress('driver');
    c.startDriver('driver', { stateDir: path.join(hosts.dirOf('driver'), 'state'), allowedRoots: ['s3://lake'] });
    await c.waitForLog('driver', 'driver', /driver serving on/, 60_000);
    const startExecutor = async (host: string): Promise<void> => {
      const from = c.logOf('driver', 'driver').length;
      c.startExecutor(host, host, ['driver']);
      await c.waitForLog('driver', 'driver', new RegExp(`executor ${host} registered`), 60_000, from);
    };
    for (const e of ['exec-a', 'exec-b', 'exec-c']) await startExecutor(e);

    const topic = 'customer_events';
    const gen = new EventGenerator({ seed: 11, customers: 2000, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(c.bootstrap, topic, 6, inOrder);

    const client = new DriverClient(driverAddress, c.clientSecurity);
    const table = 's3://lake/delta/customer_aggregates';
    const checkpoint = 's3://lake/checkpoints/customers';
    try {
      const spark = TributarySession.builder().appName('seed job on hosts').submitter(new GrpcSubmitter(client)).getOrCreate();
      const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js'));
      const query: StreamingQuery = await seedJob(spark, { bootstrap: c.bootstrap, topic, table, checkpoint, trigger: '500 milliseconds', maxOffsetsPerTrigger: 3_000 });
      const progressText = async (): Promise<string> => JSON.stringify(await query.lastProgress());
      const batchesSoFar = async (): Promise<number> => (await query.recentProgress()).filter((p) => p.numInputRows > 0).length;

      // An executor cut off the network: declared lost once its heartbeats stop; batches go on.
      await waitUntil(query, async () => (await batchesSoFar()) >= 3, 300_000, progressText);
      let from = c.logOf('driver', 'driver').length;
      hosts.partition('exec-b');
      await c.waitForLog('driver', 'driver', /executor exec-b lost/, 30_000, from);
      const before = await batchesSoFar();
      await waitUntil(query, async () => (await batchesSoFar()) >= before + 3, 300_000, progressText);
      // Healed: it registers again.
      from = c.logOf('driver', 'driver').length;
      hosts.heal('exec-b');
      await c.waitForLog('driver', 'driver', /executor exec-b registered/, 60_000, from);

      // A new executor joins on a host of its own; another leaves.
      await startExecutor('exec-d');
      from = c.logOf('driver', 'driver').length;
      c.procs.get('exec-c')!.child.kill('SIGTERM');
      await c.waitForLog('driver', 'driver', /executor exec-c lost/, 30_000, from);

      const lateBound = Math.floor((inOrder.eventTimeMicros[20_000] - DELAY) / WINDOW) * WINDOW;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 600_000, progressText);
      const late = gen.phaseLate(2_000, lateBound);
      await produceEvents(c.bootstrap, topic, 6, late);
      const closing = gen.phaseCloseAll(3);
      await produceEvents(c.bootstrap, topic, 6, closing);
      const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 600_000, progressText);
      await query.stop();

      // Read from the object store, as any host with its credentials would.
      await withEnvironment(c.aws, () => assertSeedTableExact(processStorage(), table, query.id, [...inOrder.values, ...late.values, ...closing.values], late.eventIds));
      // Nothing of the query is in the driver's or an executor's directory: all of it is on S3.
      for (const host of ['driver', ...EXECUTORS]) {
        const files = fs.readdirSync(hosts.dirOf(host), { recursive: true }).map(String);
        assert.ok(!files.some((f) => f.includes('_delta_log') || f.endsWith('.parquet')), `no table files on ${host}: ${files.join(', ')}`);
      }
    } finally {
      client.close();
    }
  });
});
