import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import { asBatchId, asStateVersion, batchThatWrote, EMPTY_STATE_VERSION, nextBatch, previousBatch, stateVersionAfter, type BatchId, type StateVersion } from './batch-id';

describe('batch ids and state versions', () => {
  it('batch N writes state version N+1; before any batch the state is the empty version 0', () => {
    assert.equal(stateVersionAfter(null), 0);
    assert.equal(stateVersionAfter(asBatchId(0)), 1);
    assert.equal(stateVersionAfter(asBatchId(41)), 42);
    assert.equal(EMPTY_STATE_VERSION, 0);
  });

  it('batch N reads version N, the one its previous batch wrote', () => {
    for (const n of [0, 1, 7, 1000]) assert.equal(stateVersionAfter(previousBatch(asBatchId(n))), n);
  });

  it('version v was written by batch v−1, and version 0 by none', () => {
    assert.equal(batchThatWrote(asStateVersion(0)), null);
    assert.equal(batchThatWrote(asStateVersion(1)), 0);
    assert.equal(batchThatWrote(asStateVersion(42)), 41);
    for (const n of [0, 1, 2, 99, Number.MAX_SAFE_INTEGER - 1]) assert.equal(batchThatWrote(stateVersionAfter(asBatchId(n))), n);
    assert.equal(nextBatch(asBatchId(9)), 10);
    assert.equal(previousBatch(asBatchId(0)), null);
  });

  it('brands only integers ≥ 0', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      assert.throws(() => asBatchId(bad), InvalidArgumentError);
      assert.throws(() => asStateVersion(bad), InvalidArgumentError);
    }
  });

  it('keeps the two apart at compile time (each line below fails to compile without its directive)', () => {
    const batch = asBatchId(3);
    const version = asStateVersion(3);
    // @ts-expect-error a batch id is not a state version
    const v: StateVersion = batch;
    // @ts-expect-error a state version is not a batch id
    const b: BatchId = version;
    // @ts-expect-error a plain number is neither
    const n: BatchId = 3;
    // @ts-expect-error arithmetic leaves the brand behind
    const next: BatchId = batch + 1;
    assert.deepEqual([v, b, n, next], [3, 3, 3, 4]);
  });
});
