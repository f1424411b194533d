/**
 * The driver's Prometheus metrics, fed from query events (query-events.ts) and executor membership:
 * numbers the batch loop already measured (progress reports, the steps it times under their
 * names), never timed again here. Names and labels: docs/observability.md.
 *
 * Labels: `query_id` and `query_name` on every query metric; `topic`/`partition` on Kafka offsets
 * (the topic's partitions); `step` (the batch protocol's fixed step names); `reason` (bad-record
 * reason codes, a fixed set); `operator` (a query's state operators).
 */
import { MetricsRegistry, type QueryProgress } from '@tributary/common';
import type { ExecutorRegistry } from '../scheduler/executor-registry';
import type { QueryEvent } from './query-events';
import type { ProgressStore } from './progress-store';

const Q = ['query_id', 'query_name'] as const;

export function driverMetrics(metrics: MetricsRegistry, store: ProgressStore, registry: ExecutorRegistry): () => void {
  const inputRows = metrics.counter('tributary_input_rows_total', 'Records read from Kafka by committed batches.', Q);
  const outputRows = metrics.counter('tributary_output_rows_total', 'Rows written to the main table by committed batches.', Q);
  const batches = metrics.counter('tributary_batches_total', 'Batches committed.', Q);
  const lastBatch = metrics.gauge('tributary_last_committed_batch', 'Id of the newest committed batch.', Q);
  const batchSeconds = metrics.histogram('tributary_batch_duration_seconds', 'Wall time of a batch from planning to its commit-log entry.', Q);
  const stepSeconds = metrics.histogram('tributary_batch_step_duration_seconds', 'Time of each named protocol step of a batch (latestOffset, walCommit, addBatch, sinkCommit, commitOffsets, map, reduce, …).', [...Q, 'step']);
  const endOffset = metrics.gauge('tributary_kafka_end_offset', 'End offset of a partition when the newest batch was planned.', [...Q, 'topic', 'partition']);
  const committedOffset = metrics.gauge('tributary_kafka_committed_offset', 'Offset up to which the query has committed a partition (exclusive).', [...Q, 'topic', 'partition']);
  const lag = metrics.gauge('tributary_kafka_lag_records', 'Records of a partition not yet committed: end offset − committed offset.', [...Q, 'topic', 'partition']);
  const watermark = metrics.gauge('tributary_watermark_seconds', 'The query\'s event-time watermark (Unix seconds).', Q);
  const maxEventTime = metrics.gauge('tributary_event_time_max_seconds', 'Largest event time seen by the newest batch with rows (Unix seconds).', Q);
  const stateRows = metrics.gauge('tributary_state_rows', 'Rows held in state after the newest batch.', [...Q, 'operator']);
  const stateBytes = metrics.gauge('tributary_state_memory_bytes', 'Memory the state rows take after the newest batch.', [...Q, 'operator']);
  const badRecords = metrics.counter('tributary_bad_records_total', 'Records that could not become rows, by reason.', [...Q, 'reason']);
  const quarantined = metrics.counter('tributary_quarantined_records_total', 'Bad records written to the quarantine table.', Q);
  const lateRows = metrics.counter('tributary_late_records_total', 'Rows none of whose windows was open any more, by what was done with them.', [...Q, 'action']);
  const retries = metrics.counter('tributary_batch_retries_total', 'Retries: a failed attempt of a batch run again (kind="attempt"), or the loop recovering after a retriable failure (kind="recovery").', [...Q, 'kind']);
  const running = metrics.gauge('tributary_query_active', '1 while the query runs on this driver, 0 once it stopped, finished or failed.', Q);
  const executors = metrics.gauge('tributary_executors', 'Executors registered and heartbeating.');
  const losses = metrics.counter('tributary_executor_losses_total', 'Executors declared lost (missed heartbeats, or a new registration of the same id).');
  executors.set(registry.live().length);

  const unsubscribeStore = store.subscribe((e: QueryEvent) => {
    const q = { query_id: e.query.queryId, query_name: e.query.name };
    switch (e.kind) {
      case 'started':
        running.set(q, 1);
        for (const kind of ['attempt', 'recovery']) retries.inc({ ...q, kind }, 0);
        inputRows.inc(q, 0);
        outputRows.inc(q, 0);
        return;
      case 'terminated':
        running.set(q, 0);
        return;
      case 'retry':
        retries.inc({ ...q, kind: e.what });
        return;
      case 'progress':
        observeProgress(e.progress, q);
    }
  });

  function observeProgress(p: QueryProgress, q: { query_id: string; query_name: string }): void {
    inputRows.inc(q, p.numInputRows);
    outputRows.inc(q, p.sink.numOutputRows);
    batches.inc(q);
    lastBatch.set(q, p.batchId);
    if (p.batchDuration !== undefined) batchSeconds.observe(q, p.batchDuration / 1000);
    for (const [step, ms] of Object.entries(p.durationMs)) if (step !== 'triggerExecution') stepSeconds.observe({ ...q, step }, ms / 1000);
    for (const source of p.sources) {
      for (const [topic, parts] of Object.entries(source.endOffset ?? {})) {
        for (const [partition, committed] of Object.entries(parts)) {
          const end = source.latestOffset?.[topic]?.[partition] ?? committed;
          const labels = { ...q, topic, partition };
          committedOffset.set(labels, Number(committed));
          endOffset.set(labels, Number(end));
          lag.set(labels, Math.max(0, Number(BigInt(end) - BigInt(committed))));
        }
      }
    }
    if (p.eventTime.watermark !== undefined) watermark.set(q, Date.parse(p.eventTime.watermark) / 1000);
    if (p.eventTime.max !== undefined) maxEventTime.set(q, Date.parse(p.eventTime.max) / 1000);
    for (const op of p.stateOperators) {
      stateRows.set({ ...q, operator: op.operatorName }, op.numRowsTotal);
      stateBytes.set({ ...q, operator: op.operatorName }, op.memoryUsedBytes);
    }
    for (const [reason, n] of Object.entries(p.badRecords.byReason)) badRecords.inc({ ...q, reason }, n);
    quarantined.inc(q, p.badRecords.quarantined ?? 0);
    lateRows.inc({ ...q, action: p.lateRows.action }, p.lateRows.total);
  }

  const unsubscribeRegistry = registry.onChange((event) => {
    if (event === 'lost') losses.inc();
    executors.set(registry.live().length);
  });
  return () => { unsubscribeStore(); unsubscribeRegistry(); };
}
