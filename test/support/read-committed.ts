/**
 * Reads a topic as a downstream read_committed consumer would: a plain kafkajs consumer (a reader
 * independent of the engine's), isolation read_committed, from the beginning, under a throwaway
 * group. Transactional topics end in control records a consumer never sees, so the read ends when
 * at least `atLeast` records arrived and none for `quietMs` after that (records a duplicate
 * publication would add arrive within that time), or fails after `timeoutMs`.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { TopicRecord } from './oracle/read-topic';

export async function readCommitted(brokers: string, topic: string, atLeast: number, quietMs = 4_000, timeoutMs = 120_000): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'tributary-read-committed', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const groupId = `tributary-read-committed-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
  const records: TopicRecord[] = [];
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({ partition, offset: message.offset, key: message.key, value: message.value, timestampMs: message.timestamp });
        last = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!(records.length >= atLeast && Date.now() - last >= quietMs)) {
      if (Date.now() > deadline) throw new Error(`readCommitted: ${records.length} records of '${topic}' within ${timeoutMs} ms, expected at least ${atLeast}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}
