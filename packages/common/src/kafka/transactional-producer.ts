/**
 * A Kafka transactional producer (kafkajs 2.2.4's, behind this one module): the only way the Kafka
 * sink writes. One instance per transactional id and process.
 *
 *   init()  InitProducerId for the transactional id: the coordinator bumps the producer epoch, so
 *           every earlier producer with this id (an earlier driver, alive or not) is fenced — its
 *           sends and commits fail with PRODUCER_FENCED / INVALID_PRODUCER_EPOCH — and the
 *           transaction it left open is aborted before init() returns.
 *   commitTransaction(sends)  begin; send every message (idempotent, one in flight); commit. On any
 *           failure the transaction is aborted where possible and the error is thrown; nothing of
 *           it is visible to read_committed readers unless commit returned.
 */
import { CompressionTypes, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { registerKafkaJsCodecs } from './codecs';
import { KafkaSecurity, kafkaJsSecurity } from './security';

export interface TransactionalMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Absent: the default partitioner places the record (murmur2 of the key, as Java's). */
  partition?: number;
  /** Header name → its values in order (a name may repeat). */
  headers?: Record<string, Buffer[]>;
}

export interface TransactionalSend {
  topic: string;
  messages: TransactionalMessage[];
}

export interface TransactionalProducer {
  init(): Promise<void>;
  commitTransaction(sends: TransactionalSend[]): Promise<void>;
  close(): Promise<void>;
}

export interface TransactionalProducerOptions {
  brokers: string[];
  transactionalId: string;
  clientId?: string;
  security?: KafkaSecurity;
  /** The broker aborts a transaction left open this long. Default 60 s. */
  transactionTimeoutMs?: number;
}

export type TransactionalProducerFactory = (opts: TransactionalProducerOptions) => Promise<TransactionalProducer>;

export const createTransactionalProducer: TransactionalProducerFactory = async (opts) => {
  registerKafkaJsCodecs();
  const kafka = new Kafka({ brokers: opts.brokers, clientId: opts.clientId ?? 'tributary-sink', logLevel: logLevel.NOTHING, ...kafkaJsSecurity(opts.security) });
  const producer = kafka.producer({
    transactionalId: opts.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: opts.transactionTimeoutMs ?? 60_000,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return new KafkaJsTransactionalProducer(producer);
};

class KafkaJsTransactionalProducer implements TransactionalProducer {
  constructor(private readonly producer: Producer) {}

  async init(): Promise<void> {
    // kafkajs sends InitProducerId with the first transaction; an empty one aborts without a request.
    const txn = await this.producer.transaction();
    await txn.abort();
  }

  async commitTransaction(sends: TransactionalSend[]): Promise<void> {
    const txn = await this.producer.transaction();
    try {
      await txn.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: sends.map((s) => ({
          topic: s.topic,
          messages: s.messages.map((m) => ({ key: m.key, value: m.value, ...(m.partition === undefined ? {} : { partition: m.partition }), ...(m.headers === undefined ? {} : { headers: m.headers }) })),
        })),
      });
      await txn.commit();
    } catch (err) {
      if (txn.isActive()) await txn.abort().catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
