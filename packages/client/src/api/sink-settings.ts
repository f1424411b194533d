/**
 * The writer options of the Kafka and webhook sinks, as Spark names them where Spark has them:
 *
 *   kafka    kafka.bootstrap.servers, topic, markerTopic (default _tributary_sink_markers)
 *   webhook  url, headers (a JSON object of header names to values), maxRowsPerRequest,
 *            retryDeadlineMs
 */
import type { KafkaSinkSpec, SinkFormat, WebhookSinkSpec } from '@tributary/common';
import { optionText, positiveIntegerOption, type OptionValue } from './options';
import { invalid } from './unsupported';

const KEYS: Record<'kafka' | 'webhook', string[]> = {
  kafka: ['kafka.bootstrap.servers', 'topic', 'markerTopic'],
  webhook: ['url', 'headers', 'maxRowsPerRequest', 'retryDeadlineMs'],
};

export class SinkSettings {
  private readonly kafka: Partial<KafkaSinkSpec> = {};
  private readonly webhook: Partial<WebhookSinkSpec> = {};

  static keys(format: 'kafka' | 'webhook'): string[] {
    return KEYS[format];
  }

  /** Takes a sink option; false when `key` is not one of the format's. */
  set(format: 'kafka' | 'webhook', key: string, value: OptionValue): boolean {
    if (format === 'kafka') {
      if (key === 'kafka.bootstrap.servers') this.kafka.bootstrapServers = optionText(value);
      else if (key === 'topic') this.kafka.topic = optionText(value);
      else if (key === 'markerTopic') this.kafka.markerTopic = optionText(value);
      else return false;
      return true;
    }
    if (key === 'url') this.webhook.url = optionText(value);
    else if (key === 'headers') this.webhook.headers = headersOption(value);
    else if (key === 'maxRowsPerRequest') this.webhook.maxRowsPerRequest = positiveIntegerOption(key, value);
    else if (key === 'retryDeadlineMs') this.webhook.retryDeadlineMs = positiveIntegerOption(key, value);
    else return false;
    return true;
  }

  /** The spec's `kafka` or `webhook` section (validated at resolution: missing settings are named there). */
  specOf(format: SinkFormat): { kafka?: KafkaSinkSpec; webhook?: WebhookSinkSpec } {
    if (format === 'kafka') return { kafka: { bootstrapServers: '', ...this.kafka } };
    if (format === 'webhook') return { webhook: { url: '', ...this.webhook } };
    return {};
  }
}

function headersOption(value: OptionValue): Record<string, string> {
  let parsed: unknown;
  try { parsed = JSON.parse(optionText(value)); } catch { parsed = undefined; }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw invalid(`the webhook sink's headers option must be a JSON object of header names to strings, got ${optionText(value)}`);
  }
  return parsed as Record<string, string>;
}
