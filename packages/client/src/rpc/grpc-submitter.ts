/**
 * QuerySubmitter over gRPC: how sessions reach a driver at tributary://host:port. Registered as the
 * default submitter factory by the package's index, so `builder().master(url).getOrCreate()` works;
 * its TLS files and token come from the environment (rpc/client-security.ts).
 */
import type { QuerySpec, QuerySpecV2 } from '@tributary/common';
import type { QueryHandleInfo, QueryListenerEvent, QueryState, QuerySubmitter, TerminationInfo } from '../api/submitter';
import { clientSecurity } from './client-security';
import { DriverClient, QueryInfo } from './driver-client';

function failure(info: QueryInfo) {
  return info.state === 'FAILED' ? { message: info.error || info.message, code: 'QUERY_FAILED' } : null;
}

export class GrpcSubmitter implements QuerySubmitter {
  constructor(private readonly client: DriverClient) {}

  static forMaster(master: string): GrpcSubmitter {
    return new GrpcSubmitter(new DriverClient(master.replace(/^tributary:\/\//, ''), clientSecurity()));
  }

  watch(onEvent: (e: QueryListenerEvent) => void, onError: (err: Error) => void): { cancel(): void } {
    const w = this.client.watch({}, (e) => {
      if (e.kind === 'started') onEvent({ kind: 'started', id: e.query.id, runId: e.query.runId, name: e.query.name || null, timestamp: new Date(e.timestampMs).toISOString() });
      else if (e.kind === 'progress') onEvent({ kind: 'progress', progress: e.progress });
      else onEvent({ kind: 'terminated', id: e.query.id, runId: e.query.runId, exception: e.query.state === 'FAILED' ? (e.query.error || e.query.message) : null });
    });
    w.done.catch(onError);
    return w;
  }

  async submit(spec: QuerySpec | QuerySpecV2): Promise<QueryHandleInfo> {
    const info = await this.client.submit(spec);
    return { id: info.id, runId: info.runId, name: info.name || null };
  }

  async status(id: string): Promise<QueryState> {
    const { info, progress } = await this.client.get(id, 100);
    const active = info.state === 'ACTIVE' || info.state === 'STARTING';
    return {
      isActive: active,
      status: { message: info.message, isDataAvailable: !/Waiting for data/.test(info.message), isTriggerActive: /^Processing/.test(info.message) },
      recentProgress: progress,
      exception: failure(info),
    };
  }

  async stop(id: string): Promise<void> {
    await this.client.stop(id);
  }

  async awaitTermination(id: string, timeoutMs?: number): Promise<TerminationInfo> {
    const info = await this.client.awaitTermination(id, timeoutMs ?? Infinity);
    const terminated = info.state !== 'ACTIVE' && info.state !== 'STARTING';
    return { terminated, exception: failure(info) };
  }
}
