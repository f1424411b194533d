import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddFile, AGGREGATE_TABLE_SCHEMA, buildAggregateTable, optimize, readSnapshot, readTableRows, writeDataFile, asBatchId } from '@tributary/common';
import { DeltaSink, SinkTable } from './delta-sink';

const FIVE_MIN_US = 300_000_000;

/** A table of the seed's shape (testing/aggregate-table.ts). */
const SEED_TABLE: SinkTable = { schema: AGGREGATE_TABLE_SCHEMA, partitionColumns: [], complete: false };

async function file(table: string, customer: number): Promise<AddFile> {
  return writeDataFile(table, buildAggregateTable({
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
    const sink = new DeltaSink(table, SEED_TABLE, 'q');
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
    const s = await readSnapshot(table);
    assert.equal(s.version, 12);
    assert.equal(s.txns.get('q-t-0'), 12);
    assert.equal((await readTableRows(table)).numRows, 12);
  });

  it('advances its snapshot over commits of other writers (an OPTIMIZE between batches)', async () => {
    const sink = new DeltaSink(table, SEED_TABLE, 'q');
    await sink.ensureTable();
    for (let b = 0; b < 3; b++) await sink.commitBatch(asBatchId(b), [await file(table, b)], []);
    assert.equal((await optimize(table)).version, 4);
    assert.equal(await sink.commitBatch(asBatchId(3), [await file(table, 3)], []), 5);
    const s = await readSnapshot(table);
    assert.equal(s.files.size, 2);
    assert.equal(s.txns.get('q'), 3);
  });

  it('a failing checkpoint is logged and never fails the batch; readers still read the table', async () => {
    const logged: string[] = [];
    const sink = new DeltaSink(table, SEED_TABLE, 'q', (m) => logged.push(m));
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
    assert.equal((await readTableRows(table)).numRows, 11);
  });
});
