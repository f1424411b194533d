import { InvalidArgumentError, kafkaJsSecurity, type KafkaSecurity } from '@tributary/common';
import { Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import type { EventBatch } from './event-generator';

/**
 * Sends generated events to Kafka: topic created with `partitions` partitions when missing (a topic
 * that exists with another count is refused), records sent in order in chunks of `chunkSize` with
 * acks=-1, one chunk in flight at a time (so a retried chunk cannot overtake the next), partition by
 * murmur2 of the key like Kafka's Java default partitioner unless `partitionOf` chooses one.
 * `rate` caps the send rate in events per second. The producer is not idempotent: a chunk retried
 * after a lost acknowledgement may be written twice, so tests that must know exactly what Kafka holds
 * read it back (test/support/oracle readTopicEvents).
 */
export interface ProduceOptions {
  clientId?: string;
  chunkSize?: number;
  /** Explicit partition of a record by its key; default: Kafka's murmur2 partitioner. */
  partitionOf?: (key: string, partitions: number) => number;
  /** TLS and SASL for brokers that require them (kafkaSecurityFromOptions). */
  security?: KafkaSecurity;
}

export interface ProduceResult {
  sent: number;
  durationMs: number;
}

export const DEFAULT_CHUNK_SIZE = 5000;

export async function produceEvents(
  brokers: string | string[],
  topic: string,
  partitions: number,
  events: EventBatch | Iterable<EventBatch> | AsyncIterable<EventBatch>,
  rate?: number,
  options: ProduceOptions = {},
): Promise<ProduceResult> {
  if (rate !== undefined && !(rate > 0)) throw new InvalidArgumentError(`rate must be a positive number of events per second, got ${rate}`);
  const kafka = new Kafka({
    clientId: options.clientId ?? 'tributary-produce',
    brokers: typeof brokers === 'string' ? brokers.split(',') : brokers,
    logLevel: logLevel.ERROR,
    ...kafkaJsSecurity(options.security),
  });
  await ensureTopic(kafka, topic, partitions);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? DEFAULT_CHUNK_SIZE, rate === undefined ? Infinity : Math.ceil(rate / 10)));
  const started = Date.now();
  let sent = 0;
  try {
    for await (const batch of batches(events)) {
      for (let from = 0; from < batch.count; from += chunkSize) {
        const to = Math.min(batch.count, from + chunkSize);
        if (rate !== undefined) await waitUntil(started + (sent / rate) * 1000);
        await sendChunk(producer, topic, partitions, batch, from, to, options.partitionOf);
        sent += to - from;
      }
    }
  } finally {
    await producer.disconnect();
  }
  return { sent, durationMs: Date.now() - started };
}

async function sendChunk(
  producer: Producer, topic: string, partitions: number, batch: EventBatch, from: number, to: number,
  partitionOf: ProduceOptions['partitionOf'],
): Promise<void> {
  const messages: Message[] = new Array(to - from);
  for (let i = from; i < to; i++) {
    const key = batch.keys[i];
    messages[i - from] = partitionOf === undefined
      ? { key, value: batch.values[i] }
      : { key, value: batch.values[i], partition: partitionOf(key, partitions) };
  }
  await producer.send({ topic, messages, acks: -1 });
}

/** Creates `topic` with `partitions` partitions, or checks that the existing one has that many. */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidArgumentError(`partitions must be a positive integer, got ${partitions}`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      return;
    }
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const actual = meta.topics[0].partitions.length;
    if (actual !== partitions) throw new InvalidArgumentError(`topic '${topic}' exists with ${actual} partitions, not ${partitions}`);
  } finally {
    await admin.disconnect();
  }
}

async function* batches(events: EventBatch | Iterable<EventBatch> | AsyncIterable<EventBatch>): AsyncIterable<EventBatch> {
  if ('keys' in events && 'values' in events) {
    yield events as EventBatch;
    return;
  }
  yield* events as Iterable<EventBatch> | AsyncIterable<EventBatch>;
}

function waitUntil(when: number): Promise<void> {
  const ms = when - Date.now();
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
