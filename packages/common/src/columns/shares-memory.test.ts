import { strict as assert } from 'node:assert';
import { INT, STRING, TIMESTAMP, sqlField, structType } from '../schema/sql-type';
import { sharesMemory } from './shares-memory';
import type { ColumnBatch, ExactVector, Int32Vector, StructVector, BytesVector } from './vector';

const INT_T = { kind: 'int' } as const;
const STRING_T = { kind: 'string' } as const;
const TS_T = { kind: 'timestamp' } as const;
const S = structType([sqlField('n', INT), sqlField('s', STRING)]);

function source(): ColumnBatch {
  const n: Int32Vector = { type: INT_T, validity: null, values: new Int32Array([1, 2, 3]) };
  const s: BytesVector = { type: STRING_T, validity: new Uint8Array([1, 0, 1]), offsets: new Int32Array([0, 1, 1, 2]), data: new Uint8Array([97, 98]) };
  const t: ExactVector = { type: TS_T, validity: null, values: new Float64Array([NaN, 0, 1]), wide: new Map([[0, 2n ** 60n]]) };
  const st: StructVector = { type: S, validity: null, children: [n, s] };
  return { count: 3, schema: [sqlField('t', TIMESTAMP), sqlField('st', S)], columns: [t, st] };
}

describe('sharesMemory', () => {
  it('sees a struct child taken as a column, a subarray view, a shared validity and a shared wide map', () => {
    const src = source();
    const st = src.columns[1] as StructVector;
    const child = st.children[1] as BytesVector;
    const one = (v: ColumnBatch['columns'][number]): ColumnBatch => ({ count: 2, schema: [sqlField('x', v.type)], columns: [v] });
    assert.equal(sharesMemory(one(st.children[0]), src), true);
    assert.equal(sharesMemory(one({ type: INT_T, validity: null, values: (st.children[0] as Int32Vector).values.subarray(1) }), src), true);
    assert.equal(sharesMemory(one({ type: INT_T, validity: child.validity, values: new Int32Array(2) }), src), true);
    assert.equal(sharesMemory(one({ type: STRING_T, validity: null, offsets: new Int32Array(3), data: child.data }), src), true);
    const t = src.columns[0] as ExactVector;
    assert.equal(sharesMemory(one({ type: TS_T, validity: null, values: new Float64Array(2), wide: t.wide }), src), true);
  });

  it('finds nothing shared between separately allocated batches', () => {
    assert.equal(sharesMemory(source(), source()), false);
  });
});
