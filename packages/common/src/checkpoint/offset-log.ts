import type { BatchId } from '../batch/batch-id';
import { InvalidArgumentError } from '../errors';
import {
  arrayAt,
  booleanAt,
  integerAt,
  integerOrNullAt,
  objectAt,
  offsetAt,
  stringAt,
} from './json-shape';
import { MetadataLog } from './metadata-log';
import type { Storage } from '../storage/storage';
import { ISOLATION_LEVELS, type IsolationLevel } from '../plan/kafka-options';

/** One Kafka partition's input of a batch: offsets `[from, to)`, decimal strings as kafkajs has them. */
export interface PartitionRange {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

export interface SourceRanges {
  readonly topic: string;
  readonly partitions: readonly PartitionRange[];
}

/**
 * The plan of batch N (format v1): every input its run depends on, so that a replay after a crash
 * computes exactly what the first attempt would have. Attempts and run ids are not in it: they
 * belong to a run, the plan to the batch.
 *
 * Times: `...Micros` are microseconds since the epoch (UTC), `...Ms` milliseconds. Both stay exact
 * integers below 2^53 (year ~2255 in µs), so they are plain JSON numbers; offsets are strings.
 */
export interface BatchPlan {
  readonly batchId: BatchId;
  /** The query's id from the checkpoint metadata (constant across restarts). */
  readonly queryId: string;
  /** The batch's processing time (Spark's batchTimestampMs): current_timestamp() and friends. */
  readonly batchTimestampMs: number;
  readonly sources: readonly SourceRanges[];
  /** WM(N−1): rows whose window end ≤ this are late and dropped in this batch. */
  readonly lateWatermarkMicros: number;
  /** WM(N): windows whose end ≤ this are emitted (and evicted) by this batch. */
  readonly watermarkMicros: number;
  /** Max event time seen in batches before N (input of WM(N)), null when none was seen yet. */
  readonly maxEventTimeMicrosBefore: number | null;
  /** Reference wall-clock time of the future-event guard, fixed so a replay judges rows alike. */
  readonly eventTimeGuardReferenceMs: number;
  /** Number of shuffle partitions (fixed at first start). */
  readonly shufflePartitions: number;
  /** Hash of the configuration the batch ran with; a replay under another config is refused. */
  readonly configHash: string;
  /** maxEventTimeAheadMs: the event-time guard's skew (absent in plans written before the guard: 1 day). */
  readonly limits: { readonly maxOffsetsPerTrigger?: number; readonly maxEventTimeAheadMs?: number };
  /** True when the batch reads no input and runs only because the watermark moved. */
  readonly noData: boolean;
  /**
   * kafka.isolation.level the ranges are read with: part of what the batch means, so a replay reads
   * the same records whatever the restarted query asks for (absent in plans written before it was
   * recorded: those were read read_uncommitted).
   */
  readonly isolationLevel?: IsolationLevel;
  /** The driver lease's fencing token of the leader that planned the batch (absent without a lease; docs/standby-driver.md). */
  readonly leaseToken?: number;
}

/**
 * The offsets log (write-ahead log) `<checkpoint>/offsets/<N>`: the plan of batch N, written
 * before any task of N runs. Batch N always means this plan; a replay reads it back, and the
 * planner starts batch N+1 at its `to` offsets. Format v1, one `BatchPlan` JSON document.
 */
export class OffsetLog extends MetadataLog<BatchPlan> {
  constructor(storage: Storage, dir: string) {
    super(storage, dir, parseBatchPlan, 1);
  }
}

/** Checks a decoded v1 plan document (throws InvalidArgumentError naming the bad field). */
export function parseBatchPlan(document: unknown, batchId: BatchId): BatchPlan {
  const d = objectAt(document, 'plan');
  const id = integerAt(d.batchId, 'plan.batchId', 0);
  if (id !== batchId) throw new InvalidArgumentError(`plan.batchId is ${id} but the entry is batch ${batchId}`);
  integerAt(d.batchTimestampMs, 'plan.batchTimestampMs', 0);
  stringAt(d.queryId, 'plan.queryId');
  arrayAt(d.sources, 'plan.sources').forEach((s, i) => {
    const source = objectAt(s, `plan.sources[${i}]`);
    stringAt(source.topic, `plan.sources[${i}].topic`);
    arrayAt(source.partitions, `plan.sources[${i}].partitions`).forEach((p, j) => {
      const at = `plan.sources[${i}].partitions[${j}]`;
      const range = objectAt(p, at);
      integerAt(range.partition, `${at}.partition`, 0);
      const from = offsetAt(range.from, `${at}.from`);
      const to = offsetAt(range.to, `${at}.to`);
      if (BigInt(from) > BigInt(to)) throw new InvalidArgumentError(`${at}: from ${from} is after to ${to}`);
    });
  });
  const late = integerAt(d.lateWatermarkMicros, 'plan.lateWatermarkMicros');
  const watermark = integerAt(d.watermarkMicros, 'plan.watermarkMicros');
  if (watermark < late) throw new InvalidArgumentError(`plan.watermarkMicros ${watermark} is below lateWatermarkMicros ${late}`);
  integerOrNullAt(d.maxEventTimeMicrosBefore, 'plan.maxEventTimeMicrosBefore');
  integerAt(d.eventTimeGuardReferenceMs, 'plan.eventTimeGuardReferenceMs', 0);
  integerAt(d.shufflePartitions, 'plan.shufflePartitions', 1);
  stringAt(d.configHash, 'plan.configHash');
  const limits = objectAt(d.limits, 'plan.limits');
  if (limits.maxOffsetsPerTrigger !== undefined) integerAt(limits.maxOffsetsPerTrigger, 'plan.limits.maxOffsetsPerTrigger', 1);
  if (limits.maxEventTimeAheadMs !== undefined) integerAt(limits.maxEventTimeAheadMs, 'plan.limits.maxEventTimeAheadMs', 1);
  booleanAt(d.noData, 'plan.noData');
  if (d.leaseToken !== undefined) integerAt(d.leaseToken, 'plan.leaseToken', 1);
  if (d.isolationLevel !== undefined && !(ISOLATION_LEVELS as readonly unknown[]).includes(d.isolationLevel)) {
    throw new InvalidArgumentError(`plan.isolationLevel must be one of ${ISOLATION_LEVELS.join(', ')}, got ${JSON.stringify(d.isolationLevel)}`);
  }
  return d as unknown as BatchPlan;
}
