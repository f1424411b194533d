import assert from 'node:assert/strict';
import {
  AggregateSpec, BINARY, BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, SqlField, TIMESTAMP, decimalType, sqlField,
} from '@tributary/common';
import { DecimalOverflowError, LongOverflowError } from '../errors';
import { Cell, batch, rowsOf, sortedLines } from './group-by.test-support';
import { groupLayout } from './group-layout';
import { GroupTable } from './group-table';

const W = 300_000_000; // 5 minutes
const T = 1_714_565_100_000_000; // 2024-05-01T12:05:00Z, a window start

function spec(input: readonly SqlField[], keys: number[], aggs: [fn: 'count' | 'sum', column: number | null, name: string][], window: { size: number; start: number } | null = { size: W, start: 0 }): AggregateSpec {
  return {
    window: window === null ? null : { column: 0, sizeMicros: window.size, slideMicros: window.size, startMicros: window.start },
    keys: keys.map((c) => ({ column: c, field: input[c] })),
    aggregates: aggs.map(([fn, column, name]) => ({ fn, column, field: sqlField(name, LONG) })),
    schema: [],
  };
}

describe('GroupTable (general group-by)', () => {
  const input = [
    sqlField('ts', TIMESTAMP),
    sqlField('s', STRING),
    sqlField('k', INT),
    sqlField('d', DOUBLE),
    sqlField('amount', decimalType(10, 2)),
    sqlField('qty', LONG),
    sqlField('f', DOUBLE),
  ];
  const layout = groupLayout(
    spec(input, [1, 2, 3], [['count', null, 'n'], ['count', 4, 'n_amount'], ['sum', 4, 'total'], ['sum', 5, 'qty'], ['sum', 6, 'f']]),
    input,
  );

  it('derives Spark result types for the state columns', () => {
    assert.deepEqual(
      layout.stateSchema.map((f) => `${f.name}:${f.type.kind === 'decimal' ? `decimal(${f.type.precision},${f.type.scale})` : f.type.kind}:${f.nullable}`),
      ['window_start:timestamp:false', 's:string:true', 'k:int:true', 'd:double:true', 'n:long:false', 'n_amount:long:false', 'total:decimal(20,2):true', 'qty:long:true', 'f:double:true'],
    );
  });

  it('groups by window and mixed keys: NULL is a group, strings by their bytes across batches, -0.0 = 0.0, NaN = NaN', () => {
    const nanPayload = new Float64Array(new BigUint64Array([0x7ff0000000000123n]).buffer)[0];
    const table = new GroupTable(layout, 4);
    const first: Cell[][] = [
      [BigInt(T + 1), 'é', 1, 0, 1234n, 5n, 1.5],
      [BigInt(T + 2), 'é', 1, -0, null, 7n, null],
      [BigInt(T + 3), '日本', null, NaN, 100n, null, 2.25],
      [BigInt(T + 4), '日本', null, nanPayload, -50n, 3n, null],
      [BigInt(T + W), 'é', 1, 0, 1n, 1n, 1],
      [BigInt(T + 5), null, 1, 0, null, null, null],
      [BigInt(T + 6), '🙂', 2, 1.5, 10n, 2n, 0.25],
    ];
    const second: Cell[][] = [
      [BigInt(T + 7), 'é', 1, 0, 66n, 0n, 0.5],
      [BigInt(T + 8), null, 1, -0, null, null, null],
      [BigInt(T + 9), 'e\u0301', 1, 0, 5n, null, null], // é decomposed: other bytes, other group
    ];
    table.addRows(batch(input, first), -Infinity);
    table.addRows(batch(input, second), -Infinity);
    const t = BigInt(T);
    const expected: Cell[][] = [
      [t, 'é', 1, 0, 3n, 2n, 1300n, 12n, 2],
      [t, '日本', null, NaN, 2n, 2n, 50n, 3n, 2.25],
      [t + BigInt(W), 'é', 1, 0, 1n, 1n, 1n, 1n, 1],
      [t, null, 1, 0, 2n, 0n, null, null, null],
      [t, '🙂', 2, 1.5, 1n, 1n, 10n, 2n, 0.25],
      [t, 'e\u0301', 1, 0, 1n, 1n, 5n, null, null],
    ];
    assert.equal(table.size, 6);
    assert.deepEqual(sortedLines(rowsOf(table.rows())), sortedLines(expected));
  });

  it('groups every scalar key type, wide longs and decimals included', () => {
    const schema = [
      sqlField('ts', TIMESTAMP),
      sqlField('b', BOOLEAN),
      sqlField('day', DATE),
      sqlField('bin', BINARY),
      sqlField('dec', decimalType(5, 2)),
      sqlField('big', LONG),
      sqlField('at', TIMESTAMP),
      sqlField('dec38', decimalType(38, 0)),
    ];
    const l = groupLayout(spec(schema, [1, 2, 3, 4, 5, 6, 7], [['count', null, 'n']], null), schema);
    const table = new GroupTable(l, 2);
    const huge = 2n ** 60n + 1n;
    const dec = 10n ** 37n + 3n;
    const rows: Cell[][] = [
      [0n, true, 19844, Uint8Array.of(0, 255), 1234n, huge, -1n, dec],
      [0n, true, 19844, Uint8Array.of(0, 255), 1234n, huge, -1n, dec],
      [0n, false, 19844, Uint8Array.of(0, 255), 1234n, huge, -1n, dec],
      [0n, true, 19844, Uint8Array.of(0), 1234n, huge, -1n, dec],
      [0n, true, 19844, Uint8Array.of(0, 255), 1234n, huge + 1n, -1n, dec],
      [0n, true, 19844, Uint8Array.of(0, 255), 1234n, huge, -1n, -dec],
      [0n, null, null, null, null, null, null, null],
      [0n, null, null, null, null, null, null, null],
      [0n, null, 0, null, null, null, null, null],
      [0n, true, 19844, Uint8Array.of(0, 255), 1234n, 5n, -1n, 5n],
      [0n, true, 19844, Uint8Array.of(0, 255), 1234n, 5n, -1n, 5n],
    ];
    table.addRows(batch(schema, rows), -Infinity);
    const bin = Uint8Array.of(0, 255);
    const expected: Cell[][] = [
      [true, 19844, bin, 1234n, huge, -1n, dec, 2n],
      [false, 19844, bin, 1234n, huge, -1n, dec, 1n],
      [true, 19844, Uint8Array.of(0), 1234n, huge, -1n, dec, 1n],
      [true, 19844, bin, 1234n, huge + 1n, -1n, dec, 1n],
      [true, 19844, bin, 1234n, huge, -1n, -dec, 1n],
      [null, null, null, null, null, null, null, 2n],
      [null, 0, null, null, null, null, null, 1n],
      [true, 19844, bin, 1234n, 5n, -1n, 5n, 2n],
    ];
    assert.deepEqual(sortedLines(rowsOf(table.rows())), sortedLines(expected));
  });

  it("aligns tumbling windows as Spark: floor((t - start) / size) * size + start, before the epoch too", () => {
    const schema = [sqlField('ts', TIMESTAMP)];
    const startOf = (window: { size: number; start: number }, times: number[]): Cell[] => {
      const table = new GroupTable(groupLayout(spec(schema, [], [['count', null, 'n']], window), schema));
      times.forEach((t) => table.addRows(batch(schema, [[BigInt(t)]]), -Infinity));
      return rowsOf(table.rows()).map((r) => r[0]);
    };
    assert.deepEqual(startOf({ size: W, start: 0 }, [0, W - 1, W, -1, -W, -W - 1]), [0n, BigInt(W), -BigInt(W), -2n * BigInt(W)]);
    const offset = 60_000_000;
    assert.deepEqual(startOf({ size: W, start: offset }, [0, 60_000_000, 359_999_999, 360_000_000, -240_000_001]), [
      -240_000_000n, 60_000_000n, 360_000_000n, -540_000_000n,
    ]);
  });

  it('skips late rows (window end ≤ watermark) and rows without a time, and reports the max time over all rows', () => {
    const schema = [sqlField('ts', TIMESTAMP), sqlField('k', INT)];
    const table = new GroupTable(groupLayout(spec(schema, [1], [['count', null, 'n']]), schema));
    const late: number[] = [];
    const result = table.addRows(
      batch(schema, [
        [BigInt(T - 1), 1], // window [T−W, T): end T ≤ watermark T → late
        [BigInt(T), 1], // window [T, T+W): open
        [null, 1], // no time, no window
        [BigInt(T + W + 7), 2],
        [BigInt(T - W), 3], // late
      ]),
      T,
      (row) => late.push(row),
    );
    assert.deepEqual(late, [0, 4]);
    assert.equal(result.lateRows, 2);
    assert.equal(result.nullTimeRows, 1);
    assert.equal(result.maxEventTimeMicros, T + W + 7);
    assert.deepEqual(sortedLines(rowsOf(table.rows())), sortedLines([[BigInt(T), 1, 1n], [BigInt(T + W), 2, 1n]]));
  });

  it('sums decimals exactly up to precision 38 (as BigInt does) and fails beyond it naming window and key', () => {
    const schema = [sqlField('ts', TIMESTAMP), sqlField('s', STRING), sqlField('x', decimalType(38, 2))];
    const l = groupLayout(spec(schema, [1], [['sum', 2, 'total']]), schema);
    assert.deepEqual(l.stateSchema[2].type, decimalType(38, 2));
    const table = new GroupTable(l);
    const values = [
      4n * 10n ** 37n, 5n * 10n ** 37n, -(2n ** 53n), 2n ** 53n + 17n, 123n, -(10n ** 37n) + 1n,
      9_007_199_254_740_991n, 1n, -9_007_199_254_740_992n,
    ];
    table.addRows(batch(schema, values.map((v, i) => [BigInt(T + i), 'a', v])), -Infinity);
    // a group whose sum passes 2^53 and comes back to a small value
    table.addRows(batch(schema, [[BigInt(T), 'b', 2n ** 52n], [BigInt(T), 'b', 2n ** 52n], [BigInt(T), 'b', 5n], [BigInt(T), 'b', -(2n ** 53n)]]), -Infinity);
    const expectedA = values.reduce((a, b) => a + b, 0n);
    assert.equal(expectedA, 8n * 10n ** 37n + 141n);
    assert.deepEqual(sortedLines(rowsOf(table.rows())), sortedLines([[BigInt(T), 'a', expectedA], [BigInt(T), 'b', 5n]]));
    const row = (v: bigint): Cell[] => [BigInt(T + 5), 'a', v];
    // expectedA = 8·10^37 + 141; adding 2·10^37 gives 10^38 + 141, beyond decimal(38,2)
    assert.throws(
      () => table.addRows(batch(schema, [row(2n * 10n ** 37n)]), -Infinity),
      (err: unknown) =>
        err instanceof DecimalOverflowError &&
        /decimal\(38,2\)/.test(err.message) &&
        /window \[2024-05-01T12:05:00\.000000Z, 2024-05-01T12:10:00\.000000Z\)/.test(err.message) &&
        /s="a"/.test(err.message),
    );
  });

  it('bounds sum(decimal(10,2)) by its result type decimal(20,2)', () => {
    const schema = [sqlField('ts', TIMESTAMP), sqlField('x', decimalType(10, 2))];
    const table = new GroupTable(groupLayout(spec(schema, [], [['sum', 1, 'total']]), schema));
    // a partial at the bound, as if merged from state: 10^20 − 1 is the largest decimal(20,2)
    const partials = batch(table.layout.stateSchema, [[BigInt(T), 10n ** 20n - 1n]]);
    table.mergeRows(partials);
    assert.throws(() => table.addRows(batch(schema, [[BigInt(T), 1n]]), -Infinity), DecimalOverflowError);
  });

  it('fails a sum(long) that leaves the int64 range instead of wrapping', () => {
    const schema = [sqlField('ts', TIMESTAMP), sqlField('x', LONG)];
    const table = new GroupTable(groupLayout(spec(schema, [], [['sum', 1, 'total']]), schema));
    table.addRows(batch(schema, [[BigInt(T), 2n ** 63n - 2n], [BigInt(T), 1n]]), -Infinity);
    assert.deepEqual(rowsOf(table.rows()), [[BigInt(T), 2n ** 63n - 1n]]);
    assert.throws(() => table.addRows(batch(schema, [[BigInt(T), 1n]]), -Infinity), LongOverflowError);
  });

  it('sums ints into a long, and gives null for a sum over only nulls and 0 for a count over nothing', () => {
    const schema = [sqlField('ts', TIMESTAMP), sqlField('k', STRING), sqlField('x', INT)];
    const l = groupLayout(spec(schema, [1], [['sum', 2, 'total'], ['count', 2, 'n_x']]), schema);
    assert.deepEqual(l.stateSchema[2].type, LONG);
    const table = new GroupTable(l);
    table.addRows(batch(schema, [[BigInt(T), 'a', 2147483647], [BigInt(T), 'a', 2147483647], [BigInt(T), 'b', null], [BigInt(T), 'b', null]]), -Infinity);
    assert.deepEqual(sortedLines(rowsOf(table.rows())), sortedLines([[BigInt(T), 'a', 4294967294n, 2n], [BigInt(T), 'b', null, 0n]]));
  });

  it('keeps min and max of ordered types: wide longs by value, NaN above every double, nulls skipped', () => {
    const schema = [
      sqlField('ts', TIMESTAMP), sqlField('k', STRING), sqlField('i', INT), sqlField('l', LONG), sqlField('x', decimalType(38, 2)),
      sqlField('d', DOUBLE), sqlField('day', DATE), sqlField('b', BOOLEAN),
    ];
    const aggs: [fn: 'min' | 'max', column: number, name: string][] = [];
    for (let c = 2; c < schema.length; c++) aggs.push(['min', c, `min_${schema[c].name}`], ['max', c, `max_${schema[c].name}`]);
    const s: AggregateSpec = {
      window: null,
      keys: [{ column: 1, field: schema[1] }],
      aggregates: aggs.map(([fn, column, name]) => ({ fn, column, field: sqlField(name, schema[column].type) })),
      schema: [],
    };
    const l = groupLayout(s, schema);
    assert.deepEqual(l.stateSchema.slice(1).map((f) => f.type.kind), ['int', 'int', 'long', 'long', 'decimal', 'decimal', 'double', 'double', 'date', 'date', 'boolean', 'boolean']);
    const big = 2n ** 60n;
    const rows: Cell[][] = [
      [0n, 'a', 5, -big, 10n ** 37n, 1.5, 100, false],
      [0n, 'a', -7, 3n, -(10n ** 37n), NaN, -3, true],
      [0n, 'a', null, big, 5n, -2, null, null],
      [0n, 'a', 2, -(2n ** 53n), null, null, 7, false],
      [0n, 'b', null, null, null, null, null, null],
      [0n, 'c', 1, 1n, 1n, -0, 1, true],
      [0n, 'c', 1, 1n, 1n, 0, 1, true],
    ];
    const expected: Cell[][] = [
      ['a', -7, 5, -big, big, -(10n ** 37n), 10n ** 37n, -2, NaN, -3, 100, false, true],
      ['b', null, null, null, null, null, null, null, null, null, null, null, null],
      ['c', 1, 1, 1n, 1n, 1n, 1n, -0, -0, 1, 1, true, true],
    ];
    // one pass, and the same rows aggregated in two tables whose partials are merged
    const one = new GroupTable(l);
    one.addRows(batch(schema, rows), -Infinity);
    assert.deepEqual(sortedLines(rowsOf(one.rows())), sortedLines(expected));
    const left = new GroupTable(l);
    const right = new GroupTable(l);
    left.addRows(batch(schema, rows.filter((_, i) => i % 2 === 0)), -Infinity);
    right.addRows(batch(schema, rows.filter((_, i) => i % 2 === 1)), -Infinity);
    const merged = new GroupTable(l);
    merged.mergeRows(right.rows());
    merged.mergeRows(left.rows());
    const lines = sortedLines(rowsOf(merged.rows()));
    // -0.0 and 0.0 compare equal: which one stays depends on the order partials arrive
    assert.deepEqual(lines.map((x) => x.replace(/\| 0 \| 0 \|/, '| -0 | -0 |')), sortedLines(expected));
  });

  it('aggregates without window and keys into one group (a global aggregate), in partition pmod(42, P)', () => {
    const schema = [sqlField('ts', TIMESTAMP), sqlField('x', LONG)];
    const l = groupLayout(spec(schema, [], [['count', null, 'n'], ['sum', 1, 'total']], null), schema);
    assert.equal(l.groupColumns, 0);
    const table = new GroupTable(l);
    table.addRows(batch(schema, [[0n, 1n], [5n, null], [null, 2n]]), -Infinity);
    table.addRows(batch(schema, [[9n, 4n]]), -Infinity);
    assert.deepEqual(rowsOf(table.rows()), [[4n, 7n]]);
    assert.deepEqual([...table.groupHashes()], [42]);
  });
});
