/**
 * A map task of an ingest query with dropDuplicates, in batch attempt (N, A): read exactly the
 * planned Kafka ranges, decode and run `pre` (decoded-chunks.ts), check event times
 * (event-time-guard.ts), drop and count late rows (event time ≤ WM(N−1), Spark's late filter of
 * dropDuplicates), then send every row to the owner of its key's shuffle partition — Spark's
 * pmod(hash(keys…), P) as the group-by computes it (group-partition.ts) — with its Kafka partition
 * and offset (dedup-layout.ts), one message per partition in the dedup-rows/v1 format. The owner
 * keeps the first row of each key (dedup-reduce-task.ts). The task answers once every push was
 * acknowledged.
 *
 * Stats as an aggregation's map task: sentRowsByPartition (checked against each reduce), the kept
 * rows' event-time range (it moves the watermark), late rows, bad records by reason.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, ColumnBatch, concatBatches, emptyMapStats, ExactVector, ExecutorJob, MapTaskStats, RecordChunk, ResolvedQuery, takeRows,
} from '@tributary/common';
import { SPARK_HASH_SEED } from '../aggregate/group-by';
import { hashColumn } from '../aggregate/group-by/group-partition';
import { encodeDedupRows } from '../dedup/dedup-codec';
import { DedupLayout, dedupLayout } from '../dedup/dedup-layout';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';
import { readDecodedChunks } from './decoded-chunks';
import { EventTimeRange, guardEventTime } from './event-time-guard';
import { RangeReaders } from './range-readers';

export interface DedupMapTaskInput {
  batchId: BatchId;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  query: ResolvedQuery;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  lateWatermarkMicros: number;
  lateFilter: boolean;
  owners: ShuffleTarget[];
  eventTimeGuardReferenceMs: number;
  maxEventTimeAheadMs: number;
  signal: AbortSignal;
}

export class DedupMapTaskRunner {
  constructor(
    private readonly sender: ShuffleSender,
    private readonly readers: RangeReaders,
    private readonly storage: Storage,
    private readonly log: (m: string) => void,
  ) {}

  async run(input: DedupMapTaskInput): Promise<{ stats: MapTaskStats; quarantineAdds: AddFile[] }> {
    const t0 = Date.now();
    const { job, query } = input;
    const layout = dedupLayout(query);
    const stats = emptyMapStats();
    const range = new EventTimeRange();
    const name = layout.rowSchema[layout.eventTime].name;
    const guard = {
      nonNullColumns: [layout.eventTime], nonNullNames: [name], watermarkColumn: layout.eventTime,
      aheadLimitMicros: input.maxEventTimeAheadMs > 0 ? (input.eventTimeGuardReferenceMs + input.maxEventTimeAheadMs) * 1000 : Infinity,
      referenceMs: input.eventTimeGuardReferenceMs, maxAheadMs: input.maxEventTimeAheadMs,
    };
    // The dedup drops late rows in every output mode (Spark's StreamingDeduplicateExec does); before an
    // aggregation in complete mode only the aggregation keeps them (its late filter is off there).
    const lateWatermark = input.lateWatermarkMicros;
    const P = job.shufflePartitions;
    const byPartition: ColumnBatch[][] = Array.from({ length: P }, () => []);
    let routeMs = 0;
    const read = await readDecodedChunks(this.readers, this.storage, input, stats, this.log, (rows, chunk, onBad) => {
      const kept = guardEventTime(rows, chunk, onBad, guard, range);
      stats.validRows -= rows.count - kept.count;
      const tr = performance.now();
      stats.lateRows += route(layout, kept, chunk, lateWatermark, P, byPartition);
      routeMs += performance.now() - tr;
    });
    const te = performance.now();
    const parts = byPartition.map((list) => {
      const rows = concatBatches(layout.shuffleSchema, list);
      return { bytes: encodeDedupRows(layout, rows), rows: rows.count };
    });
    routeMs += performance.now() - te;
    stats.maxEventTimeMicros = range.max === -Infinity ? null : range.max;
    stats.minEventTimeMicros = range.min === Infinity ? null : range.min;
    stats.sumEventTimeMicros = range.sum;
    stats.partialRows = parts.reduce((a, p) => a + p.rows, 0);
    stats.sentRowsByPartition = parts.map((p) => p.rows);
    const ts = Date.now();
    await this.sender.pushAll({ queryId: job.queryId, batchId: input.batchId, attempt: input.attempt, mapTaskId: input.taskId }, input.owners, parts);
    const shuffleMs = Date.now() - ts;
    const total = Date.now() - t0;
    stats.timingsMs = {
      fetch: Math.max(0, total - Math.round(read.decodeMs + read.stepsMs + routeMs) - shuffleMs),
      decode: Math.round(read.decodeMs),
      aggregate: Math.round(routeMs),
      shuffle: shuffleMs,
      total,
      steps: Math.round(read.stepsMs),
    };
    return { stats, quarantineAdds: read.quarantineAdds };
  }
}

/**
 * Appends the rows of one chunk that are not late to their partition's list (copied, with their
 * Kafka partition and offset); returns how many were late.
 */
function route(layout: DedupLayout, rows: ColumnBatch, chunk: RecordChunk, lateWatermark: number, P: number, out: ColumnBatch[][]): number {
  const n = rows.count;
  if (n === 0) return 0;
  const times = (rows.columns[layout.eventTime] as ExactVector).values;
  const h = new Int32Array(n).fill(SPARK_HASH_SEED);
  for (const k of layout.keys) hashColumn(rows.columns[k], n, h);
  const part = new Int32Array(n);
  const counts = new Int32Array(P + 1);
  let late = 0;
  for (let i = 0; i < n; i++) {
    if (times[i] <= lateWatermark) {
      part[i] = -1;
      late++;
      continue;
    }
    const r = h[i] % P;
    part[i] = r < 0 ? r + P : r;
    counts[part[i] + 1]++;
  }
  for (let p = 0; p < P; p++) counts[p + 1] += counts[p];
  const order = new Int32Array(n - late);
  const at = counts.slice(0, P);
  for (let i = 0; i < n; i++) if (part[i] >= 0) order[at[part[i]]++] = i;
  const recordIndex = rows.recordIndex;
  for (let p = 0; p < P; p++) {
    const from = counts[p];
    const to = counts[p + 1];
    if (to === from) continue;
    const picked = order.subarray(from, to);
    const taken = takeRows(rows, picked);
    const partitions = new Int32Array(to - from).fill(chunk.partition);
    const offsets = new Float64Array(to - from);
    for (let j = 0; j < picked.length; j++) offsets[j] = chunk.offset[recordIndex === undefined ? picked[j] : recordIndex[picked[j]]];
    out[p].push({
      count: to - from,
      schema: layout.shuffleSchema,
      columns: [...taken.columns, { type: { kind: 'int' }, validity: null, values: partitions }, { type: { kind: 'long' }, validity: null, values: offsets, wide: null }],
    });
  }
  return late;
}
