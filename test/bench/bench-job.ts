/**
 * Starts the benchmark's query on the driver: examples/seed-job.js itself when the window is
 * 5 minutes and the watermark delay 10 minutes (the seed job), else the same query with another
 * window and delay (the steady-rate run scales both down so that windows close during a short run).
 * Also follows the query's progress: the driver keeps only the last 100 reports, so they are
 * polled and kept by batch id.
 */
import * as path from 'node:path';
import {
  col, count, DecimalType, DriverClient, GrpcSubmitter, IntegerType, REPO_ROOT, StreamingQuery, StringType, StructField,
  StructType, sum, TimestampType, TributarySession, window, fromJson,
} from '@tributary/client';
import type { QueryProgress } from '@tributary/common';

export interface BenchJobOptions {
  bootstrap: string;
  topic: string;
  table: string;
  checkpoint: string;
  trigger: string;
  maxOffsetsPerTrigger?: number;
  window: string;
  delay: string;
  shufflePartitions?: number;
}

export async function startBenchJob(driverAddress: string, o: BenchJobOptions): Promise<{ query: StreamingQuery; client: DriverClient }> {
  const client = new DriverClient(driverAddress);
  const spark = TributarySession.builder().appName('tributary bench').submitter(new GrpcSubmitter(client)).getOrCreate();
  if (o.window === '5 minutes' && o.delay === '10 minutes' && o.shufflePartitions === undefined) {
    const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js'));
    return { query: await seedJob(spark, o), client };
  }
  const schema = new StructType([
    new StructField('customer_id', IntegerType()),
    new StructField('event_type', StringType()),
    new StructField('amount', DecimalType(10, 2)),
    new StructField('timestamp', TimestampType()),
  ]);
  let reader = spark.readStream.format('kafka')
    .option('kafka.bootstrap.servers', o.bootstrap)
    .option('subscribe', o.topic)
    .option('startingOffsets', 'earliest');
  if (o.maxOffsetsPerTrigger) reader = reader.option('maxOffsetsPerTrigger', o.maxOffsetsPerTrigger);
  const parsed = reader.load().select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*');
  const aggregated = parsed.withWatermark('timestamp', o.delay)
    .groupBy(window(col('timestamp'), o.window), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'));
  let writer = aggregated.writeStream.format('delta').outputMode('append').option('checkpointLocation', o.checkpoint);
  if (o.shufflePartitions !== undefined) writer = writer.option('spark.sql.shuffle.partitions', o.shufflePartitions);
  const trigger = o.trigger === 'availableNow' ? { availableNow: true as const } : { processingTime: o.trigger };
  return { query: await writer.trigger(trigger).start(o.table), client };
}

/** Every progress report of a query, polled every `pollMs`. */
export class ProgressLog {
  readonly byBatch = new Map<number, QueryProgress>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly client: DriverClient, private readonly queryId: string) {}

  start(pollMs = 1000): void {
    this.timer = setInterval(() => { this.polling = this.poll(); }, pollMs);
  }

  async poll(): Promise<void> {
    const { progress } = await this.client.get(this.queryId, 100).catch(() => ({ progress: [] as QueryProgress[] }));
    for (const p of progress) this.byBatch.set(p.batchId, p);
  }

  async stop(): Promise<QueryProgress[]> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
    return [...this.byBatch.values()].sort((a, b) => a.batchId - b.batchId);
  }
}

/** When a batch committed: its trigger start plus its duration (ms since the epoch). */
export function commitTimeMs(p: QueryProgress): number {
  return Date.parse(p.timestamp) + (p.batchDuration ?? p.durationMs.triggerExecution ?? 0);
}
