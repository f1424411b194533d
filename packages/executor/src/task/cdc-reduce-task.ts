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
 */
import type { Storage } from '@tributary/common';
import { AddFile, cdcDataColumns, ColumnBatch, concatBatches, previousBatch, Snapshot, snapshotSchema, writeBatchFiles } from '@tributary/common';
import { applyChanges, CdcRows } from '../cdc/apply-changes';
import { applyChangesScd2 } from '../cdc/apply-changes-scd2';
import { decodeChanges } from '../cdc/cdc-codec';
import { fileIdentity, indexOf, KeyedRows, keyedRows, PartitionRowsCache } from '../cdc/partition-rows-cache';
import { ShuffleInbox } from '../shuffle/shuffle-inbox';
import { TableSnapshots } from '../sink/table-snapshots';
import { PARTITION_TAG, readFileRows, WINDOW_RANGE_TAG } from '../sink/update-merge';
import { LiveState } from '../state/live-state';
import { concatRows } from './cdc-map-task';
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
      const snapshot = await this.snapshots.at(job.tablePath, input.tableVersion);
      const data = cdcDataColumns(cdc, query.output);
      const apply = cdc.storedAs === 'scd2' ? applyChangesScd2 : applyChanges;
      const stats = emptyReduceStats(input.partitions);
      const u = { keptRows: 0, removedRows: 0, removedFiles: 0, groupsRewritten: 0 };
      const adds: AddFile[] = [];
      const removedPaths: string[] = [];
      await Promise.all(input.partitions.map(async (partition) => {
        const messages = await this.inbox.take(queryId, batchId, attempt, partition, input.mapTaskIds, SHUFFLE_WAIT_MS);
        const tl = Date.now();
        const keys = await this.state.checkoutCdc(job, partition, previousBatch(batchId), input.committed);
        const tm = Date.now();
        keys.mark();
        const received: CdcRows[] = [];
        for (const m of messages) {
          if (m.rows === 0) continue;
          const rows = decodeChanges(data, m.bytes);
          if (rows.count !== m.rows) throw new RangeError(`a push of partition ${partition} says ${m.rows} rows but holds ${rows.count}`);
          received.push(rows);
        }
        const changes = concatRows(data, received);
        let emitted = 0;
        const files = partitionFiles(snapshot, partition);
        const paths = files.map((f) => fileIdentity(f.add));
        const cacheable = cdc.storedAs !== 'scd2';
        const where = { tablePath: job.tablePath, partition, output: query.output, keyColumns: cdc.keyColumns };
        const cached = cacheable ? this.rowsCache.take({ ...where, prevBatchId: previousBatch(batchId), committed: input.committed, files: paths }) : null;
        let keep: { files: string[]; rows: KeyedRows } | null = cached === null ? null : { files: paths, rows: cached };
        if (changes.count > 0) {
          const current = cached?.rows ?? await this.readRows(snapshot, files, query.output);
          const r = apply({ changes, current, keyColumns: cdc.keyColumns, state: keys, tombstoneRetentionMicros: cdc.tombstoneRetentionMicros, currentKeys: cached ?? undefined });
          if (cacheable && !r.changed) keep = { files: paths, rows: cached ?? keyedRows(current, cdc.keyColumns) };
          if (r.changed) {
            const written: string[] = [];
            emitted = r.freshRows;
            for (const f of files) removedPaths.push(f.add.path);
            u.removedFiles += files.length;
            u.removedRows += current.count;
            u.keptRows += r.keptRows;
            u.groupsRewritten++;
            if (r.rows.count > 0) {
              const tags = { [PARTITION_TAG]: String(partition), [WINDOW_RANGE_TAG]: '' };
              for (const a of await writeBatchFiles(this.storage, job.tablePath, r.rows)) {
                adds.push({ ...a, tags });
                written.push(fileIdentity(a));
              }
            }
            if (cacheable) keep = { files: written, rows: r.keys === undefined ? keyedRows(r.rows, cdc.keyColumns) : { rows: r.rows, keys: r.keys, index: indexOf(r.keys) } };
          }
          stats.stateRowsUpdated += r.applied;
          stats.stateRowsRemoved += r.tombstonesEvicted;
        }
        const tw = Date.now();
        await this.state.commitCdc(job, partition, batchId, attempt, keys, emitted);
        // A key held by two rows is not the layout the index stands for: not kept.
        if (keep !== null && keep.rows.index.size === keep.rows.rows.count) this.rowsCache.put({ ...where, batchId, attempt, files: keep.files }, keep.rows);
        const te = Date.now();
        stats.byPartition.push({ partition, mergedPartialRows: changes.count, emittedRows: emitted });
        stats.mergedPartialRows += changes.count;
        stats.emittedRows += emitted;
        stats.stateRowsTotal += keys.numKeys;
        stats.stateMemoryBytes += keys.memoryBytes;
        stats.timingsMs.stateLoad += tm - tl;
        stats.timingsMs.merge += tw - tm;
        stats.timingsMs.stateWrite += te - tw;
      }));
      stats.update = u;
      stats.filesWritten = adds.length;
      stats.timingsMs.total = Date.now() - t0;
      return { stats, adds, removedPaths };
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
