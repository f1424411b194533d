/**
 * Sends ready-made record batches (RecordBatchBuilder) to partition leaders with Produce v7, over
 * the same connections and metadata as the range reader (FetchClient). One connection per leader;
 * requests to it are pipelined, and a broker handles one connection's requests in the order sent,
 * so batches of one partition land in send order. acks=-1 by default.
 *
 * Retries only errors that say the batch was not written (leader moved, unknown partition while
 * metadata settles); a lost connection fails the send, since the batch may or may not be in the log
 * (this is a plain, non-idempotent producer: callers that must know what Kafka holds read it back).
 */
import { TributaryError, UnavailableError } from '../errors';
import { BrokerConnection } from './broker-connection';
import { FetchClient, sleep } from './fetch-client';
import { kafkaErrorAction, kafkaErrorName } from './kafka-errors';
import type { KafkaSecurity } from './security';
import { PRODUCE_API_KEY, PRODUCE_VERSION, readProduceResponse, writeProduceRequest } from './produce-protocol';

export interface RecordProducerOptions {
  brokers: string[];
  clientId?: string;
  /** TLS and SASL; plain text when absent. */
  security?: KafkaSecurity;
  /** -1 (all in-sync replicas, default), 1 (leader) or 0 is not supported (no response). */
  acks?: -1 | 1;
  requestTimeoutMs?: number;
  retries?: number;
}

export interface RecordProducer {
  /** Sends one or more concatenated batches to `topic`/`partition`; resolves with the base offset. */
  send(topic: string, partition: number, batches: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

export async function createRecordProducer(opts: RecordProducerOptions): Promise<RecordProducer> {
  return new KafkaRecordProducer(opts);
}

class KafkaRecordProducer implements RecordProducer {
  private readonly client: FetchClient;
  private readonly connections = new Map<string, Promise<BrokerConnection>>();

  constructor(private readonly opts: RecordProducerOptions) {
    this.client = new FetchClient({
      brokers: opts.brokers,
      clientId: opts.clientId ?? 'tributary-producer',
      connectTimeoutMs: 10_000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
      maxWaitMs: 0,
      retries: opts.retries ?? 10,
      retryBackoffMs: 100,
      maxRetryBackoffMs: 2_000,
      security: opts.security,
    });
  }

  async send(topic: string, partition: number, batches: Uint8Array): Promise<number> {
    const retries = this.opts.retries ?? 10;
    let refresh = false;
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection(topic, partition, refresh);
      const timeoutMs = this.opts.requestTimeoutMs ?? 30_000;
      const body = await conn.send(PRODUCE_API_KEY, PRODUCE_VERSION, (w) => writeProduceRequest(w, topic, partition, batches, this.opts.acks ?? -1, timeoutMs));
      const res = readProduceResponse(body, topic, partition);
      if (res.throttleTimeMs > 0) await sleep(res.throttleTimeMs);
      if (res.errorCode === 0) return res.baseOffset;
      const name = kafkaErrorName(res.errorCode);
      const action = kafkaErrorAction(res.errorCode);
      if (action !== 'refresh' || attempt >= retries) {
        throw new TributaryError(`Produce to ${topic}-${partition} failed: ${name}`, { code: name, retriable: action !== 'fatal' });
      }
      refresh = true;
      await sleep(this.client.backoffMs(attempt + 1));
    }
  }

  private connection(topic: string, partition: number, refresh: boolean): Promise<BrokerConnection> {
    const key = `${topic}\u0000${partition}`;
    let c = this.connections.get(key);
    if (c === undefined || refresh) {
      c = (async () => {
        const leader = await this.client.leaderOf(topic, partition, refresh);
        const shared = `@${leader.host}:${leader.port}`;
        let conn = this.connections.get(shared);
        if (conn === undefined || !(await conn).usable) {
          conn = this.client.lease(leader);
          this.connections.set(shared, conn);
        }
        return conn;
      })();
      c.catch(() => this.connections.delete(key));
      this.connections.set(key, c);
    }
    return c.then((conn) => {
      if (conn.usable) return conn;
      this.connections.delete(key);
      throw new UnavailableError(`connection for ${topic}-${partition} was lost`, { code: 'KAFKA_CONNECTION' });
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) (await c.catch(() => null))?.close();
    this.connections.clear();
    this.client.close();
  }
}
