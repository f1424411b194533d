import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Action } from './actions';
import { AGGREGATE_TABLE_SCHEMA } from '../testing/aggregate-table';
import { writeCheckpoint } from './checkpoint-writer';
import { createTable } from './create-table';
import { LogStore, checksumFileName, commitFileName } from './log-store';
import { readSnapshot, updateSnapshot } from './snapshot';
import { commit } from './transaction';
import { DamagedCommitError } from './version-checksum';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const add = (p: string, size: number): Action => ({ add: { path: p, partitionValues: {}, size, modificationTime: 1, dataChange: true } });
const remove = (p: string): Action => ({ remove: { path: p, deletionTimestamp: 1, dataChange: true } });

/**
 * The table state after `version` worked out from the JSON lines of commits 0..version alone (not
 * with Tributary's replay): live paths with their sizes, and the newest txn version per appId.
 */
async function independentState(table: string, version: number): Promise<{ numFiles: number; tableSizeBytes: number; txns: Record<string, number> }> {
  const live = new Map<string, number>();
  const txns: Record<string, number> = {};
  for (let v = 0; v <= version; v++) {
    const lines = (await fs.readFile(path.join(table, '_delta_log', commitFileName(v)), 'utf8')).split('\n').filter(Boolean);
    for (const line of lines) {
      const a = JSON.parse(line);
      if (a.remove) live.delete(a.remove.path);
    }
    for (const line of lines) {
      const a = JSON.parse(line);
      if (a.add) live.set(a.add.path, a.add.size);
      if (a.txn) txns[a.txn.appId] = a.txn.version;
    }
  }
  return { numFiles: live.size, tableSizeBytes: [...live.values()].reduce((s, n) => s + n, 0), txns };
}

async function readCrc(table: string, version: number): Promise<any> {
  return JSON.parse(await fs.readFile(path.join(table, '_delta_log', checksumFileName(version)), 'utf8'));
}

/** Rewrites commit `version` without the lines `drop` selects (a file cut at a line boundary, or a lost line). */
async function damage(table: string, version: number, drop: (line: any, index: number, all: any[]) => boolean): Promise<void> {
  const file = path.join(table, '_delta_log', commitFileName(version));
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
  const parsed = lines.map((l) => JSON.parse(l));
  const kept = lines.filter((_, i) => !drop(parsed[i], i, parsed));
  assert.ok(kept.length < lines.length, 'the damage drops a line');
  await fs.writeFile(file, kept.map((l) => l + '\n').join(''));
}

describe('Delta version checksums', () => {
  let table: string;
  beforeEach(async () => {
    table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-crc-'));
  });
  afterEach(async () => {
    await fs.rm(table, { recursive: true, force: true });
  });

  /** Version 0 (create), 1: a + b + txn, 2: c, remove a, txn, 3: b re-added with another size. */
  async function writeTable(): Promise<void> {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA);
    let s = await readSnapshot(storage, table);
    for (const [i, actions] of [[add('a.parquet', 100), add('b.parquet', 250)], [add('c.parquet', 4000), remove('a.parquet')], [add('b.parquet', 300)]].entries()) {
      const result = await commit(storage, table, actions, { readVersion: s.version, snapshot: s, operation: 'WRITE', txn: { appId: 'q', version: i }, readPaths: ['a.parquet'] });
      assert.ok(!result.skipped);
      s = result.snapshot;
    }
  }

  it('writes a crc with every commit that matches the state worked out independently from the log', async () => {
    await writeTable();
    for (let v = 0; v <= 3; v++) {
      const crc = await readCrc(table, v);
      const expected = await independentState(table, v);
      assert.equal(crc.numFiles, expected.numFiles, `numFiles at ${v}`);
      assert.equal(crc.tableSizeBytes, expected.tableSizeBytes, `tableSizeBytes at ${v}`);
      assert.deepEqual(Object.fromEntries(crc.setTransactions.map((t: any) => [t.appId, t.version])), expected.txns, `setTransactions at ${v}`);
      assert.equal(crc.numMetadata, 1);
      assert.equal(crc.numProtocol, 1);
      assert.deepEqual(crc.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
      const commitInfo = JSON.parse((await fs.readFile(path.join(table, '_delta_log', commitFileName(v)), 'utf8')).split('\n')[0]).commitInfo;
      assert.equal(crc.txnId, commitInfo.txnId);
      assert.equal(crc.metadata.schemaString, JSON.parse((await fs.readFile(path.join(table, '_delta_log', commitFileName(0)), 'utf8')).split('\n')[2]).metaData.schemaString);
    }
    // Hand-checked figures for the newest version: b (300, re-added) and c (4000).
    assert.deepEqual([(await readCrc(table, 3)).numFiles, (await readCrc(table, 3)).tableSizeBytes], [2, 4300]);
    assert.deepEqual(Object.keys(await readCrc(table, 3)).sort(), ['metadata', 'numFiles', 'numMetadata', 'numProtocol', 'protocol', 'setTransactions', 'tableSizeBytes', 'txnId']);
    const s = await readSnapshot(storage, table);
    assert.equal(s.tableSizeBytes, 4300);
  });

  it('a commit cut short at a line boundary (its last add lost) is refused at load, naming the version and the figures', async () => {
    await writeTable();
    await damage(table, 1, (a, i, all) => i === all.length - 1 && a.add !== undefined);
    await assert.rejects(readSnapshot(storage, table), (err: unknown) => {
      assert.ok(err instanceof DamagedCommitError);
      assert.equal(err.code, 'DATA_LOSS');
      assert.match(err.message, /^commit 00000000000000000001\.json of .* is damaged: its checksum 00000000000000000001\.crc says 2 files \/ 350 bytes; the log gives 1 \/ 100/);
      return true;
    });
    // Any version at or after the damage is refused; an earlier one still reads.
    await assert.rejects(readSnapshot(storage, table, { version: 1 }), /commit 00000000000000000001\.json .* is damaged/);
    assert.equal((await readSnapshot(storage, table, { version: 0 })).version, 0);
  });

  it('a lost txn line is refused, naming the appId and both versions', async () => {
    await writeTable();
    await damage(table, 3, (a) => a.txn !== undefined);
    await assert.rejects(readSnapshot(storage, table), /commit 00000000000000000003\.json .* is damaged: its checksum 00000000000000000003\.crc says txn q@2; the log gives txn q@1/);
  });

  it('a lost remove line and an emptied commit are refused', async () => {
    await writeTable();
    await damage(table, 2, (a) => a.remove !== undefined);
    await assert.rejects(readSnapshot(storage, table), /commit 00000000000000000002\.json .* says 2 files \/ 4,250 bytes; the log gives 3 \/ 4,350/);
    await fs.writeFile(path.join(table, '_delta_log', commitFileName(2)), '');
    await assert.rejects(readSnapshot(storage, table), /commit 00000000000000000002\.json .* is damaged/);
  });

  it('a snapshot kept in memory refuses to advance over a damaged commit of another writer', async () => {
    await writeTable();
    const at2 = await readSnapshot(storage, table, { version: 2 });
    await damage(table, 3, (a) => a.add !== undefined);
    await assert.rejects(updateSnapshot(storage, at2), DamagedCommitError);
  });

  it('checks the state read from a checkpoint against that version’s crc, and the commits replayed after it', async () => {
    await writeTable();
    await writeCheckpoint(storage, await readSnapshot(storage, table, { version: 2 }));
    // Damage before the checkpoint is covered by it: the checkpoint holds the state version 2 had.
    await damage(table, 1, (a) => a.add?.path === 'b.parquet');
    assert.equal((await readSnapshot(storage, table)).tableSizeBytes, 4300);
    // A crc that disagrees with the checkpoint's state refuses the checkpoint.
    const crc2 = path.join(table, '_delta_log', checksumFileName(2));
    const good = await fs.readFile(crc2, 'utf8');
    await fs.writeFile(crc2, JSON.stringify({ ...JSON.parse(good), numFiles: 3, tableSizeBytes: 4350 }));
    await assert.rejects(readSnapshot(storage, table), /checkpoint 00000000000000000002\.checkpoint\.parquet of .* is damaged: its checksum 00000000000000000002\.crc says 3 files \/ 4,350 bytes; the log gives 2 \/ 4,250/);
    await fs.writeFile(crc2, good);
    await damage(table, 3, (a) => a.add !== undefined);
    await assert.rejects(readSnapshot(storage, table), /commit 00000000000000000003\.json .* is damaged/);
  });

  it('reads a version without a crc (a crash between commit and crc) unverified, and warns about an unreadable crc', async () => {
    await writeTable();
    await fs.rm(path.join(table, '_delta_log', checksumFileName(3)));
    const warnings = [] as string[];
    assert.equal((await readSnapshot(storage, table, { warn: (m) => warnings.push(m) })).version, 3);
    assert.equal(warnings.length, 0);
    await fs.writeFile(path.join(table, '_delta_log', checksumFileName(2)), '{"tableSizeBytes":');
    assert.equal((await readSnapshot(storage, table, { warn: (m) => warnings.push(m) })).version, 3);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /00000000000000000002\.crc is unreadable; version 2 is not verified/);
  });

  it('never overwrites an existing crc, and still commits when one is in the way', async () => {
    await writeTable();
    const store = new LogStore(storage, table);
    await fs.writeFile(path.join(table, '_delta_log', checksumFileName(4)), '{"stale":true}');
    const warnings: string[] = [];
    const s = await readSnapshot(storage, table);
    const result = await commit(storage, table, [add('d.parquet', 5)], { readVersion: 3, snapshot: s, operation: 'WRITE', warn: (m) => warnings.push(m) });
    assert.ok(!result.skipped && result.version === 4);
    assert.equal(await store.readChecksum(4), '{"stale":true}');
    assert.match(warnings.join('\n'), /00000000000000000004\.crc already existed/);
  });

  it('after losing a race, writes the crc of the state including the winner’s commit', async () => {
    await writeTable();
    const stale = await readSnapshot(storage, table);
    const winner = await commit(storage, table, [add('w.parquet', 7)], { readVersion: 3, snapshot: stale, operation: 'WRITE', txn: { appId: 'other', version: 0 } });
    assert.ok(!winner.skipped && winner.version === 4);
    const ours = await commit(storage, table, [add('o.parquet', 11)], { readVersion: 3, snapshot: stale, operation: 'WRITE', txn: { appId: 'q', version: 3 } });
    assert.ok(!ours.skipped && ours.version === 5);
    const expected = await independentState(table, 5);
    const crc = await readCrc(table, 5);
    assert.deepEqual([crc.numFiles, crc.tableSizeBytes], [expected.numFiles, expected.tableSizeBytes]);
    assert.deepEqual([expected.numFiles, expected.tableSizeBytes], [4, 4318]);
    assert.deepEqual(Object.fromEntries(crc.setTransactions.map((t: any) => [t.appId, t.version])), expected.txns);
    assert.equal(ours.snapshot.tableSizeBytes, 4318);
  });
});
