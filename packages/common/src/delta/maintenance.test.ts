import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { evaluateDerived } from '../testing/seed-derived-columns';
import { AddFile, parseActions } from './actions';
import { AGGREGATE_TABLE_SCHEMA, buildAggregateTable } from '../testing/aggregate-table';
import { writeCheckpoint } from './checkpoint-writer';
import { createTable } from './create-table';
import { writeDataFile } from './data-file';
import { LogStore } from './log-store';
import { cleanupLog, optimize, vacuum } from './maintenance';
import { canonicalRows } from './row-format';
import { decimal, field, primitive, struct } from './schema';
import { readSnapshot, updateSnapshot } from './snapshot';
import { parsePartitionValue, readTableRows } from './table-reader';
import { commit } from './transaction';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const FIVE_MIN_US = 300_000_000;
const HOUR = 3600_000;

function aggregate(first: number, n: number): arrow.Table {
  return buildAggregateTable(
    {
      length: n,
      windowStartMicros: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000 + (i % 3) * FIVE_MIN_US),
      customerId: Int32Array.from({ length: n }, (_, i) => first + i),
      count: Float64Array.from({ length: n }, (_, i) => i + 1),
      sumCents: Float64Array.from({ length: n }, (_, i) => (first + i) * 101 - 5000),
    },
    FIVE_MIN_US,
  );
}

async function appendBatch(table: string, batch: number, first: number, n: number): Promise<AddFile> {
  const snapshot = await readSnapshot(storage, table);
  const add = await writeDataFile(storage, table, aggregate(first, n));
  const r = await commit(storage, table, [{ add }], { readVersion: snapshot.version, snapshot, operation: 'STREAMING UPDATE', txn: { appId: 'q', version: batch } });
  assert.ok(!r.skipped);
  return add;
}

const sortedRows = async (table: string, opts = {}): Promise<string[]> => canonicalRows(await readTableRows(storage, table, opts)).map((r) => JSON.stringify(r)).sort();

async function setCommitTime(table: string, version: number, ms: number): Promise<void> {
  const file = path.join(table, '_delta_log', `${String(version).padStart(20, '0')}.json`);
  await fs.utimes(file, ms / 1000, ms / 1000);
}

describe('Delta checkpoints, time travel and maintenance', () => {
  let table: string;
  beforeEach(async () => {
    table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-maint-'));
  });
  afterEach(async () => {
    await fs.rm(table, { recursive: true, force: true });
  });

  it('a checkpoint replaces the commits before it: same files, txns and tombstones; _last_checkpoint names it', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const adds: AddFile[] = [];
    for (let b = 0; b < 5; b++) adds.push(await appendBatch(table, b, b * 10, 4));
    let snapshot = await readSnapshot(storage, table);
    const removed = await commit(storage, table, [{ remove: { path: adds[0].path, deletionTimestamp: Date.now(), dataChange: true } }], { readVersion: snapshot.version, snapshot, operation: 'DELETE' });
    assert.ok(!removed.skipped);
    snapshot = await readSnapshot(storage, table);
    const before = await sortedRows(table);
    const result = await writeCheckpoint(storage, snapshot);
    assert.deepEqual({ version: result.version, size: result.size }, { version: 6, size: 2 + 1 + 4 + 1 });
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(table, '_delta_log', '_last_checkpoint'), 'utf8')), { version: 6, size: 8 });
    for (let v = 0; v <= 6; v++) await fs.rm(path.join(table, '_delta_log', `${String(v).padStart(20, '0')}.json`));
    const after = await readSnapshot(storage, table);
    assert.equal(after.version, 6);
    assert.deepEqual([...after.files.keys()].sort(), [...snapshot.files.keys()].sort());
    assert.deepEqual([...after.tombstones.keys()], [...snapshot.tombstones.keys()]);
    assert.deepEqual([...after.txns], [['q', 4]]);
    assert.equal(after.metadata.schemaString, snapshot.metadata.schemaString);
    assert.deepEqual(await sortedRows(table), before);
    // A commit after the checkpoint is replayed on top of it; a corrupt _last_checkpoint is ignored.
    await appendBatch(table, 5, 100, 2);
    await fs.writeFile(path.join(table, '_delta_log', '_last_checkpoint'), '{"version": oops');
    const next = await readSnapshot(storage, table);
    assert.equal(next.version, 7);
    assert.equal(next.files.size, 5);
    assert.equal(next.txns.get('q'), 5);
  });

  it('updateSnapshot replays only the new commits and equals a full read', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    await appendBatch(table, 0, 0, 3);
    const old = await readSnapshot(storage, table);
    await appendBatch(table, 1, 10, 3);
    await appendBatch(table, 2, 20, 3);
    const updated = await updateSnapshot(storage, old);
    const full = await readSnapshot(storage, table);
    assert.equal(old.version, 1);
    assert.equal(old.files.size, 1, 'the old snapshot is not changed');
    assert.equal(updated.version, 3);
    assert.deepEqual([...updated.files.keys()].sort(), [...full.files.keys()].sort());
    assert.deepEqual([...updated.txns], [...full.txns]);
  });

  it('time travel by timestamp: newest version at or before T, monotonised file times, errors outside the range', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    for (let b = 0; b < 3; b++) await appendBatch(table, b, b * 10, 2);
    const t0 = Date.UTC(2024, 0, 1);
    // Version 2's file time goes backwards: Delta reads it as version 1's time + 1 ms.
    for (const [v, ms] of [[0, t0], [1, t0 + 60_000], [2, t0 + 30_000], [3, t0 + 120_000]]) await setCommitTime(table, v, ms);
    assert.equal((await readSnapshot(storage, table, { timestamp: t0 })).version, 0);
    assert.equal((await readSnapshot(storage, table, { timestamp: t0 + 59_999 })).version, 0);
    assert.equal((await readSnapshot(storage, table, { timestamp: t0 + 60_000 })).version, 1);
    assert.equal((await readSnapshot(storage, table, { timestamp: t0 + 60_001 })).version, 2);
    assert.equal((await readSnapshot(storage, table, { timestamp: t0 + 120_000 })).version, 3);
    assert.deepEqual(await sortedRows(table, { timestamp: t0 + 60_000 }), await sortedRows(table, { version: 1 }));
    await assert.rejects(readSnapshot(storage, table, { timestamp: t0 - 1 }), { code: 'DELTA_TIMESTAMP_BEFORE_EARLIEST' });
    await assert.rejects(readSnapshot(storage, table, { timestamp: t0 + 120_001 }), { code: 'DELTA_TIMESTAMP_AFTER_LATEST' });
  });

  it('partitioned tables: Hive directories with escapes, percent-encoded paths, values materialised as typed columns', async () => {
    const schema = struct([
      field('id', primitive('long')), field('amount', decimal(12, 2)),
      field('day', primitive('date')), field('label', primitive('string')), field('at', primitive('timestamp')),
    ]);
    await createTable(storage, table, schema, { partitionColumns: ['day', 'label', 'at'] });
    const data = (ids: bigint[]): arrow.Table => arrow.tableFromArrays({ id: BigInt64Array.from(ids) });
    const add1 = await writeDataFile(storage, table, data([1n, 2n]), { partitionValues: { day: '2024-02-29', label: 'a b:c/%', at: '2024-01-01 10:00:00.5' } });
    const add2 = await writeDataFile(storage, table, data([3n]), { partitionValues: { day: null, label: '', at: '1969-12-31 23:59:59.999999' } });
    assert.match(add1.path, /^day=2024-02-29\/label=a%20b%253Ac%252F%2525\/at=2024-01-01%2010%253A00%253A00\.5\/part-/);
    assert.match(add2.path, /^day=__HIVE_DEFAULT_PARTITION__\/label=__HIVE_DEFAULT_PARTITION__\//);
    await fs.access(path.join(table, 'day=2024-02-29', 'label=a b%3Ac%2F%25'));
    const r = await commit(storage, table, [{ add: add1 }, { add: add2 }], { readVersion: 0, operation: 'WRITE' });
    assert.ok(!r.skipped);
    const rows = canonicalRows(await readTableRows(storage, table)).map((x) => JSON.stringify(x)).sort();
    assert.deepEqual(rows, [
      '{"id":"1","amount":null,"day":"2024-02-29","label":"a b:c/%","at":"1704103200500000"}',
      '{"id":"2","amount":null,"day":"2024-02-29","label":"a b:c/%","at":"1704103200500000"}',
      '{"id":"3","amount":null,"day":null,"label":"","at":"-1"}',
    ]);
  });

  it('parses partition values as the protocol serialises them', () => {
    assert.equal(parsePartitionValue(primitive('timestamp'), '2024-01-01T00:00:00.000001Z', 'x'), 1704067200000001n);
    assert.equal(parsePartitionValue(primitive('timestamp'), '2024-01-01 02:00:00+02:00', 'x'), 1704067200000000n);
    assert.equal(parsePartitionValue(decimal(10, 3), '-1.5', 'x'), -1500n);
    assert.equal(parsePartitionValue(primitive('date'), '1969-12-31', 'x'), -1);
    assert.equal(parsePartitionValue(primitive('integer'), '', 'x'), null);
    assert.throws(() => parsePartitionValue(primitive('integer'), '1.5', 'x'), /cannot parse '1.5' as integer/);
    assert.equal(evaluateDerived({ fn: 'to_date', column: 'window.start' }, Date.UTC(2024, 0, 1, 23) * 1000, 0, '+02:00'), '2024-01-02');
    assert.equal(evaluateDerived({ fn: 'date_format', column: 'window.end', format: 'yyyy-MM-dd HH:mm' }, 0, Date.UTC(2024, 5, 3, 4, 5) * 1000, 'UTC'), '2024-06-03 04:05');
    assert.equal(evaluateDerived({ fn: 'hour', column: 'window.start' }, Date.UTC(2024, 0, 1, 23) * 1000, 0, '-01:30'), '21');
  });

  it('OPTIMIZE compacts small files with dataChange=false and keeps exactly the same rows; a second run has nothing to do', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA, { configuration: { 'delta.appendOnly': 'true' } });
    for (let b = 0; b < 5; b++) await appendBatch(table, b, b * 100, 50);
    const before = await sortedRows(table);
    const result = await optimize(storage, table);
    assert.deepEqual({ ...result }, { version: 6, readVersion: 5, filesRemoved: 5, filesAdded: 1, rows: 250 });
    const actions = parseActions((await new LogStore(storage, table).readCommit(6))!);
    const info = actions.find((a) => 'commitInfo' in a);
    assert.ok(info && 'commitInfo' in info && info.commitInfo.operation === 'OPTIMIZE' && info.commitInfo.isBlindAppend === false);
    for (const a of actions) {
      if ('add' in a) assert.equal(a.add.dataChange, false);
      if ('remove' in a) assert.equal(a.remove.dataChange, false);
    }
    const after = await readSnapshot(storage, table);
    assert.equal(after.files.size, 1);
    assert.equal(JSON.parse([...after.files.values()][0].stats!).numRecords, 250);
    assert.equal(after.txns.get('q'), 4);
    assert.deepEqual(await sortedRows(table), before);
    assert.equal((await optimize(storage, table)).version, undefined);
  });

  it('OPTIMIZE beside concurrent writers: a blind append lets it land at the next version; a removal of one of its files fails it', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const adds: AddFile[] = [];
    for (let b = 0; b < 3; b++) adds.push(await appendBatch(table, b, b * 10, 5));
    const planned = await readSnapshot(storage, table);
    const appended = await appendBatch(table, 3, 100, 5); // a streaming batch lands after OPTIMIZE read the table
    const before = await sortedRows(table);
    const ok = await optimize(storage, table, { snapshot: planned });
    assert.deepEqual({ version: ok.version, filesRemoved: ok.filesRemoved, filesAdded: ok.filesAdded }, { version: 5, filesRemoved: 3, filesAdded: 1 });
    const after = await readSnapshot(storage, table);
    assert.equal(after.files.size, 2);
    assert.ok([...after.files.values()].some((f) => f.path === appended.path));
    assert.deepEqual(await sortedRows(table), before);

    const planned2 = await readSnapshot(storage, table);
    await appendBatch(table, 4, 200, 5);
    const s = await readSnapshot(storage, table);
    const compacted = [...s.files.values()].find((f) => f.path !== appended.path && JSON.parse(f.stats!).numRecords === 15)!;
    await commit(storage, table, [{ remove: { path: compacted.path, deletionTimestamp: Date.now(), dataChange: true } }], { readVersion: s.version, snapshot: s, operation: 'DELETE' });
    const rowsBefore = await sortedRows(table);
    await assert.rejects(optimize(storage, table, { snapshot: planned2 }), { code: 'DELTA_CONCURRENT_MODIFICATION', check: 'ConcurrentDeleteDelete' });
    assert.equal((await readSnapshot(storage, table)).version, 7);
    assert.deepEqual(await sortedRows(table), rowsBefore);
  });

  it('VACUUM deletes only unreferenced files older than the retention; dry run lists them; short retention needs the unsafe flag', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const now = Date.now();
    const live = await appendBatch(table, 0, 0, 2);
    const oldRemoved = await appendBatch(table, 1, 10, 2);
    const newRemoved = await appendBatch(table, 2, 20, 2);
    let s = await readSnapshot(storage, table);
    await commit(storage, table, [
      { remove: { path: oldRemoved.path, deletionTimestamp: now - 8 * 24 * HOUR, dataChange: true } },
      { remove: { path: newRemoved.path, deletionTimestamp: now - HOUR, dataChange: true } },
    ], { readVersion: s.version, snapshot: s, operation: 'DELETE' });
    const orphanOld = await writeDataFile(storage, table, aggregate(90, 1));
    const orphanNew = await writeDataFile(storage, table, aggregate(91, 1));
    const old = (now - 10 * 24 * HOUR) / 1000;
    for (const f of [live, oldRemoved, newRemoved, orphanOld]) await fs.utimes(path.join(table, f.path), old, old);
    await fs.writeFile(path.join(table, '_hidden.txt'), 'x');
    await fs.utimes(path.join(table, '_hidden.txt'), old, old);
    void orphanNew;

    const dry = await vacuum(storage, table, { dryRun: true, now: () => now });
    assert.deepEqual(dry.files, [oldRemoved.path, orphanOld.path].sort());
    assert.equal((await fs.readdir(table)).filter((n) => n.endsWith('.parquet')).length, 5, 'dry run deletes nothing');
    await assert.rejects(vacuum(storage, table, { retentionHours: 0, now: () => now }), { code: 'DELTA_VACUUM_RETENTION_TOO_SHORT' });
    const done = await vacuum(storage, table, { now: () => now });
    assert.deepEqual(done.files, dry.files);
    const left = (await fs.readdir(table)).sort();
    assert.deepEqual(left, ['_delta_log', '_hidden.txt', live.path, newRemoved.path, orphanNew.path].sort());
    // With the unsafe flag and retention 0 the recently removed file goes too, never the live one.
    const unsafe = await vacuum(storage, table, { retentionHours: 0, unsafe: true, now: () => now + 1000 });
    assert.deepEqual(unsafe.files, [newRemoved.path, orphanNew.path].sort());
    s = await readSnapshot(storage, table);
    assert.deepEqual(await sortedRows(table), canonicalRows(aggregate(0, 2)).map((r) => JSON.stringify(r)).sort());
  });

  it('log cleanup deletes expired commits only below a checkpoint older than the retention, which then starts the log', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA, { configuration: { 'delta.logRetentionDuration': 'interval 1 day' } });
    for (let b = 0; b < 6; b++) await appendBatch(table, b, b * 10, 2);
    await writeCheckpoint(storage, await readSnapshot(storage, table, { version: 3 }));
    const now = Date.now();
    const logDir = path.join(table, '_delta_log');
    const old = (now - 2 * 24 * HOUR) / 1000;
    for (const n of await fs.readdir(logDir)) if (/^0{19}[0-4]\./.test(n)) await fs.utimes(path.join(logDir, n), old, old);
    const before = await sortedRows(table);
    const r = await cleanupLog(storage, table, { now: () => now });
    assert.equal(r.keptCheckpoint, 3);
    // Each version's commit and its version checksum go together.
    assert.deepEqual(r.deleted, [0, 1, 2].flatMap((v) => ['crc', 'json'].map((ext) => `${String(v).padStart(20, '0')}.${ext}`)));
    assert.deepEqual(await sortedRows(table), before);
    assert.equal((await readSnapshot(storage, table, { version: 3 })).txns.get('q'), 2);
    await assert.rejects(readSnapshot(storage, table, { version: 2 }), /commit|version/);
  });
});
