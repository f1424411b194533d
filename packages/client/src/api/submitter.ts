import type { QueryProgress, QuerySpec, QuerySpecV2 } from '@tributary/common';

/**
 * How a session hands a validated query to a driver and follows it. The gRPC implementation lives
 * with the CLI; tests use in-memory fakes. Every method may reject with a TributaryError
 * (UnavailableError when the driver cannot be reached).
 */
export interface QuerySubmitter {
  /**
   * Starts the query (or resumes it from its checkpoint); the driver resolves the spec again. The
   * job API sends version 2; a version 1 spec (a JSON file given to `tributary submit`) is upgraded
   * by the driver.
   */
  submit(spec: QuerySpec | QuerySpecV2): Promise<QueryHandleInfo>;
  status(id: string): Promise<QueryState>;
  /** Stops after the current batch; resolves when the query has stopped. */
  stop(id: string): Promise<void>;
  /** Resolves when the query ends or the timeout passes, whichever is first. */
  awaitTermination(id: string, timeoutMs?: number): Promise<TerminationInfo>;
  /**
   * Follows every query's listener events until `cancel()` (query-listeners.ts); optional: a
   * submitter without it has no listeners.
   */
  watch?(onEvent: (e: QueryListenerEvent) => void, onError: (err: Error) => void): { cancel(): void };
}

/** A query listener event as a submitter delivers it (Spark's QueryStartedEvent, QueryProgressEvent, QueryTerminatedEvent). */
export type QueryListenerEvent =
  | { kind: 'started'; id: string; runId: string; name: string | null; timestamp: string }
  | { kind: 'progress'; progress: QueryProgress }
  | { kind: 'terminated'; id: string; runId: string; exception: string | null };

export interface QueryHandleInfo {
  /** Constant across restarts from the same checkpoint. */
  id: string;
  /** New at every start. */
  runId: string;
  name: string | null;
}

/** Spark's StreamingQueryStatus. */
export interface StreamingQueryStatus {
  message: string;
  isDataAvailable: boolean;
  isTriggerActive: boolean;
}

export interface QueryFailure {
  message: string;
  /** The TributaryError code of the cause, e.g. 'DATA_LOSS'. */
  code: string;
}

export interface QueryState {
  isActive: boolean;
  status: StreamingQueryStatus;
  /** The progress of the latest batches, oldest first (a bounded number, as Spark keeps 100). */
  recentProgress: QueryProgress[];
  exception: QueryFailure | null;
}

export interface TerminationInfo {
  terminated: boolean;
  exception: QueryFailure | null;
}
