import assert from 'node:assert/strict';
import {
  BINARY, BOOLEAN, DATE, DOUBLE, INT, LONG, SqlField, STRING, TIMESTAMP, decimalType, sqlField,
} from '@tributary/common';
import { Cell, batch, rowsOf, show } from './group-by.test-support';
import { decodeGroupPartials } from './group-codec';
import { allocateImageBuffers, encodeGroupImage, imageFits } from './group-image';
import { GroupLayout, groupLayout } from './group-layout';
import { GroupStateTable } from './group-state-table';

const W = 300_000_000;
const T = 1_714_565_100_000_000;
const BIG = 2n ** 60n;

const input: SqlField[] = [
  sqlField('ts', TIMESTAMP), sqlField('b', BOOLEAN), sqlField('i', INT, false), sqlField('d', DATE), sqlField('l', LONG),
  sqlField('t2', TIMESTAMP), sqlField('dec', decimalType(38, 0)), sqlField('dbl', DOUBLE), sqlField('s', STRING), sqlField('bin', BINARY),
  sqlField('price', decimalType(30, 2)), sqlField('x', DOUBLE),
];

/** Window + every key type; count, sums (long, decimal(38,2), double), min/max of int, boolean, decimal, timestamp, date, double. */
const layout: GroupLayout = groupLayout({
  window: { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 },
  keys: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((c) => ({ column: c, field: input[c] })),
  aggregates: [
    { fn: 'count', column: null, field: sqlField('n', LONG, false) },
    { fn: 'sum', column: 4, field: sqlField('sl', LONG) },
    { fn: 'sum', column: 10, field: sqlField('sp', decimalType(38, 2)) },
    { fn: 'sum', column: 11, field: sqlField('sx', DOUBLE) },
    { fn: 'min', column: 2, field: sqlField('mi', INT) },
    { fn: 'max', column: 1, field: sqlField('mb', BOOLEAN) },
    { fn: 'min', column: 10, field: sqlField('md', decimalType(30, 2)) },
    { fn: 'max', column: 5, field: sqlField('mt', TIMESTAMP) },
    { fn: 'max', column: 3, field: sqlField('mdt', DATE) },
    { fn: 'min', column: 7, field: sqlField('mdbl', DOUBLE) },
  ],
  schema: [],
}, input);

/** Row r of a state with one group per row (key i = r): nulls, wide values and > 18-digit decimals throughout. */
function stateRow(r: number, windows = 3): Cell[] {
  const pick = <T>(xs: readonly T[]): T => xs[(r * 7 + xs.length) % xs.length];
  const sign = r % 2 === 0 ? 1n : -1n;
  return [
    BigInt(T + (r % windows) * W),
    r % 5 === 0 ? null : r % 3 === 0,
    r,
    r % 4 === 0 ? null : 19_000 + (r % 17),
    r % 6 === 0 ? sign * (BIG + BigInt(r)) : r % 7 === 0 ? null : BigInt(r * 1_000_003),
    BigInt(T + r),
    r % 3 === 0 ? sign * (10n ** 37n + BigInt(r)) : r % 11 === 0 ? null : sign * BigInt(r * 1000),
    r % 13 === 0 ? NaN : r % 8 === 0 ? null : r / 8,
    r % 9 === 0 ? null : pick(['a', 'bb', '', 'ü€', 'a long-ish string value']) + (r % 50),
    r % 10 === 0 ? null : Uint8Array.of(r & 255, 0, (r >> 8) & 255),
    BigInt(1 + (r % 4)),
    r % 5 === 0 ? null : sign * (2n ** 62n + BigInt(r)),
    r % 6 === 0 ? null : sign * (10n ** 37n + BigInt(r * 3)),
    r % 4 === 0 ? null : r * 0.25,
    r % 3 === 0 ? null : -r,
    r % 7 === 0 ? null : r % 2 === 0,
    r % 8 === 0 ? null : sign * (10n ** 29n - BigInt(r)),
    BigInt(T - r),
    r % 5 === 0 ? null : 20_000 - r,
    r % 13 === 0 ? NaN : r % 9 === 0 ? null : -r / 4,
  ];
}

const lines = (rows: readonly Cell[][]): string[] => rows.map((r) => r.map(show).join(' | '));

/** The state as snapshot bytes by the worker's code, run here: copy into fresh buffers, encode, decode. */
function snapshotRows(table: GroupStateTable, buffers = allocateImageBuffers(table.imageSizes(1.5, 16))): Cell[][] {
  const image = table.copyImage(buffers);
  return rowsOf(decodeGroupPartials(table.layout, encodeGroupImage(image)));
}

describe('group images: snapshots copied column at a time, encoded elsewhere', () => {
  it('round-trips every key and state type, with nulls, wide values and decimals beyond 18 digits, in the order groups entered state', () => {
    const rows = Array.from({ length: 1000 }, (_, r) => stateRow(r));
    const table = new GroupStateTable(layout, 16);
    table.merge(batch(layout.stateSchema, rows));
    const back = snapshotRows(table);
    assert.deepEqual(lines(back), lines(rows));
    // loading the snapshot makes the same state
    const loaded = new GroupStateTable(layout);
    loaded.loadSnapshot(batch(layout.stateSchema, back));
    assert.deepEqual(lines(snapshotRows(loaded)), lines(rows));
  });

  it('sums merged partials into the snapshot (an independent model of count and exact sums)', () => {
    const small = groupLayout({
      window: null,
      keys: [{ column: 8, field: input[8] }],
      aggregates: [
        { fn: 'count', column: null, field: sqlField('n', LONG, false) },
        { fn: 'sum', column: 10, field: sqlField('sp', decimalType(38, 2)) },
      ],
      schema: [],
    }, input);
    const table = new GroupStateTable(small, 4);
    const model = new Map<string, [bigint, bigint | null]>();
    for (let b = 0; b < 5; b++) {
      const rows: Cell[][] = [];
      for (let r = 0; r < 40; r++) {
        const key = r % 7 === 0 ? null : `k${(r * 3 + b) % 11}`;
        if (rows.some((x) => x[0] === key)) continue;
        const sum = r % 5 === 0 ? null : (r % 2 === 0 ? 1n : -1n) * (10n ** 36n + BigInt(r * 1000 + b));
        rows.push([key, BigInt(1 + r), sum]);
        const m = model.get(String(key)) ?? [0n, null];
        m[0] += BigInt(1 + r);
        if (sum !== null) m[1] = (m[1] ?? 0n) + sum;
        model.set(String(key), m);
      }
      table.merge(batch(small.stateSchema, rows));
    }
    const got = new Map(snapshotRows(table).map((r) => [String(r[0]), [r[1], r[2]]]));
    assert.deepEqual(got, model);
  });

  it('copies again into the same buffers after evictions compacted the table and its dictionaries', () => {
    const table = new GroupStateTable(layout, 16);
    const rows = Array.from({ length: 600 }, (_, r) => stateRow(r));
    table.merge(batch(layout.stateSchema, rows));
    const buffers = allocateImageBuffers(table.imageSizes(1.5, 16));
    assert.deepEqual(lines(snapshotRows(table, buffers)), lines(rows));
    table.evictClosed(T + W); // the first window closes
    const kept = rows.filter((r) => r[0] !== BigInt(T));
    assert.ok(imageFits(buffers, table.imageSizes()));
    assert.deepEqual(lines(snapshotRows(table, buffers)), lines(kept));
    const more = Array.from({ length: 200 }, (_, r) => stateRow(1000 + r, 2).map((c, k) => (k === 0 ? BigInt(T + (1 + (r % 2)) * W) : c)));
    table.merge(batch(layout.stateSchema, more));
    assert.deepEqual(lines(snapshotRows(table, buffers)), lines([...kept, ...more]));
  });

  it('encodes an empty state and a state without window or keys', () => {
    const table = new GroupStateTable(layout);
    assert.deepEqual(snapshotRows(table), []);
    const global = groupLayout({
      window: null, keys: [],
      aggregates: [{ fn: 'count', column: null, field: sqlField('n', LONG, false) }, { fn: 'sum', column: 11, field: sqlField('sx', DOUBLE) }],
      schema: [],
    }, input);
    const g = new GroupStateTable(global);
    g.merge(batch(global.stateSchema, [[5n, null]]));
    g.merge(batch(global.stateSchema, [[2n, 1.5]]));
    assert.deepEqual(snapshotRows(g), [[7n, 1.5]]);
  });

  it('refuses buffers smaller than the state', () => {
    const table = new GroupStateTable(layout);
    table.merge(batch(layout.stateSchema, Array.from({ length: 100 }, (_, r) => stateRow(r))));
    const buffers = allocateImageBuffers(table.imageSizes(0.5));
    assert.equal(imageFits(buffers, table.imageSizes()), false);
    assert.throws(() => table.copyImage(buffers), /do not fit/);
  });
});
