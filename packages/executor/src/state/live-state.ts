/**
 * The live state tables of the shuffle partitions this executor owns, kept in memory between
 * batches, over the durable versioned store (packages/common/src/state).
 *
 * Versions follow Spark (batch-id.ts in common): state version v is the state after batch v−1
 * (version 0 is empty), so batch N reads version N and writes version N+1. A cached table is used only when it is exactly
 * the version a batch needs and was written by the attempt the driver committed; otherwise the
 * partition is loaded from the store (snapshot + change sets). A table is taken out of the cache
 * while a batch changes it and put back only once its new version is durable, so a failed attempt
 * never leaves a half-merged table behind.
 *
 * The tables are the general group-by's GroupStateTable; blobs are in the group codec's formats:
 * change sets group-changes/v1, snapshots group-partials/v1 of every group (group-codec.ts). A
 * session-window query's tables are SessionStateTables, each version's blob its whole state
 * (session-state/v1, session-codec.ts). A query with dropDuplicates keeps a DedupStateTable
 * (dedup/dedup-codec.ts: change sets dedup-changes/v1, snapshots dedup-keys/v1, encoded on the
 * event loop when due).
 *
 * What a query holds here (tables, snapshot memory, its store's Redis connection) is released once
 * the query has not used it for `idleQueryMs` (default 10 minutes) and another query does: a query
 * that was stopped leaves nothing behind for good, and one that comes back loads from the store.
 */
import type { Storage } from '@tributary/common';
import { BatchId, batchThatWrote, ExecutorJob, StateChain, StateStore, StateVersion, stateVersionAfter } from '@tributary/common';
import {
  decodeGroupChanges, decodeGroupPartials, encodeGroupChanges, GroupLayout, GroupStateTable, ImageBuffers, imageFits,
} from '../aggregate/group-by';
import { decodeSessionState, encodeSessionState, SessionLayout, SessionStateTable } from '../aggregate/session';
import { decodeDedupChanges, decodeDedupKeys, encodeDedupChanges, encodeDedupKeys } from '../dedup/dedup-codec';
import { DedupLayout } from '../dedup/dedup-layout';
import { DedupStateTable } from '../dedup/dedup-state-table';
import { SnapshotEncoder } from './snapshot-encoder';
import { CdcKeyState } from '../cdc/cdc-key-state';
import { decodeKeyChanges, encodeKeyChanges } from '../cdc/cdc-codec';

/** Snapshot memory of a partition: `buffers` is null while they are with the encoder (or not made yet). */
interface SnapshotSlot { buffers: ImageBuffers | null; busy: boolean; preparing: boolean }

/** A table at `version`; `takeSnapshot`, while set, copies it for a snapshot due at this version. */
interface Cached { key: string; version: StateVersion; attempt: number; table: GroupStateTable | SessionStateTable | DedupStateTable | CdcKeyState; takeSnapshot: (() => void) | null }

/** Room snapshot memory is made with: the state × GROWTH + PAD_ROWS; made again once the state passes it × REFILL. */
const GROWTH = 1.5;
const PAD_ROWS = 16 * 1024;
const REFILL = 0.75;
/** A snapshot due waits at most this long for the tables in use (a task that failed between checkout and commit leaves one). */
const DUE_WAIT_MS = 1000;
/**
 * Copies start this long after the last commit: the reduce task answers right after its commits,
 * and its gRPC reply (data, then trailers) leaves over a few turns of the event loop; a copy
 * started in the same turn would delay the reply by the copy's time.
 */
const ANSWER_FLUSH_MS = 5;

export class LiveState {
  private readonly stores = new Map<string, Promise<StateStore>>();
  private readonly tables = new Map<string, Cached>();
  private readonly encoder = new SnapshotEncoder();
  /**
   * Per partition, the buffers snapshots are copied into (group-image.ts), reused (they travel to
   * the encoder and back) so that a snapshot writes into mapped memory. Bigger ones are prepared by
   * the worker ahead of need: when a table is loaded, and once a committed version fills three
   * quarters of them.
   */
  private readonly snapshotMemory = new Map<string, SnapshotSlot>();
  /**
   * Partitions checked out and not yet committed. Snapshot copies wait until none is, so that a
   * copy never runs inside a reduce task whose other partitions are still merging or committing.
   */
  private readonly inUse = new Set<string>();
  /** Snapshots due, taken once no table is in use, or by their table's next checkout. */
  private readonly due = new Set<Cached>();
  private dueTimer: NodeJS.Timeout | null = null;

  /** queryId → when it last checked a table out or committed one (ms). */
  private readonly lastUsedMs = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly log: (m: string) => void,
    private readonly idleQueryMs = 10 * 60_000,
  ) {}

  /**
   * The group-by state of `partition` after batch `prevBatchId` (the empty state when null), ready
   * to change; `layout` is the query's groupLayout. `committed` maps batch id → the attempt whose
   * state the driver committed.
   */
  async checkoutGroups(
    job: ExecutorJob, layout: GroupLayout, partition: number, prevBatchId: BatchId | null, committed: ReadonlyMap<BatchId, number>,
  ): Promise<GroupStateTable> {
    const key = `${job.queryId}:${partition}`;
    this.inUse.add(key);
    try {
      const cached = this.takeCached(job, partition, prevBatchId, committed);
      // A query keeps its layout across restarts (the driver refuses a changed one); compared anyway.
      if (cached instanceof GroupStateTable && (cached.layout === layout || JSON.stringify(cached.layout) === JSON.stringify(layout))) return cached;
      const table = new GroupStateTable(layout);
      if (prevBatchId === null) return table;
      const chain = await this.loadChain(job, partition, prevBatchId, committed);
      if (chain.snapshot) table.loadSnapshot(decodeGroupPartials(layout, chain.snapshot.bytes));
      for (const change of chain.changes) table.applyChanges(decodeGroupChanges(layout, change.bytes));
      table.mark();
      this.prepareSnapshotMemory(key, table);
      this.logLoaded(partition, prevBatchId, chain, table.numGroups);
      return table;
    } catch (err) {
      this.inUse.delete(key);
      throw err;
    }
  }

  /**
   * Takes the cached table of the partition out of the cache; returns it when it is exactly the
   * state after `prevBatchId` written by the attempt the driver committed, else null.
   */
  private takeCached(
    job: ExecutorJob, partition: number, prevBatchId: BatchId | null, committed: ReadonlyMap<BatchId, number>,
  ): GroupStateTable | SessionStateTable | DedupStateTable | CdcKeyState | null {
    const version = stateVersionAfter(prevBatchId);
    const key = `${job.queryId}:${partition}`;
    this.touch(job.queryId);
    const cached = this.tables.get(key);
    this.tables.delete(key);
    if (cached && cached.version === version && (prevBatchId === null || cached.attempt === committed.get(prevBatchId))) {
      cached.takeSnapshot?.(); // before the table changes
      return cached.table;
    }
    return null;
  }

  /**
   * The session state of `partition` after batch `prevBatchId` (empty when null), ready to change;
   * `layout` is the query's sessionLayout. Each version's blob is the whole state
   * (session-state/v1), so only the newest blob of the chain is read.
   */
  async checkoutSessions(
    job: ExecutorJob, layout: SessionLayout, partition: number, prevBatchId: BatchId | null, committed: ReadonlyMap<BatchId, number>,
  ): Promise<SessionStateTable> {
    const key = `${job.queryId}:${partition}`;
    this.inUse.add(key);
    try {
      const cached = this.takeCached(job, partition, prevBatchId, committed);
      if (cached instanceof SessionStateTable && (cached.layout === layout || JSON.stringify(cached.layout) === JSON.stringify(layout))) return cached;
      const table = new SessionStateTable(layout);
      if (prevBatchId === null) return table;
      const chain = await this.loadChain(job, partition, prevBatchId, committed);
      const newest = chain.changes.length > 0 ? chain.changes[chain.changes.length - 1] : chain.snapshot;
      if (newest !== undefined) table.load(decodeSessionState(layout, newest.bytes));
      this.logLoaded(partition, prevBatchId, chain, table.numSessions);
      return table;
    } catch (err) {
      this.inUse.delete(key);
      throw err;
    }
  }

  /**
   * Writes the whole session state as the version batch `batchId` writes, by attempt `attempt`
   * (fenced, Redis and durable copy); on success the table becomes the cached version. Every K
   * versions the same bytes also go to the durable copy as a snapshot, so a load never walks back
   * further than K versions.
   */
  async commitSessions(job: ExecutorJob, partition: number, batchId: BatchId, attempt: number, table: SessionStateTable, emittedRows: number): Promise<{ stored: number }> {
    const rows = table.stateRows();
    const bytes = encodeSessionState(table.layout, rows);
    await this.commitChanges(job, partition, batchId, attempt, table, bytes, emittedRows, (store, version) => {
      if (!store.shouldSnapshot(version)) return null;
      return () => {
        store.writeDurableSnapshot(partition, version, attempt, bytes)
          .catch((err) => this.log(`WARN session snapshot of ${job.queryId}:${partition} not written: ${(err as Error).message}`));
      };
    });
    return { stored: rows.count };
  }

  /** The blobs of the committed chain that makes the state after `prevBatchId`. */
  private async loadChain(job: ExecutorJob, partition: number, prevBatchId: BatchId, committed: ReadonlyMap<BatchId, number>): Promise<StateChain> {
    const store = await this.store(job);
    return store.loadChain(partition, stateVersionAfter(prevBatchId), (v) => {
      const writer = batchThatWrote(v);
      return writer === null ? undefined : committed.get(writer);
    });
  }

  private logLoaded(partition: number, prevBatchId: BatchId, chain: StateChain, rows: number): void {
    const version = stateVersionAfter(prevBatchId);
    this.log(`loaded state of partition ${partition} at version ${version} (${chain.snapshot ? `snapshot ${chain.snapshot.version} + ` : ''}${chain.changes.length} change sets, ${rows} rows)`);
  }

  /** A CDC query's key state of `partition` after batch `prevBatchId` (cdc-key-state.ts), ready to change (as checkoutDedup). */
  async checkoutCdc(job: ExecutorJob, partition: number, prevBatchId: BatchId | null, committed: ReadonlyMap<BatchId, number>): Promise<CdcKeyState> {
    const key = `${job.queryId}:${partition}`;
    this.inUse.add(key);
    try {
      const cached = this.takeCached(job, partition, prevBatchId, committed);
      if (cached instanceof CdcKeyState) return cached;
      const table = new CdcKeyState();
      if (prevBatchId === null) return table;
      const chain = await this.loadChain(job, partition, prevBatchId, committed);
      if (chain.snapshot) table.apply(decodeKeyChanges(chain.snapshot.bytes));
      for (const change of chain.changes) table.apply(decodeKeyChanges(change.bytes));
      table.mark();
      this.logLoaded(partition, prevBatchId, chain, table.numKeys);
      return table;
    } catch (err) {
      this.inUse.delete(key);
      throw err;
    }
  }

  /** Writes the CDC key state's changes since checkout (cdc-keys/v1) as the version batch `batchId` writes (as commitDedup). */
  async commitCdc(job: ExecutorJob, partition: number, batchId: BatchId, attempt: number, table: CdcKeyState, emittedRows: number): Promise<void> {
    await this.commitChanges(job, partition, batchId, attempt, table, encodeKeyChanges(table.changesSinceMark()), emittedRows, (store, version) => {
      if (!store.shouldSnapshot(version)) return null;
      const warn = (err: unknown): void => this.log(`WARN cdc key-state snapshot of ${job.queryId}:${partition} not written: ${(err as Error).message}`);
      return () => {
        let bytes: Uint8Array;
        try {
          bytes = encodeKeyChanges(table.all());
        } catch (err) {
          warn(err);
          return;
        }
        store.writeDurableSnapshot(partition, version, attempt, bytes).catch(warn);
      };
    });
  }

  /**
   * Writes the table's changes since checkout (group-changes/v1) as the state version batch
   * `batchId` writes, by attempt `attempt` (fenced, Redis and durable copy); on success the table
   * becomes the cached version.
   *
   * Every K versions a snapshot of the whole table also goes to the durable copy, off the batch's
   * path, because its cost grows with the whole state: the table is copied column at a time into
   * the partition's snapshot memory once the task has answered, in the gap before the next batch
   * (or, at the latest, when the next batch checks the table out), then encoded on a worker thread
   * and written. The version's change set already makes it loadable; a snapshot that is skipped or
   * fails only makes a later load read more change sets.
   */
  async commitGroups(job: ExecutorJob, partition: number, batchId: BatchId, attempt: number, table: GroupStateTable, emittedRows: number): Promise<{ upserted: number; deleted: number }> {
    const changes = table.changesSinceMark();
    const key = `${job.queryId}:${partition}`;
    await this.commitChanges(job, partition, batchId, attempt, table, encodeGroupChanges(table.layout, changes), emittedRows, (store, version) => {
      this.prepareSnapshotMemory(key, table);
      if (!store.shouldSnapshot(version)) return null;
      return () => this.snapshot(key, table, (bytes) => store.writeDurableSnapshot(partition, version, attempt, bytes));
    });
    return { upserted: changes.upserts.count, deleted: changes.deletedWindowStartsMicros.length };
  }

  /** The dedup state of `partition` after batch `prevBatchId`, ready to change (as checkoutGroups). */
  async checkoutDedup(
    job: ExecutorJob, layout: DedupLayout, partition: number, prevBatchId: BatchId | null, committed: ReadonlyMap<BatchId, number>,
  ): Promise<DedupStateTable> {
    const key = `${job.queryId}:${partition}`;
    this.inUse.add(key);
    try {
      const cached = this.takeCached(job, partition, prevBatchId, committed);
      if (cached instanceof DedupStateTable && JSON.stringify(cached.layout) === JSON.stringify(layout)) return cached;
      const table = new DedupStateTable(layout);
      if (prevBatchId === null) return table;
      const chain = await this.loadChain(job, partition, prevBatchId, committed);
      if (chain.snapshot) table.loadSnapshot(decodeDedupKeys(layout, chain.snapshot.bytes));
      for (const change of chain.changes) table.applyChanges(decodeDedupChanges(layout, change.bytes));
      table.mark();
      this.logLoaded(partition, prevBatchId, chain, table.numKeys);
      return table;
    } catch (err) {
      this.inUse.delete(key);
      throw err;
    }
  }

  /**
   * Writes the dedup table's changes since checkout (dedup-changes/v1) as the version batch
   * `batchId` writes (as commitGroups). A snapshot due at that version is encoded on the event loop
   * once the task has answered (or when the next batch checks the table out, before it changes
   * it): its cost grows with the live keys, once every K versions, off the batch's path.
   */
  async commitDedup(job: ExecutorJob, partition: number, batchId: BatchId, attempt: number, table: DedupStateTable, emittedRows: number): Promise<void> {
    const changes = table.changesSinceMark();
    await this.commitChanges(job, partition, batchId, attempt, table, encodeDedupChanges(table.layout, changes), emittedRows, (store, version) => {
      if (!store.shouldSnapshot(version)) return null;
      const warn = (err: unknown): void => this.log(`WARN dedup snapshot of ${job.queryId}:${partition} not written: ${(err as Error).message}`);
      return () => {
        let bytes: Uint8Array;
        try {
          bytes = encodeDedupKeys(table.layout, table.allRows()); // now: the table is still at `version`
        } catch (err) {
          warn(err);
          return;
        }
        store.writeDurableSnapshot(partition, version, attempt, bytes).catch(warn);
      };
    });
  }

  /**
   * Writes a change set as version stateVersionAfter(batchId) and caches the table at it.
   * `snapshotDue` returns, when a snapshot is due at that version, what takes it: it runs once,
   * once no table is checked out and the task's answer has left (the gap before the next batch),
   * or when the next batch checks the table out.
   */
  private async commitChanges(
    job: ExecutorJob, partition: number, batchId: BatchId, attempt: number, table: GroupStateTable | SessionStateTable | DedupStateTable | CdcKeyState, bytes: Uint8Array, emittedRows: number,
    snapshotDue: (store: StateStore, version: StateVersion) => (() => void) | null,
  ): Promise<void> {
    const version = stateVersionAfter(batchId);
    const key = `${job.queryId}:${partition}`;
    this.touch(job.queryId);
    try {
      const store = await this.store(job);
      await store.write(partition, version, attempt, 'delta', bytes, emittedRows);
      table.mark();
      const cached: Cached = { key, version, attempt, table, takeSnapshot: null };
      const take = snapshotDue(store, version);
      if (take !== null) {
        cached.takeSnapshot = () => {
          cached.takeSnapshot = null;
          this.due.delete(cached);
          take();
        };
        this.due.add(cached);
      }
      this.tables.set(key, cached);
    } finally {
      this.inUse.delete(key);
      if (this.due.size > 0) setTimeout(() => this.takeDueSnapshots(false), ANSWER_FLUSH_MS);
    }
  }

  /** Takes the snapshots due once no table is in use (`force`: regardless). */
  private takeDueSnapshots(force: boolean): void {
    if (this.due.size === 0) return;
    if (this.inUse.size > 0 && !force) {
      this.dueTimer ??= setTimeout(() => {
        this.dueTimer = null;
        this.takeDueSnapshots(true);
      }, DUE_WAIT_MS).unref();
      return;
    }
    for (const cached of [...this.due]) cached.takeSnapshot?.();
  }

  /** Asks the worker for bigger snapshot memory once the table fills three quarters of the current one. */
  private prepareSnapshotMemory(key: string, table: GroupStateTable): void {
    const held = this.snapshotSlot(key);
    if (held.preparing || (held.buffers !== null && imageFits(held.buffers, table.imageSizes(1 / REFILL)))) return;
    held.preparing = true;
    this.encoder.prepare(table.imageSizes(GROWTH, PAD_ROWS))
      .then((buffers) => {
        held.buffers = buffers; // an encoding in flight gives back the old ones, then dropped
      })
      .catch((err) => this.log(`WARN snapshot memory for ${key} not prepared: ${(err as Error).message}`))
      .finally(() => { held.preparing = false; });
  }

  /**
   * Copies the table for a snapshot into the partition's memory (fresh memory for its first
   * snapshot on this executor), then encodes and writes it off the event loop. Skipped while the
   * previous snapshot of the partition is still being encoded, or while bigger memory is being
   * prepared.
   */
  private snapshot(key: string, table: GroupStateTable, write: (bytes: Uint8Array) => Promise<void>): void {
    const held = this.snapshotSlot(key);
    const sizes = table.imageSizes();
    if (held.busy || (held.buffers !== null && !imageFits(held.buffers, sizes))) {
      this.log(`snapshot of ${key} skipped (${held.busy ? 'the previous one is still being encoded' : 'bigger memory for it is being prepared'})`);
      return;
    }
    if (held.buffers === null) held.buffers = fresh(table.imageSizes(1.25, 1024));
    const image = table.copyImage(held.buffers);
    held.buffers = null;
    held.busy = true;
    this.encoder.encode(image)
      .then((done) => {
        if (held.buffers === null) held.buffers = done.buffers;
        return write(done.bytes);
      })
      .catch((err) => {
        const back = (err as { buffers?: ImageBuffers }).buffers;
        if (back !== undefined && held.buffers === null) held.buffers = back;
        this.log(`WARN snapshot of ${key} not written: ${(err as Error).message}`);
      })
      .finally(() => { held.busy = false; });
  }

  private snapshotSlot(key: string): SnapshotSlot {
    let held = this.snapshotMemory.get(key);
    if (!held) this.snapshotMemory.set(key, (held = { buffers: null, busy: false, preparing: false }));
    return held;
  }

  /** Marks the query used now, and releases what queries idle for longer than idleQueryMs hold. */
  private touch(queryId: string): void {
    const now = Date.now();
    this.lastUsedMs.set(queryId, now);
    for (const [q, used] of this.lastUsedMs) {
      if (now - used <= this.idleQueryMs) continue;
      this.lastUsedMs.delete(q);
      const prefix = `${q}:`;
      for (const key of [...this.tables.keys()]) if (key.startsWith(prefix)) this.tables.delete(key);
      for (const cached of [...this.due]) if (cached.key.startsWith(prefix)) this.due.delete(cached);
      for (const key of [...this.inUse]) if (key.startsWith(prefix)) this.inUse.delete(key);
      for (const key of [...this.snapshotMemory.keys()]) if (key.startsWith(prefix)) this.snapshotMemory.delete(key);
      const store = this.stores.get(q);
      this.stores.delete(q);
      store?.then((st) => st.close()).catch(() => {});
      this.log(`released the live state of query ${q}, unused for ${Math.round((now - used) / 1000)} s`);
    }
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) await (await s).close().catch(() => {});
    this.stores.clear();
    this.tables.clear();
    this.due.clear();
    if (this.dueTimer !== null) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    this.snapshotMemory.clear();
    this.lastUsedMs.clear();
    await this.encoder.close();
  }

  private store(job: ExecutorJob): Promise<StateStore> {
    let s = this.stores.get(job.queryId);
    if (!s) {
      s = StateStore.open({
        storage: this.storage, redis: job.redis, checkpointDir: job.checkpointLocation, queryId: job.queryId, snapshotEvery: job.snapshotEvery,
        warn: (m: string) => this.log(`WARN ${m}`),
      });
      s.catch(() => this.stores.delete(job.queryId));
      this.stores.set(job.queryId, s);
    }
    return s;
  }
}

/** Buffers of `sizes` made on the event loop (a partition's first snapshot, before any were prepared). */
function fresh(sizes: Record<string, number>): ImageBuffers {
  const buffers: ImageBuffers = {};
  for (const [name, bytes] of Object.entries(sizes)) buffers[name] = new ArrayBuffer(bytes);
  return buffers;
}
