import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { asBatchId, asStateVersion as sv, BatchId, decimalType, ExecutorJob, LONG, STRING, StateStore, TIMESTAMP, sqlField, testRedis } from '@tributary/common';
import { decodeGroupPartials, GroupLayout, groupLayout } from '../aggregate/group-by';
import { batch, Cell, rowsOf } from '../aggregate/group-by/group-by.test-support';
import { LiveState } from './live-state';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const W = 60_000_000;
const SNAPSHOT_EVERY = 5;

describe('LiveState: state versions over the real store, snapshots off the event loop', function () {
  this.timeout(30_000);
  let checkpointDir: string;
  let job: ExecutorJob;
  let store: StateStore;

  beforeEach(async () => {
    checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'trib-live-state-'));
    job = {
      queryId: randomUUID(), checkpointLocation: checkpointDir, redis: testRedis(), snapshotEvery: SNAPSHOT_EVERY,
    } as ExecutorJob;
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

  describe('group-by state of resolved queries', () => {
    const input = [sqlField('ts', TIMESTAMP), sqlField('kind', STRING), sqlField('price', decimalType(38, 2))];
    const layout: GroupLayout = groupLayout({
      window: { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 },
      keys: [{ column: 1, field: input[1] }],
      aggregates: [
        { fn: 'count', column: null, field: sqlField('n', LONG, false) },
        { fn: 'sum', column: 2, field: sqlField('revenue', decimalType(38, 2)) },
      ],
      schema: [],
    }, input);
    const KINDS = ['a', 'b', null, 'ü'];

    /** Batch b's partials: 300 groups over windows b..b+2, sums near 10^36 and null sums. */
    function partials(b: number): Cell[][] {
      const rows: Cell[][] = [];
      for (let i = 0; i < 300; i++) {
        const sum = i % 11 === 0 ? null : (i % 2 === 0 ? 1n : -1n) * (10n ** 35n + BigInt(b * 1000 + i));
        const kind = KINDS[i % 4] === null ? null : `${KINDS[i % 4]}${i % 40}`;
        rows.push([BigInt((b + (i % 3)) * W), kind, BigInt(1 + (i % 5)), sum]);
      }
      // one row per group: keys repeat only across windows
      const seen = new Set<string>();
      return rows.filter((r) => { const k = `${r[0]}/${r[1]}`; if (seen.has(k)) return false; seen.add(k); return true; });
    }

    /** Model: window/kind → [count, sum | null]; append eviction by the watermark W·(b−1) after batch b. */
    type GroupModel = Map<string, [bigint, bigint | null]>;
    function merge(model: GroupModel, rows: Cell[][]): void {
      for (const r of rows) {
        const k = `${r[0]}/${r[1]}`;
        const a = model.get(k) ?? [0n, null];
        a[0] += r[2] as bigint;
        if (r[3] !== null) a[1] = (a[1] ?? 0n) + (r[3] as bigint);
        model.set(k, a);
      }
    }
    const asGroupModel = (rows: Cell[][]): GroupModel => new Map(rows.map((r) => [`${r[0]}/${r[1]}`, [r[2] as bigint, r[3] as bigint | null]]));

    it('versions change sets and snapshots in the group codec formats, and a new executor rebuilds the same state', async () => {
      const logs: string[] = [];
      const live = new LiveState(storage, (m) => logs.push(m));
      const committed = new Map<BatchId, number>();
      const model: GroupModel = new Map();
      const emitted: GroupModel = new Map();
      const batches = 2 * SNAPSHOT_EVERY + 2;
      const snapshotFile = (v: number) => path.join(checkpointDir, 'state', '0', `${v}.0.snapshot.arrow`);
      for (let b = 0; b < batches; b++) {
        await store.setFence(sv(b + 1), 0);
        const table = await live.checkoutGroups(job, layout, 0, b === 0 ? null : asBatchId(b - 1), committed);
        const rows = partials(b);
        table.merge(batch(layout.stateSchema, rows));
        merge(model, rows);
        // windows ending at or before W·b close (append mode)
        const out = rowsOf(table.evictClosed(W * b));
        for (const r of out) {
          const k = `${r[0]}/${r[1]}`;
          assert.ok(BigInt(r[0] as bigint) + BigInt(W) <= BigInt(W * b), `window of ${k} is closed`);
          emitted.set(k, [r[2] as bigint, r[3] as bigint | null]);
          assert.deepEqual(emitted.get(k), model.get(k), `emitted ${k} holds every partial merged`);
          model.delete(k);
        }
        const changes = await live.commitGroups(job, 0, asBatchId(b), 0, table, out.length);
        assert.ok(changes.upserted > 0);
        assert.equal(await store.emittedRows(0, sv(b + 1), 0), out.length, 'the emitted row count is recorded with the version');
        committed.set(asBatchId(b), 0);
        for (let t = 0; t < 200 && (b + 1) % SNAPSHOT_EVERY === 0 && !existsSync(snapshotFile(b + 1)); t++) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(emitted.size > 200, `windows were emitted (${emitted.size} groups)`);
      assert.ok(existsSync(snapshotFile(SNAPSHOT_EVERY)) && existsSync(snapshotFile(2 * SNAPSHOT_EVERY)), logs.join('; '));
      // The latest snapshot holds the state after batch 2K−1 (group-partials/v1 of the layout).
      assert.ok(decodeGroupPartials(layout, readFileSync(snapshotFile(2 * SNAPSHOT_EVERY))).count > 0);
      assert.ok(!logs.some((m) => m.startsWith('loaded state')), 'tables came from the cache');
      await live.close();

      const fresh = new LiveState(storage, (m) => logs.push(m));
      const rebuilt = await fresh.checkoutGroups(job, layout, 0, asBatchId(batches - 1), committed);
      assert.deepEqual(asGroupModel(rowsOf(rebuilt.allRows())), model);
      assert.match(logs[logs.length - 1], new RegExp(`snapshot ${2 * SNAPSHOT_EVERY} \\+ 2 change sets`));
      await fresh.close();
    });

    it('does not use a cached table of an attempt the driver did not commit: it reloads the committed one', async () => {
      const logs: string[] = [];
      const live = new LiveState(storage, (m) => logs.push(m));
      const committed = new Map<BatchId, number>();
      await store.setFence(sv(1), 0);
      const t0 = await live.checkoutGroups(job, layout, 0, null, committed);
      t0.merge(batch(layout.stateSchema, partials(0)));
      await live.commitGroups(job, 0, asBatchId(0), 0, t0, 0);
      committed.set(asBatchId(0), 0);
      // batch 1, attempt 1 merges and writes, but the driver commits attempt 2 of batch 1 instead
      await store.setFence(sv(2), 1);
      const t1 = await live.checkoutGroups(job, layout, 0, asBatchId(0), committed);
      t1.merge(batch(layout.stateSchema, partials(1)));
      await live.commitGroups(job, 0, asBatchId(1), 1, t1, 0);
      await store.setFence(sv(2), 2);
      const t2 = await live.checkoutGroups(job, layout, 0, asBatchId(0), committed);
      assert.ok(logs.some((m) => m.startsWith('loaded state of partition 0 at version 1')), logs.join('; '));
      const model: GroupModel = new Map();
      merge(model, partials(0));
      assert.deepEqual(asGroupModel(rowsOf(t2.allRows())), model);
      await live.close();
    });
    it('writes every Kth version as a snapshot equal to the state then (encoded on the worker), and loads it with change sets exactly', async () => {
      const logs: string[] = [];
      const live = new LiveState(storage, (m) => logs.push(m));
      const committed = new Map<BatchId, number>();
      const model: GroupModel = new Map();
      const models: GroupModel[] = [];
      const batches = 3 * SNAPSHOT_EVERY + 3;
      const snapshotFile = (v: number) => path.join(checkpointDir, 'state', '0', `${v}.0.snapshot.arrow`);
      for (let b = 0; b < batches; b++) {
        await store.setFence(sv(b + 1), 0);
        const table = await live.checkoutGroups(job, layout, 0, b === 0 ? null : asBatchId(b - 1), committed);
        const rows = partials(b);
        table.merge(batch(layout.stateSchema, rows));
        merge(model, rows);
        models.push(new Map([...model].map(([k, v]) => [k, [v[0], v[1]]])));
        await live.commitGroups(job, 0, asBatchId(b), 0, table, 0);
        committed.set(asBatchId(b), 0);
        for (let t = 0; t < 200 && (b + 1) % SNAPSHOT_EVERY === 0 && !existsSync(snapshotFile(b + 1)); t++) await new Promise((r) => setTimeout(r, 50));
      }
      for (const v of [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY, 3 * SNAPSHOT_EVERY]) {
        assert.ok(existsSync(snapshotFile(v)), `snapshot ${v} written (logs: ${logs.join('; ')})`);
        assert.deepEqual(asGroupModel(rowsOf(decodeGroupPartials(layout, readFileSync(snapshotFile(v))))), models[v - 1], `snapshot ${v} is the state after batch ${v - 1}`);
      }
      assert.ok([...model.keys()].some((k) => k.endsWith('/null')), 'null keys occur');
      assert.ok([...model.values()].some((a) => a[1] !== null && a[1] > 10n ** 35n), 'sums beyond 18 digits occur');
      await live.close();

      const fresh = new LiveState(storage, (m) => logs.push(m));
      const rebuilt = await fresh.checkoutGroups(job, layout, 0, asBatchId(batches - 1), committed);
      assert.match(logs[logs.length - 1], new RegExp(`snapshot ${3 * SNAPSHOT_EVERY} \\+ 3 change sets`));
      assert.deepEqual(asGroupModel(rowsOf(rebuilt.allRows())), model);
      await fresh.close();
    });

    it('takes a snapshot due only once no partition is checked out: never inside a reduce task still merging other partitions', async () => {
      const logs: string[] = [];
      const live = new LiveState(storage, (m) => logs.push(m));
      const committed = new Map<BatchId, number>();
      const snapshotFile = (p: number, v: number) => path.join(checkpointDir, 'state', String(p), `${v}.0.snapshot.arrow`);
      for (let b = 0; b < SNAPSHOT_EVERY; b++) {
        await store.setFence(sv(b + 1), 0);
        const prev = b === 0 ? null : asBatchId(b - 1);
        const t0 = await live.checkoutGroups(job, layout, 0, prev, committed);
        const t1 = await live.checkoutGroups(job, layout, 1, prev, committed);
        t0.merge(batch(layout.stateSchema, partials(b)));
        t1.merge(batch(layout.stateSchema, partials(b)));
        await live.commitGroups(job, 0, asBatchId(b), 0, t0, 0);
        if (b === SNAPSHOT_EVERY - 1) {
          await new Promise((r) => setTimeout(r, 300)); // partition 1 is still in its task
          assert.ok(!existsSync(snapshotFile(0, SNAPSHOT_EVERY)), 'no snapshot while a partition is checked out');
        }
        await live.commitGroups(job, 1, asBatchId(b), 0, t1, 0);
        committed.set(asBatchId(b), 0);
      }
      for (let t = 0; t < 200 && !(existsSync(snapshotFile(0, SNAPSHOT_EVERY)) && existsSync(snapshotFile(1, SNAPSHOT_EVERY))); t++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(existsSync(snapshotFile(0, SNAPSHOT_EVERY)) && existsSync(snapshotFile(1, SNAPSHOT_EVERY)), logs.join('; '));
      await live.close();
    });

    it('releases what an idle query holds once another query runs, and the idle one reloads its state from the store', async () => {
      const logs: string[] = [];
      const live = new LiveState(storage, (m) => logs.push(m), 200);
      const committed = new Map<BatchId, number>();
      const model: GroupModel = new Map();
      for (let b = 0; b < 3; b++) {
        await store.setFence(sv(b + 1), 0);
        const table = await live.checkoutGroups(job, layout, 0, b === 0 ? null : asBatchId(b - 1), committed);
        table.merge(batch(layout.stateSchema, partials(b)));
        merge(model, partials(b));
        await live.commitGroups(job, 0, asBatchId(b), 0, table, 0);
        committed.set(asBatchId(b), 0);
      }
      assert.ok(!logs.some((m) => m.startsWith('loaded state')), 'tables came from the cache so far');
      await new Promise((r) => setTimeout(r, 300));
      const other = { ...job, queryId: randomUUID() } as ExecutorJob;
      await live.checkoutGroups(other, layout, 0, null, new Map());
      assert.ok(logs.some((m) => m.startsWith(`released the live state of query ${job.queryId}`)), logs.join('; '));
      const reloaded = await live.checkoutGroups(job, layout, 0, asBatchId(2), committed);
      assert.ok(logs.some((m) => m.startsWith('loaded state of partition 0 at version 3')), logs.join('; '));
      assert.deepEqual(asGroupModel(rowsOf(reloaded.allRows())), model);
      await live.close();
    });
  });
});
