/**
 * An executor's Prometheus metrics (names and meaning: docs/observability.md): the tasks it ran by
 * kind and outcome with their durations and input rows, the shuffle bytes it sent, the shuffle
 * bytes it holds, and the process's CPU, memory and event loop (the registry's default metrics).
 *
 * Task kinds: ingest (a query without aggregation), aggregate_map, dedup_map, reduce,
 * dedup_reduce. Outcomes: succeeded, failed (the task answered with a TaskError).
 */
import { MetricsRegistry } from '@tributary/common';

export type TaskKind = 'ingest' | 'aggregate_map' | 'dedup_map' | 'reduce' | 'dedup_reduce' | 'cdc_map' | 'cdc_reduce';
export type TaskOutcome = 'succeeded' | 'failed';

export interface ExecutorMetrics {
  /** Records a finished task: its kind, outcome, seconds and (map tasks) the records it read. */
  task(queryId: string, kind: TaskKind, outcome: TaskOutcome, seconds: number, inputRows?: number): void;
  shufflePushed(bytes: number, local: boolean): void;
}

export function executorMetrics(metrics: MetricsRegistry, heldShuffleBytes: () => number): ExecutorMetrics {
  const tasks = metrics.counter('tributary_tasks_total', 'Tasks this executor ran, by kind and outcome.', ['query_id', 'kind', 'outcome']);
  const seconds = metrics.histogram('tributary_task_duration_seconds', 'Wall time of a task on this executor, by kind and outcome.', ['query_id', 'kind', 'outcome']);
  const inputRows = metrics.counter('tributary_task_input_rows_total', 'Kafka records read by this executor\'s map tasks (every attempt, failed ones too).', ['query_id', 'kind']);
  const shuffleBytes = metrics.counter('tributary_shuffle_sent_bytes_total', 'Bytes of shuffle partials this executor\'s map tasks delivered, to itself (destination="local") or to other executors ("remote").', ['destination']);
  metrics.gauge('tributary_shuffle_held_bytes', 'Bytes of shuffle partials held here, waiting for their reduce tasks.', [], (g) => g.set(heldShuffleBytes()));
  for (const destination of ['local', 'remote']) shuffleBytes.inc({ destination }, 0);
  return {
    task(queryId, kind, outcome, s, rows) {
      tasks.inc({ query_id: queryId, kind, outcome });
      seconds.observe({ query_id: queryId, kind, outcome }, s);
      if (rows !== undefined) inputRows.inc({ query_id: queryId, kind }, rows);
    },
    shufflePushed(bytes, local) {
      shuffleBytes.inc({ destination: local ? 'local' : 'remote' }, bytes);
    },
  };
}

/** Metrics that record nothing (unit tests of the task service). */
export const NO_EXECUTOR_METRICS: ExecutorMetrics = { task() {}, shufflePushed() {} };
