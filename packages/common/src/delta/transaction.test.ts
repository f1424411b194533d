import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Action, parseActions } from './actions';
import { AGGREGATE_TABLE_SCHEMA } from '../testing/aggregate-table';
import { createTable } from './create-table';
import { LogStore } from './log-store';
import { UnsupportedTableError } from './protocol-support';
import { field, primitive, struct } from './schema';
import { readSnapshot } from './snapshot';
import { ConcurrentModificationError, commit, kafkaOffsetTxns } from './transaction';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const add = (p: string): Action => ({ add: { path: p, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true } });

async function commitsOnDisk(table: string): Promise<Action[][]> {
  const store = new LogStore(storage, table);
  const { commits } = await store.list();
  const out: Action[][] = [];
  for (const v of commits) out.push(parseActions((await store.readCommit(v)) ?? ''));
  return out;
}

describe('Delta transactions', () => {
  let table: string;
  beforeEach(async () => {
    table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-txn-'));
  });
  afterEach(async () => {
    await fs.rm(table, { recursive: true, force: true });
  });

  it('creates version 0 with protocol 1/2, metadata and a CREATE TABLE commitInfo', async () => {
    const result = await createTable(storage, table, AGGREGATE_TABLE_SCHEMA, { configuration: { 'delta.appendOnly': 'true' }, now: () => 1700000000000 });
    assert.deepEqual(result, { created: true, version: 0 });
    const [v0] = await commitsOnDisk(table);
    assert.ok('commitInfo' in v0[0] && v0[0].commitInfo.operation === 'CREATE TABLE' && v0[0].commitInfo.engineInfo === 'Tributary/0.1.0');
    assert.deepEqual(v0[1], { protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    assert.ok('metaData' in v0[2]);
    const md = v0[2].metaData;
    assert.match(md.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(md.format, { provider: 'parquet', options: {} });
    assert.deepEqual(md.configuration, { 'delta.appendOnly': 'true' });
    assert.deepEqual(md.partitionColumns, []);
    assert.equal(md.createdTime, 1700000000000);
  });

  it('creating an existing table with the same schema is a no-op, with another schema an error', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => createTable(storage, table, AGGREGATE_TABLE_SCHEMA)));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.deepEqual(await createTable(storage, table, AGGREGATE_TABLE_SCHEMA), { created: false, version: 0 });
    await assert.rejects(createTable(storage, table, struct([field('x', primitive('long'))])), { code: 'DELTA_TABLE_EXISTS' });
  });

  it('writes commitInfo and our txn ahead of the actions, and per-partition offsets as txn actions', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const offsets = kafkaOffsetTxns('q1', 'events', new Map([[0, '120'], [1, '7']]));
    const result = await commit(storage, table, [add('a.parquet'), ...offsets.map((t) => ({ txn: t }))], {
      readVersion: 0,
      operation: 'STREAMING UPDATE',
      operationParameters: { outputMode: 'Append', queryId: 'q1', epochId: '0' },
      txn: { appId: 'q1', version: 0 },
      now: () => 42,
    });
    assert.ok(!result.skipped);
    assert.deepEqual([result.version, result.attempts, result.snapshot.version], [1, 1, 1]);
    const v1 = (await commitsOnDisk(table))[1];
    assert.ok('commitInfo' in v1[0]);
    assert.deepEqual(
      { ...v1[0].commitInfo, txnId: undefined },
      {
        timestamp: 42,
        operation: 'STREAMING UPDATE',
        operationParameters: { outputMode: 'Append', queryId: 'q1', epochId: '0' },
        readVersion: 0,
        isolationLevel: 'Serializable',
        isBlindAppend: true,
        engineInfo: 'Tributary/0.1.0',
        txnId: undefined,
      },
    );
    assert.deepEqual(v1[1], { txn: { appId: 'q1', version: 0, lastUpdated: 42 } });
    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual([...snapshot.txns], [['q1', 0], ['q1-events-0', 120], ['q1-events-1', 7]]);
  });

  it('skips a batch whose txn the table already holds, before and after a lost race', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const opts = { operation: 'STREAMING UPDATE', txn: { appId: 'q', version: 1 } };
    assert.equal((await commit(storage, table, [add('a.parquet')], { ...opts, readVersion: 0 })).skipped, false);
    const again = await commit(storage, table, [add('b.parquet')], { ...opts, readVersion: 1 });
    assert.equal(again.skipped, true);
    const stale = await commit(storage, table, [add('c.parquet')], { ...opts, readVersion: 0 });
    assert.equal(stale.skipped, true);
    const snapshot = await readSnapshot(storage, table);
    assert.equal(snapshot.version, 1);
    assert.equal(snapshot.files.size, 1);
  });

  it('lands every one of many concurrent blind appends once, at contiguous versions', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => commit(storage, table, [add(`f${i}.parquet`)], { readVersion: 0, operation: 'WRITE', txn: { appId: `w${i}`, version: 0 } })),
    );
    assert.deepEqual(results.map((r) => (r.skipped ? -1 : r.version)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
    const snapshot = await readSnapshot(storage, table);
    assert.equal(snapshot.version, 8);
    assert.deepEqual([...snapshot.files.values()].map((f) => f.path).sort(), Array.from({ length: 8 }, (_, i) => `f${i}.parquet`));
  });

  it('fails a commit that removes a file a concurrent commit already removed', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    await commit(storage, table, [add('a.parquet'), add('b.parquet')], { readVersion: 0, operation: 'WRITE' });
    const rm = (p: string): Action => ({ remove: { path: p, dataChange: true, deletionTimestamp: 1 } });
    await commit(storage, table, [rm('a.parquet'), add('c.parquet')], { readVersion: 1, operation: 'DELETE' });
    await assert.rejects(commit(storage, table, [rm('a.parquet'), add('d.parquet')], { readVersion: 1, operation: 'DELETE' }), (err: unknown) => {
      assert.ok(err instanceof ConcurrentModificationError);
      assert.equal(err.check, 'ConcurrentDeleteDelete');
      assert.equal(err.winnerVersion, 2);
      return true;
    });
  });

  it('fails a complete-mode commit when a concurrent commit added data', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    await commit(storage, table, [add('old.parquet')], { readVersion: 0, operation: 'WRITE' });
    await commit(storage, table, [add('other.parquet')], { readVersion: 1, operation: 'WRITE' });
    const replace: Action[] = [{ remove: { path: 'old.parquet', dataChange: true, deletionTimestamp: 1 } }, add('all.parquet')];
    await assert.rejects(commit(storage, table, replace, { readVersion: 1, operation: 'STREAMING UPDATE', readWholeTable: true }), { check: 'ConcurrentAppend' });
  });

  it('refuses data removal on an append-only table but allows rearranging', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA, { configuration: { 'delta.appendOnly': 'true' } });
    await commit(storage, table, [add('a.parquet')], { readVersion: 0, operation: 'WRITE' });
    await assert.rejects(
      commit(storage, table, [{ remove: { path: 'a.parquet', dataChange: true } }], { readVersion: 1, operation: 'DELETE' }),
      { code: 'DELTA_APPEND_ONLY' },
    );
    const compacted: Action[] = [{ remove: { path: 'a.parquet', dataChange: false } }, { add: { path: 'b.parquet', partitionValues: {}, size: 1, modificationTime: 1, dataChange: false } }];
    assert.equal((await commit(storage, table, compacted, { readVersion: 1, operation: 'OPTIMIZE' })).skipped, false);
  });

  it('refuses to write a table that needs writer features Tributary lacks, naming them', async () => {
    const store = new LogStore(storage, table);
    await fs.mkdir(store.logDir, { recursive: true });
    await store.putIfAbsent(
      0,
      '{"protocol":{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["appendOnly","rowTracking","domainMetadata"]}}\n' +
        '{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[]}","partitionColumns":[],"configuration":{}}}\n',
    );
    await assert.rejects(commit(storage, table, [add('a.parquet')], { readVersion: 0, operation: 'WRITE' }), (err: unknown) => {
      assert.ok(err instanceof UnsupportedTableError);
      assert.match(err.message, /rowTracking, domainMetadata/);
      return true;
    });
  });

  it('lands every commit of 4 processes appending to one table exactly once, versions contiguous', async function () {
    this.timeout(60_000);
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    const perWorker = 10;
    const child = path.join(__dirname, 'commit-race-child.js');
    const exits = await Promise.all(
      [0, 1, 2, 3].map(
        (w) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const p = spawn(process.execPath, [child, table, String(w), String(perWorker)], { stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            p.stderr.on('data', (b) => (stderr += b));
            p.on('exit', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    for (const e of exits) assert.equal(e.code, 0, e.stderr);
    const commits = await commitsOnDisk(table);
    assert.equal(commits.length, 1 + 4 * perWorker);
    const { commits: versions } = await new LogStore(storage, table).list();
    assert.deepEqual(versions, Array.from({ length: 1 + 4 * perWorker }, (_, i) => i));
    const paths = commits.flatMap((c) => c.flatMap((a) => ('add' in a ? [a.add.path] : [])));
    const expected = [0, 1, 2, 3].flatMap((w) => Array.from({ length: perWorker }, (_, k) => `w${w}-${k}.parquet`));
    assert.deepEqual(paths.sort(), expected.sort());
    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual([...snapshot.txns].sort(), [0, 1, 2, 3].map((w) => [`worker-${w}`, perWorker - 1]));
  });
});
