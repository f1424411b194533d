import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { UnavailableError } from '../errors';
import { PrivateRedisServer } from './redis-server.test-support';
import { StateStore } from './state-store';
import { asStateVersion as sv } from '../batch/batch-id';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const fastRetry = { initialDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0.2, deadlineMs: 10_000 };

function blob(version: number): Buffer {
  return Buffer.from([0xde, 0xad, version, 0x00, 0xbe, 0xef]);
}

describe('StateStore when Redis loses data or goes away (private redis-server)', function () {
  this.timeout(30_000);
  let server: PrivateRedisServer;
  let checkpointDir: string;
  let store: StateStore;
  let raw: Redis;
  let warnings: string[];
  const queryId = randomUUID();

  async function setUp(options: { appendOnly: boolean; deadlineMs?: number }) {
    server = await PrivateRedisServer.start({ appendOnly: options.appendOnly });
    checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'trib-state-outage-'));
    warnings = [];
    store = await StateStore.open({ storage,
      redis: { host: '127.0.0.1', port: server.port },
      checkpointDir,
      queryId,
      snapshotEvery: 2,
      retry: { ...fastRetry, deadlineMs: options.deadlineMs ?? fastRetry.deadlineMs },
      redisCommandTimeoutMs: 500,
      warn: (message) => warnings.push(message),
    });
    raw = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    raw.on('error', () => undefined);
  }

  afterEach(async () => {
    raw.disconnect();
    await store.close();
    await server.stop();
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  it('after FLUSHALL loads identical bytes from the checkpoint', async () => {
    await setUp({ appendOnly: false });
    for (let v = 1; v <= 5; v++) {
      await store.setFence(sv(v), 0);
      await store.write(0, sv(v), 0, 'delta', blob(v));
      if (store.shouldSnapshot(sv(v))) await store.write(0, sv(v), 0, 'snapshot', blob(100 + v));
    }
    await raw.flushall();
    assert.equal(await raw.dbsize(), 0);
    const chain = await store.loadChain(0, sv(5), () => 0);
    assert.equal(chain.snapshot?.version, 4);
    assert.deepEqual(Buffer.from(chain.snapshot!.bytes), blob(104));
    assert.deepEqual(chain.changes.map((c) => [c.version, Buffer.from(c.bytes)]), [[5, blob(5)]]);
  });

  it('a write waits while Redis is down and succeeds once it is back within the deadline', async () => {
    await setUp({ appendOnly: true });
    await store.setFence(sv(1), 0);
    await store.write(0, sv(1), 0, 'delta', blob(1));
    await store.setFence(sv(2), 0);
    await server.kill();

    let settled = false;
    const write = store.write(0, sv(2), 0, 'delta', blob(2)).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(settled, false, 'the write must wait for Redis, which holds the fence');
    assert.equal(existsSync(path.join(checkpointDir, 'state', '0', '2.0.delta.arrow')), false, 'the fence is checked before disk');

    // A loader does not wait: it reads the checkpoint.
    const whileDown = await store.loadChain(0, sv(1), () => 0);
    assert.deepEqual(Buffer.from(whileDown.changes[0].bytes), blob(1));
    assert.ok(warnings.length > 0);

    await server.restart(); // the fence survives in the append-only file; the write script does not
    await write;
    const [attempt, bytes] = await raw.hmgetBuffer(`trib:{${queryId}}:p0:v2:delta`, 'attempt', 'bytes');
    assert.equal(attempt!.toString(), '0');
    assert.deepEqual(bytes, blob(2));
    const chain = await store.loadChain(0, sv(2), () => 0);
    assert.deepEqual(chain.changes.map((c) => Buffer.from(c.bytes)), [blob(1), blob(2)]);
  });

  it('a write fails with UnavailableError when Redis stays down past the deadline', async () => {
    await setUp({ appendOnly: false, deadlineMs: 400 });
    await store.setFence(sv(1), 0);
    await server.kill();
    const started = Date.now();
    await assert.rejects(store.write(0, sv(1), 0, 'delta', blob(1)), UnavailableError);
    assert.ok(Date.now() - started >= 400);
  });

  it('a write fails at once, retriable, when a restarted Redis has lost the fence', async () => {
    await setUp({ appendOnly: false });
    await store.setFence(sv(1), 0);
    await server.kill();
    await server.restart();
    await assert.rejects(store.write(0, sv(1), 0, 'delta', blob(1)), (e: unknown) => {
      assert.ok(e instanceof UnavailableError);
      assert.equal(e.code, 'STATE_FENCE_MISSING');
      assert.equal(e.retriable, true);
      return true;
    });
    await store.setFence(sv(1), 1);
    await store.write(0, sv(1), 1, 'delta', blob(1));
  });
});
