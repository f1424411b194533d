/**
 * The main Delta table of a query (a StreamingTable: txn per batch, kept snapshot, background
 * checkpoints). Batch N's commit holds the files the reduce tasks wrote as `add` actions, and each
 * Kafka partition's end offset as a `txn` action (appId `<queryId>-<topic>-<partition>`, version =
 * end offset) for audit and lag tools. In complete mode the commit also removes every file that was
 * live, so the table holds exactly the new result.
 *
 * Update mode (docs/update-mode.md): before each attempt the driver takes the table's snapshot
 * (updateSnapshot()); the reduce tasks merge the batch's changed rows into the files of that
 * version, copy-on-write, and report the files they rewrote. The commit, against that version,
 * removes those files (dataChange=true; the sink builds each `remove` from its own snapshot and
 * refuses a path that is not a live file there, or named twice) and adds the new files, in one
 * commit carrying the batch's txn. A concurrent change to a removed file fails the commit as
 * retriable: the batch runs again against the new version.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, Action, ConcurrentModificationError, createTable, kafkaOffsetTxns, removeFor, Snapshot, StructType, BatchId, TributaryError,
} from '@tributary/common';
import { StreamingTable } from './streaming-table';

/** The table a query writes: its columns, partitioning, and how each batch changes it. */
export interface SinkTable {
  schema: StructType;
  partitionColumns: string[];
  /** Complete mode: each batch replaces the table. */
  complete: boolean;
  /** Update mode: each batch merges its changed rows by key (rewritten files removed). */
  update?: boolean;
}

/** Update mode: what a batch's merge read and replaced. */
export interface UpdateMerge {
  /** The snapshot the reduce tasks merged against (from updateSnapshot()). */
  snapshot: Snapshot;
  /** Paths (as in their `add`) of the files rewritten. */
  removedPaths: string[];
}

export class DeltaSink {
  private readonly table: StreamingTable;

  constructor(
    private readonly storage: Storage,
    readonly tablePath: string,
    private readonly sinkTable: SinkTable,
    private readonly queryId: string,
    log: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    this.table = new StreamingTable(storage, tablePath, queryId, log);
  }

  /** Creates the table, or checks that an existing one has the query's columns and partitioning (createTable). */
  async ensureTable(): Promise<void> {
    await createTable(this.storage, this.tablePath, this.sinkTable.schema, { partitionColumns: this.sinkTable.partitionColumns });
  }

  /** The newest batch of this query the table holds, if any. */
  txnVersion(): Promise<number | undefined> {
    return this.table.txnVersion();
  }

  /** Update mode: the table's newest snapshot, which an attempt merges against and its commit reads. */
  updateSnapshot(): Promise<Snapshot> {
    return this.table.current();
  }

  /** Returns the table version written, or 'skipped' when the table already holds batch N. `leaseToken`: the committing driver's (streaming-table.ts). */
  async commitBatch(
    batchId: BatchId, adds: AddFile[], offsets: { topic: string; partition: number; endOffset: string }[], merge?: UpdateMerge, leaseToken?: number,
  ): Promise<number | 'skipped'> {
    const complete = this.sinkTable.complete;
    if (this.sinkTable.update && merge === undefined) throw new RangeError('an update-mode commit needs the snapshot its merge read');
    const now = Date.now();
    const byTopic = new Map<string, Map<number, string>>();
    for (const o of offsets) {
      const m = byTopic.get(o.topic) ?? new Map<number, string>();
      m.set(o.partition, o.endOffset);
      byTopic.set(o.topic, m);
    }
    const offsetTxns: Action[] = [...byTopic]
      .flatMap(([topic, m]) => kafkaOffsetTxns(this.queryId, topic, m))
      .map((t) => ({ txn: { ...t, lastUpdated: now } }));
    const removes = (snapshot: Snapshot): Action[] => {
      if (complete) return [...snapshot.files.values()].map((f) => ({ remove: removeFor(f, now) }));
      if (merge !== undefined) return rewrittenFiles(snapshot, merge.removedPaths).map((f) => ({ remove: removeFor(f, now) }));
      return [];
    };
    try {
      return await this.table.commitBatch(batchId, (snapshot) => [...removes(snapshot), ...adds.map((a) => ({ add: a })), ...offsetTxns], {
        operationParameters: { outputMode: complete ? 'Complete' : merge !== undefined ? 'Update' : 'Append' },
        readWholeTable: complete,
        ...(merge !== undefined ? { readSnapshot: merge.snapshot, readPaths: merge.removedPaths } : {}),
        now,
        leaseToken,
      });
    } catch (err) {
      if (merge !== undefined && err instanceof ConcurrentModificationError) {
        throw new TributaryError(`batch ${batchId}'s merge read table version ${merge.snapshot.version}, which a concurrent commit changed; the batch runs again: ${err.message}`, {
          retriable: true, code: err.code, cause: err,
        });
      }
      throw err;
    }
  }

  /** Starts the checkpoint a commit made due, in the background (call once the batch is over). */
  startMaintenance(): void {
    this.table.startMaintenance();
  }

  /** Resolves when background checkpoints and log cleanup have finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.table.idle();
  }
}

/** The live files of `snapshot` named by `paths` (as in their `add`); throws on an unknown or repeated path. */
function rewrittenFiles(snapshot: Snapshot, paths: readonly string[]): AddFile[] {
  const live = new Map<string, AddFile>();
  for (const add of snapshot.files.values()) live.set(add.path, add);
  const seen = new Set<string>();
  return paths.map((p) => {
    const add = live.get(p);
    if (add === undefined || seen.has(p)) {
      throw new TributaryError(`the reduce tasks rewrote ${p}, which is ${add === undefined ? 'not a live file' : 'named twice'} at table version ${snapshot.version}`, { retriable: true, code: 'UPDATE_MERGE_REFUSED' });
    }
    seen.add(p);
    return add;
  });
}
