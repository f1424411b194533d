/**
 * Progress of one micro-batch, shaped like Spark's StreamingQueryProgress JSON so that dashboards and
 * habits carry over. Times are ISO-8601 UTC strings with milliseconds, as Spark prints them; Kafka
 * offsets are Spark's {"topic":{"partition":offset}} objects with the offsets as decimal strings
 * (Tributary keeps offsets as strings at every boundary). Fields after `sink` are Tributary's own.
 */
export interface QueryProgress {
  id: string;
  runId: string;
  name: string | null;
  /** When the trigger of this batch started. */
  timestamp: string;
  batchId: number;
  /** Wall time of the whole batch, ms (Spark's batchDuration). */
  batchDuration?: number;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  /** Time per named protocol step, ms: e.g. latestOffset, walCommit, runBatch, stateCommit, addBatch, commitOffsets, triggerExecution. */
  durationMs: Record<string, number>;
  /** Event time of the batch's valid rows and the watermark the batch emitted with; empty object when the batch had no rows. */
  eventTime: EventTimeProgress;
  stateOperators: StateOperatorProgress[];
  sources: SourceProgress[];
  sink: SinkProgress;
  /**
   * Records of this batch that could not become rows, by reason code (docs/bad-input.md), and what
   * the query's policy did with them; `quarantined` of them went to the quarantine table.
   */
  badRecords: { total: number; byReason: Record<string, number>; action?: 'quarantine' | 'drop' | 'fail'; quarantined?: number };
  /** Rows of this batch dropped (and with action 'table', written to the late-rows table) because their window had closed. */
  /**
   * total: rows none of whose windows was open (dropped whole, in the late-rows table with 'table');
   * windowRows: (row, window) pairs dropped because the window had closed — equal to total for a
   * tumbling window, more with a sliding one (a row late for its older windows only).
   */
  lateRows: { total: number; action: 'drop' | 'table'; written?: number; windowRows?: number };
  /** Side tables committed by this batch before the main table: path → table version, or 'skipped' (already held the batch). */
  sideTables?: { name: string; path: string; version: number | 'skipped' }[];
}

export interface EventTimeProgress {
  watermark?: string;
  max?: string;
  min?: string;
  avg?: string;
}

export interface StateOperatorProgress {
  operatorName: string;
  numRowsTotal: number;
  numRowsUpdated: number;
  numRowsRemoved?: number;
  numRowsDroppedByWatermark: number;
  memoryUsedBytes: number;
  numShufflePartitions?: number;
  commitTimeMs?: number;
  customMetrics?: Record<string, number>;
}

export type KafkaOffsets = Record<string, Record<string, string>>;

export interface SourceProgress {
  /** e.g. 'KafkaV2[Subscribe[customer_events]]' as Spark describes its Kafka source. */
  description: string;
  startOffset: KafkaOffsets | null;
  endOffset: KafkaOffsets | null;
  latestOffset: KafkaOffsets | null;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  /** Spark's Kafka metrics: avgOffsetsBehindLatest, maxOffsetsBehindLatest, minOffsetsBehindLatest (as strings). */
  metrics?: Record<string, string>;
}

export interface SinkProgress {
  /** e.g. 'DeltaSink[/delta/customer_aggregates]'. */
  description: string;
  numOutputRows: number;
  metrics?: Record<string, string>;
}
