/**
 * A dedup reduce task in batch attempt (N, A), for the shuffle partitions this executor owns. Per
 * partition:
 *   1. take every map task's rows (dedup-rows/v1) from the inbox;
 *   2. take the partition's dedup state after batch N−1 (LiveState.checkoutDedup: the cached
 *      table when it is the committed attempt's, else loaded from the store);
 *   3. keep, of the rows whose key is not in state, one per key — the lowest (Kafka partition,
 *      offset), so a replayed batch keeps the same rows — and add those keys to state
 *      (DedupStateTable.keepFirst); the other rows are duplicates;
 *   4. evict the keys whose expiry ≤ WM(N);
 *   5. write state version N+1 (fenced by (N+1, A), durable before the answer, recording the rows
 *      the partition emits) and pass the kept rows on:
 *      - an ingest job (`run`): run `post` over them and write them as the table's data files;
 *      - dropDuplicates before an aggregation (`runBeforeAggregate`, batch-stages.ts): run the steps
 *        between (dedup.beforeAggregate), aggregate them partially (late (row, window) pairs, window
 *        end ≤ WM(N−1), dropped as a map task drops them; before a session window, pre-merge their
 *        sessions per key, a row late when t + gap ≤ WM(N−1)), and once every partition is done push
 *        one message of partials per aggregation partition to its owner, as a map task of the
 *        second shuffle whose id the driver gave; the aggregation's reduce takes them from there.
 *        Its dedup state lives in store partition P + p (dedupStatePartition); the rows a
 *        partition emits are its kept rows.
 * Stats as the aggregation's reduce: merged rows (= rows received, checked against the map tasks'
 * sent rows), emitted rows (checked against the state's record, and, for an ingest job, the files),
 * state rows; before an aggregation also the partials sent to each aggregation partition.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, ColumnBatch, concatBatches, dedupStatePartition, aggregateInput, previousBatch, ReduceTaskStats, takeRows, writeBatchFiles,
} from '@tributary/common';
import { encodeGroupPartials, groupLayout, PartialGroupAggregator } from '../aggregate/group-by';
import { encodeSessionPartials, PartialSessionAggregator, sessionLayout } from '../aggregate/session';
import { decodeDedupRows } from '../dedup/dedup-codec';
import { DedupLayout, dedupLayout } from '../dedup/dedup-layout';
import { runSteps } from '../pipeline/run-steps';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';
import { LiveState } from '../state/live-state';
import { emptyReduceStats, ReduceTaskInput } from './reduce-task';

const SHUFFLE_WAIT_MS = 30_000;

/** What a dedup reduce before an aggregation needs besides a reduce task's input. */
export interface BeforeAggregateInput {
  /** Its id among the senders of the second shuffle. */
  taskId: number;
  /** The second shuffle's inbox name (aggregateShuffleId) and owners. */
  shuffleId: string;
  owners: ShuffleTarget[];
  lateWatermarkMicros: number;
  lateFilter: boolean;
}

export class DedupReduceTaskRunner {
  private readonly layouts = new Map<string, { key: string; layout: DedupLayout }>();

  constructor(
    private readonly inbox: ShuffleInbox,
    private readonly state: LiveState,
    private readonly sender: ShuffleSender,
    private readonly storage: Storage,
  ) {}

  /** An ingest job's dedup reduce: the kept rows, through `post`, become the table's files. */
  async run(input: ReduceTaskInput): Promise<{ stats: ReduceTaskStats; adds: AddFile[] }> {
    const t0 = Date.now();
    const { query } = input;
    const ctx = { timeZone: query.options.timeZone };
    const emitted: ColumnBatch[] = [];
    try {
      const stats = await this.dedup(input, (_partition, kept) => {
        const out = runSteps(query.post, kept, ctx);
        if (out.count > 0) emitted.push(out);
        return out.count;
      });
      const tp = Date.now();
      const adds = emitted.length === 0 ? [] : await writeBatchFiles(this.storage, input.job.tablePath, concatBatches(query.output, emitted), { partitionBy: query.sink.partitionBy });
      stats.filesWritten = adds.length;
      stats.timingsMs.parquet = Date.now() - tp;
      stats.timingsMs.total = Date.now() - t0;
      return { stats, adds };
    } finally {
      this.inbox.close(input.queryId, input.batchId, input.attempt, 'its reduce task ended');
    }
  }

  /** dropDuplicates before an aggregation: the kept rows are aggregated partially and shuffled on. */
  async runBeforeAggregate(input: ReduceTaskInput, next: BeforeAggregateInput): Promise<{ stats: ReduceTaskStats }> {
    const t0 = Date.now();
    const { query, job } = input;
    if (query.aggregate === null || query.dedup === undefined) throw new RangeError('a dedup reduce before an aggregation needs a query with both');
    const ctx = { timeZone: query.options.timeZone };
    const side = mapSide(query.aggregate, aggregateInput(query));
    const aggregator = side.aggregator;
    const lateWatermark = next.lateFilter ? next.lateWatermarkMicros : -Infinity;
    try {
      const stats = await this.dedup(input, (_partition, kept) => {
        aggregator.add(runSteps(query.dedup?.beforeAggregate ?? [], kept, ctx), lateWatermark);
        return kept.count;
      });
      const ta = Date.now();
      const drained: { partitions: ColumnBatch[]; lateRows: number; lateWindowRows?: number } = aggregator.drainPartitions(job.shufflePartitions);
      const parts = drained.partitions.map((p) => ({ bytes: side.encode(p), rows: p.count }));
      stats.sentRowsByPartition = parts.map((p) => p.rows);
      stats.lateWindowRows = drained.lateWindowRows ?? drained.lateRows;
      await this.sender.pushAll({ queryId: next.shuffleId, batchId: input.batchId, attempt: input.attempt, mapTaskId: next.taskId }, next.owners, parts);
      stats.timingsMs.merge += Date.now() - ta;
      stats.timingsMs.total = Date.now() - t0;
      return { stats };
    } finally {
      this.inbox.close(input.queryId, input.batchId, input.attempt, 'its reduce task ended');
    }
  }

  /**
   * Steps 1–5 for every owned partition; `emit` takes a partition's kept rows and answers how many
   * rows the partition emits (recorded with its state version).
   */
  private async dedup(input: ReduceTaskInput, emit: (partition: number, kept: ColumnBatch) => number): Promise<ReduceTaskStats> {
    const { job, query, queryId, batchId, attempt } = input;
    const stats = emptyReduceStats(input.partitions);
    const layout = this.layoutOf(input);
    const rowColumns = layout.rowSchema.map((_, i) => i);
    await Promise.all(input.partitions.map(async (partition) => {
      const messages = await this.inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
      const statePartition = dedupStatePartition(query, job.shufflePartitions, partition);
      const tl = Date.now();
      const table = await this.state.checkoutDedup(job, layout, statePartition, previousBatch(batchId), input.committed);
      const tm = Date.now();
      table.mark();
      const received: ColumnBatch[] = [];
      for (const m of messages) {
        if (m.rows === 0) continue;
        const rows = decodeDedupRows(layout, m.bytes);
        if (rows.count !== m.rows) throw new RangeError(`a push of partition ${partition} says ${m.rows} rows but holds ${rows.count}`);
        received.push(rows);
      }
      const rows = concatBatches(layout.shuffleSchema, received);
      const kept = takeRows(rows, table.keepFirst(rows), rowColumns);
      const evicted = table.evict(input.watermarkMicros);
      const emitted = emit(partition, kept);
      const tw = Date.now();
      await this.state.commitDedup(job, statePartition, batchId, attempt, table, emitted);
      const te = Date.now();
      stats.byPartition.push({ partition, mergedPartialRows: rows.count, emittedRows: emitted });
      stats.mergedPartialRows += rows.count;
      stats.emittedRows += emitted;
      stats.stateRowsTotal += table.numKeys;
      stats.stateMemoryBytes += table.memoryBytes;
      stats.stateRowsUpdated += kept.count;
      stats.stateRowsRemoved += evicted;
      stats.timingsMs.stateLoad += tm - tl;
      stats.timingsMs.merge += tw - tm;
      stats.timingsMs.stateWrite += te - tw;
    }));
    return stats;
  }

  /** The dedup layout of a query, made once per query. */
  private layoutOf(input: ReduceTaskInput): DedupLayout {
    const key = JSON.stringify([input.query.dedup, input.query.eventTime, input.query.scan.schema, input.query.pre]);
    const known = this.layouts.get(input.queryId);
    if (known && known.key === key) return known.layout;
    const layout = dedupLayout(input.query);
    this.layouts.set(input.queryId, { key, layout });
    return layout;
  }
}

/**
 * The aggregation's map side in a dedup reduce, as an aggregate map task has it: partial groups
 * (time windows, plain group-by), or sessions pre-merged per key (session windows; late rows are
 * those whose session end t + gap ≤ WM(N−1)), with the codec of its partials.
 */
function mapSide(aggregate: NonNullable<ReduceTaskInput['query']['aggregate']>, input: ReturnType<typeof aggregateInput>): {
  aggregator: PartialGroupAggregator | PartialSessionAggregator;
  encode: (rows: ColumnBatch) => Uint8Array;
} {
  if ((aggregate.session ?? null) !== null) {
    const layout = sessionLayout(aggregate, input);
    return { aggregator: new PartialSessionAggregator(layout), encode: (rows) => encodeSessionPartials(layout, rows) };
  }
  const layout = groupLayout(aggregate, input);
  return { aggregator: new PartialGroupAggregator(layout), encode: (rows) => encodeGroupPartials(layout, rows) };
}
