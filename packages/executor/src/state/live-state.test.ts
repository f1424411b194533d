import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { asBatchId, asStateVersion as sv, BatchId, ExecutorJob, StateStore, testRedis } from '@tributary/common';
import { PartialSet, decodePartialSet } from '../aggregate';
import { LiveState } from './live-state';

const W = 60_000_000;
const SNAPSHOT_EVERY = 5;

/** Batch b's input: 2,000 rows over 3 windows and 500 customers; some sums far past 2^53. */
function batchInput(b: number): PartialSet {
  const n = 2000;
  const set = {
    length: n,
    windowStartMicros: new Float64Array(n),
    customerId: new Int32Array(n),
    count: new Float64Array(n),
    sumCents: new Float64Array(n),
    exactSums: new Map<number, bigint>(),
  };
  for (let i = 0; i < n; i++) {
    set.windowStartMicros[i] = ((b + (i % 3)) % 4) * W;
    set.customerId[i] = (i * 7919 + b * 31) % 500;
    set.count[i] = 1 + (i % 3);
    if (i % 97 === 0) {
      set.sumCents[i] = NaN;
      set.exactSums.set(i, (i % 2 === 0 ? 1n : -1n) * (2n ** 60n + BigInt(b * 1000 + i)));
    } else {
      set.sumCents[i] = (i % 5 === 0 ? -1 : 1) * (b * 100_003 + i);
    }
  }
  return set;
}

type Model = Map<string, { count: number; sum: bigint }>;

function addToModel(model: Model, set: PartialSet): void {
  for (let i = 0; i < set.length; i++) {
    const k = `${set.windowStartMicros[i]}/${set.customerId[i]}`;
    const a = model.get(k) ?? { count: 0, sum: 0n };
    a.count += set.count[i];
    a.sum += Number.isNaN(set.sumCents[i]) ? (set.exactSums.get(i) as bigint) : BigInt(set.sumCents[i]);
    model.set(k, a);
  }
}

function asModel(set: PartialSet): Model {
  const m: Model = new Map();
  addToModel(m, set);
  assert.equal(m.size, set.length, 'one row per key');
  return m;
}

describe('LiveState: state versions over the real store, snapshots off the event loop', function () {
  this.timeout(30_000);
  let checkpointDir: string;
  let job: ExecutorJob;
  let store: StateStore;

  beforeEach(async () => {
    checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'trib-live-state-'));
    job = {
      queryId: randomUUID(), windowMicros: W, checkpointLocation: checkpointDir, redis: testRedis(), snapshotEvery: SNAPSHOT_EVERY,
    } as ExecutorJob;
    store = await StateStore.open({ redis: testRedis(), checkpointDir, queryId: job.queryId, snapshotEvery: SNAPSHOT_EVERY, warn: () => undefined });
  });

  afterEach(async () => {
    await store.close();
    const raw = new Redis(testRedis());
    const keys = await raw.keys(`trib:{${job.queryId}}:*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  /** Batch b of attempt 0 on partition 0, as the driver and a reduce task run it; the model follows. */
  async function runBatch(live: LiveState, b: number, committed: Map<BatchId, number>, model: Model): Promise<void> {
    await store.setFence(sv(b + 1), 0); // batch b writes state version b+1
    const table = await live.checkout(job, 0, b === 0 ? null : asBatchId(b - 1), committed);
    const input = batchInput(b);
    table.merge(input);
    addToModel(model, input);
    await live.commit(job, 0, asBatchId(b), 0, table, 0);
    committed.set(asBatchId(b), 0);
  }

  it('writes every Kth version as a snapshot equal to the state, and a new executor rebuilds from it', async () => {
    const logs: string[] = [];
    const live = new LiveState((m) => logs.push(m));
    const committed = new Map<BatchId, number>();
    const models: Model[] = [];
    const model: Model = new Map();
    const batches = 3 * SNAPSHOT_EVERY + 2;
    const snapshotFile = (v: number) => path.join(checkpointDir, 'state', '0', `${v}.0.snapshot.arrow`);
    for (let b = 0; b < batches; b++) {
      await runBatch(live, b, committed, model);
      models.push(new Map([...model].map(([k, v]) => [k, { ...v }])));
      // A snapshot is skipped while the previous one is being written: give each time to land.
      for (let t = 0; t < 200 && (b + 1) % SNAPSHOT_EVERY === 0 && !existsSync(snapshotFile(b + 1)); t++) await new Promise((r) => setTimeout(r, 50));
    }
    const due = [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY, 3 * SNAPSHOT_EVERY];
    for (const v of due) {
      assert.ok(existsSync(snapshotFile(v)), `snapshot of version ${v} written (logs: ${logs.join('; ')})`);
      assert.deepEqual(asModel(decodePartialSet(readFileSync(snapshotFile(v)))), models[v - 1], `snapshot ${v} is the state after batch ${v - 1}`);
    }
    assert.ok(![...model.values()].every((a) => a.sum < 2n ** 53n && a.sum > -(2n ** 53n)), 'sums past 2^53 occur');
    await live.close();

    const fresh = new LiveState((m) => logs.push(m));
    const rebuilt = await fresh.checkout(job, 0, asBatchId(batches - 1), committed);
    assert.deepEqual(asModel(rebuilt.snapshot()), model);
    assert.match(logs[logs.length - 1], new RegExp(`snapshot ${3 * SNAPSHOT_EVERY} \\+ 2 change sets`));
    await fresh.close();
  });

  it('releases what an idle query holds once another query runs, and the idle one reloads its state from the store', async () => {
    const logs: string[] = [];
    const live = new LiveState((m) => logs.push(m), 200);
    const committed = new Map<BatchId, number>();
    const model: Model = new Map();
    for (let b = 0; b < 3; b++) await runBatch(live, b, committed, model);
    assert.ok(!logs.some((m) => m.startsWith('loaded state')), 'tables came from the cache so far');
    await new Promise((r) => setTimeout(r, 300));
    const other = { ...job, queryId: randomUUID() } as ExecutorJob;
    await live.checkout(other, 0, null, new Map());
    assert.ok(logs.some((m) => m.startsWith(`released the live state of query ${job.queryId}`)), logs.join('; '));
    const reloaded = await live.checkout(job, 0, asBatchId(2), committed);
    assert.ok(logs.some((m) => m.startsWith('loaded state of partition 0 at version 3')), logs.join('; '));
    assert.deepEqual(asModel(reloaded.snapshot()), model);
    await live.close();
  });
});
