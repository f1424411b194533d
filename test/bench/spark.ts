/**
 * The same backlog on Apache Spark Structured Streaming (deploy/spark-bench: Spark 3.5 in local mode
 * with as many cores as the machine has, its Kafka source and delta-spark), for comparison: the seed
 * job as the user's reference writes it, trigger availableNow, on the topic the engine just read,
 * with the same maxOffsetsPerTrigger and shuffle partitions. Throughput is measured as for the engine:
 * input rows of the batches after the first, over the time from the first batch's commit to the
 * last one's (commit = the progress report's trigger time + batch duration).
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { REPO_ROOT } from '@tributary/client';
import { SPARK_ADD_OPENS } from '../support/jvm-spark';
import { ProcessUse, ProcessWatch } from './proc-stats';

export interface SparkOptions {
  kafka: string;
  kafkaPid: number;
  topic: string;
  dir: string;
  events: number;
  maxOffsetsPerTrigger: number;
  shufflePartitions: number;
  log: (m: string) => void;
}

export interface SparkResult {
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

/** The fields used of Spark's StreamingQueryProgress JSON (its batch duration is durationMs.triggerExecution). */
interface SparkProgress {
  batchId: number;
  numInputRows: number;
  timestamp: string;
  durationMs: { triggerExecution: number };
}

export async function runSparkBacklog(o: SparkOptions): Promise<SparkResult> {
  const here = path.join(REPO_ROOT, 'deploy', 'spark-bench');
  o.log('fetching Spark from Maven Central if needed (deploy/spark-bench/fetch.sh)');
  execFileSync('bash', [path.join(here, 'fetch.sh')], { stdio: 'inherit' });
  const master = `local[${os.cpus().length}]`;
  const table = path.join(o.dir, 'spark', 'delta');
  const checkpoint = path.join(o.dir, 'spark', 'checkpoint');
  fs.mkdirSync(path.dirname(table), { recursive: true });
  o.log(`Spark ${master} on ${o.topic}`);
  const t0 = Date.now();
  const child = spawn('java', [
    '-Xmx4g', ...SPARK_ADD_OPENS, '-cp', `${path.join(here, 'classes')}:${path.join(here, 'jars', '*')}`, 'SparkSeedJob',
    o.kafka, o.topic, table, checkpoint, master, String(o.maxOffsetsPerTrigger), String(o.shufflePartitions),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderrTail = '';
  child.stderr!.on('data', (b: Buffer) => (stderrTail = (stderrTail + b.toString()).slice(-4000)));
  const watch = new ProcessWatch(() => new Map([['spark', child.pid!], ['kafka', o.kafkaPid]]));
  watch.start();
  const progress: SparkProgress[] = [];
  let done = false;
  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (line.startsWith('PROGRESS ')) {
      const p = JSON.parse(line.slice('PROGRESS '.length)) as SparkProgress;
      progress.push(p);
      if (p.numInputRows > 0) o.log(`Spark batch ${p.batchId}: ${p.numInputRows.toLocaleString()} rows in ${p.durationMs.triggerExecution} ms`);
    } else if (line === 'DONE') done = true;
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  const processes = watch.stop();
  if (code !== 0 || !done) throw new Error(`Spark exited with ${code}: ${stderrTail}`);

  const withInput = progress.filter((p) => p.numInputRows > 0);
  const total = withInput.reduce((a, p) => a + p.numInputRows, 0);
  if (total !== o.events) throw new Error(`Spark read ${total} events, ${o.events} were produced`);
  const commit = (p: SparkProgress) => Date.parse(p.timestamp) + p.durationMs.triggerExecution;
  const measured = withInput.slice(1);
  const measuredEvents = measured.reduce((a, p) => a + p.numInputRows, 0);
  const measuredMs = commit(withInput[withInput.length - 1]) - commit(withInput[0]);
  const eventsPerSecond = Math.round((measuredEvents / measuredMs) * 1000);
  o.log(`Spark: ${eventsPerSecond.toLocaleString()} events/s over ${measured.length} batches (${(measuredMs / 1000).toFixed(1)} s)`);
  return {
    master,
    batches: withInput.length,
    measuredBatches: measured.length,
    measuredEvents,
    measuredMs,
    eventsPerSecond,
    firstCommitAfterMs: commit(withInput[0]) - t0,
    processes: processes.map((p) => ({ ...p, cpuMicrosPerEvent: Math.round((p.cpuMs * 1000 / o.events) * 100) / 100 })),
    perBatch: withInput.map((p) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.durationMs.triggerExecution, commitMs: commit(p) })),
  };
}
