/**
 * The backlog run of a general (v2) job (query-jobs.ts): N seeded events are produced into the
 * job's own topic, then the job runs with trigger availableNow, and its throughput is measured as
 * the seed job's (backlog.ts): input rows of the batches after the first over the time from the
 * first batch's commit to the last one's.
 *
 * A job the driver refuses at submit (e.g. an aggregation the executors do not run yet) or that
 * fails is recorded with the driver's reason, and the rest of the benchmark goes on.
 */
import * as path from 'node:path';
import type { QueryProgress } from '@tributary/common';
import { produceLoad } from '@tributary/client';
import { commitTimeMs, ProgressLog } from './bench-job';
import type { BenchEnvironment } from './environment';
import { ProcessUse, ProcessWatch } from './proc-stats';
import { QUERY_JOB_DESCRIPTIONS, QueryJobName, startQueryJob } from './query-jobs';
import { stageTimes, StageTimes } from './stages';

export interface QueryJobBacklogOptions {
  events: number;
  partitions: number;
  customers: number;
  maxOffsetsPerTrigger: number;
  seed: number;
  log: (m: string) => void;
}

export interface QueryJobBacklogResult {
  job: QueryJobName;
  description: string;
  topic: string;
  events: number;
  /** Set when the job did not run to the end: "not runnable yet: <driver's reason>" or "failed: <reason>". */
  notRun?: string;
  produce?: { eventsPerSecond: number; ms: number };
  batches?: number;
  measuredBatches?: number;
  measuredEvents?: number;
  measuredMs?: number;
  eventsPerSecond?: number;
  stages?: StageTimes;
  processes?: ProcessUse[];
  perBatch?: { batchId: number; rows: number; ms: number; commitMs: number; durationMs: Record<string, number> }[];
}

/** Event time of the ingest topic spans this many days, so that its date partitions differ. */
const INGEST_DAYS = 3;

export async function runQueryJobBacklog(env: BenchEnvironment, job: QueryJobName, o: QueryJobBacklogOptions): Promise<QueryJobBacklogResult> {
  const topic = `bench_${job.replace('-', '_')}_${Date.now()}`;
  const base = { job, description: QUERY_JOB_DESCRIPTIONS[job], topic, events: o.events };
  const eventsPerSecond = job === 'ingest' ? Math.max(1, Math.ceil(o.events / (INGEST_DAYS * 86_400))) : 100_000;
  o.log(`${job}: producing ${o.events.toLocaleString()} events into ${topic} (${o.partitions} partitions, event time ${eventsPerSecond.toLocaleString()} events/s)`);
  const produced = await produceLoad(env.kafka, topic, o.partitions, o.events, { seed: o.seed, customers: o.customers, eventsPerSecond });
  const produce = { eventsPerSecond: Math.round((produced.sent / produced.durationMs) * 1000), ms: produced.durationMs };

  let started: Awaited<ReturnType<typeof startQueryJob>>;
  try {
    started = await startQueryJob(env.cluster.driverAddress, job, {
      bootstrap: env.kafka, topic, table: path.join(env.dir, 'delta', topic), checkpoint: path.join(env.dir, 'checkpoints', topic),
      maxOffsetsPerTrigger: o.maxOffsetsPerTrigger,
    });
  } catch (err) {
    const notRun = `not runnable yet: ${(err as Error).message}`;
    o.log(`${job}: ${notRun}`);
    return { ...base, events: produced.sent, produce, notRun };
  }
  const { query, client } = started;
  const watch = new ProcessWatch(() => env.pids());
  watch.start();
  const progressLog = new ProgressLog(client, query.id);
  progressLog.start();
  let failure: string | null = null;
  await query.awaitTermination().catch((err) => { failure = (err as Error).message; });
  const processes = watch.stop();
  const progress = await progressLog.stop();
  client.close();
  if (failure !== null) {
    o.log(`${job}: failed: ${failure}`);
    return { ...base, events: produced.sent, produce, notRun: `failed: ${failure}` };
  }

  const withInput = progress.filter((p) => p.numInputRows > 0);
  const total = withInput.reduce((a, p) => a + p.numInputRows, 0);
  if (total !== produced.sent) throw new Error(`${job}: the job read ${total} events, ${produced.sent} were produced`);
  const measured = withInput.slice(1);
  const measuredEvents = measured.reduce((a, p) => a + p.numInputRows, 0);
  const measuredMs = commitTimeMs(withInput[withInput.length - 1]) - commitTimeMs(withInput[0]);
  const rate = Math.round((measuredEvents / measuredMs) * 1000);
  o.log(`${job}: ${rate.toLocaleString()} events/s over ${measured.length} batches (${(measuredMs / 1000).toFixed(1)} s)`);
  return {
    ...base,
    events: produced.sent,
    produce,
    batches: withInput.length,
    measuredBatches: measured.length,
    measuredEvents,
    measuredMs,
    eventsPerSecond: rate,
    stages: stageTimes(measured),
    processes: processes.map((p) => ({ ...p, cpuMicrosPerEvent: Math.round((p.cpuMs * 1000 / produced.sent) * 100) / 100 })),
    perBatch: withInput.map((p: QueryProgress) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.batchDuration ?? 0, commitMs: commitTimeMs(p), durationMs: p.durationMs })),
  };
}
