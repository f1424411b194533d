/**
 * The driver's in-memory record of what its queries did lately — the recent progress reports and
 * commit history of each query (the newest HISTORY_LIMIT of each) — and the fan-out of query events
 * to listeners. A restarted driver seeds it from each query's history file (history-file.ts), so
 * status and progress show the old batches at once.
 *
 * For a dashboard: `queries()`, `recentProgress(id)`, `commitHistory(id)` read; `subscribe(fn)`
 * follows (returns the unsubscribe function). A listener that throws is dropped from that event
 * only; it never reaches the batch loop.
 */
import type { QueryProgress } from '@tributary/common';
import type { CommitRecord, QueryEvent, QueryEventListener, QueryIdentity } from './query-events';

export const HISTORY_LIMIT = 100;

export interface QueryHistory {
  progress: QueryProgress[];
  commits: CommitRecord[];
}

interface Entry extends QueryHistory {
  identity: QueryIdentity;
  state: string;
}

export class ProgressStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<QueryEventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** A query started; `history` is what its history file held (older runs), oldest first. */
  started(identity: QueryIdentity, history: QueryHistory = { progress: [], commits: [] }): void {
    const previous = this.entries.get(identity.queryId);
    this.entries.set(identity.queryId, {
      identity,
      state: 'ACTIVE',
      progress: keepNewest(previous && previous.progress.length > 0 ? previous.progress : history.progress),
      commits: keepNewest(previous && previous.commits.length > 0 ? previous.commits : history.commits),
    });
    this.emit({ kind: 'started', query: identity, timestampMs: Date.now() });
  }

  batchCommitted(queryId: string, progress: QueryProgress, commit: CommitRecord): void {
    const e = this.entries.get(queryId);
    if (!e) return;
    e.progress.push(progress);
    e.commits.push(commit);
    if (e.progress.length > HISTORY_LIMIT) e.progress.splice(0, e.progress.length - HISTORY_LIMIT);
    if (e.commits.length > HISTORY_LIMIT) e.commits.splice(0, e.commits.length - HISTORY_LIMIT);
    this.emit({ kind: 'progress', query: e.identity, progress, commit, timestampMs: Date.now() });
  }

  retried(queryId: string, what: 'attempt' | 'recovery', batchId: number | null, reason: string): void {
    const e = this.entries.get(queryId);
    if (e) this.emit({ kind: 'retry', query: e.identity, what, batchId, reason, timestampMs: Date.now() });
  }

  terminated(queryId: string, state: string, error: string | null): void {
    const e = this.entries.get(queryId);
    if (!e) return;
    e.state = state;
    this.emit({ kind: 'terminated', query: e.identity, state, error, timestampMs: Date.now() });
  }

  queries(): { identity: QueryIdentity; state: string }[] {
    return [...this.entries.values()].map((e) => ({ identity: e.identity, state: e.state }));
  }

  /** The newest `limit` progress reports of the query, oldest first. */
  recentProgress(queryId: string, limit = HISTORY_LIMIT): QueryProgress[] {
    return limit <= 0 ? [] : (this.entries.get(queryId)?.progress ?? []).slice(-limit);
  }

  /** The newest `limit` commits of the query, oldest first. */
  commitHistory(queryId: string, limit = HISTORY_LIMIT): CommitRecord[] {
    return limit <= 0 ? [] : (this.entries.get(queryId)?.commits ?? []).slice(-limit);
  }

  history(queryId: string): QueryHistory {
    return { progress: this.recentProgress(queryId), commits: this.commitHistory(queryId) };
  }

  subscribe(listener: QueryEventListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit(event: QueryEvent): void {
    for (const l of [...this.listeners]) {
      try { l(event); } catch (err) { this.onListenerError(err); }
    }
  }
}

function keepNewest<T>(items: readonly T[]): T[] {
  return items.slice(-HISTORY_LIMIT);
}
