/**
 * Micro-benchmark (not a test) of an ingest map task in one process, without Kafka: the bench's
 * ingest job (query-jobs.ts), resolved as the driver resolves it, runs through IngestTaskRunner
 * over chunks of the load generator's events held in memory (5,000 records per chunk, as the
 * generator batches them), writing its Delta files into a temporary directory. Prints CPU µs per
 * event of the whole task and of its timed parts (decode, steps, write):
 *   node test/dist/bench/ingest-task-bench.js [events per task = 1000000] [rounds = 3]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordBatchBuilder, resolveQuery, type BatchId, type ExecutorJob, type QuerySpecV2, type RecordChunk } from '@tributary/common';
import { LoadEncoder, TributarySession, type QuerySubmitter } from '@tributary/client';
import { IngestTaskRunner } from '@tributary/executor/dist/task/ingest-task';
import type { RangeReaders } from '@tributary/executor/dist/task/range-readers';
import { chunkOf } from '@tributary/common/dist/decode/record-chunk-fixture';
import { queryJob } from './query-jobs';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const CHUNK = 5000;

/** The ingest job's v2 spec, captured from the job API. */
async function ingestSpec(): Promise<QuerySpecV2> {
  let captured: QuerySpecV2 | null = null;
  const submitter = {
    submit: async (spec: QuerySpecV2) => { captured = spec; throw new Error('captured'); },
  } as unknown as QuerySubmitter;
  const spark = TributarySession.builder().appName('ingest task bench').submitter(submitter).getOrCreate();
  await queryJob(spark, 'ingest', { bootstrap: 'localhost:9092', topic: 't', table: 'table', checkpoint: 'checkpoint', maxOffsetsPerTrigger: 1_000_000 }).catch(() => {});
  if (captured === null) throw new Error('no spec captured');
  return captured;
}

function chunks(events: number): RecordChunk[] {
  const enc = new LoadEncoder({ seed: 42, customers: 100_000, eventsPerSecond: 12 }, 1);
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
  const query = resolveQuery(await ingestSpec());
  const data = chunks(events);
  for (let r = 0; r < rounds; r++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-ingest-bench-'));
    const readers = {
      get: async () => ({
        read: async (_range: unknown, onChunk: (c: RecordChunk) => Promise<void>) => {
          for (const c of data) await onChunk(c);
          return { bytesFetched: 0 };
        },
      }),
    } as unknown as RangeReaders;
    const job = { tablePath: dir, badRecords: 'drop', quarantineTablePath: null, bootstrapServers: ['x'] } as unknown as ExecutorJob;
    const cpu = process.cpuUsage();
    const t = performance.now();
    const result = await new IngestTaskRunner(readers, storage, () => {}).run({
      batchId: r as unknown as BatchId, attempt: 0, taskId: 0, job, query, ranges: [{ topic: 't', partition: 0, from: 0n, to: BigInt(events) }], signal: new AbortController().signal,
    });
    const wall = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const us = (ms: number) => ((ms * 1000) / events).toFixed(3);
    const tm = result.stats.timingsMs;
    console.log(`round ${r}: ${us((used.user + used.system) / 1000)} µs CPU/event (wall ${us(wall)}): decode ${us(tm.decode)}, steps ${us(tm.steps ?? 0)}, write ${us(tm.write ?? 0)}; `
      + `${result.stats.outputRows} rows in ${result.dataAdds.length} files, ${result.dataAdds.reduce((a, f) => a + f.size, 0)} bytes`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
