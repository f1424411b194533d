import assert from 'node:assert/strict';
import { ColumnBatch, seededRandom } from '@tributary/common';
import { C, plainRows, rowsOfChanges, sourceDatabase, table, Row } from './apply-changes.fixture';
import { applyChanges, CdcRows, positionOrder } from './apply-changes';
import { CdcKeyState } from './cdc-key-state';
import { indexOf } from './partition-rows-cache';

/** A CDC table of one partition: its rows and key state, batch after batch. */
class Table {
  rows: ColumnBatch = table([]);
  readonly state = new CdcKeyState();
  /** With `indexed`, each batch gets the rows' keys and index (as from the partition rows cache). */
  private keys: string[] = [];
  constructor(readonly retention = 1e12, readonly indexed = false) {}
  batch(list: readonly C[]) {
    const currentKeys = this.indexed ? { keys: this.keys, index: indexOf(this.keys) } : undefined;
    const r = applyChanges({ changes: rowsOfChanges(list), current: this.rows, keyColumns: [0], state: this.state, tombstoneRetentionMicros: this.retention, currentKeys });
    this.rows = r.rows;
    this.state.mark();
    if (this.indexed) {
      const ids = (r.rows.columns[0] as { values: Float64Array }).values.subarray(0, r.rows.count);
      assert.deepEqual(r.keys, Array.from(ids, String), 'the keys returned are the rows\' ids, row by row');
      this.keys = r.keys as string[];
    }
    return r;
  }
  get plain(): Row[] { return plainRows(this.rows); }
}

describe('applying changes to a table (SCD type 1)', () => {
  it('reduces several changes of one key in a batch by position, whatever their arrival order', () => {
    const t = new Table();
    t.batch([
      { op: 'U', pos: [0, 30], row: { id: 1, name: 'c', amount: 3 } },
      { op: 'I', pos: [0, 10], row: { id: 1, name: 'a', amount: 1 } },
      { op: 'U', pos: [0, 20], row: { id: 1, name: 'b', amount: 2 } },
      { op: 'I', pos: [0, 11], row: { id: 2, name: 'x', amount: 9 } },
      { op: 'D', pos: [0, 12], row: { id: 2 } },
    ]);
    assert.deepEqual(t.plain, [{ id: 1, name: 'c', amount: 3 }]);
  });

  it('ignores a change older than the one the table holds, in a later batch, and a replay of the same change', () => {
    const t = new Table();
    t.batch([{ op: 'I', pos: [1, 5], row: { id: 1, name: 'new', amount: 5 } }]);
    const r = t.batch([
      { op: 'U', pos: [0, 9_999_999_999], row: { id: 1, name: 'old', amount: 4 } },
      { op: 'I', pos: [1, 5], row: { id: 1, name: 'replayed', amount: 0 } },
    ]);
    assert.equal(r.ignored, 2);
    assert.deepEqual(t.plain, [{ id: 1, name: 'new', amount: 5 }]);
  });

  it('keeps a tombstone so a late older insert cannot bring a deleted row back, until the retention has passed', () => {
    const t = new Table(1000);
    t.batch([{ op: 'I', pos: [0, 1], row: { id: 7, name: 'a', amount: 1 }, time: 10 }]);
    t.batch([{ op: 'D', pos: [0, 3], row: { id: 7 }, time: 20 }]);
    assert.deepEqual(t.plain, []);
    t.batch([{ op: 'I', pos: [0, 2], row: { id: 7, name: 'late', amount: 2 }, time: 15 }]);
    assert.deepEqual(t.plain, [], 'the late insert at 2 is older than the delete at 3');
    const r = t.batch([{ op: 'I', pos: [0, 9], row: { id: 8, name: 'b', amount: 1 }, time: 1021 }]);
    assert.equal(r.tombstonesEvicted, 1, 'source time 1021 is past the delete (20) by more than 1000 µs');
    assert.equal(t.state.slotOf('7'), -1);
  });

  it('changes only the columns a partial update carries, from the table row or an earlier change of the batch', () => {
    const t = new Table();
    t.batch([{ op: 'I', pos: [0, 1], row: { id: 1, name: 'a', amount: 100 } }, { op: 'I', pos: [0, 2], row: { id: 2, name: 'b', amount: 200 } }]);
    t.batch([
      { op: 'U', pos: [0, 3], row: { id: 1, amount: 150 } },
      { op: 'U', pos: [0, 5], row: { id: 2, name: null } },
      { op: 'I', pos: [0, 6], row: { id: 3, name: 'c', amount: 1 } },
      { op: 'U', pos: [0, 7], row: { id: 3, amount: 2 } },
      { op: 'U', pos: [0, 8], row: { id: 3, name: 'cc' } },
    ]);
    assert.deepEqual(t.plain, [{ id: 1, name: 'a', amount: 150 }, { id: 2, name: null, amount: 200 }, { id: 3, name: 'cc', amount: 2 }]);
  });

  it('truncates: rows changed at or before the truncate go, later ones stay, and older changes that arrive later are ignored', () => {
    const t = new Table();
    t.batch([
      { op: 'I', pos: [0, 1], row: { id: 1, name: 'a', amount: 1 } },
      { op: 'I', pos: [0, 12], row: { id: 2, name: 'after', amount: 2 } }, // from another Kafka partition, ahead of the truncate
    ]);
    t.batch([{ op: 'T', pos: [0, 10] }, { op: 'U', pos: [0, 5], row: { id: 3, name: 'before', amount: 3 } }]);
    assert.deepEqual(t.plain, [{ id: 2, name: 'after', amount: 2 }]);
    t.batch([{ op: 'I', pos: [0, 9], row: { id: 4, name: 'late', amount: 4 } }, { op: 'T', pos: [0, 8] }, { op: 'I', pos: [0, 11], row: { id: 5, name: 'e', amount: 5 } }]);
    assert.deepEqual(t.plain, [{ id: 2, name: 'after', amount: 2 }, { id: 5, name: 'e', amount: 5 }]);
  });

  for (const indexed of [false, true]) it(`ends equal to a seeded source database after its log is delivered in batches with replays and duplicates${indexed ? ', given the rows\' key index' : ''}`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seededRandom(seed);
      const { log, final } = sourceDatabase(rnd, 400);
      // Two Kafka partitions by key (truncates on 0); each keeps its order. Batches take a random
      // slice of each; now and then a partition's earlier records are delivered again.
      const parts: C[][] = [[], []];
      for (const c of log) parts[c.op === 'T' ? 0 : (c.row?.id as number) % 2].push(c);
      const at = [0, 0];
      const t = new Table(1e12, indexed);
      while (at[0] < parts[0].length || at[1] < parts[1].length) {
        const batch: C[] = [];
        for (let p = 0; p < 2; p++) {
          const take = Math.floor(rnd() * 30);
          batch.push(...parts[p].slice(at[p], at[p] + take));
          at[p] = Math.min(parts[p].length, at[p] + take);
          if (rnd() < 0.3 && at[p] > 0) {
            const from = Math.floor(rnd() * at[p]);
            batch.push(...parts[p].slice(from, Math.min(at[p], from + 20)));
          }
        }
        t.batch(batch);
      }
      assert.deepEqual(t.plain, final, `seed ${seed}`);
    }
  });

  it('orders changes by position and tie, whether they arrive in a few ordered runs, in one, or shuffled', () => {
    const rnd = seededRandom(5);
    for (const runs of [1, 2, 3, 8, 13, 0]) {
      const n = 1000;
      const major = new Float64Array(n);
      const minor = new Float64Array(n);
      const tie = new Float64Array(n);
      if (runs === 0) {
        for (let i = 0; i < n; i++) { major[i] = Math.floor(rnd() * 3); minor[i] = Math.floor(rnd() * 50); tie[i] = Math.floor(rnd() * 4); }
      } else {
        // `runs` Kafka partitions' changes, each in order, interleaved; positions repeat across them.
        const at = Array.from({ length: runs }, () => [0, 0]);
        const part = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const p = Math.floor(rnd() * runs);
          part[i] = p;
          if (rnd() < 0.2) at[p][0]++;
          at[p][1] += Math.floor(rnd() * 3);
          [major[i], minor[i], tie[i]] = [at[p][0], at[p][1], i];
        }
        // One run after the other, as the map tasks' pushes are concatenated.
        const byRun = [...Array(n).keys()].sort((a, b) => part[a] - part[b] || a - b);
        const [m2, n2, t2] = [major.slice(), minor.slice(), tie.slice()];
        byRun.forEach((src, i) => { major[i] = m2[src]; minor[i] = n2[src]; tie[i] = t2[src]; });
      }
      const expected = [...Array(n).keys()].sort((a, b) => major[a] - major[b] || minor[a] - minor[b] || tie[a] - tie[b] || a - b);
      const got = [...positionOrder(major, minor, tie, n)];
      assert.deepEqual(got.map((i) => [major[i], minor[i], tie[i]]), expected.map((i) => [major[i], minor[i], tie[i]]), `${runs} runs`);
      assert.deepEqual([...got].sort((a, b) => a - b), [...Array(n).keys()], 'each change once');
    }
  });
});
