/**
 * `startingOffsets` as Spark's Kafka source reads it: 'earliest', 'latest', or per-partition JSON
 * {"topic": {"0": 23, "1": -2}} where -2 means earliest and -1 latest. Partitions the JSON does not
 * name start at earliest. Used only for the first batch of a query; later batches continue from the
 * offsets log.
 */
import { InvalidArgumentError } from '@tributary/common';

export function resolveStartingOffsets(
  spec: 'earliest' | 'latest' | Record<string, Record<string, number>>,
  topic: string,
  earliest: Map<number, bigint>,
  latest: Map<number, bigint>,
): Record<number, bigint> {
  const out: Record<number, bigint> = {};
  for (const [p, off] of earliest) out[p] = off;
  if (spec === 'earliest') return out;
  if (spec === 'latest') {
    for (const [p, off] of latest) out[p] = off;
    return out;
  }
  const perPartition = spec[topic];
  if (!perPartition) throw new InvalidArgumentError(`startingOffsets names no offsets for topic ${topic}`);
  for (const [key, value] of Object.entries(perPartition)) {
    const p = Number(key);
    if (!latest.has(p)) throw new InvalidArgumentError(`startingOffsets names partition ${p} of ${topic}, which does not exist`);
    out[p] = value === -2 ? earliest.get(p)! : value === -1 ? latest.get(p)! : BigInt(value);
  }
  return out;
}
