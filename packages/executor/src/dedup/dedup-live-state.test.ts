import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { asBatchId, asStateVersion as sv, BatchId, ColumnBatch, ExecutorJob, INT, LONG, STRING, StateStore, TIMESTAMP, sqlField, testRedis } from '@tributary/common';
import { batch, Cell, rowsOf } from '../aggregate/group-by/group-by.test-support';
import { LiveState } from '../state/live-state';
import { DedupLayout } from './dedup-layout';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const S = 1_000_000;
const SNAPSHOT_EVERY = 4;
const rowSchema = [sqlField('id', STRING), sqlField('ts', TIMESTAMP, false)];
const layout: DedupLayout = {
  rowSchema, keys: [0], eventTime: 1, expiryDelayMicros: 20 * S, withinWatermark: true,
  shuffleSchema: [...rowSchema, sqlField('kafka_partition', INT, false), sqlField('kafka_offset', LONG, false)],
  stateSchema: [rowSchema[0], sqlField('expires_at', TIMESTAMP, false)],
};

/** Batch b: 200 rows over ids k0..k59 (so ids repeat within and across batches), times 10 s apart per batch. */
function rowsOfBatch(b: number): Cell[][] {
  const rows: Cell[][] = [];
  for (let i = 0; i < 200; i++) rows.push([`k${(i * 7 + b * 13) % 60}`, BigInt((b * 10 + (i % 10)) * S), (i * 3) % 4, BigInt(1000 * b + i)]);
  return rows;
}

/** dropDuplicatesWithinWatermark by hand: id → expiry; returns the kept rows' offsets. */
function modelBatch(state: Map<string, bigint>, rows: Cell[][], watermark: bigint): bigint[] {
  const sorted = [...rows].sort((a, b) => (a[2] as number) - (b[2] as number) || Number((a[3] as bigint) - (b[3] as bigint)));
  const kept: bigint[] = [];
  for (const r of sorted) {
    if (state.has(r[0] as string)) continue;
    state.set(r[0] as string, (r[1] as bigint) + 20n * BigInt(S));
    kept.push(r[3] as bigint);
  }
  for (const [k, e] of state) if (e <= watermark) state.delete(k);
  return kept.sort((a, b) => Number(a - b));
}

const keptOffsets = (b: ColumnBatch, kept: Int32Array): bigint[] => Array.from(kept, (i) => rowsOf(b)[i][3] as bigint).sort((x, y) => Number(x - y));

describe('LiveState: dedup state versions over the real store', function () {
  this.timeout(30_000);
  let checkpointDir: string;
  let job: ExecutorJob;
  let store: StateStore;

  beforeEach(async () => {
    checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'trib-dedup-state-'));
    job = { queryId: randomUUID(), checkpointLocation: checkpointDir, redis: testRedis(), snapshotEvery: SNAPSHOT_EVERY } as ExecutorJob;
    store = await StateStore.open({ storage, redis: testRedis(), checkpointDir, queryId: job.queryId, snapshotEvery: SNAPSHOT_EVERY, warn: () => undefined });
  });

  afterEach(async () => {
    await store.close();
    const raw = new Redis(testRedis());
    const keys = await raw.keys(`trib:{${job.queryId}}:*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  it('keeps what a model of Spark’s rules keeps, batch after batch; a new executor rebuilds the state from snapshot + change sets', async () => {
    const logs: string[] = [];
    const live = new LiveState(storage, (m) => logs.push(m));
    const committed = new Map<BatchId, number>();
    const model = new Map<string, bigint>();
    const batches = 2 * SNAPSHOT_EVERY + 2;
    const snapshotFile = (v: number) => path.join(checkpointDir, 'state', '0', `${v}.0.snapshot.arrow`);
    let keptTotal = 0;
    for (let b = 0; b < batches; b++) {
      await store.setFence(sv(b + 1), 0);
      const table = await live.checkoutDedup(job, layout, 0, b === 0 ? null : asBatchId(b - 1), committed);
      table.mark();
      const rows = batch(layout.shuffleSchema, rowsOfBatch(b));
      const watermark = BigInt((b * 10 - 15) * S);
      const kept = table.keepFirst(rows);
      table.evict(Number(watermark));
      assert.deepEqual(keptOffsets(rows, kept), modelBatch(model, rowsOfBatch(b), watermark), `batch ${b}`);
      keptTotal += kept.length;
      await live.commitDedup(job, 0, asBatchId(b), 0, table, kept.length);
      assert.equal(await store.emittedRows(0, sv(b + 1), 0), kept.length);
      committed.set(asBatchId(b), 0);
      for (let t = 0; t < 100 && (b + 1) % SNAPSHOT_EVERY === 0 && !existsSync(snapshotFile(b + 1)); t++) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(keptTotal > 100 && keptTotal < batches * 60, `ids came back after their expiry, and duplicates were dropped (${keptTotal} kept)`);
    assert.ok(existsSync(snapshotFile(SNAPSHOT_EVERY)) && existsSync(snapshotFile(2 * SNAPSHOT_EVERY)), logs.join('; '));
    assert.ok(!logs.some((m) => m.startsWith('loaded state')), 'tables came from the cache');
    await live.close();

    const fresh = new LiveState(storage, (m) => logs.push(m));
    const rebuilt = await fresh.checkoutDedup(job, layout, 0, asBatchId(batches - 1), committed);
    const asModel = new Map(rowsOf(rebuilt.allRows()).map((r) => [r[0] as string, r[1] as bigint]));
    assert.deepEqual(asModel, model);
    assert.match(logs[logs.length - 1], new RegExp(`snapshot ${2 * SNAPSHOT_EVERY} \\+ 2 change sets`));
    await fresh.close();
  });

  it('a replayed batch (the driver committed another attempt) reloads the committed state and keeps the same rows', async () => {
    const logs: string[] = [];
    const live = new LiveState(storage, (m) => logs.push(m));
    const committed = new Map<BatchId, number>();
    await store.setFence(sv(1), 0);
    const t0 = await live.checkoutDedup(job, layout, 0, null, committed);
    t0.mark();
    t0.keepFirst(batch(layout.shuffleSchema, rowsOfBatch(0)));
    await live.commitDedup(job, 0, asBatchId(0), 0, t0, 0);
    committed.set(asBatchId(0), 0);
    // Batch 1, attempt 1 keeps rows and writes its version; the driver then runs attempt 2 instead.
    // Half of its rows have ids batch 0 never saw.
    const input = batch(layout.shuffleSchema, rowsOfBatch(1).map((r, i) => (i % 2 === 0 ? [`x${r[0] as string}`, ...r.slice(1)] : r)));
    await store.setFence(sv(2), 1);
    const t1 = await live.checkoutDedup(job, layout, 0, asBatchId(0), committed);
    t1.mark();
    const first = keptOffsets(input, t1.keepFirst(input));
    await live.commitDedup(job, 0, asBatchId(1), 1, t1, first.length);
    await store.setFence(sv(2), 2);
    const t2 = await live.checkoutDedup(job, layout, 0, asBatchId(0), committed);
    assert.ok(logs.some((m) => m.startsWith('loaded state of partition 0 at version 1')), logs.join('; '));
    t2.mark();
    assert.deepEqual(keptOffsets(input, t2.keepFirst(input)), first);
    assert.ok(first.length >= 30 && first.length < 200, `${first.length} rows kept`);
    await live.close();
  });
});
