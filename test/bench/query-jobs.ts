/**
 * The benchmark's general (v2) jobs, written with the job API as a Spark user writes them, over the
 * load generator's events ({"event_id","customer_id","event_type","amount","timestamp"}; event_type
 * is a string among purchase, view, add_to_cart, checkout and refund):
 *
 *   ingest   parse → filter amount > 0 (drops refunds) → select event_id, customer_id, event_type,
 *            amount, timestamp, to_date(timestamp) AS date → Delta, partitionBy date
 *   two-key  parse → filter amount > 50 AND event_type != 'view' → watermark 10 minutes →
 *            groupBy(window 5 minutes, event_type, customer_id) count(*), sum(amount) → Delta
 *   sliding  parse → watermark 10 minutes → groupBy(window 10 minutes every 1 minute, customer_id)
 *            count(*), sum(amount) → Delta (each event in 10 windows)
 *
 * None is the seed's shape, so all go to the driver as v2 specs (resolved queries).
 */
import {
  col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, lit, LongType, StreamingQuery, StringType, StructField,
  StructType, sum, TimestampType, toDate, TributarySession, window,
} from '@tributary/client';

export type QueryJobName = 'ingest' | 'two-key' | 'sliding';
export const QUERY_JOBS: readonly QueryJobName[] = ['ingest', 'two-key', 'sliding'];

export const QUERY_JOB_DESCRIPTIONS: Record<QueryJobName, string> = {
  ingest: 'parse → filter amount > 0 → select 5 columns + to_date(timestamp) → Delta partitioned by date',
  'two-key': "parse → filter amount > 50 AND event_type != 'view' → groupBy(window 5 min, event_type, customer_id) count, sum → Delta",
  sliding: 'parse → watermark → groupBy(window 10 min every 1 min, customer_id) count, sum → Delta (10 windows per event)',
};

export interface QueryJobOptions {
  bootstrap: string;
  topic: string;
  table: string;
  checkpoint: string;
  maxOffsetsPerTrigger: number;
}

const EVENT_SCHEMA = new StructType([
  new StructField('event_id', LongType()),
  new StructField('customer_id', IntegerType()),
  new StructField('event_type', StringType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('timestamp', TimestampType()),
]);

/** Starts the job on the driver with trigger availableNow; rejects when the driver refuses it. */
export async function startQueryJob(driverAddress: string, name: QueryJobName, o: QueryJobOptions): Promise<{ query: StreamingQuery; client: DriverClient }> {
  const client = new DriverClient(driverAddress);
  try {
    const spark = TributarySession.builder().appName(`tributary bench ${name}`).submitter(new GrpcSubmitter(client)).getOrCreate();
    return { query: await queryJob(spark, name, o), client };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** Builds the job in a session and starts it through the session's submitter. */
export async function queryJob(spark: TributarySession, name: QueryJobName, o: QueryJobOptions): Promise<StreamingQuery> {
  const events = spark.readStream.format('kafka')
    .option('kafka.bootstrap.servers', o.bootstrap)
    .option('subscribe', o.topic)
    .option('startingOffsets', 'earliest')
    .option('maxOffsetsPerTrigger', o.maxOffsetsPerTrigger)
    .load()
    .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e'))
    .select('e.*');
  if (name === 'ingest') {
    const query = await events
      .filter(col('amount').gt(lit(0)))
      .select(col('event_id'), col('customer_id'), col('event_type'), col('amount'), col('timestamp'), toDate(col('timestamp')).alias('date'))
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', o.checkpoint)
      .partitionBy('date').trigger({ availableNow: true }).start(o.table);
    return query;
  }
  if (name === 'sliding') {
    return events
      .withWatermark('timestamp', '10 minutes')
      .groupBy(window(col('timestamp'), '10 minutes', '1 minute'), col('customer_id'))
      .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', o.checkpoint)
      .trigger({ availableNow: true }).start(o.table);
  }
  const query = await events
    .filter(col('amount').gt(lit(50)).and(col('event_type').notEqual(lit('view'))))
    .withWatermark('timestamp', '10 minutes')
    .groupBy(window(col('timestamp'), '5 minutes'), col('event_type'), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
    .writeStream.format('delta').outputMode('append').option('checkpointLocation', o.checkpoint)
    .trigger({ availableNow: true }).start(o.table);
  return query;
}
