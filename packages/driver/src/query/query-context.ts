/**
 * What a running query is made of once resolved from its spec and checkpoint: the spec, the
 * executor job derived from it, and the checkpoint's identity. Built by the query manager.
 */
import { ExecutorJob, QuerySpecV2, ResolvedQuery } from '@tributary/common';

export interface QueryContext {
  /** The spec as version 2 (a version 1 spec upgraded: asVersion2). */
  spec: QuerySpecV2;
  /** The resolved query the executors run: sent with every task, the one source of what they do. */
  query: ResolvedQuery;
  queryId: string;
  runId: string;
  name: string;
  job: ExecutorJob;
  checkpointDir: string;
  delayMicros: number;
  /** The window's length, µs (0 without a window). */
  windowMicros: number;
  triggerIntervalMs: number;
  availableNow: boolean;
  /** Event-time guard skew (maxEventTimeAhead), ms; recorded in every plan. */
  maxEventTimeAheadMs: number;
  /** sha256 of the configuration a batch's decisions depend on; recorded in every plan. */
  configHash: string;
}

/** A query without aggregation, dropDuplicates or applyChanges: map tasks write the table, with no shuffle, reduce stage or state. */
export function isStateless(ctx: QueryContext): boolean {
  return ctx.query.aggregate === null && ctx.query.dedup === undefined && ctx.query.cdc === undefined;
}
