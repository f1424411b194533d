/**
 * TaskService handlers. Task outcomes travel as data (TaskError with a retry class), never as gRPC
 * errors, so that the driver's scheduler alone decides what to retry; a malformed request is the one
 * thing answered with INVALID_ARGUMENT.
 */
import {
  type Log, aggregateShuffleId, asBatchId, BatchId, dedupBeforeAggregate, ExecutorJob, InvalidArgumentError, ISOLATION_LEVELS, ResolvedQuery, resolvedQueryFromProto, ServiceHandlers, TributaryError,
} from '@tributary/common';
import { IngestTaskRunner } from '../task/ingest-task';
import { AggregateMapTaskRunner } from '../task/aggregate-map-task';
import { ReduceTaskRunner } from '../task/reduce-task';
import { DedupMapTaskRunner } from '../task/dedup-map-task';
import { DedupReduceTaskRunner } from '../task/dedup-reduce-task';
import { CdcMapTaskRunner } from '../task/cdc-map-task';
import { CdcReduceTaskRunner } from '../task/cdc-reduce-task';
import { AttemptTracker } from '../task/attempt-tracker';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { ShuffleTarget } from '../shuffle/shuffle-sender';
import { ExecutorMetrics, NO_EXECUTOR_METRICS, TaskKind } from '../metrics/executor-metrics';

/** An OpenShuffle's expiry is clamped to this range (0 or missing: the longest). */
const MIN_SHUFFLE_EXPIRY_MS = 1_000;
const MAX_SHUFFLE_EXPIRY_MS = 60 * 60_000;

interface Ctx { query_id: string; batch_id: BatchId; attempt: number }

function checkCtx(ctx: { query_id: string; batch_id: number; attempt: number } | undefined): Ctx {
  if (!ctx || !ctx.query_id || !Number.isInteger(ctx.batch_id) || ctx.batch_id < 0 || !Number.isInteger(ctx.attempt) || ctx.attempt < 1) {
    throw new InvalidArgumentError('ctx must name query_id, batch_id ≥ 0 and attempt ≥ 1');
  }
  return { query_id: ctx.query_id, batch_id: asBatchId(ctx.batch_id), attempt: ctx.attempt };
}

/** Batch id → committed attempt, from ReduceTaskRequest.committed. */
function parseCommitted(list: unknown): Map<BatchId, number> {
  const committed = new Map<BatchId, number>();
  for (const c of (list ?? []) as { batch_id: number; attempt: number }[]) {
    if (!Number.isInteger(c.batch_id) || c.batch_id < 0 || !Number.isInteger(c.attempt) || c.attempt < 0) {
      throw new InvalidArgumentError('committed must name batch_id ≥ 0 and attempt ≥ 0');
    }
    committed.set(asBatchId(c.batch_id), c.attempt);
  }
  return committed;
}

/** A CDC reduce request's tables of routes 1, 2, …: one per route of the query, each with a path and a version. */
function parseRouteTables(list: unknown, query: ResolvedQuery): { tablePath: string; tableVersion: number }[] {
  const tables = ((list ?? []) as { table_path?: string; table_version?: unknown }[]).map((t) => ({ tablePath: String(t.table_path ?? ''), tableVersion: Number(t.table_version ?? -1) }));
  const routes = query.cdc?.routes?.length ?? 0;
  if (tables.length !== routes) throw new InvalidArgumentError(`route_tables: the query has ${routes} routes besides its own table, the request names ${tables.length} tables`);
  for (const t of tables) {
    if (t.tablePath === '' || !Number.isSafeInteger(t.tableVersion) || t.tableVersion < 0) throw new InvalidArgumentError('route_tables: each needs a table_path and a table_version ≥ 0');
  }
  return tables;
}

function parseJob(json: unknown, ctx: Ctx): ExecutorJob {
  let job: ExecutorJob;
  try {
    job = JSON.parse(String(json ?? '')) as ExecutorJob;
  } catch (err) {
    throw new InvalidArgumentError(`job_json is not JSON: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  if (job === null || typeof job !== 'object') problems.push('not an object');
  else {
    if (typeof job.queryId !== 'string' || job.queryId === '') problems.push('queryId');
    if (!Number.isInteger(job.shufflePartitions) || job.shufflePartitions < 1) problems.push('shufflePartitions');
    if (typeof job.tablePath !== 'string' || typeof job.checkpointLocation !== 'string') problems.push('tablePath/checkpointLocation');
    if (job.isolationLevel !== undefined && !ISOLATION_LEVELS.includes(job.isolationLevel)) problems.push('isolationLevel');
  }
  if (problems.length > 0) throw new InvalidArgumentError(`job_json is not a valid executor job: bad ${problems.join(', ')}`);
  if (job.queryId !== ctx.query_id) throw new InvalidArgumentError(`job_json is of query ${job.queryId} but ctx names query ${ctx.query_id}`);
  return job;
}

const OFFSET = /^\d{1,19}$/;

function parseRanges(ranges: unknown): { topic: string; partition: number; from: bigint; to: bigint }[] {
  return ((ranges ?? []) as any[]).map((r, i) => {
    if (typeof r.topic !== 'string' || r.topic === '' || !Number.isInteger(r.partition) || r.partition < 0
      || !OFFSET.test(r.from_offset) || !OFFSET.test(r.to_offset) || BigInt(r.from_offset) > BigInt(r.to_offset)) {
      throw new InvalidArgumentError(`ranges[${i}] must name a topic, a partition ≥ 0 and offsets from ≤ to as decimal strings`);
    }
    return { topic: r.topic, partition: r.partition, from: BigInt(r.from_offset), to: BigInt(r.to_offset) };
  });
}

function parsePartitions(list: unknown, job: ExecutorJob, what: string): number[] {
  const out = (list ?? []) as number[];
  for (const p of out) {
    if (!Number.isInteger(p) || p < 0 || p >= job.shufflePartitions) throw new InvalidArgumentError(`${what} ${p} is outside 0..${job.shufflePartitions - 1}`);
  }
  return out;
}

export function taskError(err: unknown): { code: string; message: string; retry: string } {
  if (err instanceof TributaryError) {
    const retry = err.code === 'FENCED' ? 'RETRY_CLASS_FENCED' : err.retriable ? 'RETRY_CLASS_RETRIABLE' : 'RETRY_CLASS_FATAL';
    return { code: err.code, message: err.message, retry };
  }
  const e = err as Error & { code?: string };
  // Errors of the aggregation kernels carry a code (e.g. DECIMAL_OVERFLOW): the query cannot go on.
  if (e && typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) return { code: e.code, message: e.message, retry: 'RETRY_CLASS_FATAL' };
  // Anything else (I/O, a connection reset): a new attempt may well succeed.
  return { code: 'TASK_FAILED', message: e?.stack ?? String(err), retry: 'RETRY_CLASS_RETRIABLE' };
}

/** The typed resolved query of a task request (plan.proto): every task runs one. */
function parseQuery(msg: unknown): ResolvedQuery {
  if (msg === undefined || msg === null) throw new InvalidArgumentError('the request carries no resolved query (query); every task runs one');
  try {
    return resolvedQueryFromProto(msg as never);
  } catch (err) {
    throw new InvalidArgumentError(`query is not a valid resolved query: ${(err as Error).message}`);
  }
}

/** The shuffle owners of a request: one for each of the job's partitions, each with an address. */
function parseOwners(raw: unknown, job: ExecutorJob): ShuffleTarget[] {
  const owners = ((raw ?? []) as any[]).map((o) => ({ partition: o.partition, executorId: o.executor_id, address: o.address }));
  parsePartitions(owners.map((o) => o.partition), job, 'owner partition');
  if (owners.some((o) => !/^[\w.-]+:\d{1,5}$/.test(o.address ?? ''))) throw new InvalidArgumentError('every shuffle owner needs an address host:port');
  if (new Set(owners.map((o) => o.partition)).size !== job.shufflePartitions) {
    throw new InvalidArgumentError(`owners must name an owner for each of the ${job.shufflePartitions} shuffle partitions`);
  }
  return owners;
}

/**
 * The task runners by kind: a query without aggregation runs as `ingests`, one with as
 * `aggregateMaps` + `reduces`, an ingest query with dropDuplicates as `dedupMaps` + `dedupReduces`,
 * dropDuplicates before an aggregation as `dedupMaps` + `dedupReduces` (stage
 * REDUCE_STAGE_DEDUP_BEFORE_AGGREGATE) + `reduces` (batch-stages.ts in common).
 */
export interface TaskRunners {
  ingests: IngestTaskRunner;
  aggregateMaps: AggregateMapTaskRunner;
  reduces: ReduceTaskRunner;
  dedupMaps: DedupMapTaskRunner;
  dedupReduces: DedupReduceTaskRunner;
  /** A CDC query (query.cdc): change events applied by key. */
  cdcMaps: CdcMapTaskRunner;
  cdcReduces: CdcReduceTaskRunner;
}

export function taskService(runners: TaskRunners, attempts: AttemptTracker, inbox: ShuffleInbox, log: Log, metrics: ExecutorMetrics = NO_EXECUTOR_METRICS): ServiceHandlers {
  const { ingests, aggregateMaps, reduces, dedupMaps, dedupReduces, cdcMaps, cdcReduces } = runners;
  /** Runs a task, timing it and logging its start and end with the task's ids; the answer says the outcome. */
  async function timedTask<R extends { error?: unknown; stats_json?: string }>(ctx: Ctx, kind: TaskKind, taskId: number | undefined, fn: () => Promise<R>): Promise<R> {
    const fields = { queryId: ctx.query_id, batchId: ctx.batch_id, attempt: ctx.attempt, taskId, kind };
    log(`DEBUG ${kind} task started`, fields);
    const t0 = performance.now();
    const res = await fn();
    const seconds = (performance.now() - t0) / 1000;
    const outcome = res.error ? 'failed' : 'succeeded';
    let inputRows: number | undefined;
    if (!res.error && kind !== 'reduce' && kind !== 'dedup_reduce' && res.stats_json) inputRows = Number(JSON.parse(res.stats_json).inputRows ?? 0);
    metrics.task(ctx.query_id, kind, outcome, seconds, inputRows);
    log(`${kind} task ${outcome} in ${Math.round(seconds * 1000)} ms${inputRows === undefined ? '' : `, ${inputRows} input rows`}`, fields);
    return res;
  }
  return {
    async OpenShuffle(req) {
      const ctx = checkCtx(req.ctx);
      const partitions = (req.partitions ?? []) as number[];
      const mapTaskIds = (req.map_task_ids ?? []) as number[];
      if (partitions.some((p) => !Number.isInteger(p) || p < 0)) throw new InvalidArgumentError('partitions must be ≥ 0');
      if (mapTaskIds.some((id) => !Number.isInteger(id) || id < 0)) throw new InvalidArgumentError('map_task_ids must be ≥ 0');
      const requested = Number(req.expire_after_ms) || MAX_SHUFFLE_EXPIRY_MS;
      const expireAfterMs = Math.min(MAX_SHUFFLE_EXPIRY_MS, Math.max(MIN_SHUFFLE_EXPIRY_MS, requested));
      try {
        inbox.open(ctx.query_id, ctx.batch_id, ctx.attempt, partitions, mapTaskIds, expireAfterMs);
        return {};
      } catch (err) {
        return { error: taskError(err) };
      }
    },
    async RunMapTask(req) {
      const ctx = checkCtx(req.ctx);
      const job = parseJob(req.job_json, ctx);
      const ranges = parseRanges(req.ranges);
      const query = parseQuery(req.query);
      if (!Number.isInteger(req.task_id) || req.task_id < 0) throw new InvalidArgumentError('task_id must be ≥ 0');
      if (query.aggregate === null && query.dedup === undefined && query.cdc === undefined) return timedTask(ctx, 'ingest', req.task_id, async () => {
        // An ingest query: the map task writes the table's files; there is no shuffle to push to.
        const signal = attempts.begin(ctx.query_id, ctx.batch_id, ctx.attempt);
        try {
          const { stats, quarantineAdds, dataAdds } = await ingests.run({ batchId: ctx.batch_id, attempt: ctx.attempt, taskId: req.task_id, job, query, ranges, signal });
          return {
            stats_json: JSON.stringify(stats),
            quarantine_add_actions_json: quarantineAdds.map((a) => JSON.stringify(a)),
            data_add_actions_json: dataAdds.map((a) => JSON.stringify(a)),
          };
        } catch (err) {
          log(`WARN ingest task ${req.task_id} of batch ${ctx.batch_id} attempt ${ctx.attempt} failed: ${(err as Error).message}`, { queryId: ctx.query_id, batchId: ctx.batch_id, attempt: ctx.attempt, taskId: req.task_id });
          return { error: taskError(err) };
        }
      });
      const owners = parseOwners(req.owners, job);
      const signal = attempts.begin(ctx.query_id, ctx.batch_id, ctx.attempt);
      const common = {
        batchId: ctx.batch_id, attempt: ctx.attempt, taskId: req.task_id, job, ranges,
        lateWatermarkMicros: Number(req.late_watermark_micros), lateFilter: !!req.late_filter, owners,
        eventTimeGuardReferenceMs: Number(req.event_time_guard_reference_ms), maxEventTimeAheadMs: Number(req.max_event_time_ahead_ms),
        signal,
      };
      return timedTask(ctx, query.cdc !== undefined ? 'cdc_map' : query.dedup !== undefined ? 'dedup_map' : 'aggregate_map', req.task_id, async () => { try {
        if (query.cdc !== undefined) {
          const { stats, quarantineAdds } = await cdcMaps.run({ batchId: ctx.batch_id, attempt: ctx.attempt, taskId: req.task_id, job, ranges, owners, signal, query });
          return { stats_json: JSON.stringify(stats), quarantine_add_actions_json: quarantineAdds.map((a) => JSON.stringify(a)) };
        }
        if (query.dedup !== undefined) {
          const { stats, quarantineAdds } = await dedupMaps.run({ ...common, query });
          return { stats_json: JSON.stringify(stats), quarantine_add_actions_json: quarantineAdds.map((a) => JSON.stringify(a)) };
        }
        const { stats, quarantineAdds, lateRowsAdds } = await aggregateMaps.run({ ...common, query });
        return {
          stats_json: JSON.stringify(stats),
          quarantine_add_actions_json: quarantineAdds.map((a) => JSON.stringify(a)),
          late_rows_add_actions_json: lateRowsAdds.map((a) => JSON.stringify(a)),
        };
      } catch (err) {
        log(`WARN map task ${req.task_id} of batch ${ctx.batch_id} attempt ${ctx.attempt} failed: ${(err as Error).message}`, { queryId: ctx.query_id, batchId: ctx.batch_id, attempt: ctx.attempt, taskId: req.task_id });
        return { error: taskError(err) };
      } });
    },
    async RunReduceTask(req) {
      const ctx = checkCtx(req.ctx);
      const job = parseJob(req.job_json, ctx);
      const partitions = parsePartitions(req.partitions, job, 'partition');
      const query = parseQuery(req.query);
      if (query.aggregate === null && query.dedup === undefined && query.cdc === undefined) throw new InvalidArgumentError('a query without aggregation, dropDuplicates or applyChanges has no reduce tasks');
      const mapTaskIds = (req.map_task_ids ?? []) as number[];
      if (mapTaskIds.some((id) => !Number.isInteger(id) || id < 0)) throw new InvalidArgumentError('map_task_ids must be ≥ 0');
      const stage = String(req.stage ?? 'REDUCE_STAGE_FINAL');
      if (stage !== 'REDUCE_STAGE_FINAL' && stage !== 'REDUCE_STAGE_DEDUP_BEFORE_AGGREGATE') throw new InvalidArgumentError(`unknown reduce stage ${stage}`);
      const beforeAggregate = stage === 'REDUCE_STAGE_DEDUP_BEFORE_AGGREGATE';
      if (beforeAggregate && !dedupBeforeAggregate(query)) throw new InvalidArgumentError('only a query with dropDuplicates before its aggregation has a dedup reduce before the aggregation');
      if (beforeAggregate && (!Number.isInteger(req.task_id) || req.task_id < 0)) throw new InvalidArgumentError('task_id must be ≥ 0');
      const owners = beforeAggregate ? parseOwners(req.owners, job) : [];
      attempts.begin(ctx.query_id, ctx.batch_id, ctx.attempt);
      const ingestDedup = query.dedup !== undefined && query.aggregate === null;
      return timedTask(ctx, query.cdc !== undefined ? 'cdc_reduce' : beforeAggregate || ingestDedup ? 'dedup_reduce' : 'reduce', beforeAggregate ? req.task_id : undefined, async () => { try {
        const tableVersion = Number(req.table_version ?? -1);
        const input = {
          // The inbox the task takes from: after dropDuplicates, the aggregation's reduce takes the second shuffle.
          queryId: dedupBeforeAggregate(query) && !beforeAggregate ? aggregateShuffleId(ctx.query_id) : ctx.query_id,
          batchId: ctx.batch_id, attempt: ctx.attempt, job, query,
          partitions, mapTaskIds,
          watermarkMicros: Number(req.watermark_micros),
          committed: parseCommitted(req.committed),
          noData: !!req.no_data,
          tableVersion: Number.isSafeInteger(tableVersion) && tableVersion >= 0 ? tableVersion : null,
          routeTables: parseRouteTables(req.route_tables, query),
        };
        if (beforeAggregate) {
          // dropDuplicates before an aggregation, first reduce: writes dedup state, pushes partials on
          const { stats } = await dedupReduces.runBeforeAggregate(input, {
            taskId: req.task_id, shuffleId: aggregateShuffleId(ctx.query_id), owners,
            lateWatermarkMicros: Number(req.late_watermark_micros), lateFilter: !!req.late_filter,
          });
          return { stats_json: JSON.stringify(stats), add_actions_json: [], removed_paths: [] };
        }
        if (query.cdc !== undefined) {
          const { stats, adds, removedPaths, routeFiles } = await cdcReduces.run(input);
          return {
            stats_json: JSON.stringify(stats), add_actions_json: adds.map((a) => JSON.stringify(a)), removed_paths: removedPaths,
            route_files: (routeFiles ?? []).map((f) => ({ add_actions_json: f.adds.map((a) => JSON.stringify(a)), removed_paths: f.removedPaths })),
          };
        }
        // dropDuplicates writes new files only; update mode's merge may also remove files
        const { stats, adds, removedPaths } = ingestDedup ? { ...(await dedupReduces.run(input)), removedPaths: [] as string[] } : await reduces.run(input);
        return { stats_json: JSON.stringify(stats), add_actions_json: adds.map((a) => JSON.stringify(a)), removed_paths: removedPaths };
      } catch (err) {
        log(`WARN reduce task of batch ${ctx.batch_id} attempt ${ctx.attempt} failed: ${(err as Error).message}`, { queryId: ctx.query_id, batchId: ctx.batch_id, attempt: ctx.attempt });
        return { error: taskError(err) };
      } });
    },
    async AbortAttempt(req) {
      const ctx = checkCtx(req.ctx);
      attempts.abort(ctx.query_id, ctx.batch_id, ctx.attempt);
      inbox.close(ctx.query_id, ctx.batch_id, ctx.attempt, 'aborted by the driver');
      inbox.close(aggregateShuffleId(ctx.query_id), ctx.batch_id, ctx.attempt, 'aborted by the driver');
      return {};
    },
  };
}
