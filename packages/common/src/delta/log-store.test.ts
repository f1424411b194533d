import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogStore, commitFileName } from './log-store';
import { LocalStorage } from '../storage/local-storage';

const storage = new LocalStorage();

describe('Delta log store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-logstore-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('names commits with 20 zero-padded digits', () => {
    assert.equal(commitFileName(0), '00000000000000000000.json');
    assert.equal(commitFileName(1234), '00000000000000001234.json');
  });

  it('lets exactly one of many concurrent writers take a version and keeps its content whole', async () => {
    const store = new LogStore(storage, dir);
    const writers = Array.from({ length: 16 }, (_, i) => store.putIfAbsent(3, `writer ${i}\n`.repeat(1000)));
    const results = await Promise.all(writers);
    const winners = results.flatMap((ok, i) => (ok ? [i] : []));
    assert.equal(winners.length, 1);
    assert.equal(await store.readCommit(3), `writer ${winners[0]}\n`.repeat(1000));
    // No temp files are left behind and only the one commit is listed.
    assert.deepEqual(await fs.readdir(store.logDir), ['00000000000000000003.json']);
  });

  it('never replaces an existing commit', async () => {
    const store = new LogStore(storage, dir);
    assert.equal(await store.putIfAbsent(0, 'first\n'), true);
    assert.equal(await store.putIfAbsent(0, 'second\n'), false);
    assert.equal(await store.readCommit(0), 'first\n');
  });

  it('lists commits and only complete checkpoints', async () => {
    const store = new LogStore(storage, dir);
    await fs.mkdir(store.logDir);
    const names = [
      '00000000000000000000.json',
      '00000000000000000001.json',
      '00000000000000000002.json',
      '00000000000000000001.checkpoint.parquet',
      '00000000000000000002.checkpoint.0000000001.0000000002.parquet',
      '00000000000000000002.checkpoint.0000000002.0000000002.parquet',
      '00000000000000000003.checkpoint.0000000001.0000000002.parquet',
      '_last_checkpoint',
      '.00000000000000000003.json.abc.tmp',
    ];
    for (const n of names) await fs.writeFile(path.join(store.logDir, n), '');
    const listing = await store.list();
    assert.deepEqual(listing.commits, [0, 1, 2]);
    assert.deepEqual(listing.checkpoints, [
      { version: 1, files: ['00000000000000000001.checkpoint.parquet'] },
      { version: 2, files: ['00000000000000000002.checkpoint.0000000001.0000000002.parquet', '00000000000000000002.checkpoint.0000000002.0000000002.parquet'] },
    ]);
  });
});
