/**
 * The few Kafka admin and producer calls the driver and the load generator need: topics, partitions
 * and produce over kafkajs's public API; offsets with ListOffsets of our own Fetch client, which
 * (unlike kafkajs's admin) lets the caller choose the isolation level. Offsets leave as bigint maps
 * keyed by partition.
 */
import { Admin, CompressionTypes, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { InvalidArgumentError } from '../errors';
import type { IsolationLevel } from '../plan/kafka-options';
import { registerKafkaJsCodecs } from './codecs';
import { FetchClient } from './fetch-client';
import { KafkaSecurity, kafkaJsSecurity } from './security';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './list-offsets-protocol';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducedMessage {
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  /** Epoch milliseconds, as a decimal string. */
  timestamp?: string;
  headers?: Record<string, Buffer | string>;
}

/** Where a partition's part of a produced batch landed. */
export interface ProducedBatch {
  partition: number;
  baseOffset: bigint;
}

export interface KafkaAdmin {
  /**
   * The end offset of each partition as a reader at `isolation` sees it, from ListOffsets with that
   * isolation level (as Spark's Kafka source lists them): the high watermark under
   * read_uncommitted; under read_committed (the default here) the last stable offset, which an open
   * transaction holds at its first record (the high watermark when none is open).
   */
  latestOffsets(topic: string, isolation?: IsolationLevel): Promise<Map<number, bigint>>;
  /** The log start offset of each partition (the first offset not deleted). */
  earliestOffsets(topic: string): Promise<Map<number, bigint>>;
  /** Partition ids, ascending. */
  listPartitions(topic: string): Promise<number[]>;
  /** Creates the topic; false if it already existed. */
  createTopic(topic: string, partitions: number, opts?: { replicationFactor?: number; configs?: Record<string, string> }): Promise<boolean>;
  /**
   * Sends the messages as one request (one batch per partition; kafkajs's default partitioner
   * places messages without a partition), acks from all in-sync replicas.
   */
  produceBatch(topic: string, messages: ProducedMessage[], compression?: Compression): Promise<ProducedBatch[]>;
  /**
   * Sets the committed offsets of consumer group `groupId` for the topic's partitions: an
   * OffsetCommit at the group's coordinator by our own client, without joining the group (Kafka
   * accepts it only while the group has no active members). For lag monitors only: Tributary never
   * reads these offsets.
   */
  commitGroupOffsets(groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void>;
  close(): Promise<void>;
}

const COMPRESSION: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * An admin (and producer) client. `security` applies to kafkajs (its `ssl` and `sasl` options) and to
 * the offsets client alike.
 */
export async function connectKafkaAdmin(opts: { brokers: string[]; clientId?: string; security?: KafkaSecurity }): Promise<KafkaAdmin> {
  registerKafkaJsCodecs();
  const kafka = new Kafka({ brokers: opts.brokers, clientId: opts.clientId ?? 'tributary-admin', logLevel: logLevel.ERROR, ...kafkaJsSecurity(opts.security) });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = new FetchClient({
    brokers: opts.brokers,
    clientId: opts.clientId ?? 'tributary-admin',
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxWaitMs: 0,
    retries: 5,
    retryBackoffMs: 100,
    maxRetryBackoffMs: 2_000,
    security: opts.security,
  });
  return new KafkaJsAdmin(kafka, admin, offsets);
}

class KafkaJsAdmin implements KafkaAdmin {
  private producer: Promise<Producer> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly offsets: FetchClient,
  ) {}

  latestOffsets(topic: string, isolation: IsolationLevel = 'read_committed'): Promise<Map<number, bigint>> {
    return this.offsets.listOffsets(topic, LATEST_TIMESTAMP, isolation === 'read_committed');
  }

  earliestOffsets(topic: string): Promise<Map<number, bigint>> {
    return this.offsets.listOffsets(topic, EARLIEST_TIMESTAMP, false);
  }

  async listPartitions(topic: string): Promise<number[]> {
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0].partitions.map((p) => p.partitionId).sort((a, b) => a - b);
  }

  async createTopic(
    topic: string,
    partitions: number,
    opts: { replicationFactor?: number; configs?: Record<string, string> } = {},
  ): Promise<boolean> {
    if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidArgumentError(`bad partition count ${partitions}`);
    return this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: opts.replicationFactor ?? 1,
          configEntries: Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  }

  async produceBatch(topic: string, messages: ProducedMessage[], compression: Compression = 'none'): Promise<ProducedBatch[]> {
    const producer = await this.connectedProducer();
    const meta = await producer.send({ topic, messages, acks: -1, compression: COMPRESSION[compression] });
    return meta.map((m) => ({ partition: m.partition, baseOffset: BigInt(m.baseOffset ?? m.offset ?? '-1') }));
  }

  async commitGroupOffsets(groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void> {
    await this.offsets.commitGroupOffsets(groupId, topic, offsets);
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      this.producer = producer.connect().then(() => producer);
      this.producer.catch(() => (this.producer = null));
    }
    return this.producer;
  }

  async close(): Promise<void> {
    if (this.producer) await (await this.producer.catch(() => null))?.disconnect();
    this.offsets.close();
    await this.admin.disconnect();
  }
}
