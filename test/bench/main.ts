/**
 * `npm run bench`: the benchmark of the seed job on this machine (see options.ts for the command
 * line and docs/performance.md for what it measures). Starts its own Kafka, Redis, driver and
 * executors, runs, and writes report.json and report.html.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '@tributary/client';
import { BacklogResult, runBacklog } from './backlog';
import { CdcBenchResult, runCdcBench } from './cdc-bench';
import { startEnvironment } from './environment';
import { parseOptions, BenchOptions } from './options';
import { ProfileSummary, summariseProfiles } from './profile-stages';
import { QueryJobBacklogResult, runQueryJobBacklog } from './query-job-backlog';
import { renderReport } from './render';
import { runSparkBacklog, runSparkSteady, SparkBacklogResult, SparkSteadyResult } from './spark';
import { runStateBench, StateResult } from './state-bench';
import { runSteady, SteadyResult } from './steady';
import { runUpdateCommitBench, UpdateCommitResult } from './update-commit-bench';

export interface BenchReport {
  command: string;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; loadAverageAtStart: number[]; loadAverageAtEnd?: number[] };
  options: BenchOptions;
  backlog?: BacklogResult;
  /** Backlog runs of the general jobs (query-jobs.ts), in the order run. */
  jobs?: QueryJobBacklogResult[];
  spark?: SparkBacklogResult;
  sparkSteady?: SparkSteadyResult;
  steady?: SteadyResult;
  /** CDC apply throughput (cdc-bench.ts). */
  cdc?: CdcBenchResult;
  state?: StateResult;
  /** Update mode's commit time on a small and a large table (update-commit-bench.ts). */
  updateCommit?: UpdateCommitResult;
  profiles?: ProfileSummary[];
  targets?: { name: string; target: string; measured: string; met: boolean }[];
}

const log = (m: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.command === 'delta') return runDelta();
  const startedAt = new Date().toISOString();
  const out = path.resolve(o.out ?? path.join(REPO_ROOT, 'bench-results', `${o.command}-${startedAt.replace(/[:.]/g, '-')}`));
  fs.mkdirSync(out, { recursive: true });
  const profileDir = o.profile ? path.join(out, 'profiles') : undefined;
  const report: BenchReport = {
    command: o.command,
    startedAt,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryBytes: os.totalmem(), node: process.version, loadAverageAtStart: os.loadavg() },
    options: o,
  };
  // Update mode's commit bench needs no cluster: it runs first, and alone without starting one.
  if (o.command === 'seed' && o.only.includes('update-commit')) report.updateCommit = await runUpdateCommitBench({ log });
  const needsCluster = o.command !== 'seed' || o.only.some((r) => r !== 'update-commit');
  const env = needsCluster ? await startEnvironment({ executors: o.executors, profileDir, log }) : null;
  const names = new Map<number, string>(env ? [...env.pids()].map(([n, p]) => [p, n]) : []);
  if (env) try {
    if (o.command === 'seed') {
      if (o.only.includes('backlog')) {
        report.backlog = await runBacklog(env, { events: o.events, partitions: o.partitions, executors: o.executors, customers: o.customers, maxOffsetsPerTrigger: o.batch, seed: o.seed, log });
        if (o.spark) {
          report.spark = await runSparkBacklog(env, { topic: report.backlog.topic, events: report.backlog.events, maxOffsetsPerTrigger: o.batch, log });
          log(`Tributary / Spark, backlog throughput: ${(report.backlog.eventsPerSecond / report.spark.eventsPerSecond).toFixed(1)}×`);
        }
      }
      for (const job of (['ingest', 'two-key', 'sliding'] as const).filter((j) => o.only.includes(j))) {
        report.jobs = report.jobs ?? [];
        report.jobs.push(await runQueryJobBacklog(env, job, { events: o.events, partitions: o.partitions, customers: o.customers, maxOffsetsPerTrigger: o.batch, seed: o.seed, log }));
      }
      if (o.only.includes('cdc')) {
        report.cdc = await runCdcBench(env, { keys: o.cdcKeys, changes: o.changes, partitions: o.partitions, maxOffsetsPerTrigger: o.batch, seed: o.seed, log });
      }
      if (o.only.includes('steady')) {
        const steady = {
          rate: o.rate, durationMs: o.durationS * 1000, warmupMs: o.warmupS * 1000, partitions: o.partitions, customers: o.customers,
          trigger: o.trigger, window: o.window, delay: o.delay, seed: o.seed, log,
        };
        report.steady = await runSteady(env, steady);
        if (o.spark) report.sparkSteady = await runSparkSteady(env, steady);
      }
    } else {
      const steps = [1_000_000, 2_000_000, 5_000_000].filter((k) => k < o.keys);
      report.state = await runStateBench(env, { keys: o.keys, steps: [...steps, o.keys], probeEvents: o.probeEvents, probeBatches: 10, partitions: o.partitions, seed: o.seed, log });
    }
  } finally {
    await env.stop(o.keep);
    if (o.keep) log(`kept ${env.dir}`);
  }
  if (profileDir) report.profiles = summariseProfiles(profileDir, names);
  report.machine.loadAverageAtEnd = os.loadavg();
  report.targets = targets(report);
  fs.writeFileSync(path.join(out, 'report.json'), JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(out, 'report.html'), renderReport(report));
  for (const t of report.targets) log(`${t.met ? 'MET    ' : 'NOT MET'} ${t.name}: ${t.measured} (target ${t.target})`);
  // The engine / ceiling target (≥ 50%) was retired after Step 5 (docs/performance.md gives the CPU
  // budget argument); the ratio and the decode bound stay in every report as figures.
  if (report.backlog) log(`figure  engine / reader ceiling: ${Math.round(report.backlog.engineOverCeiling * 100)}%; decode bound (readers + decoder alone): ${Math.round(report.backlog.decodeBoundOverCeiling * 100)}% of the ceiling`);
  log(`report: ${path.join(out, 'report.json')} and report.html`);
}

/** The targets, against what this run measured. */
function targets(r: BenchReport): NonNullable<BenchReport['targets']> {
  const t: NonNullable<BenchReport['targets']> = [];
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  if (r.backlog) {
    t.push({ name: 'backlog throughput', target: '≥ 1,000,000 events/s', measured: `${r.backlog.eventsPerSecond.toLocaleString('en-US')} events/s`, met: r.backlog.eventsPerSecond >= 1_000_000 });
    if (r.backlog.measuredMs < 30_000) t.push({ name: 'measured part of the backlog run', target: '≥ 30 s', measured: `${(r.backlog.measuredMs / 1000).toFixed(1)} s`, met: false });
  }
  const jobTargets: Record<string, number> = { ingest: 1_500_000, 'two-key': 1_000_000, sliding: 500_000 };
  for (const j of r.jobs ?? []) {
    const goal = jobTargets[j.job];
    t.push({
      name: `${j.job} job backlog throughput`,
      target: `≥ ${goal.toLocaleString('en-US')} events/s`,
      measured: j.eventsPerSecond !== undefined ? `${j.eventsPerSecond.toLocaleString('en-US')} events/s` : (j.notRun ?? 'not run'),
      met: (j.eventsPerSecond ?? 0) >= goal,
    });
  }
  if (r.cdc) {
    t.push({
      name: `CDC apply throughput into a table of ${r.cdc.keys.toLocaleString('en-US')} keys`,
      target: '≥ 200,000 changes/s',
      measured: `${r.cdc.changesPerSecond.toLocaleString('en-US')} changes/s`,
      met: r.cdc.changesPerSecond >= 200_000 && r.cdc.keys >= 1_000_000,
    });
  }
  if (r.steady) {
    const s = r.steady.latency;
    t.push({ name: `batch latency p99 at ${r.steady.rate.toLocaleString('en-US')} events/s`, target: '< 1000 ms', measured: `${s.batch.p99} ms`, met: s.batch.p99 < 1000 });
    t.push({ name: 'emission latency p50', target: '< 500 ms', measured: `${s.emission.p50} ms (${s.emission.count} windows)`, met: s.emission.p50 < 500 });
    t.push({ name: 'emission latency p99', target: '< 1000 ms', measured: `${s.emission.p99} ms`, met: s.emission.p99 < 1000 });
  }
  if (r.updateCommit && r.updateCommit.runs.length >= 2) {
    const [small, large] = [r.updateCommit.runs[0], r.updateCommit.runs[r.updateCommit.runs.length - 1]];
    t.push({
      name: `update-mode commit of ${large.keysTouched.toLocaleString('en-US')} keys, ${large.tableRows.toLocaleString('en-US')} vs ${small.tableRows.toLocaleString('en-US')} table rows`,
      target: 'larger ≤ 3× smaller',
      measured: `${small.ms} ms → ${large.ms} ms (${r.updateCommit.ratio.toFixed(2)}×)`,
      met: r.updateCommit.ratio <= 3,
    });
  }
  if (r.state) {
    const at1m = r.state.steps.find((s) => s.stateRows >= 1_000_000);
    if (at1m) {
      const worst = Math.max(...Object.values(at1m.executorRssBytes));
      t.push({ name: `executor RSS with ${at1m.stateRows.toLocaleString('en-US')} keys in state`, target: '< 512 MiB', measured: mib(worst), met: worst < 512 * 2 ** 20 });
    }
    const first = r.state.steps[0];
    const last = r.state.steps[r.state.steps.length - 1];
    if (first && last && last !== first) {
      // Every batch counts: a periodic batch whose cost follows the total state (e.g. a full snapshot) fails it.
      const growth = last.reduceMsMax / Math.max(1, first.reduceMsMax);
      t.push({
        name: `probe-batch reduce time, ${last.stateRows.toLocaleString('en-US')} vs ${first.stateRows.toLocaleString('en-US')} keys in state`,
        target: 'flat (worst batch ≤ 2×)',
        measured: `median ${first.reduceMsMedian} → ${last.reduceMsMedian} ms, worst ${first.reduceMsMax} → ${last.reduceMsMax} ms (${growth.toFixed(1)}×)`,
        met: growth <= 2,
      });
    }
  }
  return t;
}

async function runDelta(): Promise<void> {
  const file = path.join(__dirname, 'delta-bench.js');
  if (!fs.existsSync(file)) {
    console.log('the Delta benchmark (test/bench/delta-bench.ts) is not there yet');
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { runDeltaBench(): Promise<unknown> };
  await mod.runDeltaBench();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
