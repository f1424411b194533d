/**
 * The marker topic of the Kafka sink: one record per batch a query published, written in the same
 * Kafka transaction as the batch's rows, so a read_committed reader sees the marker exactly when it
 * sees the rows.
 *
 * Format (v1). Partition 0 of the topic (created with one partition and cleanup.policy=compact, so
 * the newest marker of every query is kept for good); key = the query id (UTF-8); value = JSON
 * `{"v":1,"queryId":"…","batchId":N}`. Several queries may share the topic.
 *
 * The newest marker of a query is found by reading read_committed backwards from the last stable
 * offset in growing windows until a record with the query's key appears: the newest is the last
 * one, as a query's batches commit in order, one transaction at a time.
 */
import type { KafkaAdmin, RangeReader } from '@tributary/common';

export const MARKER_PARTITION = 0;
const FIRST_WINDOW = 64;

export function markerValue(queryId: string, batchId: number): string {
  return JSON.stringify({ v: 1, queryId, batchId });
}

/** Creates the marker topic when it is missing (one partition, compacted). */
export async function ensureMarkerTopic(admin: KafkaAdmin, topic: string): Promise<void> {
  await admin.createTopic(topic, 1, { configs: { 'cleanup.policy': 'compact' } });
}

/** The batch id of the newest committed marker of `queryId`, or undefined when it has none. */
export async function newestMarker(admin: KafkaAdmin, reader: RangeReader, topic: string, queryId: string): Promise<number | undefined> {
  const end = (await admin.latestOffsets(topic, 'read_committed')).get(MARKER_PARTITION) ?? 0n;
  const start = (await admin.earliestOffsets(topic)).get(MARKER_PARTITION) ?? 0n;
  const key = Buffer.from(queryId, 'utf8');
  let to = end;
  let window = BigInt(FIRST_WINDOW);
  while (to > start) {
    const from = to - window > start ? to - window : start;
    let found: number | undefined;
    await reader.read({ topic, partition: MARKER_PARTITION, from, to }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        const k = chunk.keyLength[i];
        if (k !== key.length || !chunk.buf.subarray(chunk.keyStart[i], chunk.keyStart[i] + k).equals(key)) continue;
        const value = JSON.parse(chunk.buf.subarray(chunk.valueStart[i], chunk.valueStart[i] + chunk.valueLength[i]).toString('utf8')) as { batchId: number };
        found = found === undefined ? value.batchId : Math.max(found, value.batchId);
      }
    });
    if (found !== undefined) return found;
    to = from;
    window *= 2n;
  }
  return undefined;
}
