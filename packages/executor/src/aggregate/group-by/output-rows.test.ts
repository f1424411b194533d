import assert from 'node:assert/strict';
import { AggregateSpec, INT, LONG, STRING, TIMESTAMP, StructVector, decimalType, sqlField, structType } from '@tributary/common';
import { batch, cell, rowsOf } from './group-by.test-support';
import { groupLayout } from './group-layout';
import { outputRows } from './output-rows';

const W = 300_000_000;
const T = 1_714_565_100_000_000;

describe('outputRows (state rows → the aggregate output schema)', () => {
  it('turns the window start into window struct<start, end> and keeps keys and aggregate values', () => {
    const input = [sqlField('ts', TIMESTAMP), sqlField('k', STRING), sqlField('amount', decimalType(10, 2)), sqlField('i', INT)];
    const spec: AggregateSpec = {
      window: { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 },
      keys: [{ column: 1, field: input[1] }],
      aggregates: [
        { fn: 'count', column: null, field: sqlField('n', LONG, false) },
        { fn: 'sum', column: 2, field: sqlField('total', decimalType(20, 2)) },
      ],
      schema: [
        sqlField('window', structType([sqlField('start', TIMESTAMP), sqlField('end', TIMESTAMP)]), false),
        sqlField('k', STRING),
        sqlField('n', LONG, false),
        sqlField('total', decimalType(20, 2)),
      ],
    };
    const layout = groupLayout(spec, input);
    const out = outputRows(layout, batch(layout.stateSchema, [[BigInt(T), 'a', 2n, 1234n], [BigInt(-W), null, 1n, null]]));
    assert.equal(out.schema, spec.schema);
    const window = out.columns[0] as StructVector;
    assert.deepEqual([cell(window.children[0], 0), cell(window.children[1], 0)], [BigInt(T), BigInt(T + W)]);
    assert.deepEqual([cell(window.children[0], 1), cell(window.children[1], 1)], [BigInt(-W), 0n]);
    assert.deepEqual(rowsOf({ ...out, columns: out.columns.slice(1) }), [['a', 2n, 1234n], [null, 1n, null]]);
  });
});
