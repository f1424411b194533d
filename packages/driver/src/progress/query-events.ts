/**
 * What the driver tells about its queries as they run, in one typed place that the gRPC listener
 * stream, the Prometheus metrics, the Kafka lag mirror, the history file and a dashboard all read:
 *
 *   started     a query started (or was resumed) on this driver
 *   progress    a batch committed: its QueryProgress and its commit record
 *   terminated  the query stopped, finished or failed
 *   retry       an attempt of a batch failed and is retried, or the loop recovers after a failure
 */
import type { QueryProgress } from '@tributary/common';

/** One committed batch, as Flink's checkpoint history lists them. */
export interface CommitRecord {
  batchId: number;
  attempt: number;
  /** The main table's Delta version the batch wrote ('skipped' when a replay found it there). */
  version: number | 'skipped';
  inputRows: number;
  outputRows: number;
  /** Data files the batch added to the main table. */
  files: number;
  /** Wall time of the batch, from planning to its commit-log entry. */
  durationMs: number;
  committedAtMs: number;
}

export interface QueryIdentity {
  queryId: string;
  runId: string;
  name: string;
}

export type QueryEvent =
  | { kind: 'started'; query: QueryIdentity; timestampMs: number }
  | { kind: 'progress'; query: QueryIdentity; progress: QueryProgress; commit: CommitRecord; timestampMs: number }
  | { kind: 'terminated'; query: QueryIdentity; state: string; error: string | null; timestampMs: number }
  | { kind: 'retry'; query: QueryIdentity; what: 'attempt' | 'recovery'; batchId: number | null; reason: string; timestampMs: number };

export type QueryEventListener = (event: QueryEvent) => void;
