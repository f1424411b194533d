/**
 * The main sink of a query that publishes its rows outside the lake (Kafka, webhook): the tasks
 * stage each batch's rows as files in the stage directory (common/plan/external-sink.ts); at the
 * sink commit step the driver reads the committed attempt's files and hands their rows to the
 * publisher, which decides what "already holds batch N" means:
 *
 *   Kafka    exactly once: the batch and its marker in one transaction (kafka-publisher.ts)
 *   webhook  at least once, with an idempotency key per row (webhook-publisher.ts)
 *
 * The batch's staged files are deleted once it is published (or found published). Files of failed
 * attempts, and of replays that found their batch published, are removed after a later batch
 * committed, once older than ORPHAN_AGE_MS: every attempt then running started after the batch
 * committed, so its files are younger (the margin covers clocks of other hosts).
 */
import type { AddFile, BatchId, SqlField, Storage } from '@tributary/common';
import { mkdir } from 'node:fs/promises';
import { isObjectStoreLocation } from '@tributary/common';
import type { BatchSink } from './batch-sink';
import { deleteStagedFiles, readStagedRows, removeStagedOrphans, StagedRow } from './staged-rows';

export const ORPHAN_AGE_MS = 10 * 60_000;

export interface RowPublisher {
  /** Creates or checks what the publisher needs before the first batch (topics, endpoints). */
  prepare(): Promise<void>;
  /** The newest batch the destination holds for this query (undefined: none known). */
  lastPublishedBatch(): Promise<number | undefined>;
  publish(batchId: BatchId, rows: readonly StagedRow[]): Promise<'published' | 'skipped'>;
  close(): Promise<void>;
}

export class PublishedSink implements BatchSink {
  /** The orphan cleanup running in the background, if any; never rejects. */
  private cleaning: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    readonly tablePath: string,
    private readonly output: readonly SqlField[],
    readonly publisher: RowPublisher,
  ) {}

  async ensureTable(): Promise<void> {
    if (!isObjectStoreLocation(this.tablePath)) await mkdir(this.tablePath, { recursive: true });
    await this.publisher.prepare();
  }

  txnVersion(): Promise<number | undefined> {
    return this.publisher.lastPublishedBatch();
  }

  async commitBatch(batchId: BatchId, adds: AddFile[]): Promise<number | 'skipped'> {
    const rows = await readStagedRows(this.storage, this.tablePath, this.output, adds);
    const done = await this.publisher.publish(batchId, rows);
    await deleteStagedFiles(this.storage, this.tablePath, adds);
    return done === 'skipped' ? 'skipped' : batchId;
  }

  startMaintenance(): void {
    const before = Date.now() - ORPHAN_AGE_MS;
    this.cleaning = this.cleaning.then(() => removeStagedOrphans(this.storage, this.tablePath, before)).then(() => {}, () => {});
  }

  idle(): Promise<void> {
    return this.cleaning;
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}
