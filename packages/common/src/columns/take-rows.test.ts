import { strict as assert } from 'node:assert';
import { ALL_TYPES, ALL_TYPES_CANONICAL, ALL_TYPES_ROWS, batchOf } from '../testing/column-batches';
import { columnBatchToArrow } from '../delta/column-batch-arrow';
import { canonicalRows } from '../delta/row-format';
import { takeRows } from './take-rows';
import type { BytesVector } from './vector';

describe('taking rows of a batch', () => {
  it('gathers every vector layout in the given order, repeats, wide values and nested arrays included', () => {
    const batch = batchOf(ALL_TYPES, ALL_TYPES_ROWS);
    batch.recordIndex = Int32Array.of(10, 11, 12, 13);
    const taken = takeRows(batch, Int32Array.of(3, 0, 1, 0, 2));
    assert.equal(taken.count, 5);
    assert.deepEqual([...taken.recordIndex!], [13, 10, 11, 10, 12]);
    assert.deepEqual(canonicalRows(columnBatchToArrow(taken)), [3, 0, 1, 0, 2].map((i) => ALL_TYPES_CANONICAL[i]));
  });

  it('copies string bytes of short and long runs of adjacent rows, and of rows out of order', () => {
    const texts = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? '' : `row ${i} `.repeat(1 + (i % 7))));
    const bytes = texts.map((t) => Buffer.from(t));
    const offsets = new Int32Array(texts.length + 1);
    bytes.forEach((b, i) => { offsets[i + 1] = offsets[i] + b.length; });
    const column: BytesVector = { type: { kind: 'string' }, validity: null, offsets, data: Buffer.concat(bytes) };
    const batch = { count: texts.length, schema: [{ name: 's', type: { kind: 'string' as const }, nullable: true }], columns: [column] };
    const rows = [...Array.from({ length: 120 }, (_, i) => 40 + i), 7, 7, 3, 200, 201, 202, 10, 299];
    const taken = takeRows(batch, Int32Array.from(rows)).columns[0] as BytesVector;
    const text = (k: number) => Buffer.from(taken.data.subarray(taken.offsets[k], taken.offsets[k + 1])).toString();
    assert.deepEqual(rows.map((_, k) => text(k)), rows.map((r) => texts[r]));
  });

  it('keeps only the columns asked for, in that order', () => {
    const batch = batchOf(ALL_TYPES, ALL_TYPES_ROWS);
    const names = ALL_TYPES.map((f) => f.name);
    const taken = takeRows(batch, Int32Array.of(1), [names.indexOf('points'), names.indexOf('huge')]);
    assert.deepEqual(taken.schema.map((f) => f.name), ['points', 'huge']);
    assert.deepEqual(canonicalRows(columnBatchToArrow(taken)), [{ points: null, huge: ALL_TYPES_CANONICAL[1].huge }]);
    assert.equal(takeRows(batch, new Int32Array(0)).count, 0);
  });
});
