import { strict as assert } from 'node:assert';
import { arrayType, INT, LONG, sqlField, STRING, structType, decimalType } from '../schema/sql-type';
import type { ArrayVector, BytesVector, ColumnBatch, ExactVector, Int32Vector, StructVector } from './vector';
import { concatBatches, sliceVector } from './concat';

const enc = new TextEncoder();
const dec = new TextDecoder();

function strings(values: (string | null)[]): BytesVector {
  const offsets = new Int32Array(values.length + 1);
  const parts: Uint8Array[] = [];
  let at = 0;
  values.forEach((s, i) => { const b = enc.encode(s ?? ''); parts.push(b); at += b.length; offsets[i + 1] = at; });
  const data = new Uint8Array(at);
  let p = 0;
  for (const b of parts) { data.set(b, p); p += b.length; }
  return { type: STRING as BytesVector['type'], validity: values.some((v) => v === null) ? Uint8Array.from(values, (v) => (v === null ? 0 : 1)) : null, offsets, data };
}
function readStrings(v: BytesVector, n: number): (string | null)[] {
  return Array.from({ length: n }, (_, i) => (v.validity && !v.validity[i] ? null : dec.decode(v.data.subarray(v.offsets[i], v.offsets[i + 1]))));
}

const schema = [
  sqlField('i', INT),
  sqlField('s', STRING),
  sqlField('d', decimalType(38, 0)),
  sqlField('st', structType([sqlField('x', INT)])),
  sqlField('a', arrayType(LONG)),
];

function batch(ints: number[], strs: (string | null)[], wideAt: number | null, arrays: number[][], capacity: number): ColumnBatch {
  const n = ints.length;
  const pad = <T extends Int32Array | Float64Array>(a: T): T => { const out = new (a.constructor as any)(capacity); out.set(a); return out; };
  const d: ExactVector = { type: decimalType(38, 0), validity: null, values: pad(Float64Array.from(ints, (x) => x * 10)), wide: null };
  if (wideAt !== null) { d.values[wideAt] = NaN; d.wide = new Map([[wideAt, 10n ** 37n]]); }
  const offsets = new Int32Array(n + 1);
  const elems: number[] = [];
  arrays.forEach((a, i) => { elems.push(...a); offsets[i + 1] = elems.length; });
  return {
    count: n, schema,
    columns: [
      { type: INT, validity: null, values: pad(Int32Array.from(ints)) } as Int32Vector,
      strings(strs),
      d,
      { type: schema[3].type, validity: null, children: [{ type: INT, validity: null, values: pad(Int32Array.from(ints, (x) => -x)) }] } as StructVector,
      { type: schema[4].type, validity: null, offsets, element: { type: LONG, validity: null, values: Float64Array.from(elems), wide: null } } as ArrayVector,
    ],
  };
}

describe('concatBatches', () => {
  it('joins the first count rows of each batch, column by column, keeping nulls, wide values, strings, structs and arrays', () => {
    const a = batch([1, 2], ['ab', null], 1, [[7], []], 8);
    const b = batch([3], ['€x'], null, [[8, 9]], 4);
    const c = batch([4, 5], ['', 'z'], 0, [[], [10]], 2);
    const out = concatBatches(schema, [a, b, c]);
    assert.equal(out.count, 5);
    assert.deepEqual([...(out.columns[0] as Int32Vector).values], [1, 2, 3, 4, 5]);
    assert.deepEqual(readStrings(out.columns[1] as BytesVector, 5), ['ab', null, '€x', '', 'z']);
    const d = out.columns[2] as ExactVector;
    assert.deepEqual([...d.values].map((x) => (Number.isNaN(x) ? 'wide' : x)), [10, 'wide', 30, 'wide', 50]);
    assert.deepEqual([...d.wide!], [[1, 10n ** 37n], [3, 10n ** 37n]]);
    assert.deepEqual([...((out.columns[3] as StructVector).children[0] as Int32Vector).values], [-1, -2, -3, -4, -5]);
    const arr = out.columns[4] as ArrayVector;
    assert.deepEqual([...arr.offsets], [0, 1, 1, 3, 3, 4]);
    assert.deepEqual([...(arr.element as ExactVector).values], [7, 8, 9, 10]);
  });

  it('slices a string vector to rows [from, to) rebased at 0', () => {
    const v = sliceVector(STRING, strings(['a', 'bc', null, 'def']), 1, 4) as BytesVector;
    assert.deepEqual(readStrings(v, 3), ['bc', null, 'def']);
    assert.equal(v.offsets[0], 0);
  });
});
