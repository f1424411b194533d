/**
 * The chaos run's CDC job, written with the job API as a user writes it (docs/cdc.md): GoldenGate
 * JSON changes of SHOP.ORDERS read from Kafka and applied by key ID to a Delta table, NOTE left out,
 * stored as SCD type 1 (current rows) or type 2 (every version with valid-from, valid-to, current flag).
 */
import {
  DecimalType, DriverClient, GrpcSubmitter, LongType, StreamingQuery, StringType, StructField, StructType, TimestampType, TributarySession,
} from '@tributary/client';
import { TABLE } from '../support/cdc-source-db';

export interface CdcJobOptions {
  bootstrap: string;
  topic: string;
  table: string;
  checkpoint: string;
  maxOffsetsPerTrigger: number;
  trigger: string;
  storedAs: 'scd1' | 'scd2';
}

/** The source table's columns (test/support/cdc-source-db.ts's ORDERS). */
export const CDC_COLUMNS = new StructType([
  new StructField('ID', LongType(), false), new StructField('NAME', StringType()), new StructField('AMOUNT', DecimalType(12, 2)),
  new StructField('UPDATED', TimestampType()), new StructField('NOTE', StringType()),
]);

export async function startCdcJob(driverAddress: string, opts: CdcJobOptions): Promise<{ query: StreamingQuery; client: DriverClient }> {
  const client = new DriverClient(driverAddress);
  const spark = TributarySession.builder().appName(`chaos CDC job (${opts.storedAs})`).submitter(new GrpcSubmitter(client)).getOrCreate();
  const query = await spark.readStream.format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap).option('subscribe', opts.topic)
    .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', opts.maxOffsetsPerTrigger).option('changes.format', 'goldengate').load()
    .writeStream.applyChanges({ keys: ['ID'], columns: CDC_COLUMNS, sourceTable: TABLE, exceptColumns: ['NOTE'], storedAs: opts.storedAs })
    .option('checkpointLocation', opts.checkpoint).trigger({ processingTime: opts.trigger }).start(opts.table);
  return { query, client };
}
