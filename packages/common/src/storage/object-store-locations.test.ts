/**
 * The Delta, checkpoint and state code on object-store locations (`s3://bucket/prefix/…`) through
 * an in-memory Storage: every byte goes through the injected storage, locations stay URLs (never
 * folded by path.join or resolved against the working directory), and nothing touches the local
 * file system.
 */
import { strict as assert } from 'node:assert';
import { asBatchId } from '../batch/batch-id';
import { Checkpoint } from '../checkpoint/checkpoint';
import { MetadataLog } from '../checkpoint/metadata-log';
import { canonicalRows } from '../delta/row-format';
import { createTable } from '../delta/create-table';
import { writeCheckpoint } from '../delta/checkpoint-writer';
import { vacuum } from '../delta/maintenance';
import { readSnapshot } from '../delta/snapshot';
import { readTableRows } from '../delta/table-reader';
import { commit } from '../delta/transaction';
import { writeDataFile } from '../delta/data-file';
import { readParquetRowCount } from '../parquet/footer-rows';
import { DurableStateFiles } from '../state/durable-files';
import { AGGREGATE_TABLE_SCHEMA, buildAggregateTable } from '../testing/aggregate-table';
import { MemoryStorage } from './memory-storage.testkit';
import { storageContract } from './storage-contract';

storageContract('MemoryStorage (test kit)', async () => ({ storage: new MemoryStorage(), base: 's3://bucket/contract' }));

const FIVE_MIN_US = 300_000_000;

function rows(first: number, n: number) {
  return buildAggregateTable(
    {
      length: n,
      windowStartMicros: Float64Array.from({ length: n }, () => 1_700_000_000_000_000),
      customerId: Int32Array.from({ length: n }, (_, i) => first + i),
      count: Float64Array.from({ length: n }, (_, i) => i + 1),
      sumCents: Float64Array.from({ length: n }, (_, i) => (first + i) * 100),
    },
    FIVE_MIN_US,
  );
}

describe('object-store locations through an injected Storage', () => {
  it('a Delta table under s3://: create, append, checkpoint, read back, footer by range, vacuum', async () => {
    const storage = new MemoryStorage();
    const table = 's3://bucket/warehouse/customers';
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    for (let b = 0; b < 3; b++) {
      const snapshot = await readSnapshot(storage, table);
      const add = await writeDataFile(storage, table, rows(b * 10, 4));
      assert.equal(await readParquetRowCount(storage, `${table}/${add.path}`), 4);
      const r = await commit(storage, table, [{ add }], { readVersion: snapshot.version, snapshot, operation: 'STREAMING UPDATE', txn: { appId: 'q', version: b } });
      assert.equal(r.skipped, false);
    }
    await writeCheckpoint(storage, await readSnapshot(storage, table));
    const snapshot = await readSnapshot(storage, table);
    assert.equal(snapshot.version, 3);
    assert.equal(snapshot.txns.get('q'), 2);
    for (const key of snapshot.files.keys()) assert.match(key, /^s3:\/\/bucket\/warehouse\/customers\/part-[0-9a-f-]+-c000\.snappy\.parquet$/);
    const ids = canonicalRows(await readTableRows(storage, table)).map((r) => Number(r.customer_id)).sort((a, b) => a - b);
    assert.deepEqual(ids, [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    assert.ok(storage.objects.has(`${table}/_delta_log/00000000000000000003.checkpoint.parquet`));
    assert.ok(storage.objects.has(`${table}/_delta_log/_last_checkpoint`));
    // An orphan data file (its commit never happened) goes; live files and the log stay.
    await storage.put(`${table}/part-orphan-c000.snappy.parquet`, 'x');
    const orphan = storage.objects.get(`${table}/part-orphan-c000.snappy.parquet`)!;
    orphan.modifiedMs -= 8 * 24 * 3600_000;
    const v = await vacuum(storage, table);
    assert.deepEqual(v.files, ['part-orphan-c000.snappy.parquet']);
    assert.equal(canonicalRows(await readTableRows(storage, table)).length, 12);
    for (const location of storage.objects.keys()) assert.ok(location.startsWith('s3://bucket/warehouse/customers/'), location);
    // Commits were only ever claimed with putIfAbsent.
    for (const call of storage.calls) if (/_delta_log\/\d{20}\.(json|crc)$/.test(call)) assert.match(call, /^(putIfAbsent|get|head|delete) /);
  });

  it('a checkpoint location and durable state under s3://', async () => {
    const storage = new MemoryStorage();
    const location = 's3://bucket/checkpoints/q1';
    const checkpoint = await Checkpoint.open(storage, location);
    const metadata = await checkpoint.initMetadata({ shufflePartitions: 2, statefulFingerprint: '{}', sinkPaths: ['s3://bucket/t'], sourceTopic: 'events' });
    assert.equal((await checkpoint.readMetadata())?.queryId, metadata.queryId);
    assert.equal(await checkpoint.commits.getLatest(), undefined);
    const log = new MetadataLog<{ n: number }>(storage, `${location}/extra`);
    assert.equal(await log.add(asBatchId(4), { n: 4 }), true);
    assert.equal(await log.add(asBatchId(4), { n: 5 }), false);
    assert.equal(await log.add(asBatchId(9), { n: 9 }), true);
    assert.deepEqual(await log.getLatest(), { batchId: 9, value: { n: 9 } });
    assert.equal(await log.purge(asBatchId(9)), 1);
    assert.deepEqual(await log.list(), [9]);
    await assert.rejects(Checkpoint.open(storage, location), { code: 'CHECKPOINT_IN_USE' });
    await checkpoint.close();
    assert.equal(storage.objects.has(`${location}/.lock`), false);

    const files = new DurableStateFiles(storage, location);
    await files.ensureMetadata(metadata.queryId);
    await files.write(1, { version: 3 as never, attempt: 2, kind: 'delta' }, new Uint8Array([1, 2, 3]));
    await files.write(1, { version: 5 as never, attempt: 1, kind: 'snapshot' }, new Uint8Array([4]));
    assert.deepEqual([...(await files.read(1, { version: 3 as never, attempt: 2, kind: 'delta' }))!], [1, 2, 3]);
    assert.deepEqual((await files.list(1)).map((b) => b.version).sort(), [3, 5]);
    await files.removeBelow(1, 4 as never);
    assert.deepEqual((await files.list(1)).map((b) => b.version), [5]);
    assert.ok(storage.objects.has(`${location}/state/_metadata`));
    for (const key of storage.objects.keys()) assert.ok(key.startsWith(`${location}/`), key);
  });
});
