/**
 * What a deposed leader's late writes meet, step by step, against a real Redis lease and a real
 * checkpoint and Delta table: the fencing check refuses them; in the window the check cannot close
 * (a write already past its check when the lease moved), put-if-absent and the table's txn do.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import {
  AddFile, AGGREGATE_TABLE_SCHEMA, asBatchId, BatchCommit, BatchPlan, buildAggregateTable, Checkpoint, LeaseHolder, LocalStorage, readSnapshot, readTableRows,
  RedisLease, testRedis, TributaryError, writeDataFile,
} from '@tributary/common';
import { DeltaSink } from '../commit/delta-sink';
import { LeaseLeadership, LeaseStore, NOT_LEADER } from './leadership';

const FIVE_MIN_US = 300_000_000;
const storage = new LocalStorage();

class CutOffStore implements LeaseStore {
  cut = false;
  constructor(private readonly real: RedisLease) {}
  acquire(holder: string, address: string, ttlMs: number) { return this.real.acquire(holder, address, ttlMs); }
  renew(h: LeaseHolder, ttlMs: number) { return this.cut ? new Promise<boolean>(() => {}) : this.real.renew(h, ttlMs); }
  holds(h: LeaseHolder) { return this.real.holds(h); }
  release(h: LeaseHolder) { return this.real.release(h); }
  close() { this.real.close(); }
}

function plan(batchId: number, to: number): BatchPlan {
  return {
    batchId: asBatchId(batchId), queryId: 'q', batchTimestampMs: 1, noData: false,
    sources: [{ topic: 't', partitions: [{ partition: 0, from: String(batchId * 10), to: String(to) }] }],
    lateWatermarkMicros: 0, watermarkMicros: 0, maxEventTimeMicrosBefore: null, eventTimeGuardReferenceMs: 1,
    shufflePartitions: 2, configHash: 'h', limits: {},
  };
}

function commitEntry(batchId: number, attempt: number): BatchCommit {
  return {
    batchId: asBatchId(batchId), attempt, maxEventTimeMicros: null, watermarkMicros: 0, stateVersion: asBatchId(batchId),
    committedAtMs: 1, numInputRows: 1, numOutputRows: 1, stateRowsTotal: 1, sinks: [],
  };
}

async function file(table: string, customer: number): Promise<AddFile> {
  return writeDataFile(storage, table, buildAggregateTable({
    length: 1, windowStartMicros: Float64Array.of(1_700_000_000_000_000), customerId: Int32Array.of(customer), count: Float64Array.of(1), sumCents: Float64Array.of(customer),
  }, FIVE_MIN_US));
}

describe('a deposed leader\'s late writes (a real Redis lease, checkpoint and Delta table)', () => {
  let dir: string;
  let cluster: string;
  let raw: Redis;
  const leaderships: LeaseLeadership[] = [];

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-deposed-'));
    cluster = `deposed-${randomUUID().slice(0, 8)}`;
    raw = new Redis(testRedis());
  });
  afterEach(async () => {
    for (const l of leaderships.splice(0)) await l.close();
    await raw.del(`tributary:${cluster}:driver-lease`, `tributary:${cluster}:driver-lease-token`);
    await raw.quit();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('are refused by the fencing check, and where a write slips past its check, put-if-absent and the table txn change nothing', async () => {
    const storeA = new CutOffStore(new RedisLease({ ...testRedis(), cluster }));
    const a = new LeaseLeadership({ store: storeA, address: 'h:1', ttlMs: 600, log: () => {} });
    const b = new LeaseLeadership({ store: new CutOffStore(new RedisLease({ ...testRedis(), cluster })), address: 'h:2', ttlMs: 600, log: () => {} });
    leaderships.push(a, b);
    const location = path.join(dir, 'checkpoint');
    const table = path.join(dir, 'table');

    // Leader A plans batch 0 and writes its output files, then freezes (its renewals never arrive).
    await a.awaitLeadership();
    const cpA = await Checkpoint.open(storage, location, { leaseToken: a.token() });
    const sinkA = new DeltaSink(storage, table, { schema: AGGREGATE_TABLE_SCHEMA, partitionColumns: [], complete: false }, 'q', () => {});
    await sinkA.ensureTable();
    await a.assertLeader('planning batch 0');
    assert.equal(await cpA.offsets.add(asBatchId(0), plan(0, 10)), true);
    const filesA = [await file(table, 1)];
    storeA.cut = true;

    // B takes over: A's process is alive on this host, yet its checkpoint lock is a deposed leader's.
    await b.awaitLeadership();
    assert.ok(b.token()! > (JSON.parse((await fs.readFile(path.join(location, '.lock'), 'utf8')).split('\n')[1]).leaseToken as number));
    const cpB = await Checkpoint.open(storage, location, { leaseToken: b.token() });
    const sinkB = new DeltaSink(storage, table, { schema: AGGREGATE_TABLE_SCHEMA, partitionColumns: [], complete: false }, 'q', () => {});
    // B replays batch 0 from its plan and commits it, then plans batch 1.
    await b.assertLeader('committing batch 0');
    const v0 = await sinkB.commitBatch(asBatchId(0), [await file(table, 2)], [{ topic: 't', partition: 0, endOffset: '10' }]);
    assert.equal(v0, 1);
    assert.equal(await cpB.commits.add(asBatchId(0), commitEntry(0, 2)), true);
    assert.equal(await cpB.offsets.add(asBatchId(1), plan(1, 20)), true);
    const before = await readSnapshot(storage, table);

    // A wakes up. Its fencing check refuses every protocol write (and deposes it).
    for (const what of ['committing batch 0 to the table', 'writing the commit log entry of batch 0', 'planning batch 1']) {
      await assert.rejects(a.assertLeader(what), (e) => e instanceof TributaryError && e.code === NOT_LEADER);
    }
    assert.equal(a.isLeader(), false);

    // The window: writes that passed their check just before the lease moved still land nowhere.
    assert.equal(await sinkA.commitBatch(asBatchId(0), filesA, [{ topic: 't', partition: 0, endOffset: '10' }]), 'skipped');
    assert.equal(await cpA.commits.add(asBatchId(0), commitEntry(0, 1)), false);
    assert.equal(await cpA.offsets.add(asBatchId(1), plan(1, 25)), false);
    const after = await readSnapshot(storage, table);
    assert.equal(after.version, before.version);
    assert.deepEqual([...after.files.keys()].sort(), [...before.files.keys()].sort());
    assert.deepEqual((await readTableRows(storage, table)).getChild('customer_id')!.toArray(), Int32Array.of(2));
    assert.equal((await cpB.commits.get(asBatchId(0)))!.attempt, 2);
    assert.equal((await cpB.offsets.get(asBatchId(1)))!.sources[0].partitions[0].to, '20');

    // A's shutdown leaves B's checkpoint lock in place.
    await cpA.close();
    const lock = JSON.parse((await fs.readFile(path.join(location, '.lock'), 'utf8')).split('\n')[1]);
    assert.equal(lock.leaseToken, b.token());
    await cpB.close();
  });

  it('a lock held with a greater or no lease token is not taken over by a driver with a lease', async () => {
    const location = path.join(dir, 'checkpoint');
    const newer = await Checkpoint.open(storage, location, { leaseToken: 5 });
    await assert.rejects(Checkpoint.open(storage, location, { leaseToken: 4 }), (e) => e instanceof TributaryError && e.code === 'CHECKPOINT_IN_USE');
    await newer.close();
    const noLease = await Checkpoint.open(storage, location);
    await assert.rejects(Checkpoint.open(storage, location, { leaseToken: 9 }), (e) => e instanceof TributaryError && e.code === 'CHECKPOINT_IN_USE');
    await noLease.close();
  });
});
