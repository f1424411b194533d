/**
 * The client side of QueryService: submit, list, get and stop queries on a driver. Errors keep the
 * driver's gRPC status and message (INVALID_ARGUMENT names what is wrong with the job).
 */
import { QueryProgress, QuerySpec, QuerySpecV2, RpcClient } from '@tributary/common';

export interface QueryInfo {
  id: string; runId: string; name: string; state: string; message: string; error: string;
  lastCommittedBatch: number; checkpointLocation: string;
}

function info(m: any): QueryInfo {
  return {
    id: m.id, runId: m.run_id, name: m.name, state: m.state, message: m.message, error: m.error,
    lastCommittedBatch: Number(m.last_committed_batch), checkpointLocation: m.checkpoint_location,
  };
}

/** A query listener event from the driver (QueryService.WatchQueries). */
export type QueryEvent =
  | { kind: 'started'; query: QueryInfo; timestampMs: number }
  | { kind: 'progress'; query: QueryInfo; progress: QueryProgress; timestampMs: number }
  | { kind: 'terminated'; query: QueryInfo; timestampMs: number };

const EVENT_KINDS: Record<string, QueryEvent['kind']> = {
  QUERY_EVENT_STARTED: 'started', QUERY_EVENT_PROGRESS: 'progress', QUERY_EVENT_TERMINATED: 'terminated',
};

export class DriverClient {
  private readonly rpc: RpcClient;
  constructor(readonly address: string) {
    this.rpc = new RpcClient('QueryService', address);
  }

  /** Sends a spec document (version 1, or 2 once the driver resolves plans). */
  async submit(spec: QuerySpec | QuerySpecV2): Promise<QueryInfo> {
    const res: any = await this.rpc.call('SubmitQuery', { spec_json: JSON.stringify(spec) }, 60_000);
    return info(res.query);
  }

  async list(): Promise<QueryInfo[]> {
    const res: any = await this.rpc.call('ListQueries', {});
    return (res.queries ?? []).map(info);
  }

  async get(queryId: string, recentProgress = 1): Promise<{ info: QueryInfo; progress: QueryProgress[] }> {
    const res: any = await this.rpc.call('GetQuery', { query_id: queryId, recent_progress: recentProgress });
    return { info: info(res.query), progress: (res.progress_json ?? []).map((p: string) => JSON.parse(p)) };
  }

  async stop(queryId: string): Promise<QueryInfo> {
    const res: any = await this.rpc.call('StopQuery', { query_id: queryId }, 120_000);
    return info(res.query);
  }

  /** Polls until the query leaves ACTIVE/STARTING (or the timeout passes); returns its last info. */
  async awaitTermination(queryId: string, timeoutMs = Infinity, pollMs = 200): Promise<QueryInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { info: i } = await this.get(queryId, 0);
      if (i.state !== 'ACTIVE' && i.state !== 'STARTING') return i;
      if (Date.now() > deadline) return i;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * Follows query events (every query's, or `queryId`'s), first replaying the `recentProgress`
   * newest reports of each running query; `done` settles when the stream ends (`cancel()` ends it).
   */
  watch(opts: { queryId?: string; recentProgress?: number }, onEvent: (e: QueryEvent) => void): { done: Promise<void>; cancel(): void } {
    return this.rpc.stream('WatchQueries', { query_id: opts.queryId ?? '', recent_progress: opts.recentProgress ?? 0 }, (m: any) => {
      const kind = EVENT_KINDS[m.kind];
      if (kind === undefined) return; // a kind this client does not know yet
      const base = { query: info(m.query), timestampMs: Number(m.timestamp_ms) };
      onEvent(kind === 'progress' ? { kind, ...base, progress: JSON.parse(m.progress_json) } : { kind, ...base });
    });
  }

  close(): void {
    this.rpc.close();
  }
}
