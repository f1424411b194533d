/**
 * The late rows of one map task (schema: packages/common/src/task/side-tables.ts) as Parquet files
 * of the late-rows table. `add` copies row i of the (reused) event columns at once; files are
 * written when a row budget is reached and at `finish`, which returns their `add` actions.
 */
import * as arrow from 'apache-arrow';
import { AddFile, EventColumns, LATE_ROWS_TABLE_SCHEMA, toArrowSchema, writeDataFile, BatchId } from '@tributary/common';
import { bytesData, decimalData, int32Data, int64Data, tableOf } from './arrow-columns';

export class LateRowsFiles {
  private readonly schema = toArrowSchema(LATE_ROWS_TABLE_SCHEMA);
  private customerId: number[] = [];
  private eventType: (string | null)[] = [];
  private cents: number[] = [];
  private eventTime: number[] = [];
  private topic: string[] = [];
  private partition: number[] = [];
  private offset: number[] = [];
  private kafkaTimestamp: (number | null)[] = [];
  private readonly adds: AddFile[] = [];
  rows = 0;

  /** `watermarkMicros`: WM(N−1), the watermark that made the rows late. */
  constructor(
    private readonly tablePath: string,
    private readonly batchId: BatchId,
    private readonly watermarkMicros: number,
    private readonly maxBufferedRows = 200_000,
  ) {}

  /** Holds row i of `cols` (event_type codes resolved through `dictionary`). */
  add(cols: EventColumns, i: number, topic: string, dictionary: readonly string[]): void {
    const code = cols.eventType[i];
    const ts = cols.kafkaTimestampMs[i];
    this.customerId.push(cols.customerId[i]);
    this.eventType.push(code < 0 ? null : dictionary[code]);
    this.cents.push(cols.amountCents[i]);
    this.eventTime.push(cols.eventTimeMicros[i]);
    this.topic.push(topic);
    this.partition.push(cols.partition);
    this.offset.push(cols.kafkaOffset[i]);
    this.kafkaTimestamp.push(ts < 0 ? null : ts * 1000);
    this.rows++;
  }

  async flushIfFull(): Promise<void> {
    if (this.customerId.length >= this.maxBufferedRows) await this.flush();
  }

  async finish(): Promise<AddFile[]> {
    await this.flush();
    return this.adds;
  }

  private async flush(): Promise<void> {
    const n = this.customerId.length;
    if (n === 0) return;
    const f = this.schema.fields;
    const table = tableOf(this.schema, [
      int32Data(this.customerId),
      bytesData(f[1].type, this.eventType),
      decimalData(f[2].type as arrow.Decimal, this.cents),
      int64Data(f[3].type, this.eventTime),
      bytesData(f[4].type, this.topic),
      int32Data(this.partition),
      int64Data(f[6].type, this.offset),
      int64Data(f[7].type, this.kafkaTimestamp),
      int64Data(f[8].type, this.offset.map(() => this.batchId)),
      int64Data(f[9].type, this.offset.map(() => this.watermarkMicros)),
    ]);
    this.adds.push(await writeDataFile(this.tablePath, table));
    this.customerId = []; this.eventType = []; this.cents = []; this.eventTime = [];
    this.topic = []; this.partition = []; this.offset = []; this.kafkaTimestamp = [];
  }
}
