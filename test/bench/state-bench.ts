/**
 * "State that scales": the per-batch cost of state must grow with the keys a batch touches, not
 * with the keys held. The run fills state in steps (events with distinct customers, all in one
 * open window, so nothing is emitted and every key stays) up to `keys`, and after each step runs
 * `probeBatches` small batches of `probeEvents` events over random customers. Per probe batch it
 * records the reduce stage's time (merge with state, fenced state write, Parquet), the state rows
 * held and updated, and the executors' resident memory. Flat reduce time across the steps is the
 * property; growing time means a cost proportional to the state.
 */
import * as path from 'node:path';
import { connectKafkaAdmin } from '@tributary/common';
import { produceLoad } from '@tributary/client';
import { ProgressLog, startBenchJob } from './bench-job';
import type { BenchEnvironment } from './environment';
import { sampleProc } from './proc-stats';

export interface StateOptions {
  keys: number;
  steps: number[];
  probeEvents: number;
  probeBatches: number;
  partitions: number;
  seed: number;
  log: (m: string) => void;
}

export interface StateStep {
  stateRows: number;
  probeBatches: number;
  reduceMsMean: number;
  reduceMsMedian: number;
  reduceMsMax: number;
  batchMsMean: number;
  batchMsMax: number;
  /** [batch id, reduce ms] of each probe batch. */
  reduceMsByBatch: [number, number][];
  stateRowsUpdatedMean: number;
  executorRssBytes: Record<string, number>;
  executorPeakRssBytes: Record<string, number>;
  fillEventsPerSecond: number;
}

export interface StateResult {
  keys: number;
  probeEvents: number;
  steps: StateStep[];
}

export async function runStateBench(env: BenchEnvironment, o: StateOptions): Promise<StateResult> {
  const topic = `bench_state_${Date.now()}`;
  const admin = await connectKafkaAdmin({ brokers: [env.kafka] });
  await admin.createTopic(topic, o.partitions);
  const { query, client } = await startBenchJob(env.cluster.driverAddress, {
    bootstrap: env.kafka, topic, table: path.join(env.dir, 'delta', topic), checkpoint: path.join(env.dir, 'checkpoints', topic),
    trigger: '100 milliseconds', window: '5 minutes', delay: '10 minutes', maxOffsetsPerTrigger: 1_000_000,
  });
  const progressLog = new ProgressLog(client, query.id);
  const startMicros = Date.UTC(2026, 0, 1) * 1000;
  let nextId = 0;
  let filled = 0;
  const steps: StateStep[] = [];
  const readAll = async () => {
    const target = [...(await admin.latestOffsets(topic)).values()].reduce((a, b) => a + b, 0n);
    for (;;) {
      await progressLog.poll();
      const read = [...progressLog.byBatch.values()].reduce((a, p) => a + p.numInputRows, 0);
      if (BigInt(read) >= target) return;
      if (!(await query.isActive())) throw new Error(`the query stopped: ${(await query.exception())?.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    for (const stepKeys of [0, ...o.steps.filter((k) => k <= o.keys)]) {
      let fillRate = 0;
      if (stepKeys > filled) {
        // Customers filled+1 .. stepKeys, one event each, all in the first 5-minute window.
        const n = stepKeys - filled;
        const t0 = Date.now();
        await produceLoad(env.kafka, topic, o.partitions, n, {
          seed: o.seed + stepKeys, customers: stepKeys, sequentialFrom: filled + 1, startMicros, eventsPerSecond: 1e9, firstEventId: nextId,
        });
        nextId += n;
        await readAll();
        fillRate = Math.round((n / (Date.now() - t0)) * 1000);
        filled = stepKeys;
      }
      const before = progressLog.byBatch.size === 0 ? -1 : Math.max(...progressLog.byBatch.keys());
      for (let b = 0; b < o.probeBatches + 1; b++) { // the first settles the fill's last batch
        await produceLoad(env.kafka, topic, o.partitions, o.probeEvents, {
          seed: o.seed * 7 + b + stepKeys, customers: Math.max(filled, o.probeEvents), startMicros: startMicros + 1000, eventsPerSecond: 1e9, firstEventId: nextId,
        });
        nextId += o.probeEvents;
        await readAll();
      }
      const probes = [...progressLog.byBatch.values()].filter((p) => p.batchId > before && p.numInputRows > 0).slice(1).slice(-o.probeBatches);
      const rss: Record<string, number> = {};
      const peak: Record<string, number> = {};
      for (const [name, p] of env.cluster.executors) {
        const s = sampleProc(p.child.pid!);
        rss[name] = s?.rssBytes ?? 0;
        peak[name] = s?.peakRssBytes ?? 0;
      }
      const stateRows = probes.length ? probes[probes.length - 1].stateOperators[0].numRowsTotal : 0;
      const mean = (f: (p: typeof probes[number]) => number) => Math.round((probes.reduce((a, p) => a + f(p), 0) / Math.max(1, probes.length)) * 10) / 10;
      const step: StateStep = {
        stateRows,
        probeBatches: probes.length,
        reduceMsMean: mean((p) => p.durationMs.reduce ?? 0),
        reduceMsMedian: probes.map((p) => p.durationMs.reduce ?? 0).sort((a, b) => a - b)[Math.floor(probes.length / 2)] ?? 0,
        reduceMsMax: Math.max(0, ...probes.map((p) => p.durationMs.reduce ?? 0)),
        batchMsMean: mean((p) => p.batchDuration ?? 0),
        batchMsMax: Math.max(0, ...probes.map((p) => p.batchDuration ?? 0)),
        reduceMsByBatch: probes.map((p) => [p.batchId, p.durationMs.reduce ?? 0]),
        stateRowsUpdatedMean: mean((p) => p.stateOperators[0].numRowsUpdated),
        executorRssBytes: rss,
        executorPeakRssBytes: peak,
        fillEventsPerSecond: fillRate,
      };
      steps.push(step);
      o.log(`state ${stateRows.toLocaleString()} rows: probe batch of ${o.probeEvents} events: reduce ${step.reduceMsMedian} ms median, ${step.reduceMsMean} mean, ${step.reduceMsMax} max, batch ${step.batchMsMean} ms mean, ${step.batchMsMax} max; reduce by batch ${step.reduceMsByBatch.map(([b, ms]) => `${b}:${ms}`).join(' ')}; executor RSS ${Object.values(rss).map((v) => Math.round(v / 2 ** 20)).join(' / ')} MiB`);
    }
  } finally {
    await query.stop().catch(() => {});
    client.close();
    await admin.close();
  }
  return { keys: o.keys, probeEvents: o.probeEvents, steps };
}
