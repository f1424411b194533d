/**
 * The seed job on Apache Spark Structured Streaming, for comparison (deploy/spark-bench: Spark 3.5 in
 * local mode with as many cores as the machine has, its Kafka source and delta-spark), as the
 * user's reference writes it, with 8 shuffle partitions (Tributary's default).
 *
 * - Backlog: trigger availableNow on the topic the engine just read, with the same
 *   maxOffsetsPerTrigger. Throughput is measured as for the engine: input rows of the batches after
 *   the first, over the time from the first batch's commit to the last one's (commit = the progress
 *   report's trigger time + its triggerExecution duration).
 * - Steady: the steady run's query (window, delay, processing-time trigger) on a fresh topic fed by
 *   the same generator at the same rate, once Spark has started; latencies come from Kafka and
 *   Spark's Delta log exactly as the engine's (latency.ts).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { connectKafkaAdmin, parseDuration, type QueryProgress } from '@tributary/common';
import { REPO_ROOT } from '@tributary/client';
import { SPARK_ADD_OPENS } from '../support/jvm-spark';
import type { BenchEnvironment } from './environment';
import { LatencyResult, measureLatency } from './latency';
import { ProcessUse, ProcessWatch } from './proc-stats';
import { generateWatched, SteadyOptions } from './steady';

const SHUFFLE_PARTITIONS = 8;

export interface SparkBacklogResult {
  master: string;
  batches: number;
  measuredBatches: number;
  measuredEvents: number;
  measuredMs: number;
  eventsPerSecond: number;
  /** From the JVM's start to the first batch's commit (start-up, first batch). */
  firstCommitAfterMs: number;
  /** The Spark JVM (driver and executors in one process in local mode) and Kafka, during the run. */
  processes: ProcessUse[];
  perBatch: { batchId: number; rows: number; ms: number; commitMs: number }[];
}

export interface SparkSteadyResult {
  master: string;
  rate: number;
  sent: number;
  achievedRate: number;
  trigger: string;
  batches: number;
  /** Whether Spark had read every event within 60 s of the generator's end. */
  caughtUp: boolean;
  latency: Omit<LatencyResult, 'emissionSamples'>;
  processes: ProcessUse[];
  perBatch: { batchId: number; rows: number; ms: number; commitMs: number }[];
}

/** The fields used of Spark's StreamingQueryProgress JSON (its batch duration is durationMs.triggerExecution). */
interface SparkProgress {
  id: string;
  batchId: number;
  numInputRows: number;
  timestamp: string;
  durationMs: { triggerExecution: number };
  sources: { startOffset?: unknown; endOffset?: unknown }[];
}

const commitOf = (p: SparkProgress) => Date.parse(p.timestamp) + p.durationMs.triggerExecution;

/** A running SparkSeedJob process. */
class SparkJob {
  readonly progress: SparkProgress[] = [];
  readonly startedAt = Date.now();
  readonly started: Promise<string>;
  readonly exited: Promise<void>;
  private done = false;
  private stderrTail = '';

  constructor(private readonly child: ChildProcess, log: (m: string) => void) {
    child.stderr!.on('data', (b: Buffer) => (this.stderrTail = (this.stderrTail + b.toString()).slice(-4000)));
    const lines = readline.createInterface({ input: child.stdout! });
    let onStarted: (id: string) => void = () => {};
    this.started = new Promise((resolve) => (onStarted = resolve));
    lines.on('line', (line) => {
      if (line.startsWith('STARTED ')) onStarted(line.slice('STARTED '.length));
      else if (line.startsWith('PROGRESS ')) {
        const p = JSON.parse(line.slice('PROGRESS '.length)) as SparkProgress;
        this.progress.push(p);
        if (p.numInputRows >= 100_000) log(`Spark batch ${p.batchId}: ${p.numInputRows.toLocaleString()} rows in ${p.durationMs.triggerExecution} ms`);
      } else if (line === 'DONE') this.done = true;
    });
    this.exited = new Promise((resolve, reject) => child.on('exit', (code) => {
      if (code === 0 && this.done) resolve();
      else reject(new Error(`Spark exited with ${code}: ${this.stderrTail}`));
    }));
    this.exited.catch(() => {});
  }

  get pid(): number {
    return this.child.pid!;
  }

  rowsRead(): number {
    return this.progress.reduce((a, p) => a + p.numInputRows, 0);
  }

  stop(): void {
    this.child.stdin!.end('stop\n');
  }
}

function startSparkJob(o: {
  kafka: string; topic: string; dir: string; maxOffsetsPerTrigger: number; trigger: string; window: string; delay: string; log: (m: string) => void;
}): { job: SparkJob; master: string; table: string } {
  const here = path.join(REPO_ROOT, 'deploy', 'spark-bench');
  o.log('fetching Spark from Maven Central if needed (deploy/spark-bench/fetch.sh)');
  execFileSync('bash', [path.join(here, 'fetch.sh')], { stdio: 'inherit' });
  const master = `local[${os.cpus().length}]`;
  const table = path.join(o.dir, 'spark', o.topic, 'delta');
  const checkpoint = path.join(o.dir, 'spark', o.topic, 'checkpoint');
  fs.mkdirSync(path.dirname(table), { recursive: true });
  o.log(`Spark ${master} on ${o.topic}, trigger ${o.trigger}`);
  const child = spawn('java', [
    '-Xmx4g', ...SPARK_ADD_OPENS, '-cp', `${path.join(here, 'classes')}:${path.join(here, 'jars', '*')}`, 'SparkSeedJob',
    o.kafka, o.topic, table, checkpoint, master, String(o.maxOffsetsPerTrigger), String(SHUFFLE_PARTITIONS), o.trigger, o.window, o.delay,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  return { job: new SparkJob(child, o.log), master, table };
}

export async function runSparkBacklog(env: BenchEnvironment, o: { topic: string; events: number; maxOffsetsPerTrigger: number; log: (m: string) => void }): Promise<SparkBacklogResult> {
  const { job, master } = startSparkJob({ kafka: env.kafka, topic: o.topic, dir: env.dir, maxOffsetsPerTrigger: o.maxOffsetsPerTrigger, trigger: 'availableNow', window: '5 minutes', delay: '10 minutes', log: o.log });
  const watch = new ProcessWatch(() => new Map([['spark', job.pid], ['kafka', env.kafkaPid]]));
  watch.start();
  await job.exited;
  const processes = watch.stop();

  const withInput = job.progress.filter((p) => p.numInputRows > 0);
  const total = withInput.reduce((a, p) => a + p.numInputRows, 0);
  if (total !== o.events) throw new Error(`Spark read ${total} events, ${o.events} were produced`);
  const measured = withInput.slice(1);
  const measuredEvents = measured.reduce((a, p) => a + p.numInputRows, 0);
  const measuredMs = commitOf(withInput[withInput.length - 1]) - commitOf(withInput[0]);
  const eventsPerSecond = Math.round((measuredEvents / measuredMs) * 1000);
  o.log(`Spark: ${eventsPerSecond.toLocaleString()} events/s over ${measured.length} batches (${(measuredMs / 1000).toFixed(1)} s)`);
  return {
    master,
    batches: withInput.length,
    measuredBatches: measured.length,
    measuredEvents,
    measuredMs,
    eventsPerSecond,
    firstCommitAfterMs: commitOf(withInput[0]) - job.startedAt,
    processes: processes.map((p) => ({ ...p, cpuMicrosPerEvent: Math.round((p.cpuMs * 1000 / o.events) * 100) / 100 })),
    perBatch: withInput.map((p) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.durationMs.triggerExecution, commitMs: commitOf(p) })),
  };
}

export async function runSparkSteady(env: BenchEnvironment, o: SteadyOptions): Promise<SparkSteadyResult> {
  const topic = `bench_spark_steady_${Date.now()}`;
  const admin = await connectKafkaAdmin({ brokers: [env.kafka] });
  await admin.createTopic(topic, o.partitions);
  const { job, master, table } = startSparkJob({ kafka: env.kafka, topic, dir: env.dir, maxOffsetsPerTrigger: 0, trigger: o.trigger, window: o.window, delay: o.delay, log: o.log });
  // The load starts once the query runs; the warm-up, left out of the figures, covers the first
  // batches with data, which pay for Spark's start-up (JIT, state store, Delta log).
  const queryId = await Promise.race([job.started, job.exited.then(() => '')]);
  await new Promise((r) => setTimeout(r, 5000));

  o.log(`Spark steady: ${o.rate.toLocaleString()} events/s for ${(o.warmupMs + o.durationMs) / 1000} s (${o.warmupMs / 1000} s warm-up)`);
  const startMs = Date.now();
  const { generated, processes } = await generateWatched(env.kafka, topic, o, () => new Map([['spark', job.pid], ['kafka', env.kafkaPid]]));

  const latest = await admin.latestOffsets(topic);
  const target = Number([...latest.values()].reduce((a, b) => a + b, 0n));
  const deadline = Date.now() + 60_000;
  while (job.rowsRead() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const caughtUp = job.rowsRead() >= target;
  if (!caughtUp) o.log(`Spark had read ${job.rowsRead().toLocaleString()} of ${target.toLocaleString()} events 60 s after the load ended`);
  await new Promise((r) => setTimeout(r, 2000));
  job.stop();
  await job.exited;
  await admin.close();

  const latency = await measureLatency({
    broker: env.kafka, topic, table, queryId, progress: job.progress as unknown as QueryProgress[],
    windowMs: parseDuration(o.window) / 1000, delayMs: parseDuration(o.delay) / 1000, fromMs: startMs + o.warmupMs,
  });
  const measured = job.progress.filter((p) => Date.parse(p.timestamp) >= startMs + o.warmupMs && p.numInputRows > 0);
  o.log(`Spark: batch latency p50 ${latency.batch.p50} ms, p99 ${latency.batch.p99} ms; emission p50 ${latency.emission.p50} ms, p99 ${latency.emission.p99} ms (${latency.emission.count} windows)`);
  return {
    master,
    rate: o.rate,
    sent: generated.sent,
    achievedRate: Math.round((generated.sent / generated.durationMs) * 1000),
    trigger: o.trigger,
    batches: measured.length,
    caughtUp,
    latency: { batch: latency.batch, emission: latency.emission },
    processes,
    perBatch: job.progress.filter((p) => p.numInputRows > 0).map((p) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.durationMs.triggerExecution, commitMs: commitOf(p) })),
  };
}
