import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processStorage, type QueryProgress } from '@tributary/common';
import { HISTORY_LIMIT, ProgressStore } from './progress-store';
import { HistoryWriter, historyPath, readHistory } from './history-file';
import { LagMirror, lagGroupId } from './lag-mirror';
import type { CommitRecord, QueryEvent } from './query-events';

const query = { queryId: 'q1', runId: 'r1', name: 'customers' };

function progress(batchId: number, end: Record<string, string> = { 0: String(batchId * 10) }): QueryProgress {
  return {
    id: 'q1', runId: 'r1', name: 'customers', timestamp: new Date(0).toISOString(), batchId, numInputRows: 10, inputRowsPerSecond: 1, processedRowsPerSecond: 1,
    durationMs: {}, eventTime: {}, stateOperators: [],
    sources: [{ description: 'k', startOffset: null, endOffset: { t: end }, latestOffset: null, numInputRows: 10, inputRowsPerSecond: 1, processedRowsPerSecond: 1 }],
    sink: { description: 's', numOutputRows: 1 }, badRecords: { total: 0, byReason: {} }, lateRows: { total: 0, action: 'drop' },
  };
}

function commit(batchId: number): CommitRecord {
  return { batchId, attempt: 1, version: batchId + 1, inputRows: 10, outputRows: 1, files: 1, durationMs: 5, committedAtMs: batchId };
}

describe('progress store', () => {
  it('keeps the newest reports and commits of each query, seeded by the history of earlier runs', () => {
    const store = new ProgressStore();
    store.started(query, { progress: [progress(0), progress(1)], commits: [commit(0), commit(1)] });
    for (let n = 2; n < HISTORY_LIMIT + 10; n++) store.batchCommitted('q1', progress(n), commit(n));
    assert.deepEqual(store.recentProgress('q1').map((p) => p.batchId), Array.from({ length: HISTORY_LIMIT }, (_, i) => i + 10));
    assert.deepEqual(store.commitHistory('q1', 3).map((c) => c.batchId), [HISTORY_LIMIT + 7, HISTORY_LIMIT + 8, HISTORY_LIMIT + 9]);
    assert.deepEqual(store.recentProgress('q1', 0), []);
  });

  it('tells listeners of start, each batch and the end, and a listener that throws harms no other', () => {
    const errors: unknown[] = [];
    const store = new ProgressStore((e) => errors.push(e));
    const seen: string[] = [];
    store.subscribe(() => { throw new Error('broken listener'); });
    const unsubscribe = store.subscribe((e: QueryEvent) => seen.push(e.kind === 'progress' ? `progress ${e.progress.batchId}` : e.kind));
    store.started(query);
    store.batchCommitted('q1', progress(0), commit(0));
    store.retried('q1', 'attempt', 1, 'executor lost');
    store.terminated('q1', 'STOPPED', null);
    unsubscribe();
    store.batchCommitted('q1', progress(1), commit(1));
    assert.deepEqual(seen, ['started', 'progress 0', 'retry', 'terminated']);
    assert.equal(errors.length, 5);
    assert.deepEqual(store.queries(), [{ identity: query, state: 'STOPPED' }]);
  });
});

describe('history file', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-history-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips the newest history, written in the background', async () => {
    const store = new ProgressStore();
    store.started(query);
    const writer = new HistoryWriter(processStorage(), dir, 'q1', () => store.history('q1'), () => {});
    for (let n = 0; n < 5; n++) { store.batchCommitted('q1', progress(n), commit(n)); writer.request(); }
    await writer.flush();
    const read = await readHistory(processStorage(), dir, 'q1', () => {});
    assert.deepEqual(read.progress.map((p) => p.batchId), [0, 1, 2, 3, 4]);
    assert.deepEqual(read.commits, [0, 1, 2, 3, 4].map(commit));
  });

  it('reads a missing, damaged, other-query or other-version file as an empty history, warning for the last three', async () => {
    const warnings: string[] = [];
    const log = (m: string) => warnings.push(m);
    assert.deepEqual(await readHistory(processStorage(), dir, 'q1', log), { progress: [], commits: [] });
    fs.mkdirSync(path.dirname(historyPath(dir)), { recursive: true });
    for (const text of ['{not json', JSON.stringify({ version: 1, queryId: 'other', progress: [], commits: [] }), JSON.stringify({ version: 2, queryId: 'q1', progress: [], commits: [] })]) {
      fs.writeFileSync(historyPath(dir), text);
      assert.deepEqual(await readHistory(processStorage(), dir, 'q1', log), { progress: [], commits: [] });
    }
    assert.equal(warnings.length, 3);
  });
});

describe('lag mirror', () => {
  it('names the group after the query and commits the newest end offsets, one commit at a time', async () => {
    assert.equal(lagGroupId('q1', 'customers'), 'tributary-customers');
    assert.equal(lagGroupId('q1', ''), 'tributary-q1');
    const commits: [string, string, [number, bigint][]][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => { release = r; });
    const mirror = new LagMirror('tributary-customers', async (g, t, o) => { commits.push([g, t, [...o]]); if (commits.length === 1) await first; }, () => {}, 'q1');
    mirror.batchCommitted(progress(1));
    mirror.batchCommitted(progress(2)); // waits behind 1, then is overtaken by 3
    mirror.batchCommitted(progress(3, { 0: '30', 1: '7' }));
    release();
    await mirror.flush();
    assert.deepEqual(commits, [['tributary-customers', 't', [[0, 10n]]], ['tributary-customers', 't', [[0, 30n], [1, 7n]]]]);
  });

  it('only warns when a commit fails, once until one succeeds', async () => {
    const warnings: string[] = [];
    let fail = true;
    const mirror = new LagMirror('g', async () => { if (fail) throw new Error('broker down'); }, (m) => warnings.push(m), 'q1');
    for (const n of [1, 2]) { mirror.batchCommitted(progress(n)); await mirror.flush(); }
    fail = false;
    mirror.batchCommitted(progress(3)); await mirror.flush();
    fail = true;
    mirror.batchCommitted(progress(4)); await mirror.flush();
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /^WARN could not mirror .* batch 1 .*broker down/);
  });
});
