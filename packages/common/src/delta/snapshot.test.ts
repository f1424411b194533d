import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogStore } from './log-store';
import { readSnapshot } from './snapshot';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const PROTOCOL = '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}';
const METADATA = '{"metaData":{"id":"t","format":{"provider":"parquet","options":{}},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[]}","partitionColumns":[],"configuration":{}}}';
const add = (p: string): string => JSON.stringify({ add: { path: p, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true } });
const remove = (p: string): string => JSON.stringify({ remove: { path: p, dataChange: true } });
const txn = (appId: string, version: number): string => JSON.stringify({ txn: { appId, version } });

describe('Delta snapshot replay', () => {
  let table: string;
  beforeEach(async () => {
    table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-snapshot-'));
  });
  afterEach(async () => {
    await fs.rm(table, { recursive: true, force: true });
  });
  async function writeLog(commits: string[][]): Promise<void> {
    const store = new LogStore(storage, table);
    await fs.mkdir(store.logDir, { recursive: true });
    for (let v = 0; v < commits.length; v++) assert.ok(await store.putIfAbsent(v, commits[v].join('\n') + '\n'));
  }

  it('replays adds, removes by canonical path and the latest txn per appId, at any version', async () => {
    await writeLog([
      [PROTOCOL, METADATA, add('a%20b.parquet'), add('c.parquet'), txn('q', 0)],
      [remove(`file:${table}/a b.parquet`), txn('q', 1), txn('r', 5)],
      [add('a b.parquet'), remove('c.parquet'), txn('q', 2)],
    ]);
    const at1 = await readSnapshot(storage, table, { version: 1 });
    assert.deepEqual([...at1.files.keys()], [path.join(table, 'c.parquet')]);
    assert.deepEqual([...at1.txns], [['q', 1], ['r', 5]]);
    const latest = await readSnapshot(storage, table);
    assert.equal(latest.version, 2);
    assert.deepEqual([...latest.files.keys()], [path.join(table, 'a b.parquet')]);
    assert.equal(latest.txns.get('q'), 2);
  });

  it('fails on a gap in the log instead of returning a partial table', async () => {
    await writeLog([[PROTOCOL, METADATA], [add('a.parquet')]]);
    await fs.rename(path.join(table, '_delta_log', '00000000000000000001.json'), path.join(table, '_delta_log', '00000000000000000002.json'));
    await assert.rejects(readSnapshot(storage, table), /commit 1 is missing/);
  });

  it('refuses tables needing reader features it lacks, naming them', async () => {
    await writeLog([['{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors","timestampNtz"],"writerFeatures":[]}}', METADATA]]);
    await assert.rejects(readSnapshot(storage, table), /unsupported reader features: deletionVectors$/);
  });

  it('says a directory without a log is not a Delta table', async () => {
    await assert.rejects(readSnapshot(storage, table), { code: 'DELTA_TABLE_NOT_FOUND' });
  });
});
