import { strict as assert } from 'node:assert';
import { readParquet, writeParquet } from '../parquet';
import { PHYSICAL, readFooter, schemaElements } from '../parquet/thrift-footer.testkit';
import { INT, LONG, STRING, arrayType, decimalType, sqlField, structType } from '../schema/sql-type';
import { ALL_TYPES, ALL_TYPES_CANONICAL, ALL_TYPES_ROWS, MAX38, batchOf, vectorOf } from '../testing/column-batches';
import { columnBatchToArrow } from './column-batch-arrow';
import { canonicalRows } from './row-format';

describe('ColumnBatch → Arrow', () => {
  it('keeps every value of every type exactly, nulls included', () => {
    const table = columnBatchToArrow(batchOf(ALL_TYPES, ALL_TYPES_ROWS));
    assert.equal(table.numRows, 4);
    assert.deepEqual(canonicalRows(table), ALL_TYPES_CANONICAL);
  });

  it('round-trips through Parquet with the same values', () => {
    const back = readParquet(writeParquet(columnBatchToArrow(batchOf(ALL_TYPES, ALL_TYPES_ROWS))));
    assert.deepEqual(canonicalRows(back), ALL_TYPES_CANONICAL);
  });

  it('writes the Parquet types Delta readers expect: DATE, TIMESTAMP(MICROS, UTC), legal DECIMALs, 3-level lists', () => {
    const footer = readFooter(writeParquet(columnBatchToArrow(batchOf(ALL_TYPES, ALL_TYPES_ROWS))));
    const leaves = schemaElements(footer);
    const byName = new Map(leaves.map((e) => [e.name, e]));
    // LogicalType union: 1 STRING, 3 LIST, 5 DECIMAL {1: scale, 2: precision}, 6 DATE, 8 TIMESTAMP.
    assert.equal(byName.get('day')!.physicalType, PHYSICAL.INT32);
    assert.ok(byName.get('day')!.logicalType![6] !== undefined, 'DATE');
    for (const name of ['ts', 'at']) {
      const ts = byName.get(name)!;
      assert.equal(ts.physicalType, PHYSICAL.INT64);
      const t = ts.logicalType![8] as Record<number, unknown>;
      assert.equal(t[1], true, 'isAdjustedToUTC');
      assert.ok((t[2] as Record<number, unknown>)[2] !== undefined, 'MICROS');
    }
    // A Parquet DECIMAL may be INT64 up to precision 18, FIXED_LEN_BYTE_ARRAY of ⌈(p·log2(10)+1)/8⌉ bytes above.
    assert.deepEqual(byName.get('price')!.logicalType![5], { 1: 2, 2: 12 });
    assert.ok([PHYSICAL.INT64, PHYSICAL.FIXED_LEN_BYTE_ARRAY].includes(byName.get('price')!.physicalType as 2 | 7));
    for (const [name, scale] of [['huge', 0], ['fine', 18]] as const) {
      assert.equal(byName.get(name)!.physicalType, PHYSICAL.FIXED_LEN_BYTE_ARRAY);
      assert.deepEqual(byName.get(name)!.logicalType![5], { 1: scale, 2: 38 });
    }
    const elements = (footer[2] as Record<number, unknown>[]);
    const lengthOf = (name: string): unknown => elements.find((e) => new TextDecoder().decode(e[4] as Uint8Array) === name)![2];
    assert.equal(lengthOf('huge'), 16); // 38 digits need 127 bits + sign
    // points (LIST) → repeated group list → element (struct) → at, on
    const names = leaves.map((e) => e.name);
    const at = names.indexOf('points');
    assert.deepEqual(names.slice(at, at + 5), ['points', 'list', 'element', 'at', 'on']);
    assert.ok(byName.get('points')!.logicalType![3] !== undefined, 'LIST');
  });

  it('uses only rows 0..count−1 and rebases offsets that do not start at 0', () => {
    const schema = [sqlField('s', STRING), sqlField('a', arrayType(INT))];
    const s = vectorOf(STRING, ['zz', 'b', 'cd', 'unused']);
    const a = vectorOf(arrayType(INT), [[9], [1, 2], [3], [4, 5]]);
    // Rows 1..2 of the vectors above, as a batch of 2 whose offsets start mid-buffer.
    const sv = { ...s, offsets: (s as { offsets: Int32Array }).offsets.subarray(1) };
    const av = { ...a, offsets: (a as { offsets: Int32Array }).offsets.subarray(1) };
    const table = columnBatchToArrow({ count: 2, schema, columns: [sv, av] as never });
    assert.deepEqual(canonicalRows(table), [{ s: 'b', a: ['1', '2'] }, { s: 'cd', a: ['3'] }]);
    assert.deepEqual(canonicalRows(readParquet(writeParquet(table))), [{ s: 'b', a: ['1', '2'] }, { s: 'cd', a: ['3'] }]);
  });

  it('refuses values that would make an illegal file, naming column and row', () => {
    const dec = [sqlField('d', decimalType(5, 2))];
    assert.throws(() => columnBatchToArrow(batchOf(dec, [{ d: 99999n }, { d: -100000n }])), /'d' row 1: unscaled -100000 does not fit decimal\(5,2\)/);
    const d38 = [sqlField('d', decimalType(38, 0))];
    assert.throws(() => columnBatchToArrow(batchOf(d38, [{ d: MAX38 + 1n }])), /'d' row 0: unscaled 10{38} does not fit decimal\(38,0\)/);
    assert.throws(() => columnBatchToArrow(batchOf([sqlField('l', LONG)], [{ l: 2n ** 63n }])), /'l' row 0: 9223372036854775808 does not fit/);
    assert.throws(() => columnBatchToArrow(batchOf([sqlField('n', INT, false)], [{ n: 1 }, { n: null }])), /'n' is declared non-null/);
    const nested = [sqlField('s', structType([sqlField('id', INT, false)]))];
    assert.throws(() => columnBatchToArrow(batchOf(nested, [{ s: { id: null } }])), /'s\.id' is declared non-null but row 0/);
    // A null struct may hold a null in its non-null field.
    assert.deepEqual(canonicalRows(columnBatchToArrow(batchOf(nested, [{ s: null }, { s: { id: 3 } }]))), [{ s: null }, { s: { id: '3' } }]);
    const noNulls = [sqlField('a', arrayType(INT, false))];
    assert.throws(() => columnBatchToArrow(batchOf(noNulls, [{ a: [1, null] }])), /'a\[\]' is declared non-null/);
  });
});
