/**
 * The reduce task of a session-window query (reduce-task.ts hands it over), for the shuffle
 * partitions this executor owns, in batch attempt (N, A):
 *   1. take every map task's partial sessions of the partition from the inbox (session-partials/v1);
 *   2. take the partition's session state after batch N−1 (LiveState.checkoutSessions);
 *   3. merge the partials with the stored sessions (sessions of a key that overlap or touch become
 *      one); append: emit and evict the sessions whose end ≤ WM(N); complete: emit every session;
 *   4. write state version N+1 (the whole state, fenced by (N+1, A), durable before the answer);
 *   5. write the emitted rows, after the query's `post` steps, as data files and answer with their `add` actions.
 */
import { AddFile, ColumnBatch, concatBatches, previousBatch, ReduceTaskStats, aggregateInput, Storage, writeBatchFiles } from '@tributary/common';
import { decodeSessionPartials, SessionLayout, sessionLayout, sessionOutputRows } from '../aggregate/session';
import { runSteps } from '../pipeline/run-steps';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { LiveState } from '../state/live-state';
import type { ReduceTaskInput } from './reduce-task';

const SHUFFLE_WAIT_MS = 30_000;

export async function reduceSessions(inbox: ShuffleInbox, state: LiveState, storage: Storage, input: ReduceTaskInput, stats: ReduceTaskStats, t0: number): Promise<{ stats: ReduceTaskStats; adds: AddFile[] }> {
  const { job, query, queryId, batchId, attempt } = input;
  if (query.aggregate === null) throw new RangeError('a reduce task needs a query with an aggregation');
  const layout: SessionLayout = sessionLayout(query.aggregate, aggregateInput(query));
  const ctx = { timeZone: query.options.timeZone };
  const emitted: ColumnBatch[] = [];
  await Promise.all(input.partitions.map(async (partition) => {
    const messages = await inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
    const tl = Date.now();
    const table = await state.checkoutSessions(job, layout, partition, previousBatch(batchId), input.committed);
    const tm = Date.now();
    let merged = 0;
    for (const m of messages) {
      if (m.rows === 0) continue;
      const partials = decodeSessionPartials(layout, m.bytes);
      if (partials.count !== m.rows) throw new RangeError(`a push of partition ${partition} says ${m.rows} rows but holds ${partials.count}`);
      merged += partials.count;
      table.merge(partials);
    }
    stats.mergedPartialRows += merged;
    const before = table.numSessions;
    const sessionRows = query.sink.outputMode === 'append' ? table.evictClosed(input.watermarkMicros) : table.allRows();
    const evicted = query.sink.outputMode === 'append' ? sessionRows.count : 0;
    const out = runSteps(query.post, sessionOutputRows(layout, sessionRows), ctx);
    const tw = Date.now();
    const written = await state.commitSessions(job, partition, batchId, attempt, table, out.count);
    stats.byPartition.push({ partition, mergedPartialRows: merged, emittedRows: out.count });
    const te = Date.now();
    if (out.count > 0) emitted.push(out);
    stats.emittedRows += out.count;
    stats.stateRowsTotal += before - evicted;
    stats.stateMemoryBytes += table.memoryBytes;
    stats.stateRowsUpdated += written.stored;
    stats.stateRowsRemoved += evicted;
    stats.timingsMs.stateLoad += tm - tl;
    stats.timingsMs.merge += tw - tm;
    stats.timingsMs.stateWrite += te - tw;
  }));
  const tp = Date.now();
  const adds = emitted.length === 0 ? [] : await writeBatchFiles(storage, job.tablePath, concatBatches(query.output, emitted), { partitionBy: query.sink.partitionBy });
  stats.filesWritten = adds.length;
  stats.timingsMs.parquet = Date.now() - tp;
  stats.timingsMs.total = Date.now() - t0;
  return { stats, adds };
}
