/**
 * A reduce task of batch attempt (N, A) for the shuffle partitions this executor owns:
 *   1. take every map task's partials for each partition from the inbox (opened for (N, A) by the
 *      driver before the map stage; closed, so freed, when the task ends however it ends);
 *   2. take the partition's state after batch N−1 (state version N: the live table kept in memory
 *      since the last batch when it is of the committed attempt, else loaded from the state store);
 *   3. merge the partials; emit the windows WM(N) closed (append: evicted from state), the whole
 *      state (complete), or the groups the batch changed (update: then the windows WM(N) closed
 *      leave state, their rows already final in the table);
 *   4. write state version N+1 (a change set, or a snapshot every K versions) — fenced by (N+1, A),
 *      durable before the answer, so before the driver commits any sink; the write also records
 *      how many rows the partition emitted, which the driver checks the reported files against;
 *   5. write the emitted rows as data files (partitioned as the sink is) and answer with their Delta `add` actions;
 *      in update mode, merge them into the table's files of the partition by key instead
 *      (sink/update-merge.ts: the files rewritten are answered as paths to remove).
 *
 * Every query runs them with the general group-by of its resolved query (input.query): partials and
 * state in the group codec's formats (GroupStateTable, LiveState.checkoutGroups/commitGroups); the rows
 * a partition emits are its state rows as the aggregate's output (outputRows), then the query's
 * `post` steps; what `post` keeps is what the partition emits (recorded with its state version,
 * checked by the driver against the files). Every partition's rows go to the table's data files
 * (writeBatchFiles, partitioned as the sink is). A session-window query's reduce runs in
 * session-reduce-task.ts, with the same steps over session state.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, ColumnBatch, concatBatches, ExecutorJob, previousBatch, ReduceTaskStats, ResolvedQuery, aggregateInput, updateKeyColumns, writeBatchFiles,
} from '@tributary/common';
import { decodeGroupPartials, GroupLayout, groupLayout, outputRows } from '../aggregate/group-by';
import { runSteps } from '../pipeline/run-steps';
import { reduceSessions } from './session-reduce-task';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { mergeUpdates } from '../sink/update-merge';
import { TableSnapshots } from '../sink/table-snapshots';
import { LiveState } from '../state/live-state';

export interface ReduceTaskInput {
  queryId: string;
  batchId: BatchId;
  attempt: number;
  job: ExecutorJob;
  query: ResolvedQuery;
  partitions: number[];
  mapTaskIds: number[];
  watermarkMicros: number;
  /** Batch id → the attempt whose state the driver committed, for recent batches. */
  committed: Map<BatchId, number>;
  noData: boolean;
  /** Update mode: the table version the merge reads (the driver commits against it); null otherwise. */
  tableVersion: number | null;
  /** A CDC query of several source tables: route r ≥ 1's table (resolved path, version to apply against) at r − 1. */
  routeTables?: { tablePath: string; tableVersion: number }[];
}

export interface ReduceTaskResult {
  stats: ReduceTaskStats;
  adds: AddFile[];
  /** Update mode: paths (as in their `add`) of the files the merge rewrote. */
  removedPaths: string[];
  /** A CDC query of several source tables: route r ≥ 1's files at r − 1 (adds, removedPaths: the fields above are route 0's). */
  routeFiles?: { adds: AddFile[]; removedPaths: string[] }[];
}

const SHUFFLE_WAIT_MS = 30_000;

export class ReduceTaskRunner {
  private readonly layouts = new Map<string, { key: string; layout: GroupLayout }>();
  private readonly snapshots: TableSnapshots;

  constructor(
    private readonly inbox: ShuffleInbox,
    private readonly state: LiveState,
    private readonly storage: Storage,
  ) {
    this.snapshots = new TableSnapshots(storage);
  }

  async run(input: ReduceTaskInput): Promise<ReduceTaskResult> {
    const t0 = Date.now();
    const { queryId, batchId, attempt } = input;
    try {
      if ((input.query.aggregate?.session ?? null) !== null) {
        // session windows are refused in update mode, so a session batch only writes new files
        return { ...(await reduceSessions(this.inbox, this.state, this.storage, input, emptyReduceStats(input.partitions), t0)), removedPaths: [] };
      }
      return await this.reduceGroups(input, input.query, t0);
    } finally {
      this.inbox.close(queryId, batchId, attempt, 'its reduce task ended');
    }
  }

  private async reduceGroups(input: ReduceTaskInput, query: ResolvedQuery, t0: number): Promise<ReduceTaskResult> {
    const { job, queryId, batchId, attempt } = input;
    const stats = emptyReduceStats(input.partitions);
    const layout = this.layoutOf(queryId, query);
    const ctx = { timeZone: query.options.timeZone };
    const emitted: ColumnBatch[] = [];
    // Update mode into Delta merges into the table's files; a Kafka or webhook sink stages the
    // changed rows as new files instead (common/plan/external-sink.ts), as append mode does.
    const update = query.sink.outputMode === 'update';
    const merging = update && (query.sink.format ?? 'delta') === 'delta';
    if (merging && input.tableVersion === null) throw new RangeError('an update-mode reduce task needs the table version to merge against');
    const snapshot = merging ? await this.snapshots.at(job.tablePath, input.tableVersion as number) : null;
    const merges: { partition: number; changed: ColumnBatch; rows: ColumnBatch }[] = [];
    await Promise.all(input.partitions.map(async (partition) => {
      const messages = await this.inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
      const tl = Date.now();
      const table = await this.state.checkoutGroups(job, layout, partition, previousBatch(batchId), input.committed);
      const tm = Date.now();
      table.mark();
      let merged = 0;
      for (const m of messages) {
        if (m.rows === 0) continue;
        const partials = decodeGroupPartials(layout, m.bytes);
        if (partials.count !== m.rows) throw new RangeError(`a push of partition ${partition} says ${m.rows} rows but holds ${partials.count}`);
        merged += partials.count;
        table.merge(partials);
      }
      stats.mergedPartialRows += merged;
      let out: ColumnBatch;
      if (update) {
        // The groups this batch changed, with their new values; then closed windows leave state.
        const changed = outputRows(layout, table.changesSinceMark().upserts);
        out = runSteps(query.post, changed, ctx);
        if (layout.window !== null) table.evictClosed(input.watermarkMicros);
        if (merging) merges.push({ partition, changed, rows: out });
      } else {
        const stateRows = query.sink.outputMode === 'append' ? table.evictClosed(input.watermarkMicros) : table.allRows();
        out = runSteps(query.post, outputRows(layout, stateRows), ctx);
      }
      const tw = Date.now();
      const changes = await this.state.commitGroups(job, partition, batchId, attempt, table, out.count);
      stats.byPartition.push({ partition, mergedPartialRows: merged, emittedRows: out.count });
      const te = Date.now();
      if (out.count > 0 && !merging) emitted.push(out);
      stats.emittedRows += out.count;
      stats.stateRowsTotal += table.numGroups;
      stats.stateMemoryBytes += table.memoryBytes;
      stats.stateRowsUpdated += changes.upserted;
      stats.stateRowsRemoved += changes.deleted;
      stats.timingsMs.stateLoad += tm - tl;
      stats.timingsMs.merge += tw - tm;
      stats.timingsMs.stateWrite += te - tw;
    }));
    const tp = Date.now();
    let adds: AddFile[];
    const removedPaths: string[] = [];
    if (merging) {
      adds = [];
      const keys = updateKeyColumns(query.aggregate as NonNullable<ResolvedQuery['aggregate']>, query.post);
      const changedKeyColumns = Array.from({ length: (keys.window === null ? 0 : 1) + keys.keys.length }, (_, k) => k);
      const u = { keptRows: 0, removedRows: 0, removedFiles: 0, groupsRewritten: 0 };
      for (const m of merges) {
        if (m.changed.count === 0) continue;
        const r = await mergeUpdates({
          storage: this.storage, tablePath: job.tablePath, snapshot: snapshot as NonNullable<typeof snapshot>, partition: m.partition, output: query.output, keys,
          windowSizeMicros: layout.window === null ? null : layout.window.sizeMicros, changed: m.changed, changedKeyColumns, rows: m.rows,
        });
        adds.push(...r.adds);
        removedPaths.push(...r.removedPaths);
        u.keptRows += r.keptRows;
        u.removedRows += r.removedRows;
        u.removedFiles += r.removedPaths.length;
        u.groupsRewritten += r.groupsRewritten;
      }
      stats.update = u;
    } else {
      adds = emitted.length === 0 ? [] : await writeBatchFiles(this.storage, job.tablePath, concatBatches(query.output, emitted), { partitionBy: query.sink.partitionBy });
    }
    stats.filesWritten = adds.length;
    stats.timingsMs.parquet = Date.now() - tp;
    stats.timingsMs.total = Date.now() - t0;
    return { stats, adds, removedPaths };
  }

  /** The group layout of a query, made once per query (LiveState keeps tables of one layout). */
  private layoutOf(queryId: string, query: ResolvedQuery): GroupLayout {
    const key = JSON.stringify([query.aggregate, aggregateInput(query)]);
    const known = this.layouts.get(queryId);
    if (known && known.key === key) return known.layout;
    if (query.aggregate === null) throw new RangeError('a reduce task needs a query with an aggregation');
    const layout = groupLayout(query.aggregate, aggregateInput(query));
    this.layouts.set(queryId, { key, layout });
    return layout;
  }
}

export function emptyReduceStats(partitions: number[]): ReduceTaskStats {
  return {
    partitions, mergedPartialRows: 0, emittedRows: 0, stateRowsTotal: 0, stateRowsUpdated: 0,
    stateRowsRemoved: 0, stateMemoryBytes: 0, filesWritten: 0, byPartition: [],
    timingsMs: { stateLoad: 0, merge: 0, stateWrite: 0, parquet: 0, total: 0 },
  };
}
