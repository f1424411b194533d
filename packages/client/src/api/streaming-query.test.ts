import assert from 'node:assert/strict';
import { TributaryError, type QueryProgress } from '@tributary/common';
import { StreamingQuery } from './streaming-query';
import type { QueryState, QuerySubmitter, TerminationInfo } from './submitter';

function progress(batchId: number): QueryProgress {
  return {
    id: 'q', runId: 'r', name: null, timestamp: '2026-01-01T00:00:00.000Z', batchId, numInputRows: batchId * 10,
    inputRowsPerSecond: 0, processedRowsPerSecond: 0, durationMs: { triggerExecution: 5 }, eventTime: {}, stateOperators: [],
    sources: [], sink: { description: 'DeltaSink[/t]', numOutputRows: 0 }, badRecords: { total: 0, byReason: {} },
    lateRows: { total: 0, action: 'drop' },
  };
}

function fakeSubmitter(state: QueryState, end: TerminationInfo): QuerySubmitter & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async submit() { throw new Error('not used'); },
    async status(id) { calls.push(`status ${id}`); return state; },
    async stop(id) { calls.push(`stop ${id}`); },
    async awaitTermination(id, timeoutMs) { calls.push(`await ${id} ${timeoutMs}`); return end; },
  };
}

describe('StreamingQuery', () => {
  const running: QueryState = {
    isActive: true,
    status: { message: 'Waiting for data to arrive', isDataAvailable: false, isTriggerActive: false },
    recentProgress: [progress(0), progress(1), progress(2)],
    exception: null,
  };

  it('reports status, the last progress and recent progress from the driver', async () => {
    const s = fakeSubmitter(running, { terminated: false, exception: null });
    const q = new StreamingQuery({ id: 'q', runId: 'r', name: 'n' }, s);
    assert.deepEqual(await q.status(), running.status);
    assert.equal(await q.isActive(), true);
    assert.equal((await q.lastProgress())?.batchId, 2);
    assert.deepEqual((await q.recentProgress()).map((p) => p.batchId), [0, 1, 2]);
    assert.equal(await q.exception(), null);
  });

  it('has no last progress before the first batch', async () => {
    const q = new StreamingQuery({ id: 'q', runId: 'r', name: null }, fakeSubmitter({ ...running, recentProgress: [] }, { terminated: false, exception: null }));
    assert.equal(await q.lastProgress(), null);
  });

  it('passes stop and the awaitTermination timeout to the driver', async () => {
    const s = fakeSubmitter(running, { terminated: false, exception: null });
    const q = new StreamingQuery({ id: 'q', runId: 'r', name: null }, s);
    assert.equal(await q.awaitTermination(50), false);
    await q.stop();
    assert.deepEqual(s.calls, ['await q 50', 'stop q']);
  });

  it('rejects awaitTermination with the failure of the query, like StreamingQueryException', async () => {
    const s = fakeSubmitter(running, { terminated: true, exception: { message: 'offsets 0..10 of t-0 were deleted', code: 'DATA_LOSS' } });
    const q = new StreamingQuery({ id: 'q', runId: 'r', name: 'n' }, s);
    await assert.rejects(q.awaitTermination(), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'DATA_LOSS');
      assert.equal(e.message, 'Query n[id = q, runId = r] terminated with exception: offsets 0..10 of t-0 were deleted');
      return true;
    });
  });
});
