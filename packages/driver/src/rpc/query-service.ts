/** QueryService handlers: decode → query manager → encode. */
import { parseSpecDocument, ServiceHandlers, StreamHandlers, TributaryError } from '@tributary/common';
import { QueryInfoMsg, QueryManager } from '../query/query-manager';
import type { QueryEvent } from '../progress/query-events';

export function queryService(manager: QueryManager): ServiceHandlers {
  return {
    async SubmitQuery(req: { spec_json: string }) {
      // Bounded in size and depth before JSON.parse or anything recursive walks it.
      return { query: await manager.submit(parseSpecDocument(req.spec_json)) };
    },
    async ListQueries() {
      return { queries: manager.list() };
    },
    async GetQuery(req: { query_id: string; recent_progress: number }) {
      const { info, progress } = manager.get(req.query_id, Math.max(0, Math.min(100, req.recent_progress || 1)));
      return { query: info, progress_json: progress.map((p) => JSON.stringify(p)) };
    },
    async StopQuery(req: { query_id: string }) {
      return { query: await manager.stop(req.query_id) };
    },
  };
}

/**
 * QueryService.WatchQueries: query listener events from the driver's progress store. On subscribe,
 * each running (watched) query's STARTED, then its `recent_progress` newest reports; then events as
 * they happen, until the client cancels, the driver shuts down or stops leading (`ended()` aborts;
 * the client then follows the leader).
 */
export function queryStreams(manager: QueryManager, ended: () => AbortSignal): StreamHandlers {
  return {
    async WatchQueries(req: { query_id: string; recent_progress: number }, send, closed) {
      const store = manager.observe.store;
      const shutdown = ended();
      const wanted = (id: string) => !req.query_id || req.query_id === id;
      const infoOf = (id: string): QueryInfoMsg | null => manager.list().find((q) => q.id === id) ?? null;
      if (req.query_id) manager.get(req.query_id, 0); // NOT_FOUND for an unknown query
      const recent = Math.max(0, Math.min(100, req.recent_progress || 0));
      for (const q of manager.list().filter((i) => wanted(i.id))) {
        send({ kind: 'QUERY_EVENT_STARTED', query: q, progress_json: '', timestamp_ms: Date.now() });
        for (const p of store.recentProgress(q.id, recent)) send({ kind: 'QUERY_EVENT_PROGRESS', query: q, progress_json: JSON.stringify(p), timestamp_ms: Date.now() });
      }
      const unsubscribe = store.subscribe((e: QueryEvent) => {
        if (!wanted(e.query.queryId) || e.kind === 'retry') return;
        const query = infoOf(e.query.queryId) ?? { id: e.query.queryId, run_id: e.query.runId, name: e.query.name, state: e.kind === 'terminated' ? e.state : 'ACTIVE', message: '', error: '', last_committed_batch: -1, checkpoint_location: '' };
        if (e.kind === 'terminated') { query.state = e.state; query.error = e.error ?? ''; }
        const kind = e.kind === 'started' ? 'QUERY_EVENT_STARTED' : e.kind === 'progress' ? 'QUERY_EVENT_PROGRESS' : 'QUERY_EVENT_TERMINATED';
        send({ kind, query, progress_json: e.kind === 'progress' ? JSON.stringify(e.progress) : '', timestamp_ms: e.timestampMs });
      });
      try {
        await new Promise<void>((resolve) => {
          if (closed.aborted || shutdown.aborted) { resolve(); return; }
          closed.addEventListener('abort', () => resolve(), { once: true });
          shutdown.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        unsubscribe();
      }
      // Ended because this driver stopped leading: NOT_LEADER, so the client follows the leader.
      if (!closed.aborted && shutdown.aborted && shutdown.reason instanceof TributaryError) throw shutdown.reason;
    },
  };
}
