/**
 * A map task of batch attempt (N, A): read exactly the planned Kafka ranges, decode the values into
 * typed columns, hold back events stamped too far ahead (the event-time guard), drop late rows
 * (window end ≤ WM(N−1)) and aggregate partially per (window, customer_id), then push one message per
 * shuffle partition to its owner. The task answers only after every push was acknowledged.
 *
 * Records that cannot become rows (decoder reasons, EVENT_TIME_TOO_FAR_AHEAD) follow the query's
 * badRecords policy (bad-records.ts). Late rows are counted, and with lateRows 'table' written to late-rows files. The
 * side files' `add` actions go back to the driver, which commits them with the batch.
 */
import {
  AddFile, BatchId, EventColumns as DecodedColumns, EventDecoder, ExecutorJob, MapTaskStats,
  RecordChunk, emptyMapStats, createEventColumns, clearEventColumns, TributaryError, EVENT_TIME_TOO_FAR_AHEAD,
  formatMicros, formatTimestampMicros, DEFAULT_ISOLATION_LEVEL,
} from '@tributary/common';
import { PartialAggregator, encodePartialSet } from '../aggregate';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';
import { QuarantineFiles } from '../sink/quarantine-files';
import { LateRowsFiles } from '../sink/late-rows-files';
import { RangeReaders } from './range-readers';
import { badRecordHandler } from './bad-records';

export interface MapTaskInput {
  batchId: BatchId;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  lateWatermarkMicros: number;
  lateFilter: boolean;
  owners: ShuffleTarget[];
  /** Event-time guard from the plan: events after reference + ahead are bad records. ahead ≤ 0: no guard. */
  eventTimeGuardReferenceMs: number;
  maxEventTimeAheadMs: number;
  signal: AbortSignal;
}

export interface MapTaskResult {
  stats: MapTaskStats;
  quarantineAdds: AddFile[];
  lateRowsAdds: AddFile[];
}

export class MapTaskRunner {
  /** Aggregators and column buffers are large and reused; one per concurrently running task. */
  private readonly pool: { aggregator: PartialAggregator; columns: DecodedColumns }[] = [];

  constructor(private readonly sender: ShuffleSender, private readonly readers: RangeReaders, private readonly log: (m: string) => void) {}

  async run(input: MapTaskInput): Promise<MapTaskResult> {
    const buffers = this.pool.pop() ?? { aggregator: new PartialAggregator(), columns: createEventColumns(64 * 1024) };
    try {
      return await this.runWith(input, buffers.aggregator, buffers.columns);
    } finally {
      this.pool.push(buffers);
    }
  }

  private async runWith(input: MapTaskInput, aggregator: PartialAggregator, cols: DecodedColumns): Promise<MapTaskResult> {
    const t0 = Date.now();
    const { job } = input;
    const stats = emptyMapStats();
    const reader = await this.readers.get(job.bootstrapServers, job.isolationLevel ?? DEFAULT_ISOLATION_LEVEL);
    const decoder = new EventDecoder({ maxValueBytes: job.maxValueBytes, timeZone: job.timeZone });
    const lateWatermark = input.lateFilter ? input.lateWatermarkMicros : -Infinity;
    const quarantine = job.badRecords === 'quarantine' && job.quarantineTablePath ? new QuarantineFiles(job.quarantineTablePath, input.batchId) : undefined;
    const lateFiles = job.lateRows === 'table' && job.lateRowsTablePath && input.lateFilter
      ? new LateRowsFiles(job.lateRowsTablePath, input.batchId, input.lateWatermarkMicros) : undefined;
    const guardLimitMicros = input.maxEventTimeAheadMs > 0 ? (input.eventTimeGuardReferenceMs + input.maxEventTimeAheadMs) * 1000 : Infinity;
    let minEvent = Infinity;
    let sumEvent = 0;
    let decodeMs = 0;
    let aggregateMs = 0;
    const onBad = badRecordHandler(job, input.batchId, stats, quarantine, this.log);
    const guard = (chunk: RecordChunk): void => {
      let w = 0;
      let j = 0;
      for (let r = 0; r < cols.count; r++) {
        const t = cols.eventTimeMicros[r];
        if (t > guardLimitMicros) {
          const offset = cols.kafkaOffset[r];
          while (chunk.offset[j] !== offset) j++;
          onBad(chunk, j, EVENT_TIME_TOO_FAR_AHEAD, () => `timestamp ${formatTimestampMicros(t)} is more than ${formatMicros(input.maxEventTimeAheadMs * 1000)} after the batch's reference time ${new Date(input.eventTimeGuardReferenceMs).toISOString()} (maxEventTimeAhead)`);
          continue;
        }
        if (w !== r) moveRow(cols, r, w);
        w++;
      }
      cols.count = w;
    };
    let lateTopic = '';
    const onLate = lateFiles ? (row: number) => lateFiles.add(cols, row, lateTopic, decoder.dictionary()) : undefined;
    aggregator.drainPartitions(1); // forget what a failed earlier task may have left
    // Ranges are fetched concurrently (hiding fetch waits); chunks are processed one at a time, in
    // the order they arrive, since they share the decoder's columns and the aggregator. A reader
    // reuses a chunk's buffer only after its callback's promise resolved.
    let processing: Promise<void> = Promise.resolve();
    const onChunk = (chunk: RecordChunk): Promise<void> => {
      const done = processing.then(async () => {
        lateTopic = chunk.topic;
        const td = performance.now();
        clearEventColumns(cols);
        decoder.decode(chunk, cols, onBad);
        guard(chunk);
        const ta = performance.now();
        stats.inputRows += chunk.count;
        stats.validRows += cols.count;
        for (let i = 0; i < cols.count; i++) {
          const t = cols.eventTimeMicros[i];
          if (t < minEvent) minEvent = t;
          sumEvent += t;
        }
        aggregator.add(cols, { windowMicros: job.windowMicros, lateWatermarkMicros: lateWatermark, onLate });
        const te = performance.now();
        decodeMs += ta - td;
        aggregateMs += te - ta;
        await quarantine?.flushIfFull();
        await lateFiles?.flushIfFull();
      });
      processing = done.catch(() => {});
      return done;
    };
    const reads = await Promise.all(input.ranges.map((range) => reader.read(range, onChunk, input.signal)));
    for (const r of reads) stats.bytesFetched += r.bytesFetched;
    const tDrain = performance.now();
    const drained = aggregator.drainPartitions(job.shufflePartitions);
    aggregateMs += performance.now() - tDrain;
    stats.lateRows = drained.lateRows;
    stats.maxEventTimeMicros = drained.maxEventTimeMicros === -Infinity ? null : drained.maxEventTimeMicros;
    stats.minEventTimeMicros = minEvent === Infinity ? null : minEvent;
    stats.sumEventTimeMicros = sumEvent;
    stats.partialRows = drained.partitions.reduce((a, p) => a + p.length, 0);
    stats.sentRowsByPartition = drained.partitions.map((p) => p.length);
    const tf = Date.now();
    const quarantineAdds = (await quarantine?.finish()) ?? [];
    const lateRowsAdds = (await lateFiles?.finish()) ?? [];
    stats.quarantinedRows = quarantine?.rows ?? 0;
    stats.lateRowsWritten = lateFiles?.rows ?? 0;
    const sideFilesMs = Date.now() - tf;
    const ts = Date.now();
    await this.sender.pushAll({ queryId: job.queryId, batchId: input.batchId, attempt: input.attempt, mapTaskId: input.taskId }, input.owners, drained.partitions.map((p) => ({ bytes: encodePartialSet(p), rows: p.length })));
    stats.timingsMs = {
      fetch: Date.now() - t0 - Math.round(decodeMs + aggregateMs) - sideFilesMs - (Date.now() - ts),
      decode: Math.round(decodeMs),
      aggregate: Math.round(aggregateMs),
      shuffle: Date.now() - ts,
      total: Date.now() - t0,
    };
    return { stats, quarantineAdds, lateRowsAdds };
  }
}

/** Copies row `from` of the columns to row `to` (to < from), compacting out rows held back. */
function moveRow(cols: DecodedColumns, from: number, to: number): void {
  cols.customerId[to] = cols.customerId[from];
  cols.amountCents[to] = cols.amountCents[from];
  cols.eventTimeMicros[to] = cols.eventTimeMicros[from];
  cols.eventType[to] = cols.eventType[from];
  cols.kafkaOffset[to] = cols.kafkaOffset[from];
  cols.kafkaTimestampMs[to] = cols.kafkaTimestampMs[from];
}
