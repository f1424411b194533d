import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** One record as Kafka holds it; offsets are decimal strings, as kafkajs gives them. */
export interface TopicRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestampMs: string;
}

/**
 * Every record of `topic` up to the high watermarks at the time of the call, read with a plain kafkajs
 * consumer under a throwaway group (deleted afterwards): a reader independent of the engine's, for
 * tests that compare the engine's output with what Kafka really holds (e.g. after producer retries).
 * Sorted by partition, then offset.
 */
export async function readTopicEvents(brokers: string | string[], topic: string, timeoutMs = 60_000): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'tributary-oracle', brokers: typeof brokers === 'string' ? brokers.split(',') : brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `tributary-oracle-${randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const high = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    const pending = new Set(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition));
    const records: TopicRecord[] = [];
    if (pending.size > 0) {
      const consumer = kafka.consumer({ groupId });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`readTopicEvents: partitions ${[...pending].join(', ')} of '${topic}' not read to their high watermark within ${timeoutMs} ms`)), timeoutMs);
          consumer.run({
            eachBatch: async ({ batch }) => {
              const end = high.get(batch.partition) ?? 0n;
              for (const m of batch.messages) {
                if (BigInt(m.offset) >= end) break;
                records.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value, timestampMs: m.timestamp });
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          }).catch((e: unknown) => {
            clearTimeout(timer);
            reject(e);
          });
        });
      } finally {
        await consumer.disconnect();
      }
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  } finally {
    await admin.disconnect();
  }
}
