/**
 * What a running query reports beyond its batches, gathered for the query manager: it records each
 * committed batch in the driver's progress store (listeners, metrics, a dashboard), keeps the
 * history file in the checkpoint and mirrors the committed offsets to the query's Kafka consumer
 * group. All of it off the batch's path: nothing here is awaited by the loop or read for correctness.
 */
import type { BatchCommit, Log, QueryProgress, Storage } from '@tributary/common';
import { HistoryWriter, readHistory } from './history-file';
import { CommitGroupOffsets, LagMirror, lagGroupId } from './lag-mirror';
import type { ProgressStore, QueryHistory } from './progress-store';
import type { CommitRecord, QueryIdentity } from './query-events';

export interface ObserveOptions {
  store: ProgressStore;
  /** Commits a consumer group's offsets; undefined: no lag mirror. */
  commitGroupOffsets?: CommitGroupOffsets;
}

export class QueryObserver {
  readonly history: QueryHistory;
  private readonly writer: HistoryWriter;
  private readonly mirror: LagMirror | undefined;

  /** Reads the query's history file from its checkpoint (through `storage`), which it keeps writing there. */
  static async open(identity: QueryIdentity, storage: Storage, checkpointDir: string, opts: ObserveOptions, log: Log): Promise<QueryObserver> {
    return new QueryObserver(identity, storage, checkpointDir, await readHistory(storage, checkpointDir, identity.queryId, log), opts, log);
  }

  private constructor(
    private readonly identity: QueryIdentity, storage: Storage, checkpointDir: string, history: QueryHistory,
    private readonly opts: ObserveOptions, private readonly log: Log,
  ) {
    this.history = history;
    this.writer = new HistoryWriter(storage, checkpointDir, identity.queryId, () => opts.store.history(identity.queryId), log);
    this.mirror = opts.commitGroupOffsets && new LagMirror(lagGroupId(identity.queryId, identity.name), opts.commitGroupOffsets, log, identity.queryId);
  }

  get lagGroupId(): string | undefined {
    return this.mirror?.groupId;
  }

  started(): void {
    this.opts.store.started(this.identity, this.history);
  }

  batchCommitted(progress: QueryProgress, commit: BatchCommit, files: number): void {
    const main = commit.sinks[commit.sinks.length - 1];
    const record: CommitRecord = {
      batchId: commit.batchId,
      attempt: commit.attempt,
      version: main?.version ?? 'skipped',
      inputRows: commit.numInputRows,
      outputRows: commit.numOutputRows,
      files,
      durationMs: progress.batchDuration ?? 0,
      committedAtMs: commit.committedAtMs,
    };
    this.opts.store.batchCommitted(this.identity.queryId, progress, record);
    this.writer.request();
    this.mirror?.batchCommitted(progress);
  }

  retried(what: 'attempt' | 'recovery', batchId: number | null, reason: string): void {
    this.opts.store.retried(this.identity.queryId, what, batchId, reason);
  }

  terminated(state: string, error: string | null): void {
    this.opts.store.terminated(this.identity.queryId, state, error);
  }

  /** Waits for the history write and lag mirror commits asked for so far. */
  async flush(): Promise<void> {
    await Promise.all([this.writer.flush(), this.mirror?.flush()]);
  }
}
