/**
 * What travels inside the task messages of proto/tributary/v1/control.proto as JSON: the executor's
 * view of a query (`job_json`) and the statistics each task reports (`stats_json`).
 */

/** Everything an executor needs to run any task of a query. Derived from the QuerySpec by the driver. */
export interface ExecutorJob {
  queryId: string;
  topic: string;
  bootstrapServers: string[];
  /** Tumbling window length, µs. */
  windowMicros: number;
  /** Query time zone for timestamps without an offset ('UTC' or '+hh:mm'). */
  timeZone: string;
  outputMode: 'append' | 'complete';
  shufflePartitions: number;
  checkpointLocation: string;
  tablePath: string;
  redis: { host: string; port: number };
  badRecords: 'quarantine' | 'fail' | 'drop';
  maxValueBytes: number;
  /** State snapshot every N versions; change sets in between. */
  snapshotEvery: number;
}

export interface MapTaskStats {
  inputRows: number;
  validRows: number;
  lateRows: number;
  badRecords: Record<string, number>;
  /** Max / min event time over valid rows, µs; null when there were none. */
  maxEventTimeMicros: number | null;
  minEventTimeMicros: number | null;
  sumEventTimeMicros: number;
  partialRows: number;
  bytesFetched: number;
  timingsMs: { fetch: number; decode: number; aggregate: number; shuffle: number; total: number };
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
  timingsMs: { stateLoad: number; merge: number; stateWrite: number; parquet: number; total: number };
}

export function emptyMapStats(): MapTaskStats {
  return {
    inputRows: 0, validRows: 0, lateRows: 0, badRecords: {}, maxEventTimeMicros: null, minEventTimeMicros: null,
    sumEventTimeMicros: 0, partialRows: 0, bytesFetched: 0,
    timingsMs: { fetch: 0, decode: 0, aggregate: 0, shuffle: 0, total: 0 },
  };
}
