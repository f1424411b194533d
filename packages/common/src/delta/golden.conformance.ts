/**
 * Conformance against Delta's own golden tables (written by the reference implementation), from
 * $TRIBUTARY_SHARED/delta-golden (default: ../shared beside the repository root). Fails, never
 * skips, when the corpus is not there. Expectations are derived by hand from each table's JSON
 * log and directory listing.
 */
import { strict as assert } from 'node:assert';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readSnapshot } from './snapshot';
import { readTableRows } from './table-reader';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SHARED = process.env.TRIBUTARY_SHARED ?? path.resolve(REPO_ROOT, '../shared');
const GOLDEN = path.join(SHARED, 'delta-golden');

function golden(name: string): string {
  return path.join(GOLDEN, name);
}

describe('Delta golden tables (reference writer)', () => {
  before(() => {
    assert.ok(existsSync(GOLDEN), `golden tables not found at ${GOLDEN}: set TRIBUTARY_SHARED to the shared folder`);
  });

  it('snapshot-data3: an overwrite removes earlier files; versions 0–3 each see their own files', async () => {
    const names = async (version?: number): Promise<string[]> =>
      [...(await readSnapshot(storage, golden('snapshot-data3'), { version })).files.values()].map((f) => f.path).sort();
    assert.deepEqual(await names(1), [
      'part-00000-0441e99a-c421-400e-83a1-212aa6c84c73-c000.snappy.parquet',
      'part-00000-64680d94-9e18-4fa1-9ca9-f0cd8a9cfd11-c000.snappy.parquet',
      'part-00001-34c8c673-3f44-4fa7-b94e-07357ec28a7d-c000.snappy.parquet',
      'part-00001-b8249b87-0b7a-4461-8a8a-fa958802b523-c000.snappy.parquet',
    ]);
    assert.deepEqual(await names(), [
      'part-00000-842017c2-3e02-44b5-a3d6-5b9ae1745045-c000.snappy.parquet',
      'part-00000-cb078bc1-0aeb-46ed-9cf8-74a843b32c8c-c000.snappy.parquet',
      'part-00001-9bf4b8f8-1b95-411b-bf10-28dc03aa9d2f-c000.snappy.parquet',
      'part-00001-e62ca5a1-923c-4ee6-998b-c61d1cfb0b1c-c000.snappy.parquet',
    ]);
  });

  it('checkpoint: starts from the version-10 checkpoint and replays 11–14 (each version keeps only file v+1)', async () => {
    for (const [version, live] of [[10, '11'], [12, '13'], [14, '15'], [5, '6']] as const) {
      const snapshot = await readSnapshot(storage, golden('checkpoint'), { version });
      assert.equal(snapshot.version, version);
      assert.deepEqual([...snapshot.files.values()].map((f) => f.path), [live]);
      assert.equal(snapshot.metadata.id, 'testId');
      assert.deepEqual(snapshot.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    }
  });

  it('multi-part-checkpoint: reads both parts; live files are every data file in the directory', async () => {
    const table = golden('multi-part-checkpoint');
    const snapshot = await readSnapshot(storage, table);
    const onDisk = (await fs.readdir(table)).filter((n) => n.endsWith('.parquet') && !n.startsWith('.')).sort();
    assert.equal(snapshot.version, 1);
    assert.deepEqual([...snapshot.files.values()].map((f) => f.path).sort(), onDisk);
    assert.equal(snapshot.metadata.configuration['delta.checkpointInterval'], '1');
    const rows = await readTableRows(storage, table);
    // The reference writer's stats: version 0 wrote 1 row, version 1 wrote 30 (ids 0..29).
    const ids = [...rows.getChild('id')!].map(Number).sort((a, b) => a - b);
    assert.equal(rows.numRows, 31);
    assert.deepEqual(ids.slice(1), Array.from({ length: 30 }, (_, i) => i));
  });

  it('basic-with-vacuum-protocol-check-feature: reader 3 with vacuumProtocolCheck is readable, 100 rows', async () => {
    const table = golden('basic-with-vacuum-protocol-check-feature');
    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual(snapshot.protocol.readerFeatures, ['vacuumProtocolCheck']);
    const rows = await readTableRows(storage, table);
    const ids = [...rows.getChild('id')!].map(Number);
    const strs = [...rows.getChild('str')!];
    assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    ids.forEach((id, i) => assert.equal(strs[i], `val=${id}`));
  });

  it('canonicalized paths: a remove spelled file:/… with escapes cancels the add spelled /…', async () => {
    for (const name of ['canonicalized-paths-normal-a', 'canonicalized-paths-special-a']) {
      const snapshot = await readSnapshot(storage, golden(name));
      assert.equal(snapshot.files.size, 0, name);
    }
  });

  it('refuses broken or unsupported tables with errors that name the cause', async () => {
    await assert.rejects(readSnapshot(storage, golden('deltalog-invalid-protocol-version')), /reader version 99/);
    await assert.rejects(readSnapshot(storage, golden('versions-not-contiguous')), /commit 1 is missing/);
    await assert.rejects(readSnapshot(storage, golden('deltalog-state-reconstruction-without-metadata')), /no metaData/);
    await assert.rejects(readSnapshot(storage, golden('dv-partitioned-with-checkpoint')), /deletionVectors/);
    await assert.rejects(readSnapshot(storage, golden('no-delta-log-folder')), { code: 'DELTA_TABLE_NOT_FOUND' });
  });
});
