/**
 * The main sink of a query from its spec: a Delta table, or a published sink (Kafka, webhook)
 * whose clients are made here — the only place the driver connects to a sink's Kafka.
 */
import type { QuerySpecV2, ResolvedQuery, Storage } from '@tributary/common';
import { connectKafkaAdmin, createRangeReader, createTransactionalProducer, DEFAULT_MARKER_TOPIC, deltaSchemaOf } from '@tributary/common';
import type { BatchSink } from './batch-sink';
import { DeltaSink } from './delta-sink';
import { KafkaPublisher, KafkaSinkClients } from './kafka-publisher';
import { PublishedSink } from './published-sink';
import { rowKeysFor } from './row-keys';
import { HttpPost, WebhookPublisher } from './webhook-publisher';

export interface MainSinkOptions {
  /** Kafka clients of a Kafka sink (default: common/kafka's, over the sink's brokers). */
  kafkaClients?: (brokers: string[]) => Promise<KafkaSinkClients>;
  httpPost?: HttpPost;
}

export async function createMainSink(storage: Storage, tablePath: string, spec: QuerySpecV2, query: ResolvedQuery, queryId: string, opts: MainSinkOptions = {}): Promise<BatchSink> {
  const sink = spec.sink;
  if (sink.format === 'kafka' && sink.kafka !== undefined) {
    const brokers = sink.kafka.bootstrapServers.split(',').map((s) => s.trim()).filter(Boolean);
    const clients = await (opts.kafkaClients ?? defaultKafkaClients)(brokers);
    const publisher = new KafkaPublisher({
      queryId, brokers, markerTopic: sink.kafka.markerTopic ?? DEFAULT_MARKER_TOPIC, output: query.output,
      ...(sink.kafka.topic === undefined ? {} : { topic: sink.kafka.topic }),
    }, clients);
    return new PublishedSink(storage, tablePath, query.output, publisher);
  }
  if (sink.format === 'webhook' && sink.webhook !== undefined) {
    const w = sink.webhook;
    const publisher = new WebhookPublisher({
      queryId, url: w.url, headers: w.headers ?? {}, maxRowsPerRequest: w.maxRowsPerRequest ?? 500, retryDeadlineMs: w.retryDeadlineMs ?? 60_000,
      storage, stagePath: tablePath, rowKeys: rowKeysFor(query),
    }, opts.httpPost);
    return new PublishedSink(storage, tablePath, query.output, publisher);
  }
  return new DeltaSink(storage, tablePath, { schema: deltaSchemaOf(query.output), partitionColumns: query.sink.partitionBy, complete: query.sink.outputMode === 'complete', update: query.sink.outputMode === 'update' }, queryId);
}

async function defaultKafkaClients(brokers: string[]): Promise<KafkaSinkClients> {
  const admin = await connectKafkaAdmin({ brokers, clientId: 'tributary-sink' });
  const reader = await createRangeReader({ brokers, clientId: 'tributary-sink-markers', isolation: 'read_committed', maxWaitMs: 100, endWaitMs: 5_000 });
  const close = async (): Promise<void> => { await reader.close().catch(() => {}); await admin.close().catch(() => {}); };
  return { admin, reader, producer: createTransactionalProducer, close };
}
