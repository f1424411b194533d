import { kafkaOptionProblem, startingOffsetsFromOption, SUPPORTED_KAFKA_OPTIONS, type KafkaSourceSpec } from '@tributary/common';
import { DataFrame } from './dataframe';
import { booleanOption, optionText, positiveIntegerOption, type OptionValue } from './options';
import type { TributarySession } from './session';
import { invalid, unsupported } from './unsupported';

const READER_KEYS = ['subscribe', 'startingOffsets', 'maxOffsetsPerTrigger', 'failOnDataLoss', 'changes.format', 'changes.position', ...SUPPORTED_KAFKA_OPTIONS];
const ONE_TOPIC = "subscribe to one topic with option('subscribe', …)";
/** Spark's Kafka source options that Tributary does not support yet, with the way that works where there is one. */
const UNSUPPORTED_READER_KEYS: Record<string, string | undefined> = {
  subscribePattern: ONE_TOPIC,
  assign: ONE_TOPIC,
  endingOffsets: 'streaming queries read until stopped; use trigger({ availableNow: true }) to stop at the latest offsets',
  endingTimestamp: 'streaming queries read until stopped; use trigger({ availableNow: true }) to stop at the latest offsets',
  endingOffsetsByTimestamp: 'streaming queries read until stopped; use trigger({ availableNow: true }) to stop at the latest offsets',
  startingTimestamp: 'use startingOffsets',
  startingOffsetsByTimestamp: 'use startingOffsets',
  startingOffsetsByTimestampStrategy: 'use startingOffsets',
  minOffsetsPerTrigger: 'use maxOffsetsPerTrigger',
  maxTriggerDelay: 'use maxOffsetsPerTrigger',
  minPartitions: 'each Kafka partition is read by one map task',
  maxRecordsPerPartition: 'each Kafka partition is read by one map task; use maxOffsetsPerTrigger',
  groupIdPrefix: 'Tributary tracks offsets in its checkpoint, not in a consumer group',
  includeHeaders: undefined,
  'kafkaConsumer.pollTimeoutMs': 'the executors read with a Fetch client of their own, not a Kafka consumer',
  'fetchOffset.numRetries': 'the driver retries offset requests by itself',
  'fetchOffset.retryIntervalMs': 'the driver retries offset requests by itself',
};

/** spark.readStream: format('kafka').option(…).load(). */
export class DataStreamReader {
  private sourceFormat: string | undefined;
  private readonly source: Omit<KafkaSourceSpec, 'format'> = {
    bootstrapServers: '',
    topic: '',
    startingOffsets: 'latest',
    failOnDataLoss: true,
  };

  constructor(private readonly session: TributarySession) {}

  format(source: string): this {
    if (source !== 'kafka') throw unsupported(`source format '${source}'`, "use 'kafka'");
    this.sourceFormat = source;
    return this;
  }

  option(key: string, value: OptionValue): this {
    if (Object.hasOwn(UNSUPPORTED_READER_KEYS, key)) throw unsupported(`kafka source option '${key}'`, UNSUPPORTED_READER_KEYS[key]);
    const text = optionText(value);
    switch (key) {
      case 'kafka.bootstrap.servers': this.source.bootstrapServers = text; break;
      case 'subscribe': this.source.topic = text; break;
      case 'startingOffsets': this.source.startingOffsets = startingOffsetsFromOption(text); break;
      case 'maxOffsetsPerTrigger': this.source.maxOffsetsPerTrigger = positiveIntegerOption(key, value); break;
      case 'failOnDataLoss': this.source.failOnDataLoss = booleanOption(key, value); break;
      // change events (docs/cdc.md): written with writeStream.applyChanges
      case 'changes.format': this.source.changes = { ...this.source.changes, format: text }; break;
      case 'changes.position': this.source.changes = { format: this.source.changes?.format ?? '', ...this.source.changes, position: text }; break;
      default: {
        if (!key.startsWith('kafka.')) throw invalid(`unknown kafka source option '${key}'; known options: ${READER_KEYS.join(', ')}`);
        const problem = kafkaOptionProblem(key, text);
        if (problem !== null) throw invalid(problem);
        this.source.kafkaOptions = { ...this.source.kafkaOptions, [key.slice('kafka.'.length)]: text };
      }
    }
    return this;
  }

  options(entries: Record<string, OptionValue>): this {
    for (const [k, v] of Object.entries(entries)) this.option(k, v);
    return this;
  }

  schema(): never {
    throw unsupported('a schema on the kafka source', "Kafka's columns are fixed: parse the value with fromJson(col('value').cast('string'), schema)");
  }

  load(): DataFrame {
    if (this.sourceFormat === undefined) throw invalid("readStream needs a format: call format('kafka') before load()");
    return DataFrame.kafka(this.session, { format: 'kafka', ...structuredClone(this.source) });
  }
}
