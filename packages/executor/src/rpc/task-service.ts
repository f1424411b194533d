/**
 * TaskService handlers. Task outcomes travel as data (TaskError with a retry class), never as gRPC
 * errors, so that the driver's scheduler alone decides what to retry; a malformed request is the one
 * thing answered with INVALID_ARGUMENT.
 */
import { ExecutorJob, InvalidArgumentError, ServiceHandlers, TributaryError } from '@tributary/common';
import { MapTaskRunner } from '../task/map-task';
import { ReduceTaskRunner } from '../task/reduce-task';
import { AttemptTracker } from '../task/attempt-tracker';

interface Ctx { query_id: string; batch_id: number; attempt: number }

function checkCtx(ctx: Ctx | undefined): Ctx {
  if (!ctx || !ctx.query_id || !Number.isInteger(ctx.batch_id) || ctx.batch_id < 0 || !Number.isInteger(ctx.attempt) || ctx.attempt < 1) {
    throw new InvalidArgumentError('ctx must name query_id, batch_id ≥ 0 and attempt ≥ 1');
  }
  return ctx;
}

function parseJob(json: string): ExecutorJob {
  try {
    const job = JSON.parse(json) as ExecutorJob;
    if (!job || typeof job.queryId !== 'string' || !Number.isInteger(job.shufflePartitions)) throw new Error('missing fields');
    return job;
  } catch (err) {
    throw new InvalidArgumentError(`job_json is not a valid executor job: ${(err as Error).message}`);
  }
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

export function taskService(maps: MapTaskRunner, reduces: ReduceTaskRunner, attempts: AttemptTracker, log: (m: string) => void): ServiceHandlers {
  return {
    async RunMapTask(req) {
      const ctx = checkCtx(req.ctx);
      const job = parseJob(req.job_json);
      const signal = attempts.begin(ctx.query_id, ctx.batch_id, ctx.attempt);
      try {
        const stats = await maps.run({
          batchId: ctx.batch_id, attempt: ctx.attempt, taskId: req.task_id, job,
          ranges: (req.ranges ?? []).map((r: any) => ({ topic: r.topic, partition: r.partition, from: BigInt(r.from_offset), to: BigInt(r.to_offset) })),
          lateWatermarkMicros: Number(req.late_watermark_micros), lateFilter: !!req.late_filter,
          owners: (req.owners ?? []).map((o: any) => ({ partition: o.partition, executorId: o.executor_id, address: o.address })),
          signal,
        });
        return { stats_json: JSON.stringify(stats) };
      } catch (err) {
        log(`map task ${req.task_id} of batch ${ctx.batch_id} attempt ${ctx.attempt} failed: ${(err as Error).message}`);
        return { error: taskError(err) };
      }
    },
    async RunReduceTask(req) {
      const ctx = checkCtx(req.ctx);
      const job = parseJob(req.job_json);
      attempts.begin(ctx.query_id, ctx.batch_id, ctx.attempt);
      try {
        const { stats, adds } = await reduces.run({
          batchId: ctx.batch_id, attempt: ctx.attempt, job,
          partitions: req.partitions ?? [], mapTaskIds: req.map_task_ids ?? [],
          watermarkMicros: Number(req.watermark_micros),
          committed: new Map((req.committed ?? []).map((c: any) => [Number(c.version), Number(c.attempt)])),
          noData: !!req.no_data,
        });
        return { stats_json: JSON.stringify(stats), add_actions_json: adds.map((a) => JSON.stringify(a)) };
      } catch (err) {
        log(`reduce task of batch ${ctx.batch_id} attempt ${ctx.attempt} failed: ${(err as Error).message}`);
        return { error: taskError(err) };
      }
    },
    async AbortAttempt(req) {
      const ctx = checkCtx(req.ctx);
      attempts.abort(ctx.query_id, ctx.batch_id, ctx.attempt);
      return {};
    },
  };
}
