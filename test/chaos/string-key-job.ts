/**
 * The chaos run's string-key query, written with the job API as a Spark user writes it: the seed's
 * customer events (same JSON, other data) grouped by 5-minute window, the `event_type` string and
 * `customer_id`, count(*) and sum(amount), 10-minute watermark, append mode, into its own Delta table.
 * Grouped by a string, it runs as a v2 query (the seed job keeps its v1 shape), so a chaos run drives
 * both paths of the engine through the same faults at once.
 *
 * The same job runs a second time in update mode, on the same topic, into a table of its own: each
 * batch merges the groups it changed into that table (copy-on-write), so the faults strike the merge
 * commit too, and every version of the table must hold each key once.
 */
import {
  col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, StreamingQuery, StringType, StructField, StructType, sum,
  TimestampType, TributarySession, window,
} from '@tributary/client';

export interface StringKeyJobOptions {
  bootstrap: string;
  topic: string;
  table: string;
  checkpoint: string;
  maxOffsetsPerTrigger: number;
  trigger: string;
  /** 'append' (default): closed windows are written once; 'update': changed groups are merged at each batch. */
  outputMode?: 'append' | 'update';
}

/** The table's columns, in order. */
export const STRING_KEY_COLUMNS = ['window', 'event_type', 'customer_id', 'n', 'total'];

export async function startStringKeyJob(driverAddress: string, opts: StringKeyJobOptions): Promise<{ query: StreamingQuery; client: DriverClient }> {
  const client = new DriverClient(driverAddress);
  const spark = TributarySession.builder().appName('chaos string-key job').submitter(new GrpcSubmitter(client)).getOrCreate();
  const schema = new StructType([
    new StructField('customer_id', IntegerType()),
    new StructField('event_type', StringType()),
    new StructField('amount', DecimalType(10, 2)),
    new StructField('timestamp', TimestampType()),
  ]);
  const query = await spark.readStream.format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap).option('subscribe', opts.topic)
    .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', opts.maxOffsetsPerTrigger).load()
    .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
    .withWatermark('timestamp', '10 minutes')
    .groupBy(window(col('timestamp'), '5 minutes'), col('event_type'), col('customer_id'))
    .agg(count('*').alias('n'), sum('amount').alias('total'))
    .writeStream.format('delta').outputMode(opts.outputMode ?? 'append').option('checkpointLocation', opts.checkpoint)
    .trigger({ processingTime: opts.trigger }).start(opts.table);
  return { query, client };
}
