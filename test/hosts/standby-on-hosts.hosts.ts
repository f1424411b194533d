/**
 * The standby driver across hosts: two drivers on hosts of their own share the driver lease (in
 * Redis, on its own host) and a state directory on the object store; executors and the client are
 * given both addresses. The leader is cut off the network mid-stream: it cannot renew, so it
 * deposes itself, and the standby takes the lease within a few seconds and resumes the query from
 * its checkpoint on S3. Healed, the old leader stands by; nothing it wrote while cut off lands.
 * The seed table equals the independent calculation and each batch is committed once.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { processStorage } from '@tributary/common';
import { DriverClient, EventGenerator, GrpcSubmitter, produceEvents, REPO_ROOT, StreamingQuery, TributarySession } from '@tributary/client';
import { assertSeedTableExact, HostsCluster, withEnvironment } from '../support/hosts-cluster';
import { MINUTE, waitUntil, watermarkMicros } from '../support/seed-run';

const LEASE_TTL_MS = 2000;
const TAKEOVER_BOUND_MS = 10_000;
const EXECUTORS = ['exec-a', 'exec-b'];

describe('the standby driver on another host takes over from a partitioned leader', function () {
  this.timeout(30 * 60_000);
  let c: HostsCluster;

  before(async function () {
    this.timeout(10 * 60_000);
    c = await HostsCluster.start(['driver-1', 'driver-2', ...EXECUTORS], ['driver-1', 'driver-2']);
  });

  after(async function () {
    this.timeout(120_000);
    if (this.currentTest?.state === 'failed' || process.env.TRIBUTARY_KEEP_LOGS) c?.printLogs(['driver-1', 'driver-2', ...EXECUTORS]);
    await c?.destroy();
  });

  it('resumes the seed job within a few seconds of the leader\'s partition; the healed leader stands by; the table is exact', async () => {
    const { hosts } = c;
    const drivers = ['driver-1', 'driver-2'];
    const addresses = drivers.map((d) => c.driverAddress(d)).join(',');
    const startDriver = (d: string): void => {
      c.startDriver(d, { stateDir: 's3://lake/driver-state', allowedRoots: ['s3://lake/delta', 's3://lake/checkpoints'], leaseTtlMs: LEASE_TTL_MS });
    };
    startDriver('driver-1');
    await c.waitForLog('driver-1', 'driver-1', /leading: acquired the driver lease/, 60_000);
    startDriver('driver-2');
    await c.waitForLog('driver-2', 'driver-2', /standing by/, 60_000);
    for (const e of EXECUTORS) {
      c.startExecutor(e, e, drivers);
      await c.waitForLog('driver-1', 'driver-1', new RegExp(`executor ${e} registered`), 60_000);
    }

    const topic = 'customer_events';
    const gen = new EventGenerator({ seed: 5, customers: 2000, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(c.bootstrap, topic, 6, inOrder);
    const client = new DriverClient(addresses, c.clientSecurity);
    const table = 's3://lake/delta/customer_aggregates';
    try {
      const spark = TributarySession.builder().appName('standby on hosts').submitter(new GrpcSubmitter(client)).getOrCreate();
      const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js'));
      const query: StreamingQuery = await seedJob(spark, {
        bootstrap: c.bootstrap, topic, table, checkpoint: 's3://lake/checkpoints/customers', trigger: '500 milliseconds', maxOffsetsPerTrigger: 3_000,
      });
      const progressText = async (): Promise<string> => JSON.stringify(await query.lastProgress()).slice(0, 2000);
      const batchesSoFar = async (): Promise<number> => (await query.recentProgress()).filter((p) => p.numInputRows > 0).length;
      await waitUntil(query, async () => (await batchesSoFar()) >= 3, 300_000, progressText);

      // The leader is cut off: the standby takes over within a few seconds.
      const cutAt = Date.now();
      hosts.partition('driver-1');
      await c.waitForLog('driver-2', 'driver-2', /leading: acquired the driver lease/, 60_000);
      const takeoverMs = Date.now() - cutAt;
      console.log(`      the standby took over ${takeoverMs} ms after the leader was cut off (lease ttl ${LEASE_TTL_MS} ms)`);
      assert.ok(takeoverMs <= TAKEOVER_BOUND_MS, `took over after ${takeoverMs} ms`);
      await c.waitForLog('driver-1', 'driver-1', /DEPOSED/, 30_000);
      for (const e of EXECUTORS) await c.waitForLog('driver-2', 'driver-2', new RegExp(`executor ${e} registered`), 60_000);

      // Healed, the old leader stands by; the query goes on under the new leader to the end.
      hosts.heal('driver-1');
      const closing = gen.phaseCloseAll(3);
      await produceEvents(c.bootstrap, topic, 6, closing);
      const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 600_000, progressText);
      await c.waitForLog('driver-1', 'driver-1', /standing by/, 60_000, c.logOf('driver-1', 'driver-1').search(/DEPOSED/));
      await query.stop();

      await withEnvironment(c.aws, () => assertSeedTableExact(processStorage(), table, query.id, [...inOrder.values, ...closing.values], []));
    } finally {
      client.close();
    }
  });
});
