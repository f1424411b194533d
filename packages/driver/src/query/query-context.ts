/**
 * What a running query is made of once resolved from its spec and checkpoint: the spec, the
 * executor job derived from it, and the checkpoint's identity. Built by the query manager.
 */
import { ExecutorJob, QuerySpec, QuerySpecV2, ResolvedQuery } from '@tributary/common';

export interface QueryContext {
  spec: QuerySpec | QuerySpecV2;
  /**
   * The resolved query the executors run, or null for a v1 spec of the seed's shape, which the
   * executors still run with the seed's kernels (job.windowMicros, the event decoder).
   */
  query: ResolvedQuery | null;
  queryId: string;
  runId: string;
  name: string;
  job: ExecutorJob;
  checkpointDir: string;
  delayMicros: number;
  windowMicros: number;
  triggerIntervalMs: number;
  availableNow: boolean;
  /** Event-time guard skew (maxEventTimeAhead), ms; recorded in every plan. */
  maxEventTimeAheadMs: number;
  /** sha256 of the configuration a batch's decisions depend on; recorded in every plan. */
  configHash: string;
}

/** A query without aggregation: map tasks write the table, with no shuffle, reduce stage or state. */
export function isStateless(ctx: QueryContext): boolean {
  return ctx.query !== null && ctx.query.aggregate === null;
}
