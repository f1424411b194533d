import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddFile, AGGREGATE_TABLE_SCHEMA, buildAggregateTable, optimize, readSnapshot, readTableRows, writeDataFile, asBatchId, TributaryError } from '@tributary/common';
import { DeltaSink, SinkTable } from './delta-sink';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const FIVE_MIN_US = 300_000_000;

/** A table of the seed's shape (testing/aggregate-table.ts). */
const SEED_TABLE: SinkTable = { schema: AGGREGATE_TABLE_SCHEMA, partitionColumns: [], complete: false };

async function file(table: string, customer: number): Promise<AddFile> {
  return writeDataFile(storage, table, buildAggregateTable({
    length: 1, windowStartMicros: Float64Array.of(1_700_000_000_000_000), customerId: Int32Array.of(customer), count: Float64Array.of(1), sumCents: Float64Array.of(customer),
  }, FIVE_MIN_US));
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

describe('DeltaSink', () => {
  let table: string;
  beforeEach(async () => {
    table = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-sink-')), 'table');
  });
  afterEach(async () => {
    await fs.rm(path.dirname(table), { recursive: true, force: true });
  });

  it('commits batches at consecutive versions, skips a batch the table holds, and checkpoints every 10th version in the background once the batch is over', async () => {
    const sink = new DeltaSink(storage, table, SEED_TABLE, 'q');
    await sink.ensureTable();
    for (let b = 0; b < 12; b++) {
      assert.equal(await sink.commitBatch(asBatchId(b), [await file(table, b)], [{ topic: 't', partition: 0, endOffset: String(b + 1) }]), b + 1);
      if (b === 9) assert.ok(!(await exists(path.join(table, '_delta_log', '_last_checkpoint'))), 'no checkpoint inside the batch');
      sink.startMaintenance();
    }
    assert.equal(await sink.commitBatch(asBatchId(11), [await file(table, 99)], []), 'skipped');
    await sink.idle();
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(table, '_delta_log', '_last_checkpoint'), 'utf8')).version, 10);
    assert.equal(await sink.txnVersion(), 11);
    const s = await readSnapshot(storage, table);
    assert.equal(s.version, 12);
    assert.equal(s.txns.get('q-t-0'), 12);
    assert.equal((await readTableRows(storage, table)).numRows, 12);
  });

  it("records the committing driver's lease fencing token in commitInfo, and none without a lease", async () => {
    const sink = new DeltaSink(storage, table, SEED_TABLE, 'q');
    await sink.ensureTable();
    await sink.commitBatch(asBatchId(0), [await file(table, 0)], []);
    await sink.commitBatch(asBatchId(1), [await file(table, 1)], [], undefined, 7);
    await sink.commitBatch(asBatchId(2), [await file(table, 2)], [], undefined, 9);
    const params = async (version: number): Promise<Record<string, string>> => {
      const text = await fs.readFile(path.join(table, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8');
      return JSON.parse(text.split('\n')[0]).commitInfo.operationParameters;
    };
    assert.equal((await params(1)).leaseToken, undefined);
    assert.deepEqual(await params(2), { outputMode: 'Append', queryId: 'q', epochId: '1', leaseToken: '7' });
    assert.equal((await params(3)).leaseToken, '9');
  });

  it('advances its snapshot over commits of other writers (an OPTIMIZE between batches)', async () => {
    const sink = new DeltaSink(storage, table, SEED_TABLE, 'q');
    await sink.ensureTable();
    for (let b = 0; b < 3; b++) await sink.commitBatch(asBatchId(b), [await file(table, b)], []);
    assert.equal((await optimize(storage, table)).version, 4);
    assert.equal(await sink.commitBatch(asBatchId(3), [await file(table, 3)], []), 5);
    const s = await readSnapshot(storage, table);
    assert.equal(s.files.size, 2);
    assert.equal(s.txns.get('q'), 3);
  });

  it('a failing checkpoint is logged and never fails the batch; readers still read the table', async () => {
    const logged: string[] = [];
    const sink = new DeltaSink(storage, table, SEED_TABLE, 'q', (m) => logged.push(m));
    await sink.ensureTable();
    // `_last_checkpoint` as a directory: the checkpoint's final rename onto it fails.
    await fs.mkdir(path.join(table, '_delta_log', '_last_checkpoint', 'x'), { recursive: true });
    for (let b = 0; b < 10; b++) {
      await sink.commitBatch(asBatchId(b), [await file(table, b)], []);
      sink.startMaintenance();
    }
    await sink.idle();
    assert.equal(logged.length, 1);
    assert.match(logged[0], /checkpoint of version 10 failed/);
    assert.equal(await sink.commitBatch(asBatchId(10), [await file(table, 10)], []), 11);
    assert.equal((await readTableRows(storage, table)).numRows, 11);
  });

  describe('update mode', () => {
    const UPDATE_TABLE: SinkTable = { ...SEED_TABLE, update: true };

    it('removes the files the merge rewrote and adds the new ones in one commit; a replay of the batch changes nothing', async () => {
      const sink = new DeltaSink(storage, table, UPDATE_TABLE, 'q');
      await sink.ensureTable();
      const first = await file(table, 1);
      assert.equal(await sink.commitBatch(asBatchId(0), [first], [], { snapshot: await sink.updateSnapshot(), removedPaths: [] }), 1);
      const snapshot = await sink.updateSnapshot();
      const rewritten = await file(table, 2);
      assert.equal(await sink.commitBatch(asBatchId(1), [rewritten], [], { snapshot, removedPaths: [first.path] }), 2);
      const commit2 = (await fs.readFile(path.join(table, '_delta_log', '00000000000000000002.json'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(commit2.filter((a) => a.remove).map((a) => [a.remove.path, a.remove.dataChange]), [[first.path, true]]);
      // A replay of batch 1 (e.g. after the driver died before its commit log) against the same snapshot is skipped by txn.
      assert.equal(await sink.commitBatch(asBatchId(1), [await file(table, 3)], [], { snapshot, removedPaths: [first.path] }), 'skipped');
      const s = await readSnapshot(storage, table);
      assert.equal(s.version, 2);
      assert.deepEqual([...s.files.values()].map((f) => f.path), [rewritten.path]);
    });

    it('refuses, as retriable, a rewritten path that is not a live file or is named twice, and a merge a concurrent commit invalidated', async () => {
      const sink = new DeltaSink(storage, table, UPDATE_TABLE, 'q');
      await sink.ensureTable();
      const a = await file(table, 1);
      const b = await file(table, 2);
      await sink.commitBatch(asBatchId(0), [a, b], [], { snapshot: await sink.updateSnapshot(), removedPaths: [] });
      const snapshot = await sink.updateSnapshot();
      for (const removedPaths of [['part-nope.parquet'], [a.path, a.path]]) {
        await assert.rejects(sink.commitBatch(asBatchId(1), [], [], { snapshot, removedPaths }), (e: unknown) => e instanceof TributaryError && e.retriable);
      }
      // An OPTIMIZE removes a and b after the merge read them: the commit fails as retriable, the batch runs again.
      await optimize(storage, table);
      await assert.rejects(sink.commitBatch(asBatchId(1), [await file(table, 3)], [], { snapshot, removedPaths: [a.path] }), (e: unknown) => e instanceof TributaryError && e.retriable);
      assert.equal((await readSnapshot(storage, table)).txns.get('q'), 0);
    });
  });
});
