import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { field, primitive, QUARANTINE_TABLE_SCHEMA, readSnapshot, asBatchId, struct } from '@tributary/common';
import { SideTableSink } from './side-table-sink';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const QUERY = '6f1c2a34-0d5e-4b7a-9c1e-2f3a4b5c6d7e';

describe('SideTableSink (a real Delta table on disk)', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-side-sink-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('commits every batch with txn (queryId, N), even without files, and skips a batch it already holds', async () => {
    const sink = new SideTableSink(storage, 'quarantine', path.join(dir, 'q'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await sink.ensureTable(-1);
    assert.equal(await sink.txnVersion(), undefined);
    assert.equal(await sink.commitBatch(asBatchId(0), []), 1);
    assert.equal(await sink.commitBatch(asBatchId(1), []), 2);
    assert.equal(await sink.commitBatch(asBatchId(1), []), 'skipped');
    assert.equal(await sink.txnVersion(), 1);
    const snapshot = await readSnapshot(storage, sink.tablePath);
    assert.equal(snapshot.version, 2);
    assert.equal(snapshot.txns.get(QUERY), 1);
  });

  it('refuses a table that exists with another schema, naming it, its option and the schema the query needs', async () => {
    const table = path.join(dir, 'late');
    await new SideTableSink(storage, 'lateRows', table, struct([field('user', primitive('string'), true)]), QUERY).ensureTable(-1);
    const other = new SideTableSink(storage, 'lateRows', table, struct([field('user', primitive('string'), true), field('n', primitive('long'), false)]), QUERY);
    await assert.rejects(other.ensureTable(-1), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DELTA_TABLE_EXISTS');
      assert.equal(err.message, `the late-rows table ${table} already exists with another schema; this query's has user string, n long. Write it to a new table (option lateRowsPath)`);
      return true;
    });
  });

  it('writes a checkpoint every 10th version once the batch is over, like the main table', async () => {
    const sink = new SideTableSink(storage, 'quarantine', path.join(dir, 'q'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await sink.ensureTable(-1);
    for (let b = 0; b < 12; b++) {
      assert.equal(await sink.commitBatch(asBatchId(b), []), b + 1);
      sink.startMaintenance();
    }
    await sink.idle();
    assert.equal(JSON.parse(fs.readFileSync(path.join(sink.tablePath, '_delta_log', '_last_checkpoint'), 'utf8')).version, 10);
    assert.equal((await readSnapshot(storage, sink.tablePath)).txns.get(QUERY), 11);
  });

  it('a table created after batches were committed is marked as holding them (durably); an existing one is not', async () => {
    const fresh = new SideTableSink(storage, 'lateRows', path.join(dir, 'late'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await fresh.ensureTable(41);
    assert.equal(await fresh.txnVersion(), 41, 'new table: nothing of batches ≤ 41 was ever meant for it');
    assert.equal((await readSnapshot(storage, fresh.tablePath)).version, 1, 'the mark is a commit of its own');
    assert.equal(await fresh.commitBatch(asBatchId(42), []), 2);
    assert.equal(await fresh.txnVersion(), 42);

    // The same table opened again by a later run: it exists, so its txn is the only fact.
    const existing = new SideTableSink(storage, 'lateRows', path.join(dir, 'late'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await existing.ensureTable(50);
    assert.equal(await existing.txnVersion(), 42);
    // A driver that dies right after creating the table: the mark survives it.
    const created = new SideTableSink(storage, 'quarantine', path.join(dir, 'q3'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await created.ensureTable(7);
    assert.equal(await new SideTableSink(storage, 'quarantine', path.join(dir, 'q3'), QUARANTINE_TABLE_SCHEMA, QUERY).txnVersion(), 7);

    // An existing table that never got a commit of this query is not vacuously up to date.
    const empty = new SideTableSink(storage, 'quarantine', path.join(dir, 'q2'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await empty.ensureTable(-1);
    const reopened = new SideTableSink(storage, 'quarantine', path.join(dir, 'q2'), QUARANTINE_TABLE_SCHEMA, QUERY);
    await reopened.ensureTable(3);
    assert.equal(await reopened.txnVersion(), undefined);
  });
});
