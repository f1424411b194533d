/**
 * A Delta table that a query commits to once per batch, with `txn {appId: queryId, version: N}`
 * (a table that already holds txn ≥ N for this query is skipped). Shared by the main table
 * (delta-sink.ts) and the side tables (side-table-sink.ts).
 *
 * The table's snapshot is kept between batches and advanced with the commits made since (normally
 * only this query's own), so a batch never replays the whole log. A commit at a version that is a
 * multiple of delta.checkpointInterval (default 10) makes a checkpoint due; `startMaintenance()`,
 * called once the batch is over, writes it and then cleans up the log, in the background, one at a
 * time. Their failure is logged and never fails a batch (readers fall back to the previous
 * checkpoint and the JSON commits).
 *
 * A driver that holds the driver lease records its fencing token in each commit's
 * commitInfo.operationParameters.leaseToken, so the log shows which leadership wrote every version.
 *
 * Each commit writes its version checksum from the snapshot after it (commit() returns it), so the
 * running file count and size cost nothing extra. Reading the table verifies the checksums of the
 * versions replayed: a damaged commit fails the read (DamagedCommitError, not retriable), so a
 * query refuses to start or go on rather than continue without the rows it lost.
 */
import type { Storage } from '@tributary/common';
import { Action, checkpointInterval, cleanupLog, commit, readSnapshot, Snapshot, updateSnapshot, writeCheckpoint, BatchId } from '@tributary/common';

export interface BatchCommitOptions {
  operationParameters: Record<string, string>;
  /** The commit replaces what it read (complete mode): conflicts with any concurrent change. */
  readWholeTable?: boolean;
  /**
   * The snapshot the actions were planned against (update mode: the version the reduce tasks
   * merged against); default the table's newest. Commits after it are checked for conflicts.
   */
  readSnapshot?: Snapshot;
  /** Files the commit depends on (update mode: those it rewrites). */
  readPaths?: string[];
  now?: number;
  /** The fencing token of the driver lease the committing driver holds (absent without a lease): commitInfo.operationParameters.leaseToken. */
  leaseToken?: number;
}

export class StreamingTable {
  private snapshot: Snapshot | undefined;
  private checkpointDue: Snapshot | undefined;
  private maintenance: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    readonly tablePath: string,
    private readonly queryId: string,
    private readonly log: (message: string) => void,
  ) {}

  /** The table's snapshot at its newest version. */
  async current(): Promise<Snapshot> {
    const warn = this.log;
    this.snapshot = this.snapshot ? await updateSnapshot(this.storage, this.snapshot, { warn }) : await readSnapshot(this.storage, this.tablePath, { warn });
    return this.snapshot;
  }

  /** The newest batch of this query the table holds, if any. */
  async txnVersion(): Promise<number | undefined> {
    return (await this.current()).txns.get(this.queryId);
  }

  /**
   * Commits batch N with the actions `actionsFor` gives for the snapshot the commit reads; returns
   * the version written, or 'skipped' when the table holds N.
   */
  async commitBatch(batchId: BatchId, actionsFor: (snapshot: Snapshot) => Action[], opts: BatchCommitOptions): Promise<number | 'skipped'> {
    const snapshot = opts.readSnapshot ?? (await this.current());
    const actions = actionsFor(snapshot);
    const result = await commit(this.storage, this.tablePath, actions, {
      readVersion: snapshot.version,
      snapshot,
      operation: 'STREAMING UPDATE',
      operationParameters: {
        ...opts.operationParameters, queryId: this.queryId, epochId: String(batchId),
        ...(opts.leaseToken !== undefined ? { leaseToken: String(opts.leaseToken) } : {}),
      },
      txn: { appId: this.queryId, version: batchId },
      readWholeTable: opts.readWholeTable ?? false,
      readPaths: opts.readPaths ?? [],
      ...(opts.now !== undefined ? { now: () => opts.now as number } : {}),
      warn: this.log,
    });
    if (result.skipped) {
      this.snapshot = undefined;
      return 'skipped';
    }
    this.snapshot = result.snapshot;
    if (result.version % checkpointInterval(this.snapshot.metadata) === 0) this.checkpointDue = this.snapshot;
    return result.version;
  }

  /** Starts the due checkpoint and log cleanup, if any, after those already running. */
  startMaintenance(): void {
    const snapshot = this.checkpointDue;
    if (!snapshot) return;
    this.checkpointDue = undefined;
    this.maintenance = this.maintenance.then(async () => {
      try {
        await writeCheckpoint(this.storage, snapshot);
        await cleanupLog(this.storage, this.tablePath, { snapshot });
      } catch (err) {
        this.log(`delta table ${this.tablePath}: checkpoint of version ${snapshot.version} failed (the table stays readable from its log): ${(err as Error).message}`);
      }
    });
  }

  /** Resolves when background checkpoints and log cleanup have finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.maintenance;
  }
}
