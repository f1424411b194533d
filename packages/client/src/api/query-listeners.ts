/**
 * spark.streams: the session's query listeners, as Spark's StreamingQueryManager.addListener with a
 * StreamingQueryListener — `onQueryStarted`, `onQueryProgress`, `onQueryTerminated` (each optional),
 * called for every query on the session's driver. The first listener opens one event stream to the
 * driver (QuerySubmitter.watch: a gRPC server stream); removing the last closes it. A running query
 * is announced with onQueryStarted when the stream opens. A listener that throws does not stop the
 * others.
 */
import type { QueryProgress } from '@tributary/common';
import type { QueryListenerEvent, QuerySubmitter } from './submitter';
import { invalid } from './unsupported';

export interface QueryStartedEvent { id: string; runId: string; name: string | null; timestamp: string }
export interface QueryProgressEvent { progress: QueryProgress }
export interface QueryTerminatedEvent { id: string; runId: string; exception: string | null }

export interface StreamingQueryListener {
  onQueryStarted?(event: QueryStartedEvent): void;
  onQueryProgress?(event: QueryProgressEvent): void;
  onQueryTerminated?(event: QueryTerminatedEvent): void;
  /** Tributary's addition: the event stream to the driver failed (listeners get nothing more). */
  onStreamError?(error: Error): void;
}

export class StreamingQueryManager {
  private readonly listeners = new Set<StreamingQueryListener>();
  private watch: { cancel(): void } | undefined;

  constructor(private readonly submitter: () => QuerySubmitter) {}

  addListener(listener: StreamingQueryListener): void {
    this.listeners.add(listener);
    if (this.watch !== undefined) return;
    const submitter = this.submitter();
    if (submitter.watch === undefined) throw invalid('this session\'s query submitter cannot stream query events, so it takes no listeners');
    this.watch = submitter.watch((e) => this.dispatch(e), (err) => {
      this.watch = undefined;
      for (const l of [...this.listeners]) l.onStreamError?.(err);
    });
  }

  removeListener(listener: StreamingQueryListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) { this.watch?.cancel(); this.watch = undefined; }
  }

  listListeners(): StreamingQueryListener[] {
    return [...this.listeners];
  }

  private dispatch(e: QueryListenerEvent): void {
    for (const l of [...this.listeners]) {
      try {
        if (e.kind === 'started') l.onQueryStarted?.({ id: e.id, runId: e.runId, name: e.name, timestamp: e.timestamp });
        else if (e.kind === 'progress') l.onQueryProgress?.({ progress: e.progress });
        else l.onQueryTerminated?.({ id: e.id, runId: e.runId, exception: e.exception });
      } catch { /* one listener's failure is its own */ }
    }
  }
}
