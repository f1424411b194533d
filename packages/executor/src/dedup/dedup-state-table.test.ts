import assert from 'node:assert/strict';
import { ColumnBatch, INT, LONG, STRING, TIMESTAMP, sqlField } from '@tributary/common';
import { batch, Cell, rowsOf } from '../aggregate/group-by/group-by.test-support';
import { decodeDedupChanges, decodeDedupKeys, decodeDedupRows, encodeDedupChanges, encodeDedupKeys, encodeDedupRows } from './dedup-codec';
import { DedupLayout } from './dedup-layout';
import { DedupStateTable } from './dedup-state-table';

const S = 1_000_000;
const rowSchema = [sqlField('id', STRING), sqlField('ts', TIMESTAMP, false), sqlField('v', LONG)];
const shuffleSchema = [...rowSchema, sqlField('kafka_partition', INT, false), sqlField('kafka_offset', LONG, false)];

function layout(withinWatermark: boolean): DedupLayout {
  const keys = withinWatermark ? [0] : [0, 1];
  return {
    rowSchema, keys, eventTime: 1, expiryDelayMicros: withinWatermark ? 10 * S : 0, withinWatermark, shuffleSchema,
    stateSchema: [...keys.map((k) => rowSchema[k]), sqlField('expires_at', TIMESTAMP, false)],
  };
}

/** [id, ts (s), v, kafka partition, offset] → a shuffled batch. */
const rows = (list: [string | null, number, number, number, number][]): ColumnBatch =>
  batch(shuffleSchema, list.map(([id, ts, v, p, o]) => [id, BigInt(ts * S), BigInt(v), p, BigInt(o)] as Cell[]));

/** The kept rows' v values, in the order keepFirst names them. */
function keptValues(table: DedupStateTable, b: ColumnBatch): number[] {
  const kept = table.keepFirst(b);
  return Array.from(kept, (i) => Number(rowsOf(b)[i][2]));
}

const stateOf = (t: DedupStateTable): string[] => rowsOf(t.allRows()).map((r) => r.map(String).join('|')).sort();

describe('DedupStateTable', () => {
  it('dropDuplicates: keeps per key (id, ts) the row of lowest (partition, offset), whatever the order rows arrive in; nulls are one key', () => {
    const t = new DedupStateTable(layout(false), 4);
    const b = rows([
      ['a', 100, 1, 1, 5],
      ['a', 100, 2, 0, 9], // partition 0 beats partition 1
      ['a', 101, 3, 1, 1], // another event time: another key
      ['b', 100, 4, 2, 7],
      ['b', 100, 5, 2, 3], // lower offset, same partition
      [null, 100, 6, 3, 2],
      [null, 100, 7, 3, 1],
    ]);
    assert.deepEqual(keptValues(t, b), [2, 3, 5, 7]);
    assert.equal(t.numKeys, 4);
    // Rows of the keys now in state are duplicates, in a later batch too.
    assert.deepEqual(keptValues(t, rows([['a', 100, 8, 0, 0], ['b', 100, 9, 0, 0], ['c', 100, 10, 4, 4], [null, 100, 11, 0, 0]])), [10]);
    assert.deepEqual(stateOf(t), [`a|${100 * S}|${100 * S}`, `a|${101 * S}|${101 * S}`, `b|${100 * S}|${100 * S}`, `c|${100 * S}|${100 * S}`, `null|${100 * S}|${100 * S}`]);
  });

  it('dropDuplicates: a key leaves once the watermark reaches its event time (expiry ≤ watermark), then a row of it is new again', () => {
    const t = new DedupStateTable(layout(false), 4);
    keptValues(t, rows([['a', 100, 1, 0, 0], ['a', 101, 2, 0, 1], ['b', 102, 3, 0, 2]]));
    assert.equal(t.evict(100 * S - 1), 0);
    assert.equal(t.evict(100 * S), 1);
    assert.deepEqual(stateOf(t), [`a|${101 * S}|${101 * S}`, `b|${102 * S}|${102 * S}`]);
    assert.deepEqual(keptValues(t, rows([['a', 100, 4, 0, 3], ['a', 101, 5, 0, 4]])), [4]);
  });

  it('dropDuplicatesWithinWatermark: keys without the event time expire at the first row’s event time + delay', () => {
    const t = new DedupStateTable(layout(true), 4);
    // The first row of 'a' (partition 0) has ts 105, though a row with ts 100 came from partition 1.
    assert.deepEqual(keptValues(t, rows([['a', 100, 1, 1, 0], ['a', 105, 2, 0, 50], ['b', 90, 3, 0, 1]])), [2, 3]);
    assert.deepEqual(stateOf(t), [`a|${115 * S}`, `b|${100 * S}`]);
    assert.deepEqual(keptValues(t, rows([['a', 300, 4, 0, 60], ['b', 1, 5, 0, 61]])), []);
    assert.equal(t.evict(100 * S), 1);
    assert.deepEqual(keptValues(t, rows([['a', 300, 6, 0, 70], ['b', 110, 7, 0, 71]])), [7]);
    assert.deepEqual(stateOf(t), [`a|${115 * S}`, `b|${120 * S}`]);
  });

  it('versioning: snapshot + change sets, through the codec, rebuild the same keys and expiries as the live table', () => {
    const L = layout(false);
    const live = new DedupStateTable(L, 2);
    const stored: Uint8Array[] = [];
    let snapshot: Uint8Array | null = null;
    const batches: { rows: ColumnBatch; watermark: number }[] = [
      { rows: rows([['a', 100, 1, 0, 0], ['b', 100, 2, 0, 1], ['a', 100, 3, 0, 2]]), watermark: 0 },
      { rows: rows([['c', 150, 4, 0, 3], ['a', 100, 5, 0, 4], ['d', 90, 6, 0, 5]]), watermark: 95 * S },
      { rows: rows([['e', 200, 7, 1, 0], ['b', 100, 8, 1, 1], ['f', 120, 9, 1, 2]]), watermark: 130 * S },
    ];
    batches.forEach((b, n) => {
      live.mark();
      live.keepFirst(b.rows);
      live.evict(b.watermark);
      stored.push(encodeDedupChanges(L, live.changesSinceMark()));
      if (n === 0) snapshot = encodeDedupKeys(L, live.allRows());
    });
    // Batch 1's 'd' entered and left in the same batch; batch 2 evicted a, b, d and f (≤ 130 s).
    assert.deepEqual(stateOf(live), [`c|${150 * S}|${150 * S}`, `e|${200 * S}|${200 * S}`]);
    const fromChanges = new DedupStateTable(L, 2);
    for (const c of stored) fromChanges.applyChanges(decodeDedupChanges(L, c));
    assert.deepEqual(stateOf(fromChanges), stateOf(live));
    const fromSnapshot = new DedupStateTable(L, 2);
    fromSnapshot.loadSnapshot(decodeDedupKeys(L, snapshot as unknown as Uint8Array));
    for (const c of stored.slice(1)) fromSnapshot.applyChanges(decodeDedupChanges(L, c));
    assert.deepEqual(stateOf(fromSnapshot), stateOf(live));
    // The rebuilt table dedups the next batch as the live one does.
    const next = rows([['c', 150, 10, 0, 9], ['a', 100, 11, 0, 10], ['g', 160, 12, 0, 11]]);
    // ('a' at 100 s left with the watermark at 130 s; 'c' is still live.)
    for (const t of [live, fromChanges, fromSnapshot]) assert.deepEqual(keptValues(t, next), [11, 12]);
  });

  it('over 40 batches of keys that expire and come back (lazy eviction, compaction), keeps what a plain Map of Spark’s rules keeps; change sets rebuild it', () => {
    const L = layout(true);
    const live = new DedupStateTable(L, 2);
    const replica = new DedupStateTable(L, 2);
    const model = new Map<string, number>(); // id → expiry (µs)
    let seed = 7;
    const random = (k: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
    const everKept = new Set<string>();
    let revived = 0;
    for (let b = 0; b < 40; b++) {
      const list: [string | null, number, number, number, number][] = [];
      for (let i = 0; i < 30; i++) list.push([random(9) === 0 ? null : `k${random(b < 20 ? 40 : 200)}`, b * 10 + random(10), i, random(3), random(1000)]);
      const watermark = (b * 10 - 12 - random(6)) * S;
      // The model: rows in (partition, offset) order; a key not live is kept once, with its expiry.
      const expected: number[] = [];
      const order = list.map((r, i) => ({ r, i })).sort((x, y) => x.r[3] - y.r[3] || x.r[4] - y.r[4] || x.i - y.i);
      for (const { r } of order) {
        const key = String(r[0]);
        if (model.has(key)) continue;
        model.set(key, r[1] * S + 10 * S);
        expected.push(r[2]);
        if (everKept.has(key)) revived++;
        everKept.add(key);
      }
      for (const [k, e] of model) if (e <= watermark) model.delete(k);
      live.mark();
      const before = live.numKeys;
      const got = keptValues(live, rows(list.map(([id, ts, v, p, o]) => [id, ts, v, p, o])));
      live.evict(watermark);
      assert.deepEqual(got.sort((x, y) => x - y), expected.sort((x, y) => x - y), `batch ${b} (state had ${before} keys)`);
      assert.equal(live.numKeys, model.size, `batch ${b}: live keys`);
      assert.deepEqual(new Map(rowsOf(live.allRows()).map((r) => [String(r[0]), Number(r[1])])), model, `batch ${b}: state`);
      replica.applyChanges(decodeDedupChanges(L, encodeDedupChanges(L, live.changesSinceMark())));
      assert.deepEqual(stateOf(replica), stateOf(live), `batch ${b}: the change sets rebuild the state`);
    }
    assert.ok(revived > 20, `keys came back after they expired (${revived} times)`);
    assert.ok(live.memoryBytes > 0);
  });

  it('the shuffle codec carries rows with their Kafka partition and offset, and refuses another query’s bytes', () => {
    const b = rows([['a', 100, 1, 3, 2 ** 40], [null, 101, -2, 0, 0]]);
    assert.deepEqual(rowsOf(decodeDedupRows(layout(false), encodeDedupRows(layout(false), b))), rowsOf(b));
    assert.throws(() => decodeDedupRows(layout(true), encodeDedupRows(layout(false), b)), /tributary.dedup/);
    assert.throws(() => decodeDedupKeys(layout(false), encodeDedupRows(layout(false), b)), /expected format dedup-keys\/v1/);
  });
});
