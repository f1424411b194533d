import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { DataLossError, FencedError, InvalidArgumentError } from '../errors';
import { StateStore, StateStoreOptions } from './state-store';

import { testRedis } from '../testing';
import { asStateVersion as sv, type StateVersion } from '../batch/batch-id';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

/** A blob that is not valid UTF-8 and differs per (partition, version, attempt, kind). */
function blob(partition: number, version: number, attempt: number, kind: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80]), Buffer.from(`${kind} p${partition} v${version} a${attempt}`)]);
}

describe('StateStore (shared Redis, unique query per test)', function () {
  this.timeout(20_000);
  let checkpointDir: string;
  let queryId: string;
  let raw: Redis;
  const stores: StateStore[] = [];

  async function open(extra: Partial<StateStoreOptions> = {}): Promise<StateStore> {
    const store = await StateStore.open({ storage, redis: testRedis(), checkpointDir, queryId, warn: () => undefined, ...extra });
    stores.push(store);
    return store;
  }

  /** Writes versions 1..last of a partition as attempt 0, a snapshot too where the store says so. */
  async function writeVersions(store: StateStore, partition: number, last: number): Promise<void> {
    for (let v = 1; v <= last; v++) {
      await store.setFence(sv(v), 0);
      await store.write(partition, sv(v), 0, 'delta', blob(partition, v, 0, 'delta'));
      if (store.shouldSnapshot(sv(v))) await store.write(partition, sv(v), 0, 'snapshot', blob(partition, v, 0, 'snapshot'));
    }
  }

  function diskFiles(partition: number): string[] {
    return readdirSync(path.join(checkpointDir, 'state', String(partition))).sort();
  }

  async function redisKeys(pattern: string): Promise<string[]> {
    return (await raw.keys(pattern)).sort();
  }

  before(() => {
    raw = new Redis(testRedis());
  });
  after(() => raw.quit());

  beforeEach(() => {
    checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'trib-state-'));
    queryId = randomUUID();
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    const keys = await raw.keys(`trib:{${queryId}}:*`);
    if (keys.length > 0) await raw.del(...keys);
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  it('accepts the current attempt and fences off a paused attempt that wakes up after the driver moved on', async () => {
    const store = await open();
    await store.setFence(sv(1), 1);
    // Attempt 1 pauses before writing; the driver gives up on it and starts attempt 2.
    await store.setFence(sv(1), 2);
    await store.write(0, sv(1), 2, 'delta', blob(0, 1, 2, 'delta'));
    await assert.rejects(store.write(0, sv(1), 1, 'delta', blob(0, 1, 1, 'delta')), FencedError);

    const [attempt, bytes] = await raw.hmgetBuffer(`trib:{${queryId}}:p0:v1:delta`, 'attempt', 'bytes');
    assert.equal(attempt!.toString(), '2');
    assert.deepEqual(bytes, blob(0, 1, 2, 'delta'));
    assert.deepEqual(diskFiles(0), ['1.2.delta.arrow']);
    const chain = await store.loadChain(0, sv(1), () => 2);
    assert.deepEqual(Buffer.from(chain.changes[0].bytes), blob(0, 1, 2, 'delta'));

    // Once the driver has moved to batch 2, no attempt may write version 1 any more.
    await store.setFence(sv(2), 0);
    await assert.rejects(store.write(0, sv(1), 2, 'delta', blob(0, 1, 2, 'delta')), FencedError);
  });

  it('loads from Redis when Redis holds the committed attempt, even with the disk copy gone', async () => {
    const store = await open();
    await writeVersions(store, 3, 3);
    rmSync(path.join(checkpointDir, 'state', '3'), { recursive: true });
    const chain = await store.loadChain(3, sv(3), () => 0);
    assert.equal(chain.snapshot, undefined);
    assert.deepEqual(
      chain.changes.map((c) => [c.version, Buffer.from(c.bytes)]),
      [1, 2, 3].map((v) => [v, blob(3, v, 0, 'delta')]),
    );
  });

  it('stores large binary blobs byte for byte on both paths', async () => {
    const store = await open();
    const big = randomBytes(3 * 1024 * 1024 + 7);
    await store.setFence(sv(1), 0);
    await store.write(1, sv(1), 0, 'snapshot', big);
    const fromRedis = await store.loadChain(1, sv(1), () => 0);
    assert.ok(big.equals(Buffer.from(fromRedis.snapshot!.bytes)));
    await raw.del(`trib:{${queryId}}:p1:v1:snapshot`);
    const fromDisk = await store.loadChain(1, sv(1), () => 0);
    assert.ok(big.equals(Buffer.from(fromDisk.snapshot!.bytes)));
  });

  it('with a snapshot every 3 versions loads the newest snapshot at or below the version plus the changes after it', async () => {
    const store = await open({ snapshotEvery: 3 });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].filter((v) => store.shouldSnapshot(sv(v))), [3, 6, 9]);
    assert.equal(store.shouldSnapshot(sv(0)), false);
    await writeVersions(store, 2, 8);

    const expect = async (version: number, snapshot: number | undefined, changes: number[]) => {
      const chain = await store.loadChain(2, sv(version), () => 0);
      assert.equal(chain.snapshot?.version, snapshot, `snapshot for version ${version}`);
      if (snapshot !== undefined) assert.deepEqual(Buffer.from(chain.snapshot!.bytes), blob(2, snapshot, 0, 'snapshot'));
      assert.deepEqual(chain.changes.map((c) => c.version), changes, `changes for version ${version}`);
      for (const c of chain.changes) assert.deepEqual(Buffer.from(c.bytes), blob(2, c.version, 0, 'delta'));
    };
    await expect(8, 6, [7, 8]);
    await expect(6, 6, []);
    await expect(5, 3, [4, 5]);
    await expect(2, undefined, [1, 2]);
    await expect(0, undefined, []);
  });

  it("ignores the files of attempts the commit log did not commit", async () => {
    const store = await open();
    await store.setFence(sv(1), 0);
    await store.write(4, sv(1), 0, 'delta', blob(4, 1, 0, 'delta'));
    await store.setFence(sv(1), 1);
    await store.write(4, sv(1), 1, 'delta', blob(4, 1, 1, 'delta'));
    await store.setFence(sv(2), 0);
    await store.write(4, sv(2), 0, 'delta', blob(4, 2, 0, 'delta'));
    await store.setFence(sv(3), 5);
    await store.write(4, sv(3), 5, 'snapshot', blob(4, 3, 5, 'snapshot'));

    // Redis now holds attempt 1 of version 1; attempt 0's copy is only on disk.
    const commitLog = new Map([[1, 0], [2, 0]]);
    const chain = await store.loadChain(4, sv(2), (v) => commitLog.get(v));
    assert.deepEqual(chain.changes.map((c) => Buffer.from(c.bytes)), [blob(4, 1, 0, 'delta'), blob(4, 2, 0, 'delta')]);
    const other = await store.loadChain(4, sv(2), (v) => (v === 1 ? 1 : 0));
    assert.deepEqual(Buffer.from(other.changes[0].bytes), blob(4, 1, 1, 'delta'));

    // Version 3 exists only for attempt 5, which is not committed (yet).
    assert.equal(await store.newestDurableVersion(4, (v) => commitLog.get(v)), 2);
    assert.equal(await store.newestDurableVersion(4, (v) => (v === 3 ? 5 : commitLog.get(v))), 3);
    assert.equal(await store.newestDurableVersion(4, (v) => (v === 3 ? 4 : commitLog.get(v))), 2);
    assert.equal(await store.newestDurableVersion(9, () => 0), 0);
  });

  it('names partition and version when a needed version is missing everywhere', async () => {
    const store = await open();
    await store.setFence(sv(1), 0);
    await store.write(6, sv(1), 0, 'delta', blob(6, 1, 0, 'delta'));
    await store.setFence(sv(3), 0);
    await store.write(6, sv(3), 0, 'delta', blob(6, 3, 0, 'delta'));
    await assert.rejects(store.loadChain(6, sv(3), () => 0), (e: unknown) => {
      assert.ok(e instanceof DataLossError);
      assert.match(e.message, /partition 6 version 2\b/);
      return true;
    });
  });

  it('purges what loading the kept version does not need, on disk and in Redis, and keeps its snapshot', async () => {
    const store = await open({ snapshotEvery: 3 });
    await writeVersions(store, 5, 8);
    // A stale attempt's file and a crashed write's temp file (local storage's name, two hours old).
    writeFileSync(path.join(checkpointDir, 'state', '5', '2.7.delta.arrow'), 'stale');
    const torn = path.join(checkpointDir, 'state', '5', '.4.0.delta.arrow.12345.abc123.tmp');
    writeFileSync(torn, 'torn');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(torn, twoHoursAgo, twoHoursAgo);

    await store.purge(5, sv(2), () => 0); // no snapshot at or below 2: nothing may go
    assert.equal(diskFiles(5).length, 8 + 2 + 2);

    await store.purge(5, sv(7), () => 0);
    assert.deepEqual(diskFiles(5), ['6.0.delta.arrow', '6.0.snapshot.arrow', '7.0.delta.arrow', '8.0.delta.arrow']);
    assert.deepEqual(await redisKeys(`trib:{${queryId}}:p5:v[0-9]*`), [
      `trib:{${queryId}}:p5:v6:delta`,
      `trib:{${queryId}}:p5:v6:snapshot`,
      `trib:{${queryId}}:p5:v7:delta`,
      `trib:{${queryId}}:p5:v8:delta`,
    ]);
    assert.deepEqual(await raw.zrange(`trib:{${queryId}}:p5:versions`, '0', '-1'), ['6', '7', '8']);

    const chain = await store.loadChain(5, sv(8), () => 0);
    assert.equal(chain.snapshot?.version, 6);
    assert.deepEqual(chain.changes.map((c) => c.version), [7, 8]);
    await assert.rejects(store.loadChain(5, sv(5), () => 0), DataLossError);
  });

  it('does not purge past a snapshot of an uncommitted attempt', async () => {
    const store = await open({ snapshotEvery: 100 });
    await writeVersions(store, 7, 4);
    await store.setFence(sv(3), 9);
    await store.write(7, sv(3), 9, 'snapshot', blob(7, 3, 9, 'snapshot'));
    await store.purge(7, sv(4), () => 0);
    assert.equal(diskFiles(7).length, 5);
    const chain = await store.loadChain(7, sv(4), () => 0);
    assert.deepEqual(chain.changes.map((c) => c.version), [1, 2, 3, 4]);
  });

  it('records the format version and refuses a checkpoint of another query', async () => {
    await open();
    await open();
    assert.ok(existsSync(path.join(checkpointDir, 'state', '_metadata')));
    await assert.rejects(
      StateStore.open({ storage, redis: testRedis(), checkpointDir, queryId: randomUUID() }),
      InvalidArgumentError,
    );
  });

  it('refuses nonsense arguments as programming errors', async () => {
    const store = await open();
    await assert.rejects(store.write(0, sv(0), 0, 'delta', Buffer.alloc(1)), InvalidArgumentError);
    await assert.rejects(store.write(-1, sv(1), 0, 'delta', Buffer.alloc(1)), InvalidArgumentError);
    await assert.rejects(store.write(0, sv(1), 0, 'full' as 'delta', Buffer.alloc(1)), InvalidArgumentError);
    await assert.rejects(store.loadChain(0, 1.5 as StateVersion, () => 0), InvalidArgumentError); // unchecked cast: the store checks itself
  });

  it('records the rows a partition emitted beside the fenced change set, readable for the attempt that wrote it only', async () => {
    const store = await open();
    await store.setFence(sv(1), 2);
    await store.write(3, sv(1), 2, 'delta', blob(3, 1, 2, 'delta'), 41);
    assert.equal(await store.emittedRows(3, sv(1), 2), 41);
    assert.equal(await store.emittedRows(3, sv(1), 1), undefined, 'another attempt recorded nothing');
    assert.equal(await store.emittedRows(4, sv(1), 2), undefined, 'another partition recorded nothing');
    // A newer attempt's write replaces the record; one that records no count clears it.
    await store.setFence(sv(1), 3);
    await store.write(3, sv(1), 3, 'delta', blob(3, 1, 3, 'delta'), 0);
    assert.equal(await store.emittedRows(3, sv(1), 3), 0);
    assert.equal(await store.emittedRows(3, sv(1), 2), undefined);
    await store.setFence(sv(1), 4);
    await store.write(3, sv(1), 4, 'delta', blob(3, 1, 4, 'delta'));
    assert.equal(await store.emittedRows(3, sv(1), 4), undefined);
    // A fenced-off attempt cannot record a count.
    await assert.rejects(store.write(3, sv(1), 3, 'delta', blob(3, 1, 3, 'delta'), 99), FencedError);
    assert.equal(await store.emittedRows(3, sv(1), 3), undefined);
    await assert.rejects(store.write(3, sv(1), 4, 'delta', Buffer.alloc(1), -1), InvalidArgumentError);
  });
});
