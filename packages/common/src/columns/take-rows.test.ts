import { strict as assert } from 'node:assert';
import { ALL_TYPES, ALL_TYPES_CANONICAL, ALL_TYPES_ROWS, batchOf } from '../testing/column-batches';
import { columnBatchToArrow } from '../delta/column-batch-arrow';
import { canonicalRows } from '../delta/row-format';
import { takeRows } from './take-rows';

describe('taking rows of a batch', () => {
  it('gathers every vector layout in the given order, repeats, wide values and nested arrays included', () => {
    const batch = batchOf(ALL_TYPES, ALL_TYPES_ROWS);
    batch.recordIndex = Int32Array.of(10, 11, 12, 13);
    const taken = takeRows(batch, Int32Array.of(3, 0, 1, 0, 2));
    assert.equal(taken.count, 5);
    assert.deepEqual([...taken.recordIndex!], [13, 10, 11, 10, 12]);
    assert.deepEqual(canonicalRows(columnBatchToArrow(taken)), [3, 0, 1, 0, 2].map((i) => ALL_TYPES_CANONICAL[i]));
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
