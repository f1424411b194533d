import assert from 'node:assert/strict';
import { batchOf, decimalType, LONG, seededRandom, sqlField, STRING } from '@tributary/common';
import type { CdcRows } from './apply-changes';
import { decodeChanges, decodeKeyChanges, encodeChanges, encodeKeyChanges } from './cdc-codec';
import { CdcKeyState, KeyChanges } from './cdc-key-state';

const OUTPUT = [sqlField('id', LONG, false), sqlField('name', STRING), sqlField('amount', decimalType(10, 2))];

describe('CDC codecs (cdc-changes/v1, cdc-keys/v1)', () => {
  it('carries change rows whole: op, exact positions, unknown commit times, present flags and row images', () => {
    const rows: CdcRows = {
      count: 3,
      op: Uint8Array.of(0, 1, 3),
      posMajor: Float64Array.of(0, 1234567890, 2 ** 52),
      posMinor: Float64Array.of(5, 9999999999, 0),
      opTime: Float64Array.of(1767261600000001, NaN, 7),
      tie: Float64Array.of(10, 11, 12),
      present: [Uint8Array.of(1, 1, 0), Uint8Array.of(1, 0, 0), Uint8Array.of(1, 1, 0)],
      row: batchOf(OUTPUT, [{ id: 1n, name: 'a', amount: 150n }, { id: 2n, name: null, amount: -1n }, { id: null, name: null, amount: null }]),
    };
    const back = decodeChanges(OUTPUT, encodeChanges(OUTPUT, rows));
    assert.equal(back.count, 3);
    assert.deepEqual([...back.op], [0, 1, 3]);
    assert.deepEqual([...back.posMajor.subarray(0, 3)], [0, 1234567890, 2 ** 52]);
    assert.deepEqual([...back.posMinor.subarray(0, 3)], [5, 9999999999, 0]);
    assert.deepEqual([...back.opTime].map((t) => (Number.isNaN(t) ? 'NaN' : t)), [1767261600000001, 'NaN', 7]);
    assert.deepEqual(back.present.map((p) => [...p.subarray(0, 3)]), [[1, 1, 0], [1, 0, 0], [1, 1, 0]]);
    assert.deepEqual([...(back.row.columns[2] as { values: Float64Array }).values.subarray(0, 2)], [150, -1]);
    assert.throws(() => decodeKeyChanges(encodeChanges(OUTPUT, rows)), /expected format cdc-keys\/v1/);
  });

  it('rebuilds a key state from its change sets: keys set, tombstones, keys removed, the truncate and the latest commit time', () => {
    const a = new CdcKeyState();
    a.set('1', 0, 5, false, 100);
    a.set('2', 0, 6, true, 200);
    a.maxOpTime = 200;
    const v1 = encodeKeyChanges(a.changesSinceMark());
    a.mark();
    a.remove('1');
    a.set('3', 3, 1, false, 300);
    a.truncMajor = 2;
    a.truncMinor = 9;
    const v2 = encodeKeyChanges(a.changesSinceMark());
    const b = new CdcKeyState();
    b.apply(decodeKeyChanges(v1));
    b.apply(decodeKeyChanges(v2));
    assert.deepEqual(b.all(), a.all());
    assert.equal(b.slotOf('1'), -1);
    assert.ok(b.deletedAt(b.slotOf('2')));
  });

  it('lists the change set column by column as an independent record of the same operations says, through the codec too', () => {
    type Entry = { major: number; minor: number; deleted: boolean; time: number };
    const random = seededRandom(11);
    const state = new CdcKeyState();
    const replica = new CdcKeyState();
    const whole = new Map<string, Entry>(); // every key held, from the operations alone
    for (let version = 0; version < 6; version++) {
      const setSince = new Map<string, Entry>();
      const removedSince = new Set<string>();
      for (let i = 0; i < 400; i++) {
        const key = random() < 0.1 ? `k\u0001${Math.floor(random() * 50)}\u00e9` : String(Math.floor(random() * 300));
        if (random() < 0.25) {
          state.remove(key);
          if (whole.delete(key)) removedSince.add(key);
          setSince.delete(key);
        } else {
          const e: Entry = { major: Math.floor(random() * 4), minor: Math.floor(random() * 2 ** 40), deleted: random() < 0.3, time: random() < 0.1 ? -Infinity : Math.floor(random() * 1e15) };
          state.set(key, e.major, e.minor, e.deleted, e.time);
          whole.set(key, e);
          setSince.set(key, e);
          removedSince.delete(key);
        }
      }
      state.maxOpTime = version * 1000;
      const changes = state.changesSinceMark();
      assert.deepEqual(objects(changes), setSince, `version ${version}: keys set`);
      assert.deepEqual([...changes.removed].sort(), [...removedSince].sort(), `version ${version}: keys removed`);
      const back = decodeKeyChanges(encodeKeyChanges(changes));
      const finite = (m: Map<string, Entry>) => new Map([...m].map(([k, e]) => [k, { ...e, time: Number.isFinite(e.time) ? e.time : 0 }]));
      assert.deepEqual(objects(back), finite(setSince), `version ${version}: through the codec`);
      assert.deepEqual([...back.removed].sort(), [...changes.removed].sort());
      assert.equal(back.maxOpTime, version * 1000);
      state.mark();
      replica.apply(back);
      assert.deepEqual(objects(replica.all()), finite(whole), `version ${version}: the replica holds every key`);
    }
  });
});

/** A change set's keys set, as a map (deepEqual compares maps regardless of order). */
function objects(c: KeyChanges): Map<string, { major: number; minor: number; deleted: boolean; time: number }> {
  return new Map(c.set.keys.map((key, i) => [key, { major: c.set.major[i], minor: c.set.minor[i], deleted: c.set.deleted[i] === 1, time: c.set.time[i] }]));
}
