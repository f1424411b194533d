/**
 * What a running query is made of once resolved from its spec and checkpoint: the spec, the
 * executor job derived from it, and the checkpoint's identity. Built by the query manager.
 */
import { ExecutorJob, QuerySpec } from '@tributary/common';

export interface QueryContext {
  spec: QuerySpec;
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
