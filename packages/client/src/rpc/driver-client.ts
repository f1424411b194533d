/**
 * The client side of QueryService: submit, list, get and stop queries on a driver. Errors keep the
 * driver's gRPC status and message (INVALID_ARGUMENT names what is wrong with the job;
 * UNAUTHENTICATED a missing or wrong token; PERMISSION_DENIED a certificate without the client role).
 */
import { QueryProgress, QuerySpec, QuerySpecV2, RpcClient, RpcClientSecurity } from '@tributary/common';

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

export class DriverClient {
  private readonly rpc: RpcClient;
  /** `security`: mutual TLS and the bearer token (rpc/client-security.ts); plaintext and none by default. */
  constructor(readonly address: string, security: RpcClientSecurity = {}) {
    this.rpc = new RpcClient('QueryService', address, security);
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

  close(): void {
    this.rpc.close();
  }
}
