/**
 * A reduce task of batch attempt (N, A) for the shuffle partitions this executor owns:
 *   1. take every map task's partials for each partition from the inbox (opened for (N, A) by the
 *      driver before the map stage; closed, so freed, when the task ends however it ends);
 *   2. take the partition's state after batch N−1 (state version N: the live table kept in memory
 *      since the last batch when it is of the committed attempt, else loaded from the state store);
 *   3. merge the partials; emit the windows WM(N) closed (append: evicted from state) or the whole
 *      state (complete);
 *   4. write state version N+1 (a change set, or a snapshot every K versions) — fenced by (N+1, A),
 *      durable before the answer, so before the driver commits any sink; the write also records
 *      how many rows the partition emitted, which the driver checks the reported files against;
 *   5. write the emitted rows as one Parquet data file and answer with its Delta `add` action.
 */
import { BatchId, ExecutorJob, previousBatch, ReduceTaskStats } from '@tributary/common';
import { decodePartialSet, EmittedRows } from '../aggregate';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { LiveState } from '../state/live-state';
import { writeEmittedRows } from '../sink/data-files';

export interface ReduceTaskInput {
  queryId: string;
  batchId: BatchId;
  attempt: number;
  job: ExecutorJob;
  partitions: number[];
  mapTaskIds: number[];
  watermarkMicros: number;
  /** Batch id → the attempt whose state the driver committed, for recent batches. */
  committed: Map<BatchId, number>;
  noData: boolean;
}

const SHUFFLE_WAIT_MS = 30_000;

export class ReduceTaskRunner {
  constructor(private readonly inbox: ShuffleInbox, private readonly state: LiveState) {}

  async run(input: ReduceTaskInput): Promise<{ stats: ReduceTaskStats; adds: object[] }> {
    const t0 = Date.now();
    const { queryId, batchId, attempt } = input;
    try {
      return await this.reduce(input, t0);
    } finally {
      this.inbox.close(queryId, batchId, attempt, 'its reduce task ended');
    }
  }

  private async reduce(input: ReduceTaskInput, t0: number): Promise<{ stats: ReduceTaskStats; adds: object[] }> {
    const { job, queryId, batchId, attempt } = input;
    const stats: ReduceTaskStats = {
      partitions: input.partitions, mergedPartialRows: 0, emittedRows: 0, stateRowsTotal: 0, stateRowsUpdated: 0,
      stateRowsRemoved: 0, stateMemoryBytes: 0, filesWritten: 0, byPartition: [],
      timingsMs: { stateLoad: 0, merge: 0, stateWrite: 0, parquet: 0, total: 0 },
    };
    const emitted: EmittedRows[] = [];
    await Promise.all(input.partitions.map(async (partition) => {
      const messages = await this.inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
      const tl = Date.now();
      const table = await this.state.checkout(job, partition, previousBatch(batchId), input.committed);
      const tm = Date.now();
      table.mark();
      let merged = 0;
      for (const m of messages) {
        if (m.rows === 0) continue;
        const partials = decodePartialSet(m.bytes);
        merged += partials.length;
        table.merge(partials);
      }
      stats.mergedPartialRows += merged;
      const out = job.outputMode === 'append' ? table.evict(input.watermarkMicros) : table.snapshot();
      const tw = Date.now();
      const changes = await this.state.commit(job, partition, batchId, attempt, table, out.length);
      stats.byPartition.push({ partition, mergedPartialRows: merged, emittedRows: out.length });
      const te = Date.now();
      emitted.push(out);
      stats.emittedRows += out.length;
      stats.stateRowsTotal += table.numRowsTotal;
      stats.stateRowsUpdated += changes.upserted;
      stats.stateRowsRemoved += changes.deleted;
      stats.stateMemoryBytes += table.numRowsTotal * 40;
      stats.timingsMs.stateLoad += tm - tl;
      stats.timingsMs.merge += tw - tm;
      stats.timingsMs.stateWrite += te - tw;
    }));
    const tp = Date.now();
    const adds = await writeEmittedRows(job, emitted);
    stats.filesWritten = adds.length;
    stats.timingsMs.parquet = Date.now() - tp;
    stats.timingsMs.total = Date.now() - t0;
    return { stats, adds };
  }
}
