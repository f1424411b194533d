/**
 * Sinks outside the lake: `writeStream.format('kafka')` (exactly once, through Kafka transactions)
 * and `writeStream.format('webhook')` (at least once, with an idempotency key per row). Their
 * settings as the spec carries them, where their rows are staged, and what submit refuses.
 *
 * Staging. The reduce (or ingest) tasks of a batch write the rows the batch emits as data files, as
 * for a Delta table, into the query's stage directory (`sink.path` of the spec, by default
 * `<checkpointLocation>-sink-stage`: beside the checkpoint, since query locations may not nest);
 * the driver reads the files of the committed attempt and publishes their rows at the sink commit
 * step (docs/kafka-sink.md, docs/webhook-sink.md). In update mode the tasks write the rows the
 * batch changed (no merge into files).
 *
 * Columns (as Spark's Kafka sink): `value` string or binary (required); `key` string or binary;
 * `topic` string (required when the option `topic` is unset; the option wins when both are set, as
 * in Spark); `partition` int; `headers` array<struct<key string, value string|binary>>. Other
 * columns are not written to Kafka. A webhook posts every output column.
 */
import { simpleString, type SqlField, type SqlType } from '../schema/sql-type';

export type SinkFormat = 'delta' | 'kafka' | 'webhook';
export const SINK_FORMATS: readonly SinkFormat[] = ['delta', 'kafka', 'webhook'];

export interface KafkaSinkSpec {
  /** `kafka.bootstrap.servers` of the sink, comma separated host:port. */
  bootstrapServers: string;
  /** Option `topic`: every row goes to it (else each row's `topic` column). */
  topic?: string;
  /** The compacted topic holding one marker per committed batch; default `<defaultMarkerTopic>`. */
  markerTopic?: string;
}

export interface WebhookSinkSpec {
  /** http:// or https:// URL the rows are POSTed to. */
  url: string;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Rows per request. Default 500. */
  maxRowsPerRequest?: number;
  /** How long one request is retried before the batch fails (and is retried by recovery). Default 60 s. */
  retryDeadlineMs?: number;
}

/** The marker topic all Kafka sinks share by default (compacted, keyed by query id). */
export const DEFAULT_MARKER_TOPIC = '_tributary_sink_markers';

/** Where a Kafka or webhook sink stages its rows when the spec names no path. */
export function defaultStagePath(checkpointLocation: string): string {
  return `${checkpointLocation.replace(/\/+$/, '')}-sink-stage`;
}

/**
 * Where a Kafka or webhook sink publishes, for people to read (the dashboard): the topic and
 * brokers, or the webhook's origin and path (never its query string, which may carry a token);
 * null for a Delta sink.
 */
export function publishedSinkDescription(sink: { format?: string; kafka?: KafkaSinkSpec; webhook?: WebhookSinkSpec }): string | null {
  if (sink.format === 'kafka' && sink.kafka !== undefined) {
    const topic = sink.kafka.topic === undefined ? "each row's topic column" : `topic ${sink.kafka.topic}`;
    return `Kafka (${topic}, brokers ${sink.kafka.bootstrapServers})`;
  }
  if (sink.format === 'webhook' && sink.webhook !== undefined) {
    let where: string;
    try {
      const u = new URL(sink.webhook.url);
      where = `${u.origin}${u.pathname}`;
    } catch {
      where = 'its URL';
    }
    return `a webhook (${where})`;
  }
  return null;
}

/** The Kafka columns a sink reads, and the types each may have. */
const KAFKA_SINK_COLUMNS: Record<string, (t: SqlType) => boolean> = {
  key: (t) => t.kind === 'string' || t.kind === 'binary',
  value: (t) => t.kind === 'string' || t.kind === 'binary',
  topic: (t) => t.kind === 'string',
  partition: (t) => t.kind === 'int',
  headers: (t) => t.kind === 'array' && t.element.kind === 'struct' && t.element.fields.length === 2
    && t.element.fields[0].name === 'key' && t.element.fields[0].type.kind === 'string'
    && t.element.fields[1].name === 'value' && (t.element.fields[1].type.kind === 'string' || t.element.fields[1].type.kind === 'binary'),
};
const KAFKA_SINK_TYPES: Record<string, string> = {
  key: 'string or binary', value: 'string or binary', topic: 'string', partition: 'int', headers: 'array<struct<key: string, value: string or binary>>',
};

/** What submit refuses of a Kafka or webhook sink over the query's output; empty for a Delta sink. */
export function externalSinkProblems(sink: { format: string; partitionBy?: unknown; kafka?: unknown; webhook?: unknown }, output: readonly SqlField[]): string[] {
  if (sink.format === 'kafka') return [...kafkaSinkProblems(sink.kafka as KafkaSinkSpec | undefined, output), ...noPartitionBy(sink)];
  if (sink.format === 'webhook') return [...webhookSinkProblems(sink.webhook as WebhookSinkSpec | undefined), ...noPartitionBy(sink)];
  return [];
}

function noPartitionBy(sink: { format: string; partitionBy?: unknown }): string[] {
  return Array.isArray(sink.partitionBy) && sink.partitionBy.length > 0 ? [`the ${sink.format} sink has no partitionBy (its rows are not files)`] : [];
}

function kafkaSinkProblems(kafka: KafkaSinkSpec | undefined, output: readonly SqlField[]): string[] {
  const problems: string[] = [];
  if (kafka === undefined || typeof kafka !== 'object' || typeof kafka.bootstrapServers !== 'string' || kafka.bootstrapServers.trim() === '') {
    problems.push("the kafka sink needs option 'kafka.bootstrap.servers'");
  }
  const byName = new Map(output.map((f) => [f.name.toLowerCase(), f]));
  for (const [name, fits] of Object.entries(KAFKA_SINK_COLUMNS)) {
    const f = byName.get(name);
    if (f !== undefined && !fits(f.type)) problems.push(`the kafka sink's '${name}' column is ${simpleString(f.type)}; it must be ${KAFKA_SINK_TYPES[name]}`);
  }
  if (!byName.has('value')) {
    problems.push(`the kafka sink needs a 'value' column (string or binary); output columns: ${output.map((c) => c.name).join(', ')}`);
  }
  const topic = kafka?.topic;
  if (topic !== undefined && (typeof topic !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(topic))) {
    problems.push(`the kafka sink's topic ${JSON.stringify(topic)} is not a legal Kafka topic name`);
  }
  if (topic === undefined && !byName.has('topic')) problems.push("the kafka sink needs option 'topic' or a 'topic' column");
  const marker = kafka?.markerTopic;
  if (marker !== undefined && (typeof marker !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(marker))) {
    problems.push(`the kafka sink's markerTopic ${JSON.stringify(marker)} is not a legal Kafka topic name`);
  }
  return problems;
}

function webhookSinkProblems(webhook: WebhookSinkSpec | undefined): string[] {
  if (webhook === undefined || typeof webhook !== 'object' || typeof webhook.url !== 'string' || webhook.url === '') return ["the webhook sink needs option 'url'"];
  const problems: string[] = [];
  let url: URL | undefined;
  try { url = new URL(webhook.url); } catch { problems.push(`the webhook sink's url ${JSON.stringify(webhook.url)} is not a URL`); }
  if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`the webhook sink's url must be http or https, got ${url.protocol}`);
  if (webhook.headers !== undefined && (typeof webhook.headers !== 'object' || Object.values(webhook.headers).some((v) => typeof v !== 'string'))) {
    problems.push("the webhook sink's headers must map names to strings");
  }
  for (const key of ['maxRowsPerRequest', 'retryDeadlineMs'] as const) {
    const v = webhook[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) problems.push(`the webhook sink's ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return problems;
}
