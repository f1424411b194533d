import assert from 'node:assert/strict';
import { assignRanges, assignShufflePartitions } from './placement';

describe('placement of a batch attempt', () => {
  it('gives shuffle partition p to live executor p mod E in id order', () => {
    assert.deepEqual(assignShufflePartitions(5, ['a', 'b']).map((o) => o.executorId), ['a', 'b', 'a', 'b', 'a']);
  });

  it('spreads non-empty ranges round-robin, one map task per executor that has work', () => {
    const tasks = assignRanges([
      { topic: 't', partition: 2, from: '0', to: '5' },
      { topic: 't', partition: 0, from: '0', to: '5' },
      { topic: 't', partition: 1, from: '3', to: '3' },
      { topic: 't', partition: 3, from: '1', to: '9' },
    ], ['x', 'y', 'z']);
    assert.deepEqual(tasks.map((t) => [t.taskId, t.executorId, t.ranges.map((r) => r.partition)]), [[0, 'x', [0]], [1, 'y', [2]], [2, 'z', [3]]]);
  });

  it('refuses to place work with no live executor', () => {
    assert.throws(() => assignShufflePartitions(4, []), /no live executors/);
  });
});
