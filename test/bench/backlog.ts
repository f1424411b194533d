/**
 * The backlog run: N seeded events are produced into a topic of P partitions first, then the seed
 * job runs with trigger availableNow and E executors. Sustained throughput counts the batches after
 * the first (the first pays for start-up: connections, JIT, empty state): their input rows over the
 * time from the first batch's commit to the last one's. The reader ceiling (locate only) and the
 * decode bound (the reader and the struct decoder of the seed scan, nothing else) are measured on the same topic right
 * after.
 */
import * as path from 'node:path';
import { connectKafkaAdmin, type QueryProgress } from '@tributary/common';
import { produceLoad } from '@tributary/client';
import { commitTimeMs, ProgressLog, startBenchJob } from './bench-job';
import { CeilingResult, measureCeiling } from './ceiling';
import type { BenchEnvironment } from './environment';
import { ProcessUse, ProcessWatch } from './proc-stats';
import { stageTimes, StageTimes } from './stages';

export interface BacklogOptions {
  events: number;
  partitions: number;
  executors: number;
  customers: number;
  maxOffsetsPerTrigger: number;
  seed: number;
  log: (m: string) => void;
}

export interface BacklogResult {
  topic: string;
  events: number;
  produce: { eventsPerSecond: number; ms: number };
  batches: number;
  measuredBatches: number;
  measuredEvents: number;
  measuredMs: number;
  eventsPerSecond: number;
  ceiling: CeilingResult;
  engineOverCeiling: number;
  decodeBound: CeilingResult;
  decodeBoundOverCeiling: number;
  stages: StageTimes;
  processes: ProcessUse[];
  perBatch: { batchId: number; rows: number; ms: number; commitMs: number; durationMs: Record<string, number> }[];
}

export async function runBacklog(env: BenchEnvironment, o: BacklogOptions): Promise<BacklogResult> {
  const topic = `bench_backlog_${Date.now()}`;
  o.log(`producing ${o.events.toLocaleString()} events into ${topic} (${o.partitions} partitions, ${o.customers.toLocaleString()} customers)`);
  const generatorCpu = process.cpuUsage();
  const produced = await produceLoad(env.kafka, topic, o.partitions, o.events, { seed: o.seed, customers: o.customers, eventsPerSecond: 100_000 });
  const genCpu = process.cpuUsage(generatorCpu);
  o.log(`produced in ${(produced.durationMs / 1000).toFixed(1)} s (${Math.round((produced.sent / produced.durationMs) * 1000).toLocaleString()} events/s)`);

  const watch = new ProcessWatch(() => env.pids());
  const { query, client } = await startBenchJob(env.cluster.driverAddress, {
    bootstrap: env.kafka, topic, table: path.join(env.dir, 'delta', topic), checkpoint: path.join(env.dir, 'checkpoints', topic),
    trigger: 'availableNow', maxOffsetsPerTrigger: o.maxOffsetsPerTrigger, window: '5 minutes', delay: '10 minutes',
  });
  watch.start();
  const progressLog = new ProgressLog(client, query.id);
  progressLog.start();
  await query.awaitTermination();
  const processes = watch.stop();
  const progress = await progressLog.stop();
  client.close();

  const withInput = progress.filter((p) => p.numInputRows > 0);
  const total = withInput.reduce((a, p) => a + p.numInputRows, 0);
  if (total !== produced.sent) throw new Error(`the job read ${total} events, ${produced.sent} were produced`);
  const measured = withInput.slice(1);
  const measuredEvents = measured.reduce((a, p) => a + p.numInputRows, 0);
  const measuredMs = commitTimeMs(withInput[withInput.length - 1]) - commitTimeMs(withInput[0]);
  const eventsPerSecond = Math.round((measuredEvents / measuredMs) * 1000);
  o.log(`engine: ${eventsPerSecond.toLocaleString()} events/s over ${measured.length} batches (${(measuredMs / 1000).toFixed(1)} s)`);

  const admin = await connectKafkaAdmin({ brokers: [env.kafka] });
  const [earliest, latest] = await Promise.all([admin.earliestOffsets(topic), admin.latestOffsets(topic)]);
  await admin.close();
  const ranges = [...latest].map(([partition, to]) => ({ partition, from: earliest.get(partition) ?? 0n, to }));
  const ceiling = await measureCeiling('locate', env.kafka, topic, ranges, o.executors);
  o.log(`ceiling (${o.executors} range readers, locate only): ${ceiling.eventsPerSecond.toLocaleString()} events/s`);
  const decodeBound = await measureCeiling('decode', env.kafka, topic, ranges, o.executors);
  const decodeBoundOverCeiling = ratio(decodeBound.eventsPerSecond, ceiling.eventsPerSecond);
  o.log(`decode bound (${o.executors} range readers + struct decoder, nothing else): ${decodeBound.eventsPerSecond.toLocaleString()} events/s, ${Math.round(decodeBoundOverCeiling * 100)}% of the ceiling`);

  processes.push({ name: 'generator (before the run)', pid: process.pid, cpuMs: Math.round((genCpu.user + genCpu.system) / 1000), cores: Math.round(((genCpu.user + genCpu.system) / 1000 / produced.durationMs) * 100) / 100, peakRssBytes: 0 });
  return {
    topic,
    events: produced.sent,
    produce: { eventsPerSecond: Math.round((produced.sent / produced.durationMs) * 1000), ms: produced.durationMs },
    batches: withInput.length,
    measuredBatches: measured.length,
    measuredEvents,
    measuredMs,
    eventsPerSecond,
    ceiling,
    engineOverCeiling: ratio(eventsPerSecond, ceiling.eventsPerSecond),
    decodeBound,
    decodeBoundOverCeiling,
    stages: stageTimes(measured),
    processes: processes.map((p) => ({ ...p, cpuMicrosPerEvent: Math.round((p.cpuMs * 1000 / produced.sent) * 100) / 100 })),
    perBatch: withInput.map((p: QueryProgress) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.batchDuration ?? 0, commitMs: commitTimeMs(p), durationMs: p.durationMs })),
  };
}

function ratio(a: number, b: number): number {
  return Math.round((a / b) * 1000) / 1000;
}
