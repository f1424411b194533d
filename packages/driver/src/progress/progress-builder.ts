/**
 * A batch's progress report, shaped like Spark's StreamingQueryProgress (plus Tributary's bad-record
 * counts by reason, late-row counts and side-table commits), from the plan, the tasks' statistics
 * and the commit.
 */
import { BatchCommit, BatchPlan, DedupSpec, QueryProgress, ReduceTaskStats, StateOperatorProgress } from '@tributary/common';
import { AttemptOutput } from '../scheduler/attempt-runner';
import { QueryContext } from '../query/query-context';
import { SideTableSink } from '../commit/side-table-sink';

export function isoMicros(micros: number | null): string | undefined {
  if (micros === null) return undefined;
  return new Date(Math.floor(micros / 1000)).toISOString();
}

export function buildProgress(args: {
  ctx: QueryContext;
  plan: BatchPlan;
  output: AttemptOutput;
  commit: BatchCommit;
  timings: Record<string, number>;
  attempt: number;
  sideSinks: readonly SideTableSink[];
  /** The topic's latest offsets when the batch was planned. */
  latestOffsets?: Map<number, bigint>;
}): QueryProgress {
  const { ctx, plan, output, commit, timings } = args;
  const numInputRows = commit.numInputRows;
  const dedup = ctx.query.dedup;
  const seconds = Math.max(1, timings.triggerExecution ?? 1) / 1000;
  const badByReason: Record<string, number> = {};
  let late = 0, lateWindowRows = 0, lateWritten = 0, quarantined = 0, min: number | null = null, max: number | null = null, sum = 0, valid = 0;
  for (const s of output.mapStats) {
    late += s.lateRows;
    lateWindowRows += s.lateWindowRows ?? s.lateRows;
    lateWritten += s.lateRowsWritten ?? 0;
    quarantined += s.quarantinedRows ?? 0;
    valid += s.validRows;
    sum += s.sumEventTimeMicros;
    for (const [k, v] of Object.entries(s.badRecords)) badByReason[k] = (badByReason[k] ?? 0) + v;
    if (s.minEventTimeMicros !== null) min = min === null ? s.minEventTimeMicros : Math.min(min, s.minEventTimeMicros);
    if (s.maxEventTimeMicros !== null) max = max === null ? s.maxEventTimeMicros : Math.max(max, s.maxEventTimeMicros);
  }
  const stateRowsTotal = output.reduceStats.reduce((a, s) => a + s.stateRowsTotal, 0);
  const source = plan.sources[0];
  const offsets = (pick: 'from' | 'to') => ({ [source.topic]: Object.fromEntries(source.partitions.map((p) => [String(p.partition), p[pick]])) });
  return {
    id: ctx.queryId,
    runId: ctx.runId,
    name: ctx.name || null,
    timestamp: new Date(plan.batchTimestampMs).toISOString(),
    batchId: plan.batchId,
    batchDuration: timings.triggerExecution,
    numInputRows,
    inputRowsPerSecond: numInputRows / seconds,
    processedRowsPerSecond: numInputRows / seconds,
    durationMs: { ...timings, ...taskStageTimes(output) },
    eventTime: {
      watermark: isoMicros(plan.watermarkMicros)!,
      ...(max !== null ? { max: isoMicros(max), min: isoMicros(min), avg: isoMicros(valid ? sum / valid : null) } : {}),
    },
    // In plan order, as Spark lists them: a dedup before an aggregation, then the aggregation.
    stateOperators: [
      ...(output.dedupReports === undefined || dedup === undefined ? [] : [dedupOperator(dedup, output.dedupReports.map((r) => r.stats), late, ctx.job.shufflePartitions)]),
      {
        operatorName: dedup === undefined || output.dedupReports !== undefined ? 'stateStoreSave' : dedup.withinWatermark ? 'dedupeWithinWatermark' : 'dedupe',
        numRowsTotal: stateRowsTotal,
        numRowsUpdated: output.reduceStats.reduce((a, s) => a + s.stateRowsUpdated, 0),
        numRowsRemoved: output.reduceStats.reduce((a, s) => a + s.stateRowsRemoved, 0),
        numRowsDroppedByWatermark: output.dedupReports === undefined ? late : output.dedupReports.reduce((a, r) => a + (r.stats.lateWindowRows ?? 0), 0),
        memoryUsedBytes: output.reduceStats.reduce((a, s) => a + s.stateMemoryBytes, 0),
        numShufflePartitions: ctx.job.shufflePartitions,
        // Spark's metric of its dedup operators: rows received whose key was in state (or kept from another row).
        ...(dedup === undefined || output.dedupReports !== undefined ? {} : { customMetrics: { numDroppedDuplicateRows: output.reduceStats.reduce((a, s) => a + s.mergedPartialRows - s.stateRowsUpdated, 0) } }),
      },
    ],
    sources: [{
      description: `KafkaV2[Subscribe[${source.topic}]]`,
      startOffset: offsets('from'),
      endOffset: offsets('to'),
      latestOffset: args.latestOffsets
        ? { [source.topic]: Object.fromEntries([...args.latestOffsets].map(([p, o]) => [String(p), o.toString()])) }
        : offsets('to'),
      numInputRows,
      metrics: lagMetrics(source.partitions, args.latestOffsets),
      inputRowsPerSecond: numInputRows / seconds,
      processedRowsPerSecond: numInputRows / seconds,
    }],
    sink: { description: sinkDescription(ctx), numOutputRows: commit.numOutputRows },
    badRecords: { total: Object.values(badByReason).reduce((a, b) => a + b, 0), byReason: badByReason, action: ctx.query.options.badRecords, quarantined },
    lateRows: { total: late, action: ctx.job.lateRowsTablePath ? 'table' : 'drop', written: lateWritten, windowRows: lateWindowRows },
    sideTables: args.sideSinks.map((side) => ({
      name: side.name,
      path: side.tablePath,
      version: commit.sinks.find((c) => c.path === side.tablePath)?.version ?? 'skipped',
    })),
  };
}

/** The progress of a dedup operator before an aggregation, from its reduces' stats. */
function dedupOperator(dedup: DedupSpec, stats: readonly ReduceTaskStats[], late: number, shufflePartitions: number): StateOperatorProgress {
  const total = (f: (s: ReduceTaskStats) => number): number => stats.reduce((a, s) => a + f(s), 0);
  return {
    operatorName: dedup.withinWatermark ? 'dedupeWithinWatermark' : 'dedupe',
    numRowsTotal: total((s) => s.stateRowsTotal),
    numRowsUpdated: total((s) => s.stateRowsUpdated),
    numRowsRemoved: total((s) => s.stateRowsRemoved),
    numRowsDroppedByWatermark: late,
    memoryUsedBytes: total((s) => s.stateMemoryBytes),
    numShufflePartitions: shufflePartitions,
    customMetrics: { numDroppedDuplicateRows: total((s) => s.mergedPartialRows - s.stateRowsUpdated) },
  };
}

/**
 * The slowest task's time in each stage of the map and reduce tasks (ms), under the stage's name:
 * what a batch waited for, stage by stage.
 */
function taskStageTimes(output: AttemptOutput): Record<string, number> {
  const out: Record<string, number> = {};
  const max = (key: string, v: number) => { out[key] = Math.max(out[key] ?? 0, Math.round(v)); };
  for (const s of output.mapStats) {
    max('fetch', s.timingsMs.fetch);
    max('decode', s.timingsMs.decode);
    max('aggregate', s.timingsMs.aggregate);
    max('shuffle', s.timingsMs.shuffle);
  }
  for (const s of output.reduceStats) {
    max('stateLoad', s.timingsMs.stateLoad);
    max('merge', s.timingsMs.merge);
    max('stateWrite', s.timingsMs.stateWrite);
    max('parquet', s.timingsMs.parquet);
  }
  return out;
}

/** Spark's Kafka source metrics: how far each partition's end offset is behind the latest offset. */
function lagMetrics(partitions: readonly { partition: number; to: string }[], latest: Map<number, bigint> | undefined): Record<string, string> | undefined {
  if (!latest || partitions.length === 0) return undefined;
  const behind = partitions.map((p) => Number((latest.get(p.partition) ?? BigInt(p.to)) - BigInt(p.to)));
  return {
    minOffsetsBehindLatest: String(Math.min(...behind)),
    maxOffsetsBehindLatest: String(Math.max(...behind)),
    avgOffsetsBehindLatest: String(behind.reduce((a, b) => a + b, 0) / behind.length),
  };
}

/** As Spark describes its sinks: DeltaSink[<path>], KafkaSink[<topic>]; WebhookSink[<origin>] for the webhook. */
function sinkDescription(ctx: QueryContext): string {
  const sink = ctx.spec.sink;
  if (sink.format === 'kafka') return `KafkaSink[${sink.kafka?.topic ?? '<topic column>'}]`;
  if (sink.format === 'webhook') return `WebhookSink[${sink.webhook === undefined ? '' : new URL(sink.webhook.url).origin}]`;
  return `DeltaSink[${ctx.job.tablePath}]`;
}
