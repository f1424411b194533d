import assert from 'node:assert/strict';
import { BatchId } from '@tributary/common';
import { SCHEMA, table } from './apply-changes.fixture';
import { fileIdentity, keyedRows, PartitionRowsCache, RowsExpected, RowsOrigin } from './partition-rows-cache';

const b = (n: number) => n as BatchId;
const KEYS = [0];
const rows = keyedRows(table([{ id: 1, name: 'a', amount: 10 }, { id: 2, name: null, amount: null }]), KEYS);
/** Batch 4, attempt 2 wrote the partition's rows as two files. */
const ORIGIN: RowsOrigin = { tablePath: 't', partition: 3, output: SCHEMA, keyColumns: KEYS, batchId: b(4), attempt: 2, files: ['f1', 'f2'] };
/** Batch 5 against a table version holding those files, the driver having committed attempt 2 of batch 4. */
const NEXT: RowsExpected = { tablePath: 't', partition: 3, output: SCHEMA, keyColumns: KEYS, prevBatchId: b(4), committed: new Map([[b(4), 2]]), files: ['f2', 'f1'] };

function filled(): PartitionRowsCache {
  const cache = new PartitionRowsCache();
  cache.put(ORIGIN, rows);
  return cache;
}

describe('the partition rows cache of CDC tables', () => {
  it('gives the rows back to the next batch when the table version holds exactly the files written and the attempt was committed', () => {
    const cache = filled();
    assert.equal(cache.take(NEXT), rows);
    assert.deepEqual(rows.keys, ['1', '2']);
    assert.deepEqual([...rows.index], [['1', 0], ['2', 1]]);
  });

  it('misses at a table version whose files of the partition differ (a commit that did not land, an OPTIMIZE, a file more or less)', () => {
    for (const files of [['f1'], ['f1', 'f2', 'f3'], ['f1', 'g2'], []]) {
      assert.equal(filled().take({ ...NEXT, files }), null, JSON.stringify(files));
    }
  });

  it('tells files apart by path and size, and a file under a deletion vector from every file written', () => {
    const written = fileIdentity({ path: 'part-1.parquet', size: 100 });
    assert.equal(fileIdentity({ path: 'part-1.parquet', size: 100 }), written);
    assert.notEqual(fileIdentity({ path: 'part-1.parquet', size: 101 }), written);
    assert.notEqual(fileIdentity({ path: 'part-1.parquet', size: 100, deletionVector: { storageType: 'u' } }), written);
    const cache = new PartitionRowsCache();
    cache.put({ ...ORIGIN, files: [written] }, rows);
    assert.equal(cache.take({ ...NEXT, files: [fileIdentity({ path: 'part-1.parquet', size: 100, deletionVector: { storageType: 'u' } })] }), null);
  });

  it('misses for another attempt committed, another batch chain, another partition, table or schema', () => {
    const misses: RowsExpected[] = [
      { ...NEXT, committed: new Map([[b(4), 3]]) }, // batch 4 retried and committed elsewhere
      { ...NEXT, committed: new Map() },
      { ...NEXT, prevBatchId: b(3) }, // a replay of batch 4
      { ...NEXT, prevBatchId: null },
      { ...NEXT, partition: 4 },
      { ...NEXT, tablePath: 'u' },
      { ...NEXT, output: SCHEMA.slice(0, 2) },
      { ...NEXT, keyColumns: [0, 1] },
    ];
    for (const m of misses) assert.equal(filled().take(m), null, JSON.stringify({ ...m, output: m.output.length }));
  });

  it('is emptied by a take, so an attempt that fails before putting its rows leaves nothing a retry could use', () => {
    const cache = filled();
    assert.equal(cache.take({ ...NEXT, committed: new Map([[b(4), 9]]) }), null, 'a mismatch drops the entry');
    assert.equal(cache.take(NEXT), null, 'even for the expectation that would have matched');
    const again = filled();
    assert.equal(again.take(NEXT), rows, 'attempt 1 of batch 5 takes the rows');
    // … and fails before writing: the retry of batch 5 (same expectations) reads the files.
    assert.equal(again.take(NEXT), null);
    assert.equal(again.size, 0);
  });

  it('drops entries not taken for ten minutes', () => {
    let now = 0;
    const cache = new PartitionRowsCache(() => now);
    cache.put(ORIGIN, rows);
    now = 10 * 60_000 + 1;
    cache.put({ ...ORIGIN, partition: 5 }, rows);
    assert.equal(cache.size, 1);
    assert.equal(cache.take(NEXT), null);
  });
});
