/**
 * A map task of an ingest query (no aggregation) in batch attempt (N, A): read exactly the planned
 * Kafka ranges, decode each chunk's values with the query's schema, run its filter/project steps,
 * and write the rows as data files of the query's Delta table (partitioned as the table is). The
 * answer carries the files' `add` actions; the driver checks them against the rows reported and
 * commits them with the batch, so files of an attempt that never commits stay out of the log.
 *
 * Ingest queries have no shuffle, no state and no late rows: as in Spark, a watermark only matters
 * to stateful operators (one with dropDuplicates runs as dedup-map-task.ts + dedup-reduce-task.ts
 * instead). Bad records follow the query's policy (bad-records.ts).
 */
import { AddFile, BatchId, ColumnBatch, concatBatches, emptyMapStats, ExecutorJob, MapTaskStats, ResolvedQuery, sharesMemory, Storage, writeBatchFiles } from '@tributary/common';
import { runSteps } from '../pipeline/run-steps';
import { readDecodedChunks } from './decoded-chunks';
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
  constructor(private readonly readers: RangeReaders, private readonly storage: Storage, private readonly log: (m: string) => void) {}

  async run(input: IngestTaskInput): Promise<IngestTaskResult> {
    const t0 = Date.now();
    const { job, query } = input;
    const stats = emptyMapStats();
    const ctx = { timeZone: query.options.timeZone };
    const dataAdds: AddFile[] = [];
    let held: ColumnBatch[] = [];
    let heldRows = 0;
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
      dataAdds.push(...(await writeBatchFiles(this.storage, job.tablePath, batches, { partitionBy: query.sink.partitionBy })));
      writeMs += performance.now() - tw;
    };
    const read = await readDecodedChunks(this.readers, this.storage, input, stats, this.log, async (rows) => {
      const ts = performance.now();
      const out = runSteps(query.post, rows, ctx);
      // The decoder's buffers are reused by the next chunk: output that still points into them
      // (through `rows`: a column passed through, a filter that kept every row) is copied once;
      // output the steps allocated (gathered rows, computed columns) is kept as it is.
      if (out.count > 0) {
        held.push(sharesMemory(out, rows) ? concatBatches(query.output, [out]) : out);
        heldRows += out.count;
      }
      stepsMs += performance.now() - ts;
      if (heldRows >= MAX_HELD_ROWS) await flush();
    });
    await flush();
    stepsMs += read.stepsMs;
    const total = Date.now() - t0;
    stats.timingsMs = {
      fetch: Math.max(0, total - Math.round(read.decodeMs + stepsMs + writeMs)),
      decode: Math.round(read.decodeMs),
      aggregate: 0,
      shuffle: 0,
      total,
      steps: Math.round(stepsMs),
      write: Math.round(writeMs),
    };
    return { stats, quarantineAdds: read.quarantineAdds, dataAdds };
  }
}
