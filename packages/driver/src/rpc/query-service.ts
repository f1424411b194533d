/** QueryService handlers: decode → query manager → encode. */
import { InvalidArgumentError, ServiceHandlers } from '@tributary/common';
import { QueryManager } from '../query/query-manager';

export function queryService(manager: QueryManager): ServiceHandlers {
  return {
    async SubmitQuery(req: { spec_json: string }) {
      let spec: unknown;
      try {
        spec = JSON.parse(req.spec_json);
      } catch (err) {
        throw new InvalidArgumentError(`spec_json is not valid JSON: ${(err as Error).message}`);
      }
      return { query: await manager.submit(spec) };
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
