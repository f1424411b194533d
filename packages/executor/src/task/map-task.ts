/**
 * A map task of batch attempt (N, A): read exactly the planned Kafka ranges, decode the values into
 * typed columns, drop late rows (window end ≤ WM(N−1)) and aggregate partially per (window,
 * customer_id), then push one message per shuffle partition to its owner. Records the decoder
 * cannot use are counted by reason and logged with topic, partition and offset (never dropped
 * silently). The task answers only after every push was acknowledged.
 */
import {
  createRangeReader, EventColumns as DecodedColumns, EventDecoder, ExecutorJob, MapTaskStats, RangeReader,
  RecordChunk, emptyMapStats, createEventColumns, clearEventColumns, TributaryError,
} from '@tributary/common';
import { PartialAggregator, encodePartialSet } from '../aggregate';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';

export interface MapTaskInput {
  batchId: number;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  lateWatermarkMicros: number;
  lateFilter: boolean;
  owners: ShuffleTarget[];
  signal: AbortSignal;
}

/** Logs at most this many bad records per task in full; the rest are counted. */
const BAD_RECORD_LOG_LIMIT = 20;

export class MapTaskRunner {
  private readers = new Map<string, Promise<RangeReader>>();
  /** Aggregators and column buffers are large and reused; one per concurrently running task. */
  private readonly pool: { aggregator: PartialAggregator; columns: DecodedColumns }[] = [];

  constructor(private readonly sender: ShuffleSender, private readonly log: (m: string) => void) {}

  async run(input: MapTaskInput): Promise<MapTaskStats> {
    const buffers = this.pool.pop() ?? { aggregator: new PartialAggregator(), columns: createEventColumns(64 * 1024) };
    try {
      return await this.runWith(input, buffers.aggregator, buffers.columns);
    } finally {
      this.pool.push(buffers);
    }
  }

  private async runWith(input: MapTaskInput, aggregator: PartialAggregator, cols: DecodedColumns): Promise<MapTaskStats> {
    const t0 = Date.now();
    const { job } = input;
    const stats = emptyMapStats();
    const reader = await this.reader(job.bootstrapServers);
    const decoder = new EventDecoder({ maxValueBytes: job.maxValueBytes, timeZone: job.timeZone });
    const lateWatermark = input.lateFilter ? input.lateWatermarkMicros : -Infinity;
    let badLogged = 0;
    let minEvent = Infinity;
    let sumEvent = 0;
    let decodeMs = 0;
    let aggregateMs = 0;
    const onBad = (chunk: RecordChunk, i: number, reason: string, detail: () => string) => {
      stats.badRecords[reason] = (stats.badRecords[reason] ?? 0) + 1;
      if (job.badRecords === 'fail') {
        throw new TributaryError(`bad record at ${chunk.topic}-${chunk.partition} offset ${chunk.offset[i]}: ${reason}: ${detail()}`, { code: 'BAD_RECORD' });
      }
      if (badLogged++ < BAD_RECORD_LOG_LIMIT) {
        this.log(`bad record in batch ${input.batchId}: ${chunk.topic}-${chunk.partition} offset ${chunk.offset[i]}: ${reason}: ${detail()}`);
      }
    };
    aggregator.drainPartitions(1); // forget what a failed earlier task may have left
    for (const range of input.ranges) {
      const readStats = await reader.read(range, (chunk) => {
        const td = performance.now();
        clearEventColumns(cols);
        decoder.decode(chunk, cols, onBad as any);
        const ta = performance.now();
        stats.inputRows += chunk.count;
        stats.validRows += cols.count;
        for (let i = 0; i < cols.count; i++) {
          const t = cols.eventTimeMicros[i];
          if (t < minEvent) minEvent = t;
          sumEvent += t;
        }
        aggregator.add(cols, { windowMicros: job.windowMicros, lateWatermarkMicros: lateWatermark });
        const te = performance.now();
        decodeMs += ta - td;
        aggregateMs += te - ta;
      }, input.signal);
      stats.bytesFetched += readStats.bytesFetched;
    }
    const tDrain = performance.now();
    const drained = aggregator.drainPartitions(job.shufflePartitions);
    aggregateMs += performance.now() - tDrain;
    stats.lateRows = drained.lateRows;
    stats.maxEventTimeMicros = drained.maxEventTimeMicros === -Infinity ? null : drained.maxEventTimeMicros;
    stats.minEventTimeMicros = minEvent === Infinity ? null : minEvent;
    stats.sumEventTimeMicros = sumEvent;
    stats.partialRows = drained.partitions.reduce((a, p) => a + p.length, 0);
    const ts = Date.now();
    await this.sender.pushAll({ queryId: job.queryId, batchId: input.batchId, attempt: input.attempt, mapTaskId: input.taskId }, input.owners, drained.partitions.map((p) => ({ bytes: encodePartialSet(p), rows: p.length })));
    stats.timingsMs = {
      fetch: Date.now() - t0 - Math.round(decodeMs + aggregateMs) - (Date.now() - ts),
      decode: Math.round(decodeMs),
      aggregate: Math.round(aggregateMs),
      shuffle: Date.now() - ts,
      total: Date.now() - t0,
    };
    return stats;
  }

  async close(): Promise<void> {
    for (const r of this.readers.values()) await (await r).close().catch(() => {});
    this.readers.clear();
  }

  private reader(servers: string[]): Promise<RangeReader> {
    const key = servers.join(',');
    let r = this.readers.get(key);
    if (!r) {
      r = createRangeReader({ brokers: servers, clientId: 'tributary-executor' });
      r.catch(() => this.readers.delete(key));
      this.readers.set(key, r);
    }
    return r;
  }
}
