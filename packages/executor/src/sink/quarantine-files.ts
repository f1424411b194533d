/**
 * The quarantine rows of one map task (schema: packages/common/src/task/side-tables.ts) as Parquet
 * files of the quarantine table. `add` copies the record's raw key and value out of the fetch
 * buffer (which the reader reuses) at once; `flushIfFull` writes a file when the rows held pass a
 * byte or row budget, so memory stays bounded however many records are bad; `finish` writes the
 * rest and returns every file's `add` action for the driver's commit. Files of an attempt the driver
 * does not commit stay out of the log (VACUUM removes them).
 */
import type { Storage } from '@tributary/common';
import * as arrow from 'apache-arrow';
import { AddFile, QUARANTINE_TABLE_SCHEMA, RecordChunk, toArrowSchema, writeDataFile, BatchId } from '@tributary/common';
import { bytesData, int32Data, int64Data, tableOf } from './arrow-columns';

export interface QuarantineLimits {
  /** Write a file once the held keys, values and details pass this many bytes. Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Write a file once this many rows are held. Default 100,000. */
  maxBufferedRows?: number;
}

export class QuarantineFiles {
  private readonly schema = toArrowSchema(QUARANTINE_TABLE_SCHEMA);
  private readonly maxBytes: number;
  private readonly maxRows: number;
  private topic: string[] = [];
  private partition: number[] = [];
  private offset: number[] = [];
  private kafkaTimestamp: (number | null)[] = [];
  private key: (Uint8Array | null)[] = [];
  private value: (Uint8Array | null)[] = [];
  private reason: string[] = [];
  private detail: string[] = [];
  private bytes = 0;
  private readonly adds: AddFile[] = [];
  /** Rows written to files or held for the next one. */
  rows = 0;

  constructor(private readonly storage: Storage, private readonly tablePath: string, private readonly batchId: BatchId, limits: QuarantineLimits = {}) {
    this.maxBytes = limits.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.maxRows = limits.maxBufferedRows ?? 100_000;
  }

  /** Holds record `i` of `chunk` with its reason code and readable detail. */
  add(chunk: RecordChunk, i: number, reason: string, detail: string): void {
    const copy = (start: number, length: number): Uint8Array | null => (length < 0 ? null : Uint8Array.prototype.slice.call(chunk.buf, start, start + length));
    const key = copy(chunk.keyStart[i], chunk.keyLength[i]);
    const value = copy(chunk.valueStart[i], chunk.valueLength[i]);
    const ts = chunk.timestampMs[i];
    this.topic.push(chunk.topic);
    this.partition.push(chunk.partition);
    this.offset.push(chunk.offset[i]);
    this.kafkaTimestamp.push(ts < 0 ? null : ts * 1000);
    this.key.push(key);
    this.value.push(value);
    this.reason.push(reason);
    this.detail.push(detail);
    this.bytes += (key?.byteLength ?? 0) + (value?.byteLength ?? 0) + detail.length + 64;
    this.rows++;
  }

  get held(): number {
    return this.topic.length;
  }

  async flushIfFull(): Promise<void> {
    if (this.bytes >= this.maxBytes || this.held >= this.maxRows) await this.flush();
  }

  /** Writes what is held and returns the `add` actions of every file this task wrote. */
  async finish(): Promise<AddFile[]> {
    await this.flush();
    return this.adds;
  }

  private async flush(): Promise<void> {
    if (this.held === 0) return;
    const f = this.schema.fields;
    const table = tableOf(this.schema, [
      bytesData(f[0].type, this.topic),
      int32Data(this.partition),
      int64Data(f[2].type, this.offset),
      int64Data(f[3].type, this.kafkaTimestamp),
      bytesData(f[4].type as arrow.Binary, this.key),
      bytesData(f[5].type as arrow.Binary, this.value),
      bytesData(f[6].type, this.reason),
      bytesData(f[7].type, this.detail),
      int64Data(f[8].type, this.offset.map(() => this.batchId)),
    ]);
    this.adds.push(await writeDataFile(this.storage, this.tablePath, table));
    this.topic = []; this.partition = []; this.offset = []; this.kafkaTimestamp = [];
    this.key = []; this.value = []; this.reason = []; this.detail = [];
    this.bytes = 0;
  }
}
