/**
 * The late rows of one map task of a resolved query, as Parquet files of its late-rows table
 * (schema: lateRowsTableSchema in packages/common/src/task/late-rows-table.ts). `add` gathers the
 * late rows of one chunk column by column (takeRows: the chunk's columns are reused by the next
 * one) and fills the metadata columns from the chunk's Kafka arrays through each row's
 * recordIndex; `flushIfFull` writes the held batches once a row budget is reached, `finish` writes
 * the rest and returns every file's `add` action for the driver's commit.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, BytesVector, ColumnBatch, ExactVector, Int32Vector, RecordChunk, SqlField, takeRows, Vector, writeBatchFiles,
  LATE_ROWS_METADATA,
} from '@tributary/common';

export class LateRowsBatches {
  private held: ColumnBatch[] = [];
  private heldRows = 0;
  private readonly adds: AddFile[] = [];
  private readonly inputColumns: number;
  /** Rows written to files or held for the next one. */
  rows = 0;

  /** `schema`: the table's (lateRowsTableSchema); `watermarkMicros`: WM(N−1), the watermark that made the rows late. */
  constructor(
    private readonly storage: Storage,
    private readonly tablePath: string,
    private readonly schema: readonly SqlField[],
    private readonly batchId: BatchId,
    private readonly watermarkMicros: number,
    private readonly maxBufferedRows = 200_000,
  ) {
    this.inputColumns = schema.length - LATE_ROWS_METADATA.length;
  }

  /** Holds rows `late` (indices into `rows`) of `chunk`'s rows; `rows` must carry recordIndex into `chunk`. */
  add(rows: ColumnBatch, late: Int32Array, chunk: RecordChunk): void {
    const n = late.length;
    if (n === 0) return;
    if (rows.columns.length !== this.inputColumns) {
      throw new RangeError(`late rows have ${rows.columns.length} columns, the late-rows table's input row ${this.inputColumns}`);
    }
    const taken = takeRows(rows, late);
    const records = taken.recordIndex;
    if (records === undefined) throw new RangeError('late rows without recordIndex cannot name their Kafka records');
    const offset = new Float64Array(n);
    const kafkaTime = new Float64Array(n);
    let kafkaValid: Uint8Array | null = null;
    for (let k = 0; k < n; k++) {
      const r = records[k];
      offset[k] = chunk.offset[r];
      const ms = chunk.timestampMs[r];
      if (ms < 0) (kafkaValid ??= new Uint8Array(n).fill(1))[k] = 0;
      else kafkaTime[k] = ms * 1000;
    }
    const meta = this.schema.slice(this.inputColumns);
    const columns: Vector[] = [
      ...taken.columns,
      repeatedString(chunk.topic, n),
      { type: { kind: 'int' }, validity: null, values: new Int32Array(n).fill(chunk.partition) } as Int32Vector,
      exact(meta[2], offset, null),
      exact(meta[3], kafkaTime, kafkaValid),
      exact(meta[4], new Float64Array(n).fill(Number(this.batchId)), null),
      exact(meta[5], new Float64Array(n).fill(this.watermarkMicros), null),
    ];
    this.held.push({ count: n, schema: this.schema, columns });
    this.heldRows += n;
    this.rows += n;
  }

  async flushIfFull(): Promise<void> {
    if (this.heldRows >= this.maxBufferedRows) await this.flush();
  }

  /** Writes what is held and returns the `add` actions of every file this task wrote. */
  async finish(): Promise<AddFile[]> {
    await this.flush();
    return this.adds;
  }

  private async flush(): Promise<void> {
    if (this.heldRows === 0) return;
    const batches = this.held;
    this.held = [];
    this.heldRows = 0;
    this.adds.push(...(await writeBatchFiles(this.storage, this.tablePath, batches)));
  }
}

function exact(f: SqlField, values: Float64Array, validity: Uint8Array | null): ExactVector {
  return { type: f.type as ExactVector['type'], validity, values, wide: null };
}

/** `text` n times as a string column. */
function repeatedString(text: string, n: number): BytesVector {
  const bytes = Buffer.from(text, 'utf8');
  const len = bytes.length;
  const data = new Uint8Array(len * n);
  const offsets = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    data.set(bytes, k * len);
    offsets[k + 1] = (k + 1) * len;
  }
  return { type: { kind: 'string' }, validity: null, offsets, data };
}
