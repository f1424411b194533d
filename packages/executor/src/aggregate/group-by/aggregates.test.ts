import assert from 'node:assert/strict';
import {
  AggregateSpec, BINARY, ColumnBatch, DOUBLE, INT, LONG, STRING, SqlField, TIMESTAMP, decimalType, sqlField, structType, seededRandom,
} from '@tributary/common';
import { DecimalOverflowError } from '../errors';
import { Cell, batch, rowsOf, show } from './group-by.test-support';
import { decodeGroupChanges, decodeGroupPartials, encodeGroupChanges, encodeGroupPartials } from './group-codec';
import { allocateImageBuffers, encodeGroupImage } from './group-image';
import { GroupLayout, groupLayout } from './group-layout';
import { GroupStateTable } from './group-state-table';
import { outputRows } from './output-rows';
import { PartialGroupAggregator } from './partial-group-aggregator';

const MINUTE = 60_000_000;
const T0 = 1_714_565_100_000_000 - (1_714_565_100_000_000 % MINUTE);

const input: SqlField[] = [
  sqlField('ts', TIMESTAMP), sqlField('k', STRING), sqlField('i', INT), sqlField('l', LONG), sqlField('d', DOUBLE),
  sqlField('dec', decimalType(30, 6)), sqlField('big', decimalType(38, 18)), sqlField('s', STRING), sqlField('bin', BINARY),
];
const WINDOW = sqlField('window', structType([sqlField('start', TIMESTAMP), sqlField('end', TIMESTAMP)]), false);

const aggregates: AggregateSpec['aggregates'] = [
  { fn: 'count', column: null, field: sqlField('n', LONG, false) },
  { fn: 'count', column: 7, field: sqlField('ns', LONG, false) },
  { fn: 'sum', column: 6, field: sqlField('sum_big', decimalType(38, 18)) },
  { fn: 'avg', column: 5, field: sqlField('avg_dec', decimalType(34, 10)) },
  { fn: 'avg', column: 2, field: sqlField('avg_i', DOUBLE) },
  { fn: 'avg', column: 3, field: sqlField('avg_l', DOUBLE) },
  { fn: 'avg', column: 4, field: sqlField('avg_d', DOUBLE) },
  { fn: 'min', column: 7, field: sqlField('min_s', STRING) },
  { fn: 'max', column: 7, field: sqlField('max_s', STRING) },
  { fn: 'min', column: 8, field: sqlField('min_bin', BINARY) },
  { fn: 'max', column: 8, field: sqlField('max_bin', BINARY) },
  { fn: 'approx_count_distinct', column: 3, field: sqlField('approx_l', LONG, false), relativeSD: 0.05 },
  { fn: 'sum', column: 2, field: sqlField('sum_i', LONG) },
  { fn: 'min', column: 5, field: sqlField('min_dec', decimalType(30, 6)) },
  { fn: 'max', column: 4, field: sqlField('max_d', DOUBLE) },
];

const layout: GroupLayout = groupLayout({
  window: { column: 0, sizeMicros: MINUTE, slideMicros: MINUTE, startMicros: 0 },
  keys: [{ column: 1, field: input[1] }],
  aggregates,
  schema: [WINDOW, input[1], ...aggregates.map((a) => a.field)],
}, input);


/** Input rows: 3 windows × 6 keys (one null), nulls in every column, values where order and exactness matter. */
function inputRows(seed: number, n: number): Cell[][] {
  const next = seededRandom(seed);
  const int = (k: number): number => Math.floor(next() * k);
  const bigRandom = (digits: number): bigint => {
    let v = 0n;
    for (let d = 0; d < digits; d++) v = v * 10n + BigInt(int(10));
    return next() < 0.5 ? -v : v;
  };
  // characters whose UTF-16 order differs from their UTF-8 byte order (U+FF61 vs U+1F600), and prefixes
  const alphabet = ['a', 'b', 'é', '€', '\uff61', '\u{1f600}', 'A', ''];
  const text = (): string => Array.from({ length: int(4) }, () => alphabet[int(alphabet.length)]).join('');
  return Array.from({ length: n }, () => {
    const r = int(100);
    return [
      BigInt(T0 + int(3) * MINUTE + int(MINUTE)),
      r < 10 ? null : `key${int(5)}`,
      r % 7 === 0 ? null : int(2_000_000_001) - 1_000_000_000,
      r % 11 === 0 ? null : BigInt(int(50)) * 2n ** 55n + BigInt(int(1000)),
      r % 13 === 0 ? null : (int(4001) - 2000) * 0.25,
      r % 5 === 0 ? null : bigRandom(1 + int(29)),
      r % 9 === 0 ? null : bigRandom(1 + int(35)),
      r % 4 === 0 ? null : text(),
      r % 6 === 0 ? null : Uint8Array.from({ length: int(4) }, () => int(256)),
    ];
  });
}

// ---- The independent calculation ------------------------------------------------------------

const cmpBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** HALF_UP(a / c) for c > 0: ⌊(2|a| + c) / 2c⌋ with a's sign. */
const halfUp = (a: bigint, c: bigint): bigint => {
  const q = (2n * (a < 0n ? -a : a) + c) / (2n * c);
  return a < 0n ? -q : q;
};

function expected(rows: readonly Cell[][]): string[] {
  const groups = new Map<string, Cell[][]>();
  for (const r of rows) {
    const start = (r[0] as bigint) - ((r[0] as bigint) % BigInt(MINUTE));
    const key = `${start}|${show(r[1])}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines: string[] = [];
  for (const [key, g] of groups) {
    const [start] = key.split('|');
    const col = (c: number): Cell[] => g.map((r) => r[c]).filter((v) => v !== null);
    const bigs = (c: number): bigint[] => col(c) as bigint[];
    const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
    const avgDouble = (xs: bigint[]): Cell => (xs.length === 0 ? null : Number(sum(xs)) / xs.length);
    const strings = col(7).map((s) => utf8(s as string)).sort(cmpBytes);
    const bins = (col(8) as Uint8Array[]).sort(cmpBytes);
    const decs = bigs(5);
    const doubles = col(4) as number[];
    const row: Cell[] = [
      `${start}..${BigInt(start) + BigInt(MINUTE)}`,
      g[0][1],
      BigInt(g.length),
      BigInt(col(7).length),
      bigs(6).length === 0 ? null : sum(bigs(6)),
      decs.length === 0 ? null : halfUp(sum(decs) * 10n ** 4n, BigInt(decs.length)),
      avgDouble((col(2) as number[]).map(BigInt)),
      avgDouble(bigs(3)),
      doubles.length === 0 ? null : doubles.reduce((a, b) => a + b, 0) / doubles.length,
      strings.length === 0 ? null : new TextDecoder().decode(strings[0]),
      strings.length === 0 ? null : new TextDecoder().decode(strings[strings.length - 1]),
      bins.length === 0 ? null : bins[0],
      bins.length === 0 ? null : bins[bins.length - 1],
      BigInt(new Set(bigs(3)).size), // approx: compared within its bound below
      col(2).length === 0 ? null : sum((col(2) as number[]).map(BigInt)),
      decs.length === 0 ? null : decs.reduce((a, b) => (b < a ? b : a)),
      doubles.length === 0 ? null : Math.max(...doubles),
    ];
    lines.push([row[0] as string, ...row.slice(1).map(show)].join(' | '));
  }
  return lines.sort();
}

const APPROX = 13;

/** Output rows as lines; the window struct as start..end. */
function outputLines(out: ColumnBatch): string[] {
  const rows = rowsOf({ ...out, columns: out.columns.slice(1) });
  const window = out.columns[0] as { children: { values: Float64Array }[] };
  return rows.map((r, i) => [`${window.children[0].values[i]}..${window.children[1].values[i]}`, ...r.map(show)].join(' | ')).sort();
}

/** Replaces the approx column with the exact distinct count when within 3·rsd (+1), so lines compare exactly. */
function withinApprox(got: string[], want: string[]): string[] {
  const wantBy = new Map(want.map((l) => [l.split(' | ').slice(0, 2).join(' | '), l]));
  return got.map((l) => {
    const cells = l.split(' | ');
    const w = wantBy.get(cells.slice(0, 2).join(' | '));
    if (w === undefined) return l;
    const exact = Number(w.split(' | ')[APPROX].replace('n', ''));
    const est = Number(cells[APPROX].replace('n', ''));
    if (Math.abs(est - exact) <= 3 * 0.05 * exact + 1) cells[APPROX] = `${exact}n`;
    return cells.join(' | ');
  });
}

function snapshotOf(table: GroupStateTable): ColumnBatch {
  const image = table.copyImage(allocateImageBuffers(table.imageSizes(1.2, 8)));
  return decodeGroupPartials(table.layout, encodeGroupImage(image));
}

describe('aggregates end to end in the group-by (partials, shuffle codec, state, change sets, snapshots)', () => {
  it('count, count(col), sums, avg of int, long, double and decimal, min/max of strings, binaries, decimals and doubles, approx_count_distinct', () => {
    const P = 2;
    const batches = [inputRows(1, 3000), inputRows(2, 2500)];
    const states = Array.from({ length: P }, () => new GroupStateTable(layout, 4));
    const replicas = Array.from({ length: P }, () => new GroupStateTable(layout, 4));
    for (const [b, rows] of batches.entries()) {
      // three map tasks per batch, their partials through the shuffle codec
      for (let task = 0; task < 3; task++) {
        const map = new PartialGroupAggregator(layout, 8);
        const mine = rows.filter((_, i) => i % 3 === task);
        for (let from = 0; from < mine.length; from += 700) map.add(batch(input, mine.slice(from, from + 700)), -Infinity);
        const drained = map.drainPartitions(P);
        drained.partitions.forEach((part, p) => states[p].merge(decodeGroupPartials(layout, encodeGroupPartials(layout, part))));
      }
      for (let p = 0; p < P; p++) {
        if (b === 0) replicas[p].loadSnapshot(snapshotOf(states[p])); // a snapshot of version 1
        else replicas[p].applyChanges(decodeGroupChanges(layout, encodeGroupChanges(layout, states[p].changesSinceMark())));
        states[p].mark();
      }
    }
    const want = expected(batches.flat());
    assert.equal(want.length, 18); // 3 windows × 6 keys (one of them null)
    for (const tables of [states, replicas]) {
      const got = tables.flatMap((t) => outputLines(outputRows(layout, t.allRows())));
      assert.deepEqual(withinApprox(got, want).sort(), want);
    }
    // a snapshot of the final state loads to the same output
    const reloaded = states.map((t) => {
      const r = new GroupStateTable(layout);
      r.loadSnapshot(snapshotOf(t));
      return r;
    });
    assert.deepEqual(withinApprox(reloaded.flatMap((t) => outputLines(outputRows(layout, t.allRows()))), want).sort(), want);
  });

  it('rounds decimal averages HALF_UP at the result scale, away from zero on ties (Spark\'s Average)', () => {
    const small: SqlField[] = [sqlField('k', INT), sqlField('x', decimalType(1, 0))];
    const agg: AggregateSpec['aggregates'] = [{ fn: 'avg', column: 1, field: sqlField('a', decimalType(5, 4)) }];
    const l = groupLayout({ window: null, keys: [{ column: 0, field: small[0] }], aggregates: agg, schema: [small[0], agg[0].field] }, small);
    const t = new GroupStateTable(l);
    const rows: Cell[][] = [];
    // key 1: one 1 and 31 zeros: 1/32 = 0.03125 → 0.0313; key 2: the same negated → −0.0313;
    // key 3: 2/3 → 0.6667; key 4: −2/3 → −0.6667; key 5: only nulls → null; key 6: 1/6 → 0.1667
    for (let i = 0; i < 32; i++) rows.push([1, i === 0 ? 1n : 0n], [2, i === 0 ? -1n : 0n]);
    rows.push([3, 1n], [3, 1n], [3, 0n], [4, -1n], [4, -1n], [4, 0n], [5, null], [6, 1n], ...Array.from({ length: 5 }, (): Cell[] => [6, 0n]));
    t.merge(batch(l.stateSchema, rows.map((r) => [r[0], ...(r[1] === null ? [null, 0n] : [r[1], 1n])])));
    const out = rowsOf(outputRows(l, t.allRows()));
    assert.deepEqual(out.map((r) => r.map(show).join(' ')).sort(), ['1 313n', '2 -313n', '3 6667n', '4 -6667n', '5 NULL', '6 1667n']);
  });

  it('fails a decimal average beyond its result precision, naming the window and the key', () => {
    const small: SqlField[] = [sqlField('ts', TIMESTAMP), sqlField('k', STRING), sqlField('x', decimalType(38, 18))];
    const agg: AggregateSpec['aggregates'] = [{ fn: 'avg', column: 2, field: sqlField('a', decimalType(38, 22)) }];
    const l = groupLayout({
      window: { column: 0, sizeMicros: MINUTE, slideMicros: MINUTE, startMicros: 0 },
      keys: [{ column: 1, field: small[1] }], aggregates: agg, schema: [WINDOW, small[1], agg[0].field],
    }, small);
    const map = new PartialGroupAggregator(l);
    // avg 10^17 needs 18 integer digits; decimal(38,22) holds 16
    map.add(batch(small, [[BigInt(T0), 'acme', 10n ** 35n], [BigInt(T0 + 1), 'acme', 10n ** 35n]]), -Infinity);
    const t = new GroupStateTable(l);
    t.merge(map.drainPartitions(1).partitions[0]);
    assert.throws(() => outputRows(l, t.allRows()), (e: unknown) => e instanceof DecimalOverflowError
      && /avg\(x\) overflows decimal\(38,22\) for window \[2024-05-01T12:05:00(\.000000)?Z?, .*\), k="acme"/.test((e as Error).message));
  });

  it('keeps string min/max exact while values grow and shrink (slots reused, the arena collected)', () => {
    const small: SqlField[] = [sqlField('k', INT), sqlField('s', STRING)];
    const agg: AggregateSpec['aggregates'] = [
      { fn: 'min', column: 1, field: sqlField('lo', STRING) }, { fn: 'max', column: 1, field: sqlField('hi', STRING) },
    ];
    const l = groupLayout({ window: null, keys: [{ column: 0, field: small[0] }], aggregates: agg, schema: [small[0], ...agg.map((a) => a.field)] }, small);
    const map = new PartialGroupAggregator(l, 4);
    const next = seededRandom(3);
    const model = new Map<number, [string, string]>();
    for (let b = 0; b < 40; b++) {
      const rows: Cell[][] = Array.from({ length: 500 }, () => {
        const k = Math.floor(next() * 50);
        const s = 'x'.repeat(Math.floor(next() * 40)) + String.fromCodePoint(0x61 + Math.floor(next() * 26), 0x1f600 + Math.floor(next() * 3));
        const m = model.get(k);
        const le = (a: string, c: string): boolean => cmpBytes(utf8(a), utf8(c)) <= 0;
        model.set(k, m === undefined ? [s, s] : [le(s, m[0]) ? s : m[0], le(m[1], s) ? s : m[1]]);
        return [k, s];
      });
      map.add(batch(small, rows), -Infinity);
    }
    const got = rowsOf(outputRows(l, map.drainPartitions(1).partitions[0]));
    assert.deepEqual(new Map(got.map((r) => [r[0] as number, [r[1], r[2]]])), model);
  });
});
