/**
 * The main sink of a query as the micro-batch loop sees it: a Delta table (delta-sink.ts) or a
 * sink that publishes the batch's staged rows elsewhere (published-sink.ts: Kafka, webhook).
 *
 * `txnVersion` is the newest batch of this query the sink holds (the recovery decision's fact);
 * `commitBatch` makes batch N visible in the sink once, answering 'skipped' when it already holds N.
 */
import type { AddFile, BatchId, Snapshot } from '@tributary/common';
import type { UpdateMerge } from './delta-sink';

export interface BatchSink {
  /** The location the tasks write the batch's files to (the table, or the stage of a published sink). */
  readonly tablePath: string;
  /** Creates what the sink needs, or checks it, before the first batch. */
  ensureTable(): Promise<void>;
  txnVersion(): Promise<number | undefined>;
  /** Present only for a sink that merges update-mode rows into files (Delta). */
  updateSnapshot?(): Promise<Snapshot>;
  /** `leaseToken`: the committing driver's fencing token, recorded where the sink keeps commit metadata (Delta's commitInfo). */
  commitBatch(batchId: BatchId, adds: AddFile[], offsets: { topic: string; partition: number; endOffset: string }[], merge?: UpdateMerge, leaseToken?: number): Promise<number | 'skipped'>;
  startMaintenance(): void;
  idle(): Promise<void>;
  /** Releases connections when the query ends. */
  close?(): Promise<void>;
}
