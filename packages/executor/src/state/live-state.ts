/**
 * The live state tables of the shuffle partitions this executor owns, kept in memory between
 * batches, over the durable versioned store (packages/common/src/state).
 *
 * Versions follow Spark: state version v is the state after batch v−1 (version 0 is empty), so
 * batch N reads version N and writes version N+1. A cached table is used only when it is exactly
 * the version a batch needs and was written by the attempt the driver committed; otherwise the
 * partition is loaded from the store (snapshot + change sets). A table is taken out of the cache
 * while a batch changes it and put back only once its new version is durable, so a failed attempt
 * never leaves a half-merged table behind.
 */
import { ExecutorJob, StateStore } from '@tributary/common';
import { ChangeSet, WindowStateTable, decodeChangeSet, decodePartialSet, encodeChangeSet, encodePartialSet } from '../aggregate';

interface Cached { version: number; attempt: number; table: WindowStateTable }

export class LiveState {
  private readonly stores = new Map<string, Promise<StateStore>>();
  private readonly tables = new Map<string, Cached>();

  constructor(private readonly log: (m: string) => void) {}

  /**
   * The state of `partition` after batch `prevBatchId` (version prevBatchId+1), ready to change.
   * `committed` maps batch id → the attempt whose state the driver committed.
   */
  async checkout(job: ExecutorJob, partition: number, prevBatchId: number, committed: Map<number, number>): Promise<WindowStateTable> {
    const version = prevBatchId + 1;
    const key = `${job.queryId}:${partition}`;
    const cached = this.tables.get(key);
    this.tables.delete(key);
    if (cached && cached.version === version && (version === 0 || cached.attempt === committed.get(prevBatchId))) return cached.table;
    const table = new WindowStateTable({ windowMicros: job.windowMicros });
    if (version === 0) return table;
    const store = await this.store(job);
    const chain = await store.loadChain(partition, version, (v) => committed.get(v - 1));
    if (chain.snapshot) table.loadSnapshot(decodePartialSet(chain.snapshot.bytes));
    for (const change of chain.changes) table.applyChanges(decodeChangeSet(change.bytes));
    table.mark();
    this.log(`loaded state of partition ${partition} at version ${version} (${chain.snapshot ? `snapshot ${chain.snapshot.version} + ` : ''}${chain.changes.length} change sets, ${table.numRowsTotal} rows)`);
    return table;
  }

  /**
   * Writes the table's changes since checkout as state version batchId+1 of attempt `attempt`
   * (fenced, Redis and durable copy); on success the table becomes the cached version. Every K
   * versions a snapshot of the whole table also goes to the durable copy, in the background: its
   * cost grows with the whole state, so it stays off the batch's path (the change set already makes
   * the version loadable; a missing snapshot only makes a later load read more change sets).
   */
  async commit(job: ExecutorJob, partition: number, batchId: number, attempt: number, table: WindowStateTable): Promise<{ upserted: number; deleted: number }> {
    const version = batchId + 1;
    const store = await this.store(job);
    const changes: ChangeSet = table.changesSinceMark();
    await store.write(partition, version, attempt, 'delta', encodeChangeSet(changes));
    if (store.shouldSnapshot(version)) {
      const rows = table.snapshot();
      setImmediate(() => {
        store.writeDurableSnapshot(partition, version, attempt, encodePartialSet(rows))
          .catch((err) => this.log(`WARN snapshot of partition ${partition} version ${version} not written: ${(err as Error).message}`));
      });
    }
    table.mark();
    this.tables.set(`${job.queryId}:${partition}`, { version, attempt, table });
    return { upserted: changes.upserts.length, deleted: changes.deletedWindowStartsMicros.length };
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) await (await s).close().catch(() => {});
    this.stores.clear();
    this.tables.clear();
  }

  private store(job: ExecutorJob): Promise<StateStore> {
    let s = this.stores.get(job.queryId);
    if (!s) {
      s = StateStore.open({
        redis: job.redis, checkpointDir: job.checkpointLocation, queryId: job.queryId, snapshotEvery: job.snapshotEvery,
        warn: (m: string) => this.log(`WARN ${m}`),
      });
      s.catch(() => this.stores.delete(job.queryId));
      this.stores.set(job.queryId, s);
    }
    return s;
  }
}
