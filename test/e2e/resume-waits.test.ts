/**
 * A query resumed by a restarted driver is not refused when Redis is unreachable (as a first
 * submission is): the driver waits and retries, and the query runs once Redis is back. Real
 * processes: a private redis-server that is stopped and started again, a driver killed with
 * SIGKILL and restarted, an executor, Kafka.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DriverClient, freePort, generateEvents, LocalCluster, produceEvents, startRedis, stopRedis } from '@tributary/client';
import { testKafka } from '../support/infra';
import { seedSpec } from '../support/specs';

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a query resumed by a restarted driver waits for Redis instead of being refused', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let redisDir: string;
  let cluster: LocalCluster | undefined;
  let client: DriverClient | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-resume-'));
    redisDir = path.join(dir, 'redis');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) console.log(`--- driver log (tail)\n${cluster.logOf('driver').slice(-4000)}`);
    client?.close();
    await cluster?.stop();
    await stopRedis(redisDir).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the query with the same id once Redis answers again, and goes on committing batches', async () => {
    const port = await freePort();
    await startRedis(redisDir, port);
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: { host: '127.0.0.1', port }, executors: 1 });
    client = new DriverClient(cluster.driverAddress);
    const topic = `resume_waits_${Date.now()}`;
    await produceEvents(testKafka(), topic, 2, generateEvents({ seed: 3, customers: 50, count: 2000 }));
    const spec = seedSpec(testKafka(), topic, dir);
    const info = await client.submit(spec);
    await until(async () => (await client!.get(info.id)).info.lastCommittedBatch >= 0, 60_000, 'the first batch');

    cluster.kill('driver');
    await cluster.driver.exited;
    await stopRedis(redisDir);
    await cluster.startDriver();
    await until(async () => /resuming query from .* waits: Redis at (redis:\/\/)?127\.0\.0\.1:\d+ is unreachable/.test(cluster!.logOf('driver')), 30_000, 'the driver to wait for Redis');
    assert.deepEqual(await client.list(), [], 'not running while Redis is away');
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((cluster.logOf('driver').match(/resuming query from .* waits/g) ?? []).length >= 2, 'it retries');

    await startRedis(redisDir, port);
    await until(async () => (await client!.list()).some((q) => q.id === info.id && q.state === 'ACTIVE'), 60_000, 'the query to resume');
    const before = (await client.get(info.id)).info.lastCommittedBatch;
    assert.ok(before >= 0);
    await produceEvents(testKafka(), topic, 2, generateEvents({ seed: 4, customers: 50, count: 2000 }));
    await until(async () => (await client!.get(info.id)).info.lastCommittedBatch > before, 60_000, 'a batch after the resume');
  });
});
