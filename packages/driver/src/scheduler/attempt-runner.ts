/**
 * Runs one attempt (N, A) of a batch on the live executors: the map stage (read ranges, partially
 * aggregate, push partials to the shuffle owners), then the reduce stage (merge with state, write
 * state N fenced by (N, A), write the emitted rows as Parquet). A query with dropDuplicates before
 * its aggregation has a dedup reduce stage between them (batch-stages.ts in common): each owner
 * keeps the first rows of its partitions, writes their dedup state and pushes partial aggregates to
 * the second shuffle, whose inbox is opened with the first, before any map task runs. Any stage
 * failing, or any executor of the attempt being lost, fails the whole attempt with a retry class;
 * the caller decides whether to run attempt A+1 with the same plan.
 */
import {
  aggregateShuffleId, BatchId, dedupBeforeAggregate, ExecutorJob, MapTaskStats, ReduceTaskStats, ResolvedQuery, resolvedQueryToProto, TributaryError,
} from '@tributary/common';
import { ExecutorInfo, ExecutorRegistry } from './executor-registry';
import { assignRanges, assignShufflePartitions, RangeAssignment } from './placement';

export interface AttemptInput {
  queryId: string;
  batchId: BatchId;
  attempt: number;
  job: ExecutorJob;
  /** The resolved query, sent with every task (MapTaskRequest.query) once the driver resolves one. */
  query?: ResolvedQuery;
  ranges: RangeAssignment[];
  lateWatermarkMicros: number;
  lateFilter: boolean;
  watermarkMicros: number;
  /** The committed attempt of each recent batch: whose state counts. */
  committedAttempts: { batchId: BatchId; attempt: number }[];
  noData: boolean;
  /** Event-time guard of the batch's plan, passed to map tasks. */
  eventTimeGuardReferenceMs: number;
  maxEventTimeAheadMs: number;
  /** A task that has not answered after this long is failed as retriable, even if its executor heartbeats. */
  taskDeadlineMs: number;
  /** Update mode: the main table's version the reduce tasks merge against (the commit's read version); null otherwise. */
  tableVersion?: number | null;
  /** A CDC query of several source tables: route r ≥ 1's table (resolved path, the version its changes apply against) at r − 1. */
  routeTables?: { tablePath: string; tableVersion: number }[];
  /**
   * A query without aggregation (an ingest job): no shuffle and no reduce stage; each map task
   * writes the table's data files for its ranges and reports their `add` actions.
   */
  stateless: boolean;
  /** Checks the reports before the attempt counts as done (verify-attempt.ts); throws AttemptFailed. */
  verify?: (output: AttemptOutput) => Promise<void>;
}

export interface AttemptOutput {
  mapStats: MapTaskStats[];
  reduceStats: ReduceTaskStats[];
  addActions: any[];
  /** `add` actions of the side-table files the map tasks wrote, by side table. */
  sideAddActions: { quarantine: any[]; lateRows: any[] };
  timingsMs: { map: number; reduce: number; dedup?: number };
  /** The same reports by task, naming the executor that made each (for the driver's checks). */
  mapReports: { executorId: string; taskId: number; stats: MapTaskStats; quarantine: any[]; lateRows: any[]; data: any[] }[];
  reduceReports: ReduceTaskReport[];
  /** dropDuplicates before an aggregation: the dedup reduces' reports (they write no files), by sender id of the second shuffle. */
  dedupReports?: ReduceTaskReport[];
  /** Update mode: the table files the reduce tasks rewrote (paths as in their `add`), to remove in the commit. */
  removedPaths: string[];
  /** A CDC query of several source tables: route r ≥ 1's added files and rewritten paths at r − 1 (the fields above are route 0's). */
  routeOutputs?: { addActions: any[]; removedPaths: string[] }[];
}

export interface ReduceTaskReport {
  executorId: string; partitions: number[]; stats: ReduceTaskStats; adds: any[]; removedPaths: string[];
  /** A CDC query of several source tables: route r ≥ 1's files at r − 1. */
  routeFiles: { adds: any[]; removedPaths: string[] }[];
}

export class AttemptFailed extends TributaryError {
  constructor(message: string, readonly retryClass: 'retriable' | 'fatal', cause?: unknown) {
    super(message, { code: retryClass === 'fatal' ? 'TASK_FATAL' : 'TASK_RETRIABLE', retriable: retryClass === 'retriable', cause });
  }
}

interface TaskErrorMsg { code: string; message: string; retry: string }

function taskFailure(executor: ExecutorInfo, what: string, err: TaskErrorMsg): AttemptFailed {
  const fatal = err.retry === 'RETRY_CLASS_FATAL';
  return new AttemptFailed(`${what} on executor ${executor.id} failed: [${err.code}] ${err.message}`, fatal ? 'fatal' : 'retriable');
}

/**
 * Opens attempt (N, A)'s shuffle inbox on every owner before any map task runs, naming the partitions
 * it owns and the map tasks that will push: owners refuse and never store any other push. An inbox
 * that is never reduced (the driver died, say) frees itself after both stages' deadlines.
 */
async function openShuffle(
  partitionsBy: Map<string, number[]>,
  input: AttemptInput,
  open: (executorId: string, req: { partitions: number[]; map_task_ids: number[]; expire_after_ms: number }) => Promise<unknown>,
  mapTaskIds: number[],
): Promise<void> {
  const expireAfterMs = 2 * input.taskDeadlineMs + 10_000;
  await Promise.all([...partitionsBy].map(([id, partitions]) => open(id, { partitions, map_task_ids: mapTaskIds, expire_after_ms: expireAfterMs })));
}

export async function runAttempt(registry: ExecutorRegistry, input: AttemptInput): Promise<AttemptOutput> {
  const executors = registry.live();
  if (executors.length === 0) throw new AttemptFailed('no live executors', 'retriable');
  const byId = new Map(executors.map((e) => [e.id, e]));
  const ids = executors.map((e) => e.id);
  const owners = input.stateless ? [] : assignShufflePartitions(input.job.shufflePartitions, ids);
  const partitionsBy = new Map<string, number[]>();
  for (const o of owners) partitionsBy.set(o.executorId, [...(partitionsBy.get(o.executorId) ?? []), o.partition]);
  const mapTasks = input.noData ? [] : assignRanges(input.ranges, ids);
  const ctx = { query_id: input.queryId, batch_id: input.batchId, attempt: input.attempt };
  const jobJson = JSON.stringify(input.job);
  // Encoded once per attempt; unset (null) until the driver resolves queries.
  const query = input.query === undefined ? null : resolvedQueryToProto(input.query);

  // Losing any executor of this attempt fails it at once (its tasks or its shuffle inbox are gone).
  let onLost!: (err: AttemptFailed) => void;
  const lost = new Promise<never>((_, reject) => { onLost = reject; });
  lost.catch(() => {});
  const unsubscribe = registry.onChange((event, info) => {
    if (event === 'lost' && byId.has(info.id)) onLost(new AttemptFailed(`executor ${info.id} was lost during batch ${input.batchId} attempt ${input.attempt}`, 'retriable'));
  });

  const call = async <T>(executor: ExecutorInfo, method: string, request: object, what: string): Promise<T> => {
    try {
      const res: any = await executor.tasks.call(method, request, input.taskDeadlineMs);
      if (res.error && res.error.code) throw taskFailure(executor, what, res.error);
      return res as T;
    } catch (err) {
      if (err instanceof AttemptFailed) throw err;
      const e = err as TributaryError;
      if (e.code === 'UNAVAILABLE') registry.markLost(executor.id);
      throw new AttemptFailed(`${what} on executor ${executor.id}: ${e.message}`, 'retriable', err);
    }
  };

  // dropDuplicates before an aggregation: each owner's dedup reduce is sender i of the second shuffle.
  const twoShuffles = input.query !== undefined && dedupBeforeAggregate(input.query);
  const reduceOwners = [...partitionsBy.entries()];
  const dedupTaskIds = reduceOwners.map((_, i) => i);
  const ctx2 = { ...ctx, query_id: aggregateShuffleId(input.queryId) };
  // A report that is not JSON fails the attempt (retriable), naming the executor.
  const json = (text: string, who: string): any => {
    try { return JSON.parse(text); } catch { throw new AttemptFailed(`${who} of batch ${input.batchId} answered a report that is not JSON`, 'retriable'); }
  };
  const parse = (list: string[] | undefined, who: string): any[] => (list ?? []).map((a) => json(a, who));
  const reduceReport = (res: any, executorId: string, parts: number[]): ReduceTaskReport => {
    const who = `reduce task on executor ${executorId}`;
    const paths = (list: unknown): string[] => {
      const removedPaths = (list ?? []) as unknown[];
      if (removedPaths.some((p) => typeof p !== 'string')) throw new AttemptFailed(`${who} of batch ${input.batchId} answered removed paths that are not strings`, 'retriable');
      return removedPaths as string[];
    };
    const routeFiles = ((res.route_files ?? []) as { add_actions_json?: string[]; removed_paths?: unknown }[]).map((f) => ({ adds: parse(f.add_actions_json, who), removedPaths: paths(f.removed_paths) }));
    if (routeFiles.length !== (input.routeTables?.length ?? 0)) throw new AttemptFailed(`${who} of batch ${input.batchId} answered files of ${routeFiles.length} routes, not ${input.routeTables?.length ?? 0}`, 'retriable');
    return { executorId, partitions: parts, stats: json(res.stats_json, who) as ReduceTaskStats, adds: parse(res.add_actions_json, who), removedPaths: paths(res.removed_paths), routeFiles };
  };

  try {
    const t0 = Date.now();
    await Promise.race([Promise.all([
      openShuffle(partitionsBy, input, (id, req) => call(byId.get(id)!, 'OpenShuffle', { ctx, ...req }, `opening the shuffle inbox of batch ${input.batchId}`), mapTasks.map((t) => t.taskId)),
      twoShuffles ? openShuffle(partitionsBy, input, (id, req) => call(byId.get(id)!, 'OpenShuffle', { ctx: ctx2, ...req }, `opening the second shuffle inbox of batch ${input.batchId}`), dedupTaskIds) : null,
    ]), lost]);
    const ownerMsgs = owners.map((o) => ({ partition: o.partition, executor_id: o.executorId, address: byId.get(o.executorId)!.address }));
    const mapResults = await Promise.race([
      Promise.all(mapTasks.map((t) => call<any>(byId.get(t.executorId)!, 'RunMapTask', {
        ctx, task_id: t.taskId, job_json: jobJson, query,
        ranges: t.ranges.map((r) => ({ topic: r.topic, partition: r.partition, from_offset: r.from, to_offset: r.to })),
        late_watermark_micros: input.lateWatermarkMicros, late_filter: input.lateFilter, owners: ownerMsgs,
        event_time_guard_reference_ms: input.eventTimeGuardReferenceMs, max_event_time_ahead_ms: input.maxEventTimeAheadMs,
      }, `map task ${t.taskId} of batch ${input.batchId}`))),
      lost,
    ]);
    const t1 = Date.now();
    const dedupResults = !twoShuffles ? null : await Promise.race([
      Promise.all(reduceOwners.map(([id, parts], i) => call<any>(byId.get(id)!, 'RunReduceTask', {
        ctx, job_json: jobJson, query, partitions: parts, map_task_ids: mapTasks.map((t) => t.taskId),
        watermark_micros: input.watermarkMicros, committed: input.committedAttempts.map((c) => ({ batch_id: c.batchId, attempt: c.attempt })),
        table_path: input.job.tablePath, no_data: input.noData, table_version: -1,
        stage: 'REDUCE_STAGE_DEDUP_BEFORE_AGGREGATE', task_id: dedupTaskIds[i], owners: ownerMsgs,
        late_watermark_micros: input.lateWatermarkMicros, late_filter: input.lateFilter,
      }, `dedup reduce task of batch ${input.batchId} (partitions ${parts.join(',')})`))),
      lost,
    ]);
    const tDedup = Date.now();
    const reduceResults = await Promise.race([
      Promise.all(reduceOwners.map(([id, parts]) => call<any>(byId.get(id)!, 'RunReduceTask', {
        ctx, job_json: jobJson, query, partitions: parts, map_task_ids: twoShuffles ? dedupTaskIds : mapTasks.map((t) => t.taskId),
        watermark_micros: input.watermarkMicros, committed: input.committedAttempts.map((c) => ({ batch_id: c.batchId, attempt: c.attempt })),
        table_path: input.job.tablePath, no_data: input.noData, table_version: input.tableVersion ?? -1,
        route_tables: (input.routeTables ?? []).map((t) => ({ table_path: t.tablePath, table_version: t.tableVersion })),
      }, `reduce task of batch ${input.batchId} (partitions ${parts.join(',')})`))),
      lost,
    ]);
    const t2 = Date.now();
    const mapReports = mapResults.map((r, i) => {
      const who = `map task ${mapTasks[i].taskId} on executor ${mapTasks[i].executorId}`;
      return {
        executorId: mapTasks[i].executorId, taskId: mapTasks[i].taskId, stats: json(r.stats_json, who) as MapTaskStats,
        quarantine: parse(r.quarantine_add_actions_json, who), lateRows: parse(r.late_rows_add_actions_json, who),
        data: parse(r.data_add_actions_json, who),
      };
    });
    const reduceReports = reduceOwners.map(([id, parts], i) => reduceReport(reduceResults[i], id, parts));
    const dedupReports = dedupResults?.map((r, i) => reduceReport(r, reduceOwners[i][0], reduceOwners[i][1]));
    const output: AttemptOutput = {
      mapStats: mapReports.map((r) => r.stats),
      reduceStats: reduceReports.map((r) => r.stats),
      addActions: [...reduceReports.flatMap((r) => r.adds), ...mapReports.flatMap((r) => r.data)],
      sideAddActions: { quarantine: mapReports.flatMap((r) => r.quarantine), lateRows: mapReports.flatMap((r) => r.lateRows) },
      timingsMs: dedupReports === undefined ? { map: t1 - t0, reduce: t2 - t1 } : { map: t1 - t0, dedup: tDedup - t1, reduce: t2 - tDedup },
      mapReports,
      reduceReports,
      ...(dedupReports === undefined ? {} : { dedupReports }),
      removedPaths: reduceReports.flatMap((r) => r.removedPaths),
      ...(input.routeTables === undefined || input.routeTables.length === 0 ? {} : {
        routeOutputs: input.routeTables.map((_, i) => ({
          addActions: reduceReports.flatMap((r) => r.routeFiles[i].adds), removedPaths: reduceReports.flatMap((r) => r.routeFiles[i].removedPaths),
        })),
      }),
    };
    await input.verify?.(output);
    return output;
  } catch (err) {
    // Tell every executor of the attempt to drop its work; best effort, the fence protects state anyway.
    await Promise.allSettled(executors.filter((e) => registry.isLive(e.id)).map((e) => e.tasks.call('AbortAttempt', { ctx }, 2000)));
    throw err;
  } finally {
    unsubscribe();
  }
}
