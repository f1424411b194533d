/**
 * A map task of a resolved query with an aggregation, in batch attempt (N, A): read exactly the
 * planned Kafka ranges, decode and run `pre` (decoded-chunks.ts), check event times
 * (event-time-guard.ts: null → NULL_EVENT_TIME, too far ahead → EVENT_TIME_TOO_FAR_AHEAD, both bad
 * records), drop and count late rows (window end ≤ WM(N−1), append mode; for a session window the
 * row's session end t + gap), aggregate partially per group (PartialGroupAggregator) or pre-merge
 * sessions per key (PartialSessionAggregator), then push one message per shuffle partition to its
 * owner: the partials in the group codec's format (group-partials/v1; session-partials/v1 for
 * sessions) with their row count. The task answers only after every push was acknowledged.
 *
 * Stats: sentRowsByPartition (the driver checks each reduce's merged rows against it), the kept
 * rows' event-time range on the watermark's column (maxEventTimeMicros moves the watermark), late
 * rows, bad records by reason. With lateRows 'table' the late rows are also written to the query's
 * late-rows table (sink/late-rows-batches.ts): the aggregator names each late row of a chunk
 * (PartialGroupAggregator.add's onLate), the rows are gathered column by column, and the files'
 * `add` actions go back with the stats (lateRowsAdds, stats.lateRowsWritten) for the driver to
 * commit with the batch.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, ColumnBatch, ExecutorJob, MapTaskStats, ResolvedQuery, emptyMapStats, lateRowsTableSchema, stepsOutput, aggregateInput,
} from '@tributary/common';
import { encodeGroupPartials, groupLayout, PartialGroupAggregator } from '../aggregate/group-by';
import { encodeSessionPartials, PartialSessionAggregator, sessionLayout } from '../aggregate/session';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';
import { LateRowsBatches } from '../sink/late-rows-batches';
import { readDecodedChunks } from './decoded-chunks';
import { EventTimeGuardSpec, EventTimeRange, guardEventTime } from './event-time-guard';
import { RangeReaders } from './range-readers';

export interface AggregateMapTaskInput {
  batchId: BatchId;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  query: ResolvedQuery;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  lateWatermarkMicros: number;
  lateFilter: boolean;
  owners: ShuffleTarget[];
  /** Event-time guard from the plan: events after reference + ahead are bad records. ahead ≤ 0: no guard. */
  eventTimeGuardReferenceMs: number;
  maxEventTimeAheadMs: number;
  signal: AbortSignal;
}

export interface AggregateMapTaskResult {
  stats: MapTaskStats;
  quarantineAdds: AddFile[];
  lateRowsAdds: AddFile[];
}

const MAX_POOLED_LAYOUTS = 4;

/**
 * What runWith needs of a map-side aggregator: PartialGroupAggregator (windows and plain group-by)
 * or PartialSessionAggregator (session windows), with the codec of its partials.
 */
interface MapAggregator {
  add(batch: ColumnBatch, lateWatermarkMicros: number, onLate?: (row: number) => void): number;
  drainPartitions(numPartitions: number): { partitions: ColumnBatch[]; lateRows: number; /** (row, window) pairs dropped as late; lateRows when a row has one window. */ lateWindowRows?: number };
}

export class AggregateMapTaskRunner {
  /**
   * Idle aggregators by layout (its JSON), one per concurrently running task of that layout: their
   * tables stay grown, so a task neither regrows them nor page-faults fresh multi-MiB arrays.
   */
  private readonly pool = new Map<string, PartialGroupAggregator[]>();

  constructor(
    private readonly sender: ShuffleSender,
    private readonly readers: RangeReaders,
    private readonly storage: Storage,
    private readonly log: (m: string) => void,
  ) {}

  async run(input: AggregateMapTaskInput): Promise<AggregateMapTaskResult> {
    const aggregate = input.query.aggregate;
    if (aggregate === null) throw new RangeError('an aggregate map task needs a query with an aggregation');
    if ((aggregate.session ?? null) !== null) {
      // a session aggregator per task: its sessions are merged per task, its tables small beside the group-by's
      const sessions = sessionLayout(aggregate, aggregateInput(input.query));
      return this.runWith(input, new PartialSessionAggregator(sessions), (rows) => encodeSessionPartials(sessions, rows));
    }
    const layout = groupLayout(aggregate, aggregateInput(input.query));
    const key = JSON.stringify(layout);
    let idle = this.pool.get(key);
    if (idle === undefined) {
      if (this.pool.size >= MAX_POOLED_LAYOUTS) this.pool.delete(this.pool.keys().next().value as string);
      idle = [];
      this.pool.set(key, idle);
    }
    const aggregator = idle.pop() ?? new PartialGroupAggregator(layout);
    const result = await this.runWith(input, aggregator, (rows) => encodeGroupPartials(layout, rows));
    idle.push(aggregator); // drained, so empty; a task that failed drops its aggregator (partly updated)
    return result;
  }

  private async runWith(input: AggregateMapTaskInput, aggregator: MapAggregator, encode: (rows: ColumnBatch) => Uint8Array): Promise<AggregateMapTaskResult> {
    const t0 = Date.now();
    const { job, query } = input;
    const stats = emptyMapStats();
    const guard = guardSpec(query, input);
    const range = new EventTimeRange();
    const lateWatermark = input.lateFilter ? input.lateWatermarkMicros : -Infinity;
    const lateFiles = query.options.lateRows === 'table' && job.lateRowsTablePath && input.lateFilter
      ? new LateRowsBatches(this.storage, job.lateRowsTablePath, lateRowsTableSchema(query), input.batchId, input.lateWatermarkMicros) : undefined;
    const late = new LateRowIndices();
    const onLate = lateFiles === undefined ? undefined : late.push;
    let guardMs = 0;
    let aggregateMs = 0;
    const read = await readDecodedChunks(this.readers, this.storage, input, stats, this.log, (rows, chunk, onBad) => {
      const tg = performance.now();
      const kept = guardEventTime(rows, chunk, onBad, guard, range);
      stats.validRows -= rows.count - kept.count;
      const ta = performance.now();
      late.count = 0;
      aggregator.add(kept, lateWatermark, onLate);
      guardMs += ta - tg;
      aggregateMs += performance.now() - ta;
      if (lateFiles === undefined || late.count === 0) return undefined;
      lateFiles.add(kept, late.rows.subarray(0, late.count), chunk);
      return lateFiles.flushIfFull();
    });
    const lateRowsAdds = (await lateFiles?.finish()) ?? [];
    stats.lateRowsWritten = lateFiles?.rows ?? 0;
    const tDrain = performance.now();
    const drained = aggregator.drainPartitions(job.shufflePartitions);
    const parts = drained.partitions.map((p) => ({ bytes: encode(p), rows: p.count }));
    aggregateMs += performance.now() - tDrain;
    stats.lateRows = drained.lateRows;
    stats.lateWindowRows = drained.lateWindowRows ?? drained.lateRows;
    stats.maxEventTimeMicros = range.max === -Infinity ? null : range.max;
    stats.minEventTimeMicros = range.min === Infinity ? null : range.min;
    stats.sumEventTimeMicros = range.sum;
    stats.partialRows = parts.reduce((a, p) => a + p.rows, 0);
    stats.sentRowsByPartition = parts.map((p) => p.rows);
    const ts = Date.now();
    await this.sender.pushAll({ queryId: job.queryId, batchId: input.batchId, attempt: input.attempt, mapTaskId: input.taskId }, input.owners, parts);
    const shuffleMs = Date.now() - ts;
    const total = Date.now() - t0;
    const decodeMs = read.decodeMs + read.stepsMs + guardMs;
    stats.timingsMs = {
      fetch: Math.max(0, total - Math.round(decodeMs + aggregateMs) - shuffleMs),
      decode: Math.round(read.decodeMs + guardMs),
      aggregate: Math.round(aggregateMs),
      shuffle: shuffleMs,
      total,
      steps: Math.round(read.stepsMs),
    };
    return { stats, quarantineAdds: read.quarantineAdds, lateRowsAdds };
  }
}

/** The event-time checks of a query: its watermark's column and its (session) window's column must not be null. */
function guardSpec(query: ResolvedQuery, input: AggregateMapTaskInput): EventTimeGuardSpec {
  const schema = stepsOutput(query.scan.schema, query.pre);
  const columns: number[] = [];
  if (query.eventTime !== null) columns.push(query.eventTime.column);
  const w = query.aggregate?.window ?? query.aggregate?.session ?? null;
  if (w !== null && !columns.includes(w.column)) columns.push(w.column);
  const ahead = query.eventTime !== null && input.maxEventTimeAheadMs > 0;
  return {
    nonNullColumns: columns,
    nonNullNames: columns.map((c) => schema[c].name),
    watermarkColumn: query.eventTime?.column ?? null,
    aheadLimitMicros: ahead ? (input.eventTimeGuardReferenceMs + input.maxEventTimeAheadMs) * 1000 : Infinity,
    referenceMs: input.eventTimeGuardReferenceMs,
    maxAheadMs: input.maxEventTimeAheadMs,
  };
}

/** The late rows of one chunk, as the aggregator names them (ascending row indices), in a reused buffer. */
class LateRowIndices {
  rows = new Int32Array(1024);
  count = 0;

  readonly push = (row: number): void => {
    if (this.count === this.rows.length) {
      const grown = new Int32Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows[this.count++] = row;
  };
}
