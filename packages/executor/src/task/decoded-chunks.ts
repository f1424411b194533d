/**
 * The read side shared by the map tasks of resolved queries (ingest-task.ts, aggregate-map-task.ts):
 * read exactly the planned Kafka ranges (concurrently, hiding fetch waits), decode each chunk with
 * the query's scan, run the query's `pre` steps, and hand each chunk's rows to `onRows`, one chunk
 * at a time in the order they arrive. Bad records follow the query's policy (bad-records.ts); the
 * quarantine files' `add` actions are returned once every range was read.
 *
 * The rows handed to `onRows` are views of the decoder's buffers, reused by the next chunk: keep
 * a copy of what must outlive the call. A reader reuses a chunk's buffer only after `onRows`'s
 * promise resolved.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, ColumnBatch, createStructDecoder, DEFAULT_ISOLATION_LEVEL, ExecutorJob, MapTaskStats, RecordChunk, ResolvedQuery,
} from '@tributary/common';
import { runSteps } from '../pipeline/run-steps';
import { QuarantineFiles } from '../sink/quarantine-files';
import { badRecordHandler, OnBadRecord } from './bad-records';
import { RangeReaders } from './range-readers';

export interface DecodedChunksInput {
  batchId: BatchId;
  job: ExecutorJob;
  query: ResolvedQuery;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  signal: AbortSignal;
}

/** Rows of one chunk after `pre`; `onBad` quarantines (or drops, or fails on) one of the chunk's records. */
export type OnRows = (rows: ColumnBatch, chunk: RecordChunk, onBad: OnBadRecord) => Promise<void> | void;

export interface DecodedChunksResult {
  quarantineAdds: AddFile[];
  /** Time spent decoding and in `pre`'s steps (ms); `onRows`'s own time is not counted. */
  decodeMs: number;
  stepsMs: number;
}

/** Reads and decodes the ranges, counting inputRows, validRows (rows decoded), bytesFetched and quarantinedRows into `stats`. */
export async function readDecodedChunks(
  readers: RangeReaders, storage: Storage, input: DecodedChunksInput, stats: MapTaskStats, log: (m: string) => void, onRows: OnRows,
): Promise<DecodedChunksResult> {
  const { job, query } = input;
  const reader = await readers.get(query.source.bootstrapServers, job.isolationLevel ?? DEFAULT_ISOLATION_LEVEL, job.kafka);
  const decoder = createStructDecoder(query.scan);
  const quarantine = query.options.badRecords === 'quarantine' && job.quarantineTablePath ? new QuarantineFiles(storage, job.quarantineTablePath, input.batchId) : undefined;
  const onBad = badRecordHandler(query.options.badRecords, input.batchId, stats, quarantine, log);
  const ctx = { timeZone: query.options.timeZone };
  let decodeMs = 0;
  let stepsMs = 0;
  let processing: Promise<void> = Promise.resolve();
  const onChunk = (chunk: RecordChunk): Promise<void> => {
    const done = processing.then(async () => {
      const td = performance.now();
      const decoded = decoder.decode(chunk, onBad);
      const ts = performance.now();
      stats.inputRows += chunk.count;
      stats.validRows += decoded.count;
      const rows = runSteps(query.pre, decoded, ctx);
      decodeMs += ts - td;
      stepsMs += performance.now() - ts;
      await onRows(rows, chunk, onBad);
      await quarantine?.flushIfFull();
    });
    processing = done.catch(() => {});
    return done;
  };
  const reads = await Promise.all(input.ranges.map((range) => reader.read(range, onChunk, input.signal)));
  for (const r of reads) stats.bytesFetched += r.bytesFetched;
  const quarantineAdds = (await quarantine?.finish()) ?? [];
  stats.quarantinedRows = quarantine?.rows ?? 0;
  return { quarantineAdds, decodeMs, stepsMs };
}
