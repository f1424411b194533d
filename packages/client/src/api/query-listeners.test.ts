import assert from 'node:assert/strict';
import type { QueryProgress } from '@tributary/common';
import { TributarySession } from './session';
import type { QueryListenerEvent, QuerySubmitter } from './submitter';

/** A submitter whose event stream the test drives. */
function fakeSubmitter(): QuerySubmitter & { emit(e: QueryListenerEvent): void; fail(err: Error): void; open: number } {
  let onEvent: ((e: QueryListenerEvent) => void) | undefined;
  let onError: ((err: Error) => void) | undefined;
  const s = {
    open: 0,
    submit: async () => ({ id: 'q', runId: 'r', name: null }),
    status: async () => { throw new Error('unused'); },
    stop: async () => {},
    awaitTermination: async () => ({ terminated: true, exception: null }),
    watch(e: (x: QueryListenerEvent) => void, err: (x: Error) => void) {
      s.open++;
      onEvent = e; onError = err;
      return { cancel: () => { s.open--; onEvent = undefined; } };
    },
    emit: (e: QueryListenerEvent) => onEvent?.(e),
    fail: (err: Error) => onError?.(err),
  };
  return s;
}

describe('spark.streams query listeners', () => {
  it('calls onQueryStarted, onQueryProgress and onQueryTerminated over one event stream, closed with the last listener', () => {
    const submitter = fakeSubmitter();
    const spark = TributarySession.builder().submitter(submitter).getOrCreate();
    const seen: string[] = [];
    const a = {
      onQueryStarted: (e: { id: string }) => seen.push(`a started ${e.id}`),
      onQueryProgress: (e: { progress: QueryProgress }) => seen.push(`a progress ${e.progress.batchId}`),
      onQueryTerminated: (e: { id: string; exception: string | null }) => seen.push(`a terminated ${e.id} ${e.exception}`),
    };
    const b = { onQueryProgress: () => { throw new Error('a broken listener'); } };
    spark.streams.addListener(a);
    spark.streams.addListener(b);
    assert.equal(submitter.open, 1);
    submitter.emit({ kind: 'started', id: 'q', runId: 'r', name: null, timestamp: new Date(0).toISOString() });
    submitter.emit({ kind: 'progress', progress: { batchId: 4 } as QueryProgress });
    submitter.emit({ kind: 'terminated', id: 'q', runId: 'r', exception: 'DATA_LOSS' });
    assert.deepEqual(seen, ['a started q', 'a progress 4', 'a terminated q DATA_LOSS']);
    assert.deepEqual(spark.streams.listListeners(), [a, b]);
    spark.streams.removeListener(a);
    assert.equal(submitter.open, 1);
    spark.streams.removeListener(b);
    assert.equal(submitter.open, 0);
  });

  it('tells listeners when the stream fails, and opens a new one for the next listener', () => {
    const submitter = fakeSubmitter();
    const spark = TributarySession.builder().submitter(submitter).getOrCreate();
    const errors: string[] = [];
    spark.streams.addListener({ onStreamError: (e) => errors.push(e.message) });
    submitter.fail(new Error('driver gone'));
    assert.deepEqual(errors, ['driver gone']);
    spark.streams.addListener({});
    assert.equal(submitter.open, 2);
  });
});
