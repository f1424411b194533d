/**
 * What travels inside the task messages of proto/tributary/v1/control.proto as JSON: the executor's
 * run-specific facts of a query (`job_json`) and the statistics each task reports (`stats_json`).
 */
import type { IsolationLevel } from '../plan/kafka-options';
import type { RedisConnection } from '../state/redis-connection';
import type { KafkaSecurity } from '../kafka/security';

/**
 * What an executor needs beside the resolved query (MapTaskRequest.query / ReduceTaskRequest.query,
 * the one source of the query's schema, steps, aggregation, sink and options): where this run of
 * the query keeps its state and tables, and the facts the driver fixes per checkpoint or per batch.
 */
export interface ExecutorJob {
  queryId: string;
  /** The checkpoint's number of shuffle partitions (fixed at first start). */
  shufflePartitions: number;
  checkpointLocation: string;
  /** The main table, absolute. */
  tablePath: string;
  /**
   * Redis as the driver reaches it, credentials and TLS certificates (PEM) included: this message
   * carries a secret, so it is never logged (the driver's gRPC channel is the one to protect it).
   */
  redis: RedisConnection;
  /** The quarantine table (side table, absolute), set when the query's badRecords is 'quarantine'. */
  quarantineTablePath: string | null;
  /** The late-rows table (side table, absolute), set when the query's lateRows is 'table'. */
  lateRowsTablePath: string | null;
  /** State snapshot every N versions; change sets in between. */
  snapshotEvery: number;
  /**
   * TLS and SASL the map tasks read Kafka with, from the source's kafka.* options with the files they
   * name already read by the driver (PEM, password): a secret, never logged nor stored. Absent: plain text.
   */
  kafka?: KafkaSecurity;
  /** kafka.isolation.level the map tasks read with: the batch plan's (a replay reads as the batch first did). */
  isolationLevel?: IsolationLevel;
}

export interface MapTaskStats {
  inputRows: number;
  validRows: number;
  lateRows: number;
  /**
   * (row, window) pairs dropped because the window had closed: lateRows for a tumbling window; a
   * sliding window also drops the closed windows of rows that still count in open ones. Absent
   * from the stats of executors that predate sliding windows (read as lateRows).
   */
  lateWindowRows?: number;
  /** Records that could not become rows, by reason (decoder reasons and EVENT_TIME_TOO_FAR_AHEAD). */
  badRecords: Record<string, number>;
  /** Of those, how many were written to quarantine files (0 unless badRecords is 'quarantine'). */
  quarantinedRows: number;
  /** Late rows written to late-rows files (0 unless lateRows is 'table'). */
  lateRowsWritten: number;
  /** Max / min event time over valid rows, µs; null when there were none. */
  maxEventTimeMicros: number | null;
  minEventTimeMicros: number | null;
  sumEventTimeMicros: number;
  partialRows: number;
  /** Rows an ingest task (a query without aggregation) wrote to the main table's data files; 0 otherwise. */
  outputRows: number;
  /** Partial rows pushed to each shuffle partition (index = partition); the driver checks reduces against it. */
  sentRowsByPartition: number[];
  bytesFetched: number;
  /** `steps` (filters, projections) and `write` (data files) are an ingest task's; the others 0 there. */
  timingsMs: { fetch: number; decode: number; aggregate: number; shuffle: number; total: number; steps?: number; write?: number };
}

export interface ReduceTaskStats {
  partitions: number[];
  mergedPartialRows: number;
  emittedRows: number;
  stateRowsTotal: number;
  stateRowsUpdated: number;
  stateRowsRemoved: number;
  stateMemoryBytes: number;
  filesWritten: number;
  /** Per owned partition: partial rows merged and rows emitted (checked by the driver against the
   * map tasks' sent rows and the state write's record). */
  byPartition: { partition: number; mergedPartialRows: number; emittedRows: number }[];
  timingsMs: { stateLoad: number; merge: number; stateWrite: number; parquet: number; total: number };
  /**
   * Update mode: the copy-on-write merge into the table. The files written hold the emitted rows
   * plus `keptRows` copied unchanged from the `removedFiles` rewritten (which held `removedRows`).
   */
  update?: { keptRows: number; removedRows: number; removedFiles: number; groupsRewritten: number };
  /**
   * A dedup reduce before an aggregation (batch-stages.ts): the partial aggregates it pushed to each
   * aggregation partition (checked against what each aggregation reduce merged), and the (row,
   * window) pairs its partial aggregation dropped as late.
   */
  sentRowsByPartition?: number[];
  lateWindowRows?: number;
}

export function emptyMapStats(): MapTaskStats {
  return {
    inputRows: 0, validRows: 0, lateRows: 0, badRecords: {}, quarantinedRows: 0, lateRowsWritten: 0, maxEventTimeMicros: null, minEventTimeMicros: null,
    sumEventTimeMicros: 0, partialRows: 0, outputRows: 0, sentRowsByPartition: [], bytesFetched: 0,
    timingsMs: { fetch: 0, decode: 0, aggregate: 0, shuffle: 0, total: 0 },
  };
}
