import { strict as assert } from 'node:assert';
import { asBatchId } from '../batch/batch-id';
import { parseBatchCommit } from './commit-log';
import { parseBatchPlan } from './offset-log';

const plan = {
  batchId: 3, queryId: 'q', batchTimestampMs: 1, noData: false, sources: [{ topic: 't', partitions: [{ partition: 0, from: '0', to: '5' }] }],
  lateWatermarkMicros: 0, watermarkMicros: 0, maxEventTimeMicrosBefore: null, eventTimeGuardReferenceMs: 1, shufflePartitions: 2, configHash: 'h', limits: {},
};
const commit = { batchId: 3, attempt: 1, maxEventTimeMicros: null, watermarkMicros: 0, stateVersion: 3, committedAtMs: 1, numInputRows: 0, numOutputRows: 0, stateRowsTotal: 0, sinks: [] };

describe('the lease token of plans and commit log entries', () => {
  it('is kept when a positive integer, optional, and refused otherwise, naming the field', () => {
    assert.equal(parseBatchPlan({ ...plan, leaseToken: 7 }, asBatchId(3)).leaseToken, 7);
    assert.equal(parseBatchPlan(plan, asBatchId(3)).leaseToken, undefined);
    assert.throws(() => parseBatchPlan({ ...plan, leaseToken: 0 }, asBatchId(3)), /plan\.leaseToken/);
    assert.equal(parseBatchCommit({ ...commit, leaseToken: 8 }, asBatchId(3)).leaseToken, 8);
    assert.throws(() => parseBatchCommit({ ...commit, leaseToken: '8' }, asBatchId(3)), /commit\.leaseToken/);
  });
});
