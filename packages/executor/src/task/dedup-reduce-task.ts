/**
 * A reduce task of an ingest query with dropDuplicates, in batch attempt (N, A), for the shuffle
 * partitions this executor owns. Per partition:
 *   1. take every map task's rows (dedup-rows/v1) from the inbox;
 *   2. take the partition's dedup state after batch N−1 (LiveState.checkoutDedup: the cached
 *      table when it is the committed attempt's, else loaded from the store);
 *   3. keep, of the rows whose key is not in state, one per key — the lowest (Kafka partition,
 *      offset), so a replayed batch keeps the same rows — and add those keys to state
 *      (DedupStateTable.keepFirst); the other rows are duplicates;
 *   4. evict the keys whose expiry ≤ WM(N);
 *   5. run `post` over the kept rows, write state version N+1 (fenced by (N+1, A), durable before
 *      the answer, recording the rows the partition emits) and write the rows as data files.
 * Stats as the aggregation's reduce: merged rows (= rows received, checked against the map tasks'
 * sent rows), emitted rows (checked against the files and the state's record), state rows.
 */
import { AddFile, BatchId, ColumnBatch, concatBatches, previousBatch, ReduceTaskStats, takeRows, writeBatchFiles } from '@tributary/common';
import { decodeDedupRows } from '../dedup/dedup-codec';
import { DedupLayout, dedupLayout } from '../dedup/dedup-layout';
import { runSteps } from '../pipeline/run-steps';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { LiveState } from '../state/live-state';
import { emptyReduceStats, ReduceTaskInput } from './reduce-task';

const SHUFFLE_WAIT_MS = 30_000;

export class DedupReduceTaskRunner {
  private readonly layouts = new Map<string, { key: string; layout: DedupLayout }>();

  constructor(private readonly inbox: ShuffleInbox, private readonly state: LiveState) {}

  async run(input: ReduceTaskInput): Promise<{ stats: ReduceTaskStats; adds: AddFile[] }> {
    try {
      return await this.reduce(input, Date.now());
    } finally {
      this.inbox.close(input.queryId, input.batchId, input.attempt, 'its reduce task ended');
    }
  }

  private async reduce(input: ReduceTaskInput, t0: number): Promise<{ stats: ReduceTaskStats; adds: AddFile[] }> {
    const { job, query, queryId, batchId, attempt } = input;
    const stats = emptyReduceStats(input.partitions);
    const layout = this.layoutOf(input);
    const rowColumns = layout.rowSchema.map((_, i) => i);
    const ctx = { timeZone: query.options.timeZone };
    const emitted: ColumnBatch[] = [];
    await Promise.all(input.partitions.map(async (partition) => {
      const messages = await this.inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
      const tl = Date.now();
      const table = await this.state.checkoutDedup(job, layout, partition, previousBatch(batchId), input.committed);
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
      const out = runSteps(query.post, kept, ctx);
      const tw = Date.now();
      await this.state.commitDedup(job, partition, batchId, attempt, table, out.count);
      const te = Date.now();
      stats.byPartition.push({ partition, mergedPartialRows: rows.count, emittedRows: out.count });
      if (out.count > 0) emitted.push(out);
      stats.mergedPartialRows += rows.count;
      stats.emittedRows += out.count;
      stats.stateRowsTotal += table.numKeys;
      stats.stateMemoryBytes += table.memoryBytes;
      stats.stateRowsUpdated += kept.count;
      stats.stateRowsRemoved += evicted;
      stats.timingsMs.stateLoad += tm - tl;
      stats.timingsMs.merge += tw - tm;
      stats.timingsMs.stateWrite += te - tw;
    }));
    const tp = Date.now();
    const adds = emitted.length === 0 ? [] : await writeBatchFiles(job.tablePath, concatBatches(query.output, emitted), { partitionBy: query.sink.partitionBy });
    stats.filesWritten = adds.length;
    stats.timingsMs.parquet = Date.now() - tp;
    stats.timingsMs.total = Date.now() - t0;
    return { stats, adds };
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
