/**
 * The client side of QueryService: submit, list, get and stop queries on a driver. Errors keep the
 * driver's gRPC status and message (INVALID_ARGUMENT names what is wrong with the job;
 * UNAUTHENTICATED a missing or wrong token; PERMISSION_DENIED a certificate without the client role).
 *
 * `address` may list every driver of a cluster with standby drivers ("a,b"): a call refused as
 * NOT_LEADER or failing as unreachable is tried at the leader the refusal names, else at the next
 * address. While the lease changes hands no driver leads for up to a lease TTL: when every address
 * refused as NOT_LEADER or was unreachable (so none ran the call), the round starts again after a
 * pause, until `handoverMs` has passed since the call began (then the last refusal is thrown).
 */
import { LeaderAddresses, QueryProgress, QuerySpec, QuerySpecV2, RpcClient, RpcClientSecurity, isLeaderMiss } from '@tributary/common';

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

/** How long a call to a cluster of several drivers waits for one of them to lead: two default lease TTLs and a margin. */
export const DEFAULT_HANDOVER_MS = 15_000;

/** A refusal that proves the driver did not run the call: a standby's NOT_LEADER, or no connection at all. */
function notRun(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UNAVAILABLE' || /not the leader/.test(error instanceof Error ? error.message : '');
}

export class DriverClient {
  private readonly drivers: LeaderAddresses;
  private readonly clients = new Map<string, RpcClient>();
  /**
   * `security`: mutual TLS and the bearer token (rpc/client-security.ts); plaintext and none by default.
   * `handoverMs`: with several driver addresses, how long a call waits for a leader (DEFAULT_HANDOVER_MS).
   */
  constructor(readonly address: string, private readonly security: RpcClientSecurity = {}, private readonly handoverMs = DEFAULT_HANDOVER_MS) {
    this.drivers = new LeaderAddresses(address);
  }

  /** The call at the driver believed to lead; on a leader miss, at the others in turn (see the header). */
  private async call(method: string, request: object, deadlineMs?: number): Promise<any> {
    const started = Date.now();
    let round = 0;
    let notRunInRound = true;
    for (let tried = 1; ; tried++) {
      const at = this.drivers.current();
      let rpc = this.clients.get(at);
      if (!rpc) { rpc = new RpcClient('QueryService', at, this.security); this.clients.set(at, rpc); }
      try {
        return await rpc.call(method, request, deadlineMs);
      } catch (err) {
        if (!isLeaderMiss(err)) throw err;
        notRunInRound &&= notRun(err);
        if (tried >= this.drivers.all.length) {
          // Every driver missed: wait for a handover only when none of them can have run the call.
          const pauseMs = Math.min(1_000, 200 * 2 ** round);
          if (this.drivers.all.length < 2 || !notRunInRound || Date.now() - started + pauseMs > this.handoverMs) throw err;
          await new Promise((r) => setTimeout(r, pauseMs));
          round++;
          tried = 0;
          notRunInRound = true;
        }
        this.drivers.moveOn(err);
      }
    }
  }

  /** Sends a spec document (version 1, or 2 once the driver resolves plans). */
  async submit(spec: QuerySpec | QuerySpecV2): Promise<QueryInfo> {
    const res: any = await this.call('SubmitQuery', { spec_json: JSON.stringify(spec) }, 60_000);
    return info(res.query);
  }

  async list(): Promise<QueryInfo[]> {
    const res: any = await this.call('ListQueries', {});
    return (res.queries ?? []).map(info);
  }

  async get(queryId: string, recentProgress = 1): Promise<{ info: QueryInfo; progress: QueryProgress[] }> {
    const res: any = await this.call('GetQuery', { query_id: queryId, recent_progress: recentProgress });
    return { info: info(res.query), progress: (res.progress_json ?? []).map((p: string) => JSON.parse(p)) };
  }

  async stop(queryId: string): Promise<QueryInfo> {
    const res: any = await this.call('StopQuery', { query_id: queryId }, 120_000);
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
   * Like the unary calls it follows the leader: a stream refused or ended as NOT_LEADER or
   * unreachable is opened again at the leader named, else the next address (each address at most
   * once in a row; a stream that delivered events starts the count again). A reopened stream
   * replays the running queries' STARTED and recent reports, so a listener may hear them twice.
   */
  watch(opts: { queryId?: string; recentProgress?: number }, onEvent: (e: QueryEvent) => void): { done: Promise<void>; cancel(): void } {
    const request = { query_id: opts.queryId ?? '', recent_progress: opts.recentProgress ?? 0 };
    let current: { done: Promise<void>; cancel(): void } | undefined;
    let cancelled = false;
    const done = (async () => {
      for (let tried = 1; !cancelled; tried++) {
        const at = this.drivers.current();
        let rpc = this.clients.get(at);
        if (!rpc) { rpc = new RpcClient('QueryService', at, this.security); this.clients.set(at, rpc); }
        let delivered = false;
        current = rpc.stream('WatchQueries', request, (m: any) => {
          delivered = true;
          const kind = EVENT_KINDS[m.kind];
          if (kind === undefined) return; // a kind this client does not know yet
          const base = { query: info(m.query), timestampMs: Number(m.timestamp_ms) };
          onEvent(kind === 'progress' ? { kind, ...base, progress: JSON.parse(m.progress_json) } : { kind, ...base });
        });
        try {
          await current.done;
          return;
        } catch (err) {
          if (delivered) tried = 1;
          if (cancelled) return;
          if (tried >= this.drivers.all.length || !isLeaderMiss(err)) throw err;
          this.drivers.moveOn(err);
        }
      }
    })();
    return { done, cancel: () => { cancelled = true; current?.cancel(); } };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
