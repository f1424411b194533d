import assert from 'node:assert/strict';
import { AggregateSpec, BINARY, BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, SqlField, TIMESTAMP, decimalType, sqlField } from '@tributary/common';
import { int32LittleEndian, refMurmur3Bytes } from '../reference-model.test-support';
import { Cell, batch, rowsOf, show } from './group-by.test-support';
import { groupLayout } from './group-layout';
import { groupHashes, groupPartitions } from './group-partition';
import { GroupTable } from './group-table';

const W = 300_000_000;
const T = 1_714_565_100_000_000;

function int64LittleEndian(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  return b;
}

function countSpec(input: readonly SqlField[], keys: number[], windowed: boolean): AggregateSpec {
  return {
    window: windowed ? { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 } : null,
    keys: keys.map((c) => ({ column: c, field: input[c] })),
    aggregates: [{ fn: 'count', column: null, field: sqlField('n', LONG, false) }],
    schema: [],
  };
}

describe('shuffle partitioning of groups (Spark HashPartitioning of window and keys)', () => {
  it('keeps its fixed vectors for string keys (Spark docs: hash(ABC) = -757602832, hash(ABC, DEF) = 599895104)', () => {
    const input = [sqlField('a', STRING), sqlField('b', STRING)];
    const layout = groupLayout(countSpec(input, [0, 1], false), input);
    const rows = batch(layout.stateSchema, [['ABC', 'DEF', 1n], ['ABC', null, 1n], [null, null, 1n]]);
    assert.deepEqual([...groupHashes(rows, layout)], [599895104, -757602832, 42]);
    // pmod(h, 200): 599895104 → 104; -757602832 → 168; 42 → 42
    assert.deepEqual([...groupPartitions(rows, layout, 200)], [104, 168, 42]);
  });

  it('keeps its fixed vectors for (window, int key): hash of start, end, key as little-endian Murmur3 chained from 42', () => {
    const input = [sqlField('ts', TIMESTAMP), sqlField('k', INT)];
    const layout = groupLayout(countSpec(input, [1], true), input);
    const cases: [number, number, number][] = [
      // [key, numPartitions, partition], computed with the textbook Murmur3 below
      [7, 200, 153],
      [-1, 16, 7],
      [123456, 8, 5],
    ];
    for (const [k, p, expected] of cases) {
      const ref =
        refMurmur3Bytes(int32LittleEndian(k), refMurmur3Bytes(int64LittleEndian(BigInt(T + W)), refMurmur3Bytes(int64LittleEndian(BigInt(T)), 42) | 0) | 0) | 0;
      assert.equal((((ref % p) + p) % p), expected, `reference for key ${k}`);
      const rows = batch(layout.stateSchema, [[BigInt(T), k, 1n]]);
      assert.equal(groupHashes(rows, layout)[0], ref, `hash for key ${k}`);
      assert.equal(groupPartitions(rows, layout, p)[0], expected, `partition for key ${k}`);
    }
  });

  it("computes the same hashes from a table's key words and dictionaries as from the values, whatever the dictionary ids", () => {
    const input = [
      sqlField('ts', TIMESTAMP),
      sqlField('s', STRING),
      sqlField('b', BOOLEAN),
      sqlField('d', DOUBLE),
      sqlField('day', DATE),
      sqlField('bin', BINARY),
      sqlField('big', LONG),
      sqlField('dec', decimalType(12, 2)),
      sqlField('dec38', decimalType(38, 4)),
    ];
    const layout = groupLayout(countSpec(input, [1, 2, 3, 4, 5, 6, 7, 8], true), input);
    const rows: Cell[][] = [
      [BigInt(T), 'héllo wörld', true, -0, 19844, Uint8Array.of(1, 2, 3), 2n ** 60n, 1234n, 10n ** 37n + 1n],
      [BigInt(T + 1), 'x', false, NaN, -1, Uint8Array.of(), -(2n ** 53n), -1n, -5n],
      [BigInt(T - W), null, null, null, null, null, null, null, null],
      [BigInt(T + 2 * W), '🙂🙂', true, 1.5, 0, Uint8Array.of(255), 5n, 99999999999n, 123n],
      [BigInt(-W), 'a', false, 0, 1, Uint8Array.of(0), 0n, 0n, 0n],
    ];
    const a = new GroupTable(layout);
    a.addRows(batch(input, rows), -Infinity);
    const b = new GroupTable(layout);
    b.addRows(batch(input, [rows[3], rows[4], rows[0], rows[2], rows[1]]), -Infinity); // other ids
    const hashesByKey = (t: GroupTable): Map<string, number> => {
      const decoded = t.rows();
      const fromValues = groupHashes(decoded, layout);
      const fromTable = t.groupHashes();
      assert.deepEqual([...fromTable], [...fromValues]);
      const m = new Map<string, number>();
      rowsOf(decoded).forEach((r, i) => m.set(r.slice(0, layout.groupColumns).map(show).join('|'), fromValues[i]));
      return m;
    };
    const ha = hashesByKey(a);
    assert.equal(ha.size, 5);
    assert.deepEqual([...hashesByKey(b)].sort(), [...ha].sort());
  });
});
