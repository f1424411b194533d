/**
 * A CDC reduce task in batch attempt (N, A), for the shuffle partitions this executor owns; the
 * table is SCD type 1, laid out as update mode lays it out (docs/update-mode.md): every data file
 * holds the rows of one shuffle partition, tagged `tributary.update.partition`. Per partition:
 *   1. take every map task's change rows (cdc-changes/v1) from the inbox;
 *   2. take the partition's key state after batch N−1 (LiveState.checkoutCdc);
 *   3. when there are changes, read the partition's live files at the table version the driver
 *      commits against (or take the rows this executor wrote as exactly those files:
 *      partition-rows-cache.ts), and apply the changes (apply-changes.ts);
 *   4. if the rows changed, write them as the partition's new file(s) and report the files read
 *      as removed;
 *   5. write key-state version N+1 (fenced by (N+1, A), durable before the answer, recording the
 *      rows the partition emitted: its changed keys' new rows).
 * The driver commits every partition's removes and adds with the batch's txn in one Delta commit;
 * a replayed batch finds its txn and changes nothing.
 *
 * Several source tables (routes, cdc-spec.ts): steps 2–5 run per route r, with r's key state of
 * partition p at state partition r·P + p (cdcStatePartition), r's table at the version the driver
 * named for it, its files written under r's table; the files are returned per route.
 */
import type { Storage } from '@tributary/common';
import { AddFile, cdcDataColumns, cdcRoutes, cdcStatePartition, ColumnBatch, concatBatches, previousBatch, Snapshot, snapshotSchema, writeBatchFiles } from '@tributary/common';
import { applyChanges, CdcRows } from '../cdc/apply-changes';
import { applyChangesScd2 } from '../cdc/apply-changes-scd2';
import { decodeChanges } from '../cdc/cdc-codec';
import { decodeRouteFrames } from '../cdc/cdc-route-frames';
import { concatRows } from '../cdc/cdc-router';
import { fileIdentity, indexOf, KeyedRows, keyedRows, PartitionRowsCache } from '../cdc/partition-rows-cache';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { TableSnapshots } from '../sink/table-snapshots';
import { PARTITION_TAG, readFileRows, WINDOW_RANGE_TAG } from '../sink/update-merge';
import { LiveState } from '../state/live-state';
import { emptyReduceStats, ReduceTaskInput, ReduceTaskResult } from './reduce-task';

const SHUFFLE_WAIT_MS = 30_000;

export class CdcReduceTaskRunner {
  constructor(
    private readonly inbox: ShuffleInbox,
    private readonly state: LiveState,
    private readonly storage: Storage,
    private readonly snapshots: TableSnapshots,
    /** SCD type 1 partitions' rows between batches (partition-rows-cache.ts). */
    private readonly rowsCache = new PartitionRowsCache(),
  ) {}

  async run(input: ReduceTaskInput): Promise<ReduceTaskResult> {
    const t0 = Date.now();
    const { job, query, queryId, batchId, attempt } = input;
    const cdc = query.cdc;
    try {
      if (cdc === undefined) throw new RangeError('a CDC reduce task needs a CDC query');
      if (input.tableVersion === null) throw new RangeError('a CDC reduce task needs the table version to apply against');
      const routes = cdcRoutes(cdc, query.output, query.sink.path);
      const R = routes.length;
      const P = job.shufflePartitions;
      const tables = [{ tablePath: job.tablePath, tableVersion: input.tableVersion }, ...(input.routeTables ?? [])];
      if (tables.length !== R) throw new RangeError(`a CDC reduce task of ${R} routes was given ${tables.length} tables`);
      const snapshots = await Promise.all(tables.map((t) => this.snapshots.at(t.tablePath, t.tableVersion)));
      const datas = routes.map((r) => cdcDataColumns(r, r.output));
      const stats = emptyReduceStats(input.partitions);
      const u = { keptRows: 0, removedRows: 0, removedFiles: 0, groupsRewritten: 0 };
      const files = routes.map(() => ({ adds: [] as AddFile[], removedPaths: [] as string[] }));
      await Promise.all(input.partitions.map(async (partition) => {
        const messages = await this.inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
        // Each route's received rows: the message is cdc-changes/v1 for one route, cdc-routes/v1 for several.
        const received: CdcRows[][] = routes.map(() => []);
        for (const m of messages) {
          if (m.rows === 0) continue;
          const frames = R === 1 ? [{ rows: m.rows, bytes: m.bytes }] : decodeRouteFrames(m.bytes, R);
          if (frames.reduce((a, f) => a + f.rows, 0) !== m.rows) throw new RangeError(`a push of partition ${partition} says ${m.rows} rows but its routes hold another count`);
          frames.forEach((f, r) => {
            if (f.rows === 0) return;
            const rows = decodeChanges(datas[r], f.bytes);
            if (rows.count !== f.rows) throw new RangeError(`a push of partition ${partition} says ${f.rows} rows of route ${r} but holds ${rows.count}`);
            received[r].push(rows);
          });
        }
        for (let r = 0; r < R; r++) {
          const route = routes[r];
          const statePartition = cdcStatePartition(r, partition, P);
          const tl = Date.now();
          const keys = await this.state.checkoutCdc(job, statePartition, previousBatch(batchId), input.committed);
          const tm = Date.now();
          keys.mark();
          const changes = concatRows(datas[r], received[r]);
          let emitted = 0;
          const snapshot = snapshots[r];
          const live = partitionFiles(snapshot, partition);
          const liveIds = live.map((f) => fileIdentity(f.add));
          const cacheable = route.storedAs !== 'scd2';
          const where = { tablePath: tables[r].tablePath, partition, output: route.output, keyColumns: route.keyColumns };
          const cached = cacheable ? this.rowsCache.take({ ...where, prevBatchId: previousBatch(batchId), committed: input.committed, files: liveIds }) : null;
          let keep: { files: string[]; rows: KeyedRows } | null = cached === null ? null : { files: liveIds, rows: cached };
          if (changes.count > 0) {
            const current = cached?.rows ?? await this.readRows(snapshot, live, route.output);
            const apply = route.storedAs === 'scd2' ? applyChangesScd2 : applyChanges;
            const res = apply({
              changes, current, keyColumns: route.keyColumns, state: keys, tombstoneRetentionMicros: route.tombstoneRetentionMicros, currentKeys: cached ?? undefined,
            });
            if (cacheable && !res.changed) keep = { files: liveIds, rows: cached ?? keyedRows(current, route.keyColumns) };
            if (res.changed) {
              const written: string[] = [];
              emitted = res.freshRows;
              for (const f of live) files[r].removedPaths.push(f.add.path);
              u.removedFiles += live.length;
              u.removedRows += current.count;
              u.keptRows += res.keptRows;
              u.groupsRewritten++;
              if (res.rows.count > 0) {
                const tags = { [PARTITION_TAG]: String(partition), [WINDOW_RANGE_TAG]: '' };
                for (const a of await writeBatchFiles(this.storage, tables[r].tablePath, res.rows)) {
                  files[r].adds.push({ ...a, tags });
                  written.push(fileIdentity(a));
                }
              }
              if (cacheable) keep = { files: written, rows: res.keys === undefined ? keyedRows(res.rows, route.keyColumns) : { rows: res.rows, keys: res.keys, index: indexOf(res.keys) } };
            }
            stats.stateRowsUpdated += res.applied;
            stats.stateRowsRemoved += res.tombstonesEvicted;
          }
          const tw = Date.now();
          await this.state.commitCdc(job, statePartition, batchId, attempt, keys, emitted);
          // A key held by two rows is not the layout the index stands for: not kept.
          if (keep !== null && keep.rows.index.size === keep.rows.rows.count) this.rowsCache.put({ ...where, batchId, attempt, files: keep.files }, keep.rows);
          const te = Date.now();
          // Route r's partition p is reported as cdcStatePartition(r, p, P), as the map tasks count what they sent it.
          stats.byPartition.push({ partition: statePartition, mergedPartialRows: changes.count, emittedRows: emitted });
          stats.mergedPartialRows += changes.count;
          stats.emittedRows += emitted;
          stats.stateRowsTotal += keys.numKeys;
          stats.stateMemoryBytes += keys.memoryBytes;
          stats.timingsMs.stateLoad += tm - tl;
          stats.timingsMs.merge += tw - tm;
          stats.timingsMs.stateWrite += te - tw;
        }
      }));
      stats.update = u;
      stats.filesWritten = files.reduce((a, f) => a + f.adds.length, 0);
      stats.timingsMs.total = Date.now() - t0;
      return { stats, adds: files[0].adds, removedPaths: files[0].removedPaths, ...(R === 1 ? {} : { routeFiles: files.slice(1) }) };
    } finally {
      this.inbox.close(queryId, batchId, attempt, 'its reduce task ended');
    }
  }

  private async readRows(snapshot: Snapshot, files: { absolute: string; add: AddFile }[], output: ReduceTaskInput['query']['output']): Promise<ColumnBatch> {
    const deltaSchema = snapshotSchema(snapshot);
    const parts: ColumnBatch[] = [];
    for (const f of files) parts.push(await readFileRows(f.absolute, f.add, deltaSchema, { storage: this.storage, snapshot, output }));
    return concatBatches(output, parts);
  }
}

/** The live files of one shuffle partition (their `add` tag). */
function partitionFiles(snapshot: Snapshot, partition: number): { absolute: string; add: AddFile }[] {
  const part = String(partition);
  const out: { absolute: string; add: AddFile }[] = [];
  for (const [absolute, add] of snapshot.files) if (add.tags?.[PARTITION_TAG] === part) out.push({ absolute, add });
  return out;
}
