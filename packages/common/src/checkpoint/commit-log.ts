import type { BatchId } from '../batch/batch-id';
import { InvalidArgumentError } from '../errors';
import { arrayAt, integerAt, integerOrNullAt, objectAt, stringAt } from './json-shape';
import { MetadataLog } from './metadata-log';
import type { Storage } from '../storage/storage';

/** What batch N did to one sink table: the Delta version it committed, or 'skipped' (txn ≥ N already). */
export interface SinkCommit {
  readonly path: string;
  readonly version: number | 'skipped';
}

/** The record that batch N is complete (format v1). Times as in BatchPlan (µs / ms, exact integers). */
export interface BatchCommit {
  readonly batchId: BatchId;
  /** The attempt whose results were committed. */
  readonly attempt: number;
  /** Max event time among the batch's rows (input of WM(N+1)); null when the batch saw none. */
  readonly maxEventTimeMicros: number | null;
  /** WM(N), as planned. */
  readonly watermarkMicros: number;
  /**
   * The batch whose state is durable with this commit: N itself (its state is store version
   * stateVersionAfter(N) = N+1, batch/batch-id.ts); null for a stateless query. The field's name
   * is format v1's; it has always held the batch id.
   */
  readonly stateVersion: BatchId | null;
  readonly committedAtMs: number;
  readonly numInputRows: number;
  readonly numOutputRows: number;
  /** Rows held in state after the batch, over all shuffle partitions (a no-data batch runs only when > 0). */
  readonly stateRowsTotal: number;
  /** Every sink in commit order (side tables first, the main table last). */
  readonly sinks: readonly SinkCommit[];
  /** The driver lease's fencing token of the leader that wrote the entry (absent without a lease; docs/standby-driver.md). */
  readonly leaseToken?: number;
}

/**
 * The commit log `<checkpoint>/commits/<N>`: written after batch N's state is durable and every
 * sink holds batch N (its txn version for this query ≥ N). Entry N present ⇔ batch N is done;
 * the next run starts at N+1. Format v1, one `BatchCommit` JSON document.
 */
export class CommitLog extends MetadataLog<BatchCommit> {
  constructor(storage: Storage, dir: string) {
    super(storage, dir, parseBatchCommit, 1);
  }
}

/** Checks a decoded v1 commit document (throws InvalidArgumentError naming the bad field). */
export function parseBatchCommit(document: unknown, batchId: BatchId): BatchCommit {
  const d = objectAt(document, 'commit');
  const id = integerAt(d.batchId, 'commit.batchId', 0);
  if (id !== batchId) throw new InvalidArgumentError(`commit.batchId is ${id} but the entry is batch ${batchId}`);
  integerAt(d.attempt, 'commit.attempt', 0);
  integerOrNullAt(d.maxEventTimeMicros, 'commit.maxEventTimeMicros');
  integerAt(d.watermarkMicros, 'commit.watermarkMicros');
  integerOrNullAt(d.stateVersion, 'commit.stateVersion', 0);
  integerAt(d.committedAtMs, 'commit.committedAtMs', 0);
  integerAt(d.numInputRows, 'commit.numInputRows', 0);
  integerAt(d.numOutputRows, 'commit.numOutputRows', 0);
  integerAt(d.stateRowsTotal, 'commit.stateRowsTotal', 0);
  arrayAt(d.sinks, 'commit.sinks').forEach((s, i) => {
    const sink = objectAt(s, `commit.sinks[${i}]`);
    stringAt(sink.path, `commit.sinks[${i}].path`);
    if (sink.version !== 'skipped') integerAt(sink.version, `commit.sinks[${i}].version`, 0);
  });
  if (d.leaseToken !== undefined) integerAt(d.leaseToken, 'commit.leaseToken', 1);
  return d as unknown as BatchCommit;
}
