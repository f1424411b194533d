import assert from 'node:assert/strict';
import { INT, LONG, STRING, TIMESTAMP, decimalType, sqlField } from '@tributary/common';
import { Cell, batch, rowsOf, sortedLines } from './group-by.test-support';
import { decodeGroupChanges, decodeGroupPartials, encodeGroupChanges, encodeGroupPartials } from './group-codec';
import { GroupLayout, groupLayout } from './group-layout';
import { GroupStateTable } from './group-state-table';

const W = 300_000_000;
const T = 1_714_565_100_000_000;
const t = (k: number): bigint => BigInt(T + k * W);

const input = [sqlField('ts', TIMESTAMP), sqlField('s', STRING), sqlField('amount', decimalType(10, 2)), sqlField('k', INT)];
function layoutOf(windowed: boolean): GroupLayout {
  return groupLayout(
    {
      window: windowed ? { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 } : null,
      keys: [{ column: 1, field: input[1] }],
      aggregates: [
        { fn: 'count', column: null, field: sqlField('n', LONG, false) },
        { fn: 'sum', column: 2, field: sqlField('total', decimalType(20, 2)) },
      ],
      schema: [],
    },
    input,
  );
}
const windowed = layoutOf(true);

describe('GroupStateTable', () => {
  it('memoryBytes counts the typed arrays it holds, growing with the groups and the strings', () => {
    const state = new GroupStateTable(windowed, 4);
    const empty = state.memoryBytes;
    assert.ok(empty > 0);
    const rows: Cell[][] = [];
    for (let i = 0; i < 5000; i++) rows.push([t(i % 7), `customer-${i}-${'x'.repeat(40)}`, 1n, BigInt(i)]);
    state.merge(batch(windowed.stateSchema, rows));
    // at least the strings' bytes, one key row (flags, window, string id: 4 words) and a count and a sum per group
    const atLeast = 5000 * (45 + 16 + 8 + 8);
    assert.ok(state.memoryBytes - empty >= atLeast, `${state.memoryBytes} − ${empty} ≥ ${atLeast}`);
  });

  it('append mode: emits and evicts exactly the windows whose end ≤ watermark, once, ordered by window', () => {
    const state = new GroupStateTable(windowed, 4);
    state.merge(batch(windowed.stateSchema, [
      [t(1), 'a', 1n, 100n],
      [t(0), 'a', 2n, 5n],
      [t(-1), 'b', 1n, null],
      [t(0), 'é', 1n, 7n],
    ]));
    state.merge(batch(windowed.stateSchema, [[t(0), 'a', 1n, -5n], [t(-1), 'b', 2n, 3n]]));
    assert.deepEqual(state.windowStarts(), [T - W, T, T + W]);

    // watermark just before the end of window T−W: nothing closes
    assert.equal(state.evictClosed(T - 1).count, 0);
    // watermark at T: window [T−W, T) closes
    assert.deepEqual(rowsOf(state.evictClosed(T)), [[t(-1), 'b', 3n, 3n]]);
    assert.equal(state.evictClosed(T).count, 0);
    assert.deepEqual(state.windowStarts(), [T, T + W]);
    assert.equal(state.numGroups, 3);
    // a watermark past two windows emits both, window by window
    assert.deepEqual(rowsOf(state.evictClosed(T + 2 * W)), [
      [t(0), 'a', 3n, 0n],
      [t(0), 'é', 1n, 7n],
      [t(1), 'a', 1n, 100n],
    ]);
    assert.equal(state.numGroups, 0);
    // strings of evicted groups are gone from the dictionaries: new groups still group correctly
    state.merge(batch(windowed.stateSchema, [[t(3), 'é', 1n, 1n], [t(3), 'a', 1n, 1n], [t(3), 'é', 1n, 1n]]));
    assert.deepEqual(sortedLines(rowsOf(state.allRows())), sortedLines([[t(3), 'é', 2n, 2n], [t(3), 'a', 1n, 1n]]));
  });

  it('records change sets that rebuild the same state from a snapshot (through the codecs)', () => {
    const live = new GroupStateTable(windowed, 4);
    live.merge(batch(windowed.stateSchema, [[t(0), 'a', 1n, 1n], [t(0), 'b', 1n, 2n], [t(1), 'a', 1n, 3n]]));
    const snapshot = encodeGroupPartials(windowed, live.allRows());
    live.mark();
    const versions: Uint8Array[] = [];
    // version +1: one group changes, one is new
    live.merge(batch(windowed.stateSchema, [[t(0), 'b', 2n, 10n], [t(2), 'c', 1n, null]]));
    const c1 = live.changesSinceMark();
    assert.deepEqual(sortedLines(rowsOf(c1.upserts)), sortedLines([[t(0), 'b', 3n, 12n], [t(2), 'c', 1n, null]]));
    assert.equal(c1.deletedWindowStartsMicros.length, 0);
    versions.push(encodeGroupChanges(windowed, c1));
    live.mark();
    // version +2: window T closes; a group of window T+W changes
    live.merge(batch(windowed.stateSchema, [[t(1), 'a', 1n, 1n], [t(0), 'a', 1n, 1n]]));
    assert.deepEqual(sortedLines(rowsOf(live.evictClosed(T + W))), sortedLines([[t(0), 'a', 2n, 2n], [t(0), 'b', 3n, 12n]]));
    const c2 = live.changesSinceMark();
    assert.deepEqual(rowsOf(c2.upserts), [[t(1), 'a', 2n, 4n]]);
    assert.deepEqual([...c2.deletedWindowStartsMicros], [T]);
    versions.push(encodeGroupChanges(windowed, c2));
    live.mark();

    const rebuilt = new GroupStateTable(windowed, 4);
    rebuilt.loadSnapshot(decodeGroupPartials(windowed, snapshot));
    for (const v of versions) rebuilt.applyChanges(decodeGroupChanges(windowed, v));
    assert.deepEqual(sortedLines(rowsOf(rebuilt.allRows())), sortedLines(rowsOf(live.allRows())));
    assert.deepEqual(sortedLines(rowsOf(rebuilt.allRows())), sortedLines([[t(1), 'a', 2n, 4n], [t(2), 'c', 1n, null]]));
    assert.equal(rebuilt.changesSinceMark().upserts.count, 0);
  });

  it('complete mode without a window: every group each time, nothing evicted', () => {
    const layout = layoutOf(false);
    assert.deepEqual(layout.stateSchema.map((f) => f.name), ['s', 'n', 'total']);
    const state = new GroupStateTable(layout);
    state.merge(batch(layout.stateSchema, [['a', 1n, 5n], [null, 2n, null], ['日本', 1n, 1n]] as Cell[][]));
    assert.deepEqual(sortedLines(rowsOf(state.allRows())), sortedLines([['a', 1n, 5n], [null, 2n, null], ['日本', 1n, 1n]]));
    state.merge(batch(layout.stateSchema, [['a', 3n, -5n], [null, 1n, 4n]] as Cell[][]));
    assert.deepEqual(sortedLines(rowsOf(state.allRows())), sortedLines([['a', 4n, 0n], [null, 3n, 4n], ['日本', 1n, 1n]]));
    assert.throws(() => state.evictClosed(Number.MAX_SAFE_INTEGER), /without a window/);
  });
});
