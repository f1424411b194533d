import { startingOffsetsFromOption, type KafkaSourceSpec } from '@tributary/common';
import { DataFrame } from './dataframe';
import { booleanOption, optionText, positiveIntegerOption, type OptionValue } from './options';
import type { TributarySession } from './session';
import { invalid, unsupported } from './unsupported';

const READER_KEYS = ['kafka.bootstrap.servers', 'subscribe', 'startingOffsets', 'maxOffsetsPerTrigger', 'failOnDataLoss', 'kafka.<any Kafka client option>'];
const UNSUPPORTED_READER_KEYS: Record<string, string | undefined> = {
  subscribePattern: "subscribe to one topic with option('subscribe', …)",
  assign: "subscribe to one topic with option('subscribe', …)",
  endingOffsets: 'streaming queries read until stopped; use trigger({ availableNow: true }) to stop at the latest offsets',
  startingTimestamp: 'use startingOffsets',
  startingOffsetsByTimestamp: 'use startingOffsets',
  minOffsetsPerTrigger: 'use maxOffsetsPerTrigger',
  maxTriggerDelay: 'use maxOffsetsPerTrigger',
  includeHeaders: undefined,
  'kafka.group.id': 'Tributary tracks offsets in its checkpoint, not in a consumer group',
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
    if (key in UNSUPPORTED_READER_KEYS) throw unsupported(`kafka source option '${key}'`, UNSUPPORTED_READER_KEYS[key]);
    const text = optionText(value);
    switch (key) {
      case 'kafka.bootstrap.servers': this.source.bootstrapServers = text; break;
      case 'subscribe': this.source.topic = text; break;
      case 'startingOffsets': this.source.startingOffsets = startingOffsetsFromOption(text); break;
      case 'maxOffsetsPerTrigger': this.source.maxOffsetsPerTrigger = positiveIntegerOption(key, value); break;
      case 'failOnDataLoss': this.source.failOnDataLoss = booleanOption(key, value); break;
      default:
        if (!key.startsWith('kafka.')) throw invalid(`unknown kafka source option '${key}'; known options: ${READER_KEYS.join(', ')}`);
        this.source.kafkaOptions = { ...this.source.kafkaOptions, [key.slice('kafka.'.length)]: text };
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
