/**
 * The CDC apply run (`--only cdc`): GoldenGate JSON changes (cdc-load.ts) applied to a Delta table
 * with writeStream.applyChanges (SCD type 1), as a user writes the query:
 *
 *   1. load: one insert per key (default 1,000,000) produced, then applied by an availableNow run;
 *      the table then holds every key;
 *   2. measured: a backlog of updates (full and compressed), deletes and inserts over those keys
 *      produced, then applied by a second availableNow run on the same checkpoint.
 *
 * Throughput is measured on the second run as the other backlog runs measure it (backlog.ts):
 * changes of the batches after the first over the time from the first batch's commit to the last
 * one's; the whole run's wall-clock rate is reported too. The table's row count at the end must be
 * the generator's live keys, else the run fails.
 */
import * as path from 'node:path';
import { LocalStorage, readTableRows, type QueryProgress } from '@tributary/common';
import { DriverClient, GrpcSubmitter, StreamingQuery, TributarySession } from '@tributary/client';
import { commitTimeMs, ProgressLog } from './bench-job';
import { CDC_BENCH_COLUMNS, CDC_BENCH_TABLE, CdcSource, produceChanges } from './cdc-load';
import type { BenchEnvironment } from './environment';
import { ProcessUse, ProcessWatch } from './proc-stats';
import { stageTimes, StageTimes } from './stages';

export interface CdcBenchOptions {
  keys: number;
  changes: number;
  partitions: number;
  maxOffsetsPerTrigger: number;
  seed: number;
  log: (m: string) => void;
}

export interface CdcBenchResult {
  description: string;
  topic: string;
  keys: number;
  changes: number;
  produce: { load: { records: number; ms: number }; changes: { records: number; ms: number } };
  load: { batches: number; ms: number; changesPerSecond: number };
  batches: number;
  measuredBatches: number;
  measuredChanges: number;
  measuredMs: number;
  changesPerSecond: number;
  /** All changes of the measured run over its whole time, first batch and start-up included. */
  wallChangesPerSecond: number;
  tableRows: number;
  stages: StageTimes;
  processes: ProcessUse[];
  perBatch: { batchId: number; rows: number; ms: number; commitMs: number; durationMs: Record<string, number> }[];
}

export const CDC_BENCH_DESCRIPTION = 'GoldenGate JSON → applyChanges (SCD type 1, key ID) into a Delta table of 1,000,000 keys: updates (full and compressed), deletes, inserts';

export async function runCdcBench(env: BenchEnvironment, o: CdcBenchOptions): Promise<CdcBenchResult> {
  const topic = `bench_cdc_${Date.now()}`;
  const table = path.join(env.dir, 'delta', topic);
  const checkpoint = path.join(env.dir, 'checkpoints', topic);
  const source = new CdcSource(o.keys, o.seed);
  o.log(`cdc: producing ${o.keys.toLocaleString()} inserts into ${topic} (${o.partitions} partitions)`);
  const loaded = await produceChanges(env.kafka, topic, o.partitions, source, { load: true });
  const client = new DriverClient(env.cluster.driverAddress);
  try {
    const spark = TributarySession.builder().appName('tributary bench cdc').submitter(new GrpcSubmitter(client)).getOrCreate();
    const start = () => spark.readStream.format('kafka').option('kafka.bootstrap.servers', env.kafka).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', o.maxOffsetsPerTrigger).option('changes.format', 'goldengate').load()
      .writeStream.applyChanges({ keys: 'ID', columns: CDC_BENCH_COLUMNS, sourceTable: CDC_BENCH_TABLE })
      .option('checkpointLocation', checkpoint).trigger({ availableNow: true }).start(table);

    const loadRun = await runToEnd(client, await start(), 'load', -1);
    const loadMs = commitTimeMs(loadRun[loadRun.length - 1]) - Date.parse(loadRun[0].timestamp);
    o.log(`cdc: table loaded with ${o.keys.toLocaleString()} keys in ${loadRun.length} batches (${(loadMs / 1000).toFixed(1)} s)`);

    o.log(`cdc: producing ${o.changes.toLocaleString()} changes (updates, deletes, inserts)`);
    const produced = await produceChanges(env.kafka, topic, o.partitions, source, { changes: o.changes });
    const watch = new ProcessWatch(() => env.pids());
    watch.start();
    let second: StreamingQuery | undefined;
    for (let i = 0; second === undefined; i++) {
      // the first run's checkpoint lock is released just after it reports its end
      try { second = await start(); } catch (err) { if (i > 50 || !/already used by a running query/.test((err as Error).message)) throw err; await new Promise((r) => setTimeout(r, 200)); }
    }
    const run = await runToEnd(client, second, 'measured', loadRun[loadRun.length - 1].batchId);
    const processes = watch.stop();

    const total = run.reduce((a, p) => a + p.numInputRows, 0);
    if (total !== produced.sent) throw new Error(`cdc: the measured run read ${total} changes, ${produced.sent} were produced`);
    const tableRows = (await readTableRows(new LocalStorage(), table)).numRows;
    if (tableRows !== source.liveCount) throw new Error(`cdc: the table holds ${tableRows} rows, the source ${source.liveCount}`);
    const measured = run.slice(1);
    const measuredChanges = measured.reduce((a, p) => a + p.numInputRows, 0);
    const measuredMs = commitTimeMs(run[run.length - 1]) - commitTimeMs(run[0]);
    const wallMs = commitTimeMs(run[run.length - 1]) - Date.parse(run[0].timestamp);
    const changesPerSecond = Math.round((measuredChanges / measuredMs) * 1000);
    o.log(`cdc: ${changesPerSecond.toLocaleString()} changes/s over ${measured.length} batches (${(measuredMs / 1000).toFixed(1)} s); table ${tableRows.toLocaleString()} rows`);
    return {
      description: CDC_BENCH_DESCRIPTION,
      topic,
      keys: o.keys,
      changes: produced.sent,
      produce: { load: { records: loaded.sent, ms: loaded.ms }, changes: { records: produced.sent, ms: produced.ms } },
      load: { batches: loadRun.length, ms: loadMs, changesPerSecond: Math.round((o.keys / loadMs) * 1000) },
      batches: run.length,
      measuredBatches: measured.length,
      measuredChanges,
      measuredMs,
      changesPerSecond,
      wallChangesPerSecond: Math.round((total / wallMs) * 1000),
      tableRows,
      stages: stageTimes(measured),
      processes: processes.map((p) => ({ ...p, cpuMicrosPerEvent: Math.round((p.cpuMs * 1000 / produced.sent) * 100) / 100 })),
      perBatch: run.map((p) => ({ batchId: p.batchId, rows: p.numInputRows, ms: p.batchDuration ?? 0, commitMs: commitTimeMs(p), durationMs: p.durationMs })),
    };
  } finally {
    client.close();
  }
}

/** Follows an availableNow run to its end; its progress reports with input after batch `after`, in batch order. */
async function runToEnd(client: DriverClient, query: StreamingQuery, what: string, after: number): Promise<QueryProgress[]> {
  const progressLog = new ProgressLog(client, query.id);
  progressLog.start();
  let failure: string | null = null;
  await query.awaitTermination().catch((err) => { failure = (err as Error).message; });
  const error = failure ?? (await query.exception())?.message ?? null;
  const progress = (await progressLog.stop()).filter((p) => p.numInputRows > 0 && p.batchId > after);
  if (error !== null) throw new Error(`cdc: the ${what} run failed: ${error}`);
  const bad = progress.reduce((a, p) => a + p.badRecords.total, 0);
  if (bad > 0) throw new Error(`cdc: the ${what} run found ${bad} bad records`);
  if (progress.length === 0) throw new Error(`cdc: the ${what} run read nothing`);
  return progress;
}
