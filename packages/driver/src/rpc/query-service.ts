/** QueryService handlers: decode → query manager → encode. */
import { parseSpecDocument, ServiceHandlers } from '@tributary/common';
import { QueryManager } from '../query/query-manager';

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
