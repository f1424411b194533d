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
  const { query } = input;
  const decoder = createStructDecoder(query.scan);
  const ctx = { timeZone: query.options.timeZone };
  let stepsMs = 0;
  const read = await readChunks(readers, storage, input, stats, log, (chunk, onBad) => {
    const decoded = decoder.decode(chunk, onBad);
    const ts = performance.now();
    const rows = runSteps(query.pre, decoded, ctx);
    stepsMs += performance.now() - ts;
    return { value: rows, rows: decoded.count };
  }, onRows);
  return { ...read, decodeMs: read.decodeMs - stepsMs, stepsMs };
}

/**
 * The read loop under readDecodedChunks, for any decoding of a chunk (a CDC query's change reader
 * too): `decode` turns a chunk into a value and its row count (counted as validRows), `onDecoded`
 * takes it, one chunk at a time in arrival order.
 */
export async function readChunks<T>(
  readers: RangeReaders, storage: Storage, input: DecodedChunksInput, stats: MapTaskStats, log: (m: string) => void,
  decode: (chunk: RecordChunk, onBad: OnBadRecord) => { value: T; rows: number },
  onDecoded: (value: T, chunk: RecordChunk, onBad: OnBadRecord) => Promise<void> | void,
): Promise<DecodedChunksResult> {
  const { job, query } = input;
  const reader = await readers.get(query.source.bootstrapServers, job.isolationLevel ?? DEFAULT_ISOLATION_LEVEL, job.kafka);
  const quarantine = query.options.badRecords === 'quarantine' && job.quarantineTablePath ? new QuarantineFiles(storage, job.quarantineTablePath, input.batchId) : undefined;
  const onBad = badRecordHandler(query.options.badRecords, input.batchId, stats, quarantine, log);
  let decodeMs = 0;
  let processing: Promise<void> = Promise.resolve();
  const onChunk = (chunk: RecordChunk): Promise<void> => {
    const done = processing.then(async () => {
      const td = performance.now();
      const decoded = decode(chunk, onBad);
      decodeMs += performance.now() - td;
      stats.inputRows += chunk.count;
      stats.validRows += decoded.rows;
      await onDecoded(decoded.value, chunk, onBad);
      await quarantine?.flushIfFull();
    });
    processing = done.catch(() => {});
    return done;
  };
  const reads = await Promise.all(input.ranges.map((range) => reader.read(range, onChunk, input.signal)));
  for (const r of reads) stats.bytesFetched += r.bytesFetched;
  const quarantineAdds = (await quarantine?.finish()) ?? [];
  stats.quarantinedRows = quarantine?.rows ?? 0;
  return { quarantineAdds, decodeMs, stepsMs: 0 };
}
