/**
 * The steady-rate run: a generator process sends `rate` events per second for warm-up + duration,
 * event time = Kafka timestamp = the wall clock, while the query runs with a short processing-time
 * trigger. Batch and emission latency are computed afterwards from Kafka and the Delta log
 * (latency.ts), leaving out the warm-up.
 *
 * With the seed job's 5-minute windows and 10-minute watermark a window closes once every 5 minutes
 * of wall time, so by default the run uses the same query with both scaled down (2-second windows,
 * 4-second delay): the engine's work per event is the same, and a window closes every 2 seconds.
 * `--window '5 minutes' --delay '10 minutes'` runs examples/seed-job.js itself.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { connectKafkaAdmin, parseDuration } from '@tributary/common';
import { commitTimeMs, ProgressLog, startBenchJob } from './bench-job';
import type { BenchEnvironment } from './environment';
import { LatencyResult, measureLatency } from './latency';
import { ProcessUse, ProcessWatch } from './proc-stats';
import { stageTimes, StageTimes } from './stages';

export interface SteadyOptions {
  rate: number;
  durationMs: number;
  warmupMs: number;
  partitions: number;
  customers: number;
  trigger: string;
  window: string;
  delay: string;
  seed: number;
  log: (m: string) => void;
}

export interface SteadyResult {
  rate: number;
  sent: number;
  achievedRate: number;
  trigger: string;
  window: string;
  delay: string;
  batches: number;
  latency: Omit<LatencyResult, 'emissionSamples'>;
  emissionSamples: LatencyResult['emissionSamples'];
  stages: StageTimes;
  processes: ProcessUse[];
  perBatch: { batchId: number; rows: number; ms: number; commitMs: number; durationMs: Record<string, number> }[];
}

export async function runSteady(env: BenchEnvironment, o: SteadyOptions): Promise<SteadyResult> {
  const topic = `bench_steady_${Date.now()}`;
  const admin = await connectKafkaAdmin({ brokers: [env.kafka] });
  await admin.createTopic(topic, o.partitions);
  const table = path.join(env.dir, 'delta', topic);
  const { query, client } = await startBenchJob(env.cluster.driverAddress, {
    bootstrap: env.kafka, topic, table, checkpoint: path.join(env.dir, 'checkpoints', topic),
    trigger: o.trigger, window: o.window, delay: o.delay,
  });
  const progressLog = new ProgressLog(client, query.id);
  progressLog.start();
  await new Promise((r) => setTimeout(r, 2000));

  o.log(`steady: ${o.rate.toLocaleString()} events/s for ${(o.warmupMs + o.durationMs) / 1000} s (${o.warmupMs / 1000} s warm-up), trigger ${o.trigger}, window ${o.window}, delay ${o.delay}`);
  const startMs = Date.now();
  const { generated, processes } = await generateWatched(env.kafka, topic, o, () => env.pids());

  // Let the query read what was sent, and the watermark close what it can.
  const latest = await admin.latestOffsets(topic);
  const target = [...latest.values()].reduce((a, b) => a + b, 0n);
  const deadline = Date.now() + 60_000;
  for (;;) {
    await progressLog.poll();
    const read = [...progressLog.byBatch.values()].reduce((a, p) => a + p.numInputRows, 0);
    if (BigInt(read) >= target || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 2000));
  await query.stop();
  const progress = await progressLog.stop();
  client.close();
  await admin.close();

  const latency = await measureLatency({
    broker: env.kafka, topic, table, queryId: query.id, progress,
    windowMs: parseDuration(o.window) / 1000, delayMs: parseDuration(o.delay) / 1000, fromMs: startMs + o.warmupMs,
  });
  const measured = progress.filter((p) => Date.parse(p.timestamp) >= startMs + o.warmupMs && p.numInputRows > 0);
  o.log(`batch latency p50 ${latency.batch.p50} ms, p99 ${latency.batch.p99} ms; emission p50 ${latency.emission.p50} ms, p99 ${latency.emission.p99} ms (${latency.emission.count} windows)`);
  return {
    rate: o.rate,
    sent: generated.sent,
    achievedRate: Math.round((generated.sent / generated.durationMs) * 1000),
    trigger: o.trigger,
    window: o.window,
    delay: o.delay,
    batches: measured.length,
    latency: { batch: latency.batch, emission: latency.emission },
    emissionSamples: latency.emissionSamples,
    stages: stageTimes(measured),
    processes,
    perBatch: progress.filter((p) => p.numInputRows > 0).map((p) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.batchDuration ?? 0, commitMs: commitTimeMs(p), durationMs: p.durationMs })),
  };
}

/**
 * Runs the generator into `topic` and waits for it; CPU and memory of the named processes and of the
 * generator are measured from the end of the warm-up.
 */
export async function generateWatched(
  kafka: string, topic: string, o: GeneratorOptions, pids: () => Map<string, number>,
): Promise<{ generated: { sent: number; durationMs: number }; processes: ProcessUse[] }> {
  const generator = startGenerator(kafka, topic, o);
  const watch = new ProcessWatch(() => {
    const m = pids();
    if (generator.running()) m.set('generator', generator.pid);
    return m;
  });
  const warmup = setTimeout(() => watch.start(), o.warmupMs);
  try {
    const generated = await generator.done;
    return { generated, processes: watch.stop() };
  } catch (error) {
    watch.stop();
    throw error;
  } finally {
    clearTimeout(warmup);
  }
}

type GeneratorOptions = Pick<SteadyOptions, 'partitions' | 'rate' | 'warmupMs' | 'durationMs' | 'customers' | 'seed'>;

interface Generator {
  pid: number;
  running(): boolean;
  /** What the generator sent, once it is done. */
  done: Promise<{ sent: number; durationMs: number }>;
}

/** The load generator as its own process: `rate` events/s into `topic` for warm-up + duration. */
function startGenerator(kafka: string, topic: string, o: GeneratorOptions): Generator {
  const child = spawn(process.execPath, [
    path.join(__dirname, 'generator-process.js'), kafka, topic, String(o.partitions), String(o.rate),
    String(o.warmupMs + o.durationMs), String(o.customers), String(o.seed),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise<{ sent: number; durationMs: number }>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`generator exited with ${code}`)))));
  return { pid: child.pid!, running: () => child.exitCode === null, done };
}
