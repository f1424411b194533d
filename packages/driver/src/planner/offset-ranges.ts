/**
 * Per-partition offset ranges of the next batch: [from, to) from where the previous plan ended (or the
 * starting offsets) to the latest offsets, capped by maxOffsetsPerTrigger split across partitions in
 * proportion to their backlog, as Spark's Kafka source does. Offsets are decimal strings at the
 * boundary and bigint inside. Pure.
 */
import { DataLossError } from '@tributary/common';

export interface PartitionOffsets { [partition: number]: bigint }

export interface RangeInput {
  topic: string;
  /** Where each partition continues from; partitions missing here start at `earliest` (new partitions). */
  start: PartitionOffsets;
  earliest: PartitionOffsets;
  latest: PartitionOffsets;
  maxOffsetsPerTrigger?: number;
  failOnDataLoss: boolean;
  /** Called for each partition whose start was deleted by retention when failOnDataLoss is false. */
  onDataLoss?: (message: string) => void;
}

export interface PlannedRange { partition: number; from: bigint; to: bigint }

export function planRanges(input: RangeInput): PlannedRange[] {
  const partitions = Object.keys(input.latest).map(Number).sort((a, b) => a - b);
  const froms = new Map<number, bigint>();
  for (const p of partitions) {
    const earliest = input.earliest[p] ?? 0n;
    let from = input.start[p] ?? earliest;
    if (from < earliest) {
      const msg = `offsets [${from}, ${earliest}) of ${input.topic}-${p} were deleted (e.g. by Kafka retention) before they were processed`;
      if (input.failOnDataLoss) {
        throw new DataLossError(`${msg}. Some data may have been lost. If you want the query to continue, set failOnDataLoss to false.`);
      }
      input.onDataLoss?.(msg);
      from = earliest;
    }
    if (from > input.latest[p]) {
      const msg = `${input.topic}-${p}: offset ${from} is past the latest offset ${input.latest[p]} (the topic was recreated or truncated)`;
      if (input.failOnDataLoss) throw new DataLossError(msg);
      input.onDataLoss?.(msg);
      from = input.latest[p];
    }
    froms.set(p, from);
  }
  const lags = partitions.map((p) => input.latest[p] - froms.get(p)!);
  const total = lags.reduce((a, b) => a + b, 0n);
  const limit = input.maxOffsetsPerTrigger;
  let takes = lags;
  if (limit !== undefined && total > BigInt(limit)) takes = prorate(lags, total, BigInt(limit));
  return partitions.map((p, i) => ({ partition: p, from: froms.get(p)!, to: froms.get(p)! + takes[i] }));
}

/** Splits `limit` over partitions in proportion to their lag; remainders go to the largest fractions. */
function prorate(lags: bigint[], total: bigint, limit: bigint): bigint[] {
  const takes = lags.map((lag) => (lag * limit) / total);
  let left = limit - takes.reduce((a, b) => a + b, 0n);
  const order = lags.map((lag, i) => ({ i, frac: (lag * limit) % total })).sort((a, b) => (b.frac > a.frac ? 1 : b.frac < a.frac ? -1 : a.i - b.i));
  for (const { i } of order) {
    if (left === 0n) break;
    if (takes[i] < lags[i]) { takes[i] += 1n; left -= 1n; }
  }
  return takes;
}
