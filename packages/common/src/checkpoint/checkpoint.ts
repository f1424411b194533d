import type { BatchId } from '../batch/batch-id';
import { CommitLog, type BatchCommit } from './commit-log';
import { joinLocation, type Storage } from '../storage/storage';
import { LocationLock } from './location-lock';
import type { LogEntry } from './metadata-log';
import { OffsetLog, type BatchPlan } from './offset-log';
import { createQueryMetadata, readQueryMetadata, type NewQueryMetadata, type QueryMetadata } from './query-metadata';

/**
 * A checkpoint location (a directory, or an object-store prefix, in its Storage; Spark's `checkpointLocation`):
 *
 *     <location>/metadata        QueryMetadata, written once at first start
 *     <location>/offsets/<N>     plan of batch N, written before N runs (OffsetLog)
 *     <location>/commits/<N>     batch N done: state N durable, every sink holds N (CommitLog)
 *     <location>/.lock           the running query holding the location (LocationLock)
 *     <location>/state/          versioned state per shuffle partition (owned by the state store)
 *
 * Batch N is planned when offsets/N exists and committed when commits/N exists; at most one batch
 * (the latest planned) is ever planned and not committed.
 */
export class Checkpoint {
  private constructor(
    readonly storage: Storage,
    readonly location: string,
    readonly offsets: OffsetLog,
    readonly commits: CommitLog,
    private lock: LocationLock | undefined,
  ) {}

  /**
   * Opens the location, creating it if needed, and takes its lock unless `readOnly` (for tools
   * that only look). Throws CHECKPOINT_IN_USE when a live query holds it. `leaseToken`: the driver
   * lease's fencing token of this driver, which takes over the lock of a deposed leader.
   */
  static async open(storage: Storage, location: string, options: { readOnly?: boolean; leaseToken?: number } = {}): Promise<Checkpoint> {
    const lock = options.readOnly === true ? undefined : await LocationLock.acquire(storage, location, Date.now(), options.leaseToken);
    return new Checkpoint(
      storage,
      location,
      new OffsetLog(storage, joinLocation(location, 'offsets')),
      new CommitLog(storage, joinLocation(location, 'commits')),
      lock,
    );
  }

  /** The query metadata, or undefined before the first start. */
  readMetadata(): Promise<QueryMetadata | undefined> {
    return readQueryMetadata(this.storage, this.location);
  }

  /** Writes the metadata (fresh queryId) unless present; returns what is on disk. */
  async initMetadata(init: NewQueryMetadata): Promise<QueryMetadata> {
    return (await createQueryMetadata(this.storage, this.location, init)).metadata;
  }

  lastPlanned(): Promise<LogEntry<BatchPlan> | undefined> {
    return this.offsets.getLatest();
  }

  lastCommitted(): Promise<LogEntry<BatchCommit> | undefined> {
    return this.commits.getLatest();
  }

  /** Retention: drops both logs' entries below `keepFromBatchId`. */
  async purge(keepFromBatchId: BatchId): Promise<void> {
    await this.commits.purge(keepFromBatchId);
    await this.offsets.purge(keepFromBatchId);
  }

  /** Releases the location lock (if taken). */
  async close(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}
