/**
 * Micro-benchmark (not a test) of the map task of an aggregation in one process, without Kafka or
 * a shuffle: the seed job through the v1 kernels (MapTaskRunner) and through the general path
 * (AggregateMapTaskRunner over its resolved query), and the bench's two-key and sliding jobs (query-jobs.ts),
 * over chunks of the load generator's events held in memory (5,000 records per chunk, as the
 * generator batches them), rounds alternating. Prints CPU µs per event of each task and its timed
 * parts (decode, aggregate = partial aggregation + drain + encode):
 *   node test/dist/bench/aggregate-task-bench.js [events per task = 1000000] [rounds = 3] [jobs = v1,seed,two-key,sliding]
 */
import { RecordBatchBuilder, resolveQuery, type BatchId, type ExecutorJob, type MapTaskStats, type QuerySpecV2, type RecordChunk } from '@tributary/common';
import * as path from 'node:path';
import { LoadEncoder, REPO_ROOT, TributarySession, type QuerySubmitter } from '@tributary/client';
import { AggregateMapTaskRunner } from '@tributary/executor/dist/task/aggregate-map-task';
import type { RangeReaders } from '@tributary/executor/dist/task/range-readers';
import type { ShuffleSender } from '@tributary/executor/dist/shuffle/shuffle-sender';
import { chunkOf } from '@tributary/common/dist/decode/record-chunk-fixture';
import { queryJob } from './query-jobs';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

// eslint-disable-next-line @typescript-eslint/no-var-requires
const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js')) as (spark: TributarySession, o: object) => Promise<unknown>;

/** The v1 map task (its kernels are being retired): the 'v1' job runs only while it exists. */
type V1Runner = { run(input: object): Promise<{ stats: MapTaskStats }> };
const V1_MAP_TASK = ((): (new (sender: ShuffleSender, readers: RangeReaders, log: (m: string) => void) => V1Runner) | null => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('@tributary/executor/dist/task/map-task').MapTaskRunner;
  } catch {
    return null;
  }
})();

const CHUNK = 5000;
const PARTITIONS = 8;
/** The events' times are the generator's (now, 12 events per simulated second): far from any watermark. */
const GUARD = { eventTimeGuardReferenceMs: Date.now() + 3_600_000, maxEventTimeAheadMs: 3_600_000 };

async function captureSpec(start: (spark: TributarySession) => Promise<unknown>): Promise<QuerySpecV2> {
  let captured: QuerySpecV2 | null = null;
  const submitter = {
    submit: async (spec: QuerySpecV2) => { captured = spec; throw new Error('captured'); },
  } as unknown as QuerySubmitter;
  const spark = TributarySession.builder().appName('aggregate task bench').submitter(submitter).getOrCreate();
  process.env.TRIBUTARY_FORCE_V2 = '1';
  await start(spark).catch(() => {});
  delete process.env.TRIBUTARY_FORCE_V2;
  if (captured === null) throw new Error('no spec captured (is the writer patched to honour TRIBUTARY_FORCE_V2?)');
  if ((captured as { version?: number }).version !== 2 && !('query' in (captured as object))) throw new Error('captured spec is not version 2');
  return captured;
}

function chunks(events: number): RecordChunk[] {
  const enc = new LoadEncoder({ seed: 42, customers: 100_000, eventsPerSecond: 100_000 }, 1);
  const out: RecordChunk[] = [];
  for (let done = 0; done < events; done += CHUNK) {
    const values: Buffer[] = [];
    const builder = { append: (_key: Buffer, b: Buffer, from: number, to: number) => { values.push(Buffer.from(b.subarray(from, to))); } };
    const n = Math.min(CHUNK, events - done);
    for (let i = 0; i < n; i++) enc.append([builder as unknown as RecordBatchBuilder]);
    out.push(chunkOf(values));
  }
  return out;
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 1_000_000);
  const rounds = Number(process.argv[3] ?? 3);
  const jobs = (process.argv[4] ?? 'v1,seed,two-key,sliding').split(',').filter((j) => j !== 'v1' || V1_MAP_TASK !== null);
  const opts = { bootstrap: 'localhost:9092', topic: 't', table: '/tmp/t', checkpoint: '/tmp/c', maxOffsetsPerTrigger: 1_000_000 };
  const seed = resolveQuery(await captureSpec((s) => seedJob(s, opts)));
  const twoKey = resolveQuery(await captureSpec((s) => queryJob(s, 'two-key', opts)));
  const sliding = resolveQuery(await captureSpec((s) => queryJob(s, 'sliding', opts)));
  const data = chunks(events);
  const readers = {
    get: async () => ({
      read: async (_range: unknown, onChunk: (c: RecordChunk) => Promise<void>) => {
        for (const c of data) await onChunk(c);
        return { bytesFetched: 0 };
      },
    }),
  } as unknown as RangeReaders;
  let sentBytes = 0;
  const sender = { pushAll: async (_c: unknown, _o: unknown, parts: { bytes: Uint8Array }[]) => { for (const p of parts) sentBytes += p.bytes.byteLength; } } as unknown as ShuffleSender;
  const owners = Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, executorId: 'e', address: 'a' }));
  const job = {
    queryId: 'q', windowMicros: 300_000_000, timeZone: 'UTC', shufflePartitions: PARTITIONS, badRecords: 'drop', quarantineTablePath: null,
    lateRows: 'drop', lateRowsTablePath: null, maxValueBytes: 1 << 20, bootstrapServers: ['x'],
  } as unknown as ExecutorJob;
  const v1 = V1_MAP_TASK === null ? null : new V1_MAP_TASK(sender, readers, () => {});
  const general = new AggregateMapTaskRunner(sender, readers, storage, () => {});
  const common = { attempt: 0, taskId: 0, job, ranges: [{ topic: 't', partition: 0, from: 0n, to: BigInt(events) }], lateWatermarkMicros: 0, lateFilter: true, owners, ...GUARD };
  for (let r = 0; r < rounds; r++) {
    for (const name of jobs) {
      sentBytes = 0;
      const batchId = r as unknown as BatchId;
      const signal = new AbortController().signal;
      const cpu = process.cpuUsage();
      const t = performance.now();
      const stats = name === 'v1'
        ? (await v1!.run({ ...common, batchId, signal })).stats
        : (await general.run({ ...common, batchId, signal, query: name === 'seed' ? seed : name === 'sliding' ? sliding : twoKey })).stats;
      const wall = performance.now() - t;
      const used = process.cpuUsage(cpu);
      const us = (ms: number) => ((ms * 1000) / events).toFixed(3);
      const tm = stats.timingsMs;
      console.log(`round ${r} ${name.padEnd(7)}: ${us((used.user + used.system) / 1000)} µs CPU/event (wall ${us(wall)}): decode ${us(tm.decode)}, steps ${us(tm.steps ?? 0)}, aggregate ${us(tm.aggregate)}; `
        + `${stats.validRows} rows → ${stats.partialRows} partials, ${sentBytes} bytes`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
