/**
 * Exactly once into Kafka (docs/kafka-sink.md). Spark's Kafka sink is at-least-once: a batch
 * replayed after a crash is written again. Here each batch is one Kafka transaction that also
 * writes the batch's marker (sink-markers.ts), with the transactional id `tributary-sink-<queryId>`
 * (the query id is created at first start and kept in the checkpoint, so the id is the same in
 * every run of the query and in no other query):
 *
 *   K1 fence    at first use in a driver process, and again after any failure: a new producer's
 *               init() (InitProducerId) fences every earlier producer of the id — an earlier
 *               driver, alive or dead — and aborts the transaction it left open.
 *   K2 learn    read the marker topic read_committed for the query's newest marker → `published`.
 *               After K1 no other producer can commit, so this is final until this one commits.
 *   K3 skip     batch N ≤ published is answered 'skipped' (the recovery decision also reads
 *               `published` as the sink's txn version and replays N with the sink skipped).
 *   K4 publish  one transaction: every row of batch N, then the marker (queryId, N); commit;
 *               published = N.
 *   K5 record   the micro-batch loop writes batch N to the commit log (markMicroBatchEnd).
 *
 * Crash points. Before K4's commit returns (driver killed, broker lost, fenced): the transaction
 * never commits — the next K1 aborts it, and a read_committed reader never sees its records —
 * so recovery replays N from its plan and K2 finds N−1: N is published once. After K4, before K5:
 * K2 finds N, the decision replays N with the sink skipped (only state and the commit log are
 * written). After K5: the next batch. A zombie driver that wakes after a new one started cannot
 * commit: K1 of the new driver fenced its producer (and the driver lease fences its other writes).
 * A failed commit (e.g. a timeout) whose outcome is unknown is settled the same way: K1 then K2.
 */
import type { BatchId, KafkaAdmin, RangeReader, SqlField, TransactionalMessage, TransactionalProducer, TransactionalProducerFactory } from '@tributary/common';
import { TributaryError } from '@tributary/common';
import type { RowPublisher } from './published-sink';
import { ensureMarkerTopic, MARKER_PARTITION, markerValue, newestMarker } from './sink-markers';
import { StagedRow, valueBytes } from './staged-rows';

export interface KafkaPublisherOptions {
  queryId: string;
  brokers: string[];
  /** Option `topic`; else each row's `topic` column. */
  topic?: string;
  markerTopic: string;
  output: readonly SqlField[];
}

/** The Kafka clients the publisher uses (common/kafka): injected, so tests can fail them on cue. */
export interface KafkaSinkClients {
  admin: KafkaAdmin;
  /** A read_committed range reader. */
  reader: RangeReader;
  producer: TransactionalProducerFactory;
  /** Closes the admin and the reader. */
  close(): Promise<void>;
}

export function transactionalIdOf(queryId: string): string {
  return `tributary-sink-${queryId}`;
}

export class KafkaPublisher implements RowPublisher {
  private producer: TransactionalProducer | undefined;
  private published: number | undefined;

  constructor(private readonly opts: KafkaPublisherOptions, private readonly clients: KafkaSinkClients) {}

  /** Creates the marker topic if missing and checks that the output topic exists. */
  async prepare(): Promise<void> {
    await ensureMarkerTopic(this.clients.admin, this.opts.markerTopic);
    if (this.opts.topic !== undefined) {
      const partitions = await this.clients.admin.listPartitions(this.opts.topic).catch(() => []);
      if (partitions.length === 0) {
        throw new TributaryError(`the kafka sink's topic ${this.opts.topic} does not exist on ${this.opts.brokers.join(',')}: create it first`, { code: 'FAILED_PRECONDITION' });
      }
    }
  }

  async lastPublishedBatch(): Promise<number | undefined> {
    await this.fenced();
    return this.published;
  }

  async publish(batchId: BatchId, rows: readonly StagedRow[]): Promise<'published' | 'skipped'> {
    const producer = await this.fenced();
    if (this.published !== undefined && batchId <= this.published) return 'skipped';
    const sends = this.recordsOf(rows);
    sends.push({ topic: this.opts.markerTopic, messages: [{ key: Buffer.from(this.opts.queryId), value: Buffer.from(markerValue(this.opts.queryId, batchId)), partition: MARKER_PARTITION }] });
    try {
      await producer.commitTransaction(sends);
    } catch (err) {
      // Outcome unknown (or fenced): K1 and K2 again before anything else.
      await this.drop();
      throw new TributaryError(`publishing batch ${batchId} to Kafka failed: ${err instanceof Error ? err.message : String(err)}`, { retriable: true, code: 'KAFKA_SINK_UNAVAILABLE', cause: err });
    }
    this.published = batchId;
    return 'published';
  }

  async close(): Promise<void> {
    await this.drop();
    await this.clients.close();
  }

  /** K1 and K2, once per producer. */
  private async fenced(): Promise<TransactionalProducer> {
    if (this.producer !== undefined) return this.producer;
    try {
      const producer = await this.clients.producer({ brokers: this.opts.brokers, transactionalId: transactionalIdOf(this.opts.queryId) });
      this.producer = producer;
      await producer.init();
      this.published = await newestMarker(this.clients.admin, this.clients.reader, this.opts.markerTopic, this.opts.queryId);
      return producer;
    } catch (err) {
      await this.drop();
      throw new TributaryError(`the kafka sink could not start its transactional producer: ${err instanceof Error ? err.message : String(err)}`, { retriable: true, code: 'KAFKA_SINK_UNAVAILABLE', cause: err });
    }
  }

  private async drop(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.published = undefined;
    await p?.close().catch(() => {});
  }

  /** The rows as records, per topic, in row order (Spark's columns: key, value, topic, partition, headers). */
  private recordsOf(rows: readonly StagedRow[]): { topic: string; messages: TransactionalMessage[] }[] {
    const typeOf = (name: string): 'string' | 'binary' => (this.opts.output.find((f) => f.name.toLowerCase() === name)?.type.kind === 'binary' ? 'binary' : 'string');
    const name = (wanted: string): string | undefined => this.opts.output.find((f) => f.name.toLowerCase() === wanted)?.name;
    const [keyCol, valueCol, topicCol, partitionCol, headersCol] = ['key', 'value', 'topic', 'partition', 'headers'].map(name);
    const headerValueType = (() => {
      const h = this.opts.output.find((f) => f.name.toLowerCase() === 'headers')?.type;
      return h?.kind === 'array' && h.element.kind === 'struct' && h.element.fields[1]?.type.kind === 'binary' ? 'binary' : 'string';
    })();
    const byTopic = new Map<string, TransactionalMessage[]>();
    for (const row of rows) {
      const topic = this.opts.topic ?? (topicCol === undefined ? null : row[topicCol]);
      if (typeof topic !== 'string' || topic === '') throw new TributaryError('a row for the kafka sink has a null topic and no topic option is set', { code: 'KAFKA_SINK_NULL_TOPIC' });
      const m: TransactionalMessage = {
        key: keyCol === undefined ? null : valueBytes(row[keyCol], typeOf('key')),
        value: valueBytes(row[valueCol as string], typeOf('value')),
      };
      const p = partitionCol === undefined ? null : row[partitionCol];
      if (p !== null && p !== undefined) m.partition = Number(p);
      const hs = headersCol === undefined ? null : row[headersCol];
      if (Array.isArray(hs) && hs.length > 0) {
        const headers: Record<string, Buffer[]> = {};
        for (const h of hs as { key: string; value: string | null }[]) {
          const v = valueBytes(h.value, headerValueType);
          (headers[h.key] ??= []).push(v ?? Buffer.alloc(0));
        }
        m.headers = headers;
      }
      const list = byTopic.get(topic) ?? [];
      list.push(m);
      byTopic.set(topic, list);
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }
}
