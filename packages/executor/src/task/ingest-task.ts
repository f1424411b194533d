/**
 * A map task of an ingest query (no aggregation) in batch attempt (N, A): read exactly the planned
 * Kafka ranges, decode each chunk's values with the query's schema, run its filter/project steps,
 * and write the rows as data files of the query's Delta table (partitioned as the table is). The
 * answer carries the files' `add` actions; the driver checks them against the rows reported and
 * commits them with the batch, so files of an attempt that never commits stay out of the log.
 *
 * Ingest queries have no shuffle, no state and no late rows: as in Spark, a watermark only matters
 * to stateful operators. Bad records follow the query's policy (bad-records.ts).
 */
import {
  AddFile, BatchId, ColumnBatch, concatBatches, createStructDecoder, DEFAULT_ISOLATION_LEVEL, emptyMapStats, ExecutorJob, MapTaskStats,
  RecordChunk, ResolvedQuery, sharesMemory, writeBatchFiles,
} from '@tributary/common';
import { QuarantineFiles } from '../sink/quarantine-files';
import { runSteps } from '../pipeline/run-steps';
import { badRecordHandler } from './bad-records';
import { RangeReaders } from './range-readers';

export interface IngestTaskInput {
  batchId: BatchId;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  query: ResolvedQuery;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  signal: AbortSignal;
}

export interface IngestTaskResult {
  stats: MapTaskStats;
  quarantineAdds: AddFile[];
  dataAdds: AddFile[];
}

/** Rows held before they are written as files (bounds memory; files are also cut at this size). */
const MAX_HELD_ROWS = 1_000_000;

export class IngestTaskRunner {
  constructor(private readonly readers: RangeReaders, private readonly log: (m: string) => void) {}

  async run(input: IngestTaskInput): Promise<IngestTaskResult> {
    const t0 = Date.now();
    const { job, query } = input;
    const stats = emptyMapStats();
    const reader = await this.readers.get(job.bootstrapServers, job.isolationLevel ?? DEFAULT_ISOLATION_LEVEL);
    const decoder = createStructDecoder(query.scan);
    const quarantine = job.badRecords === 'quarantine' && job.quarantineTablePath ? new QuarantineFiles(job.quarantineTablePath, input.batchId) : undefined;
    const onBad = badRecordHandler(job, input.batchId, stats, quarantine, this.log);
    const ctx = { timeZone: query.options.timeZone };
    const steps = [...query.pre, ...query.post];
    const dataAdds: AddFile[] = [];
    let held: ColumnBatch[] = [];
    let heldRows = 0;
    let decodeMs = 0;
    let stepsMs = 0;
    let writeMs = 0;
    const flush = async (): Promise<void> => {
      if (heldRows === 0) return;
      const tw = performance.now();
      const batches = held;
      stats.outputRows += heldRows;
      held = [];
      heldRows = 0;
      // Each chunk's rows become a record batch of the files as they are (no concatenation).
      dataAdds.push(...(await writeBatchFiles(job.tablePath, batches, { partitionBy: query.sink.partitionBy })));
      writeMs += performance.now() - tw;
    };
    // Chunks are processed one at a time, in the order they arrive (they share the decoder's
    // buffers); a reader reuses a chunk's buffer only after its callback's promise resolved.
    let processing: Promise<void> = Promise.resolve();
    const onChunk = (chunk: RecordChunk): Promise<void> => {
      const done = processing.then(async () => {
        const td = performance.now();
        const decoded = decoder.decode(chunk, onBad);
        const ts = performance.now();
        stats.inputRows += chunk.count;
        stats.validRows += decoded.count;
        const out = runSteps(steps, decoded, ctx);
        // The decoder's buffers are reused by the next chunk: output that still points into them
        // (a column passed through, a filter that kept every row) is copied once; output the steps
        // allocated (a filter's gathered rows, computed columns) is kept as it is.
        if (out.count > 0) {
          held.push(sharesMemory(out, decoded) ? concatBatches(query.output, [out]) : out);
          heldRows += out.count;
        }
        const te = performance.now();
        decodeMs += ts - td;
        stepsMs += te - ts;
        if (heldRows >= MAX_HELD_ROWS) await flush();
        await quarantine?.flushIfFull();
      });
      processing = done.catch(() => {});
      return done;
    };
    const reads = await Promise.all(input.ranges.map((range) => reader.read(range, onChunk, input.signal)));
    for (const r of reads) stats.bytesFetched += r.bytesFetched;
    await flush();
    const quarantineAdds = (await quarantine?.finish()) ?? [];
    stats.quarantinedRows = quarantine?.rows ?? 0;
    const total = Date.now() - t0;
    stats.timingsMs = {
      fetch: Math.max(0, total - Math.round(decodeMs + stepsMs + writeMs)),
      decode: Math.round(decodeMs),
      aggregate: 0,
      shuffle: 0,
      total,
      steps: Math.round(stepsMs),
      write: Math.round(writeMs),
    };
    return { stats, quarantineAdds, dataAdds };
  }
}
