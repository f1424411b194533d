import { defaultStagePath, resolveQuery, type ApplyChangesSpec, type OutputMode, type QueryOptions, type QuerySpecV2, type SinkFormat, type TriggerSpec } from '@tributary/common';
import { applyChangesSpecOf, type ApplyChangesOptions } from './apply-changes';
import { SinkSettings } from './sink-settings';
import type { DataFrame } from './dataframe';
import { withAbsolutePaths } from './paths';
import { optionText, QUERY_OPTION_KEYS, setQueryOption, type OptionValue } from './options';
import { StreamingQuery } from './streaming-query';
import { invalid, refused, unsupported } from './unsupported';

/** Spark's Trigger choices, as objects: { processingTime: '10 seconds' } or { availableNow: true }. */
export type Trigger =
  | { processingTime: string | number }
  | { availableNow: true }
  | { once: true }
  | { continuous: string };

const WRITER_KEYS = ['checkpointLocation', 'path', ...QUERY_OPTION_KEYS];
const OUTPUT_MODES: OutputMode[] = ['append', 'complete', 'update'];

/** df.writeStream: format('delta').outputMode(…).option(…).trigger(…).start(path). */
export class DataStreamWriter {
  private mode: OutputMode = 'append';
  private name: string | undefined;
  private checkpointLocation: string | undefined;
  private path: string | undefined;
  private partitionColumns: string[] | undefined;
  private triggerSpec: TriggerSpec = { kind: 'processingTime', interval: '0 seconds' };
  private readonly queryOptions: QueryOptions = {};
  private sinkFormat: SinkFormat = 'delta';
  private readonly sinkSettings = new SinkSettings();
  private applyChangesSpec: ApplyChangesSpec | undefined;

  constructor(private readonly df: DataFrame) {}

  format(sink: string): this {
    if (sink !== 'delta' && sink !== 'kafka' && sink !== 'webhook') throw unsupported(`sink format '${sink}'`, "use 'delta', 'kafka' or 'webhook'");
    this.sinkFormat = sink;
    return this;
  }

  outputMode(mode: string): this {
    const m = mode.toLowerCase() as OutputMode;
    if (!OUTPUT_MODES.includes(m)) throw invalid(`unknown output mode '${mode}'; use append, complete or update`);
    this.mode = m;
    return this;
  }

  queryName(name: string): this {
    this.name = name;
    return this;
  }

  option(key: string, value: OptionValue): this {
    if (key === 'checkpointLocation') this.checkpointLocation = optionText(value);
    else if (key === 'path') this.path = optionText(value);
    else if (this.sinkFormat !== 'delta' && this.sinkSettings.set(this.sinkFormat, key, value)) return this;
    else if (!setQueryOption(this.queryOptions, key, value)) {
      const known = this.sinkFormat === 'delta' ? WRITER_KEYS : [...SinkSettings.keys(this.sinkFormat), ...WRITER_KEYS];
      throw invalid(`unknown ${this.sinkFormat} sink option '${key}'; known options: ${known.join(', ')}`);
    }
    return this;
  }

  options(entries: Record<string, OptionValue>): this {
    for (const [k, v] of Object.entries(entries)) this.option(k, v);
    return this;
  }

  partitionBy(...columns: string[]): this {
    this.partitionColumns = [...columns];
    return this;
  }

  trigger(trigger: Trigger): this {
    const keys = Object.keys(trigger);
    if (keys.length !== 1) throw invalid(`trigger takes exactly one of processingTime, availableNow, once, continuous; got ${JSON.stringify(trigger)}`);
    if ('processingTime' in trigger) {
      const t = trigger.processingTime;
      this.triggerSpec = { kind: 'processingTime', interval: typeof t === 'number' ? `${t} milliseconds` : t };
    } else if ('availableNow' in trigger && trigger.availableNow === true) {
      this.triggerSpec = { kind: 'availableNow' };
    } else if ('once' in trigger) {
      throw unsupported('trigger once (deprecated in Spark)', 'use { availableNow: true }');
    } else if ('continuous' in trigger) {
      throw unsupported('continuous processing', "use { processingTime: '<interval>' }");
    } else {
      throw invalid(`unknown trigger ${JSON.stringify(trigger)}`);
    }
    return this;
  }

  /**
   * Applies the source's change events to the table by key (docs/cdc.md), in update mode:
   * applyChanges({ keys: ['ID'], columns: 'ID BIGINT NOT NULL, NAME STRING', sourceTable: 'SHOP.ORDERS' }).
   */
  applyChanges(options: ApplyChangesOptions): this {
    this.applyChangesSpec = applyChangesSpecOf(options);
    this.mode = 'update';
    return this;
  }

  foreachBatch(): never {
    throw refused('DataStreamWriter.foreachBatch');
  }

  toTable(table: string): never {
    throw unsupported(`toTable('${table}') (a catalog)`, 'start(<table path>)');
  }

  /**
   * The query as a version 2 spec (plan/logical-plan.ts): the DataFrame's operations, the sink, the
   * trigger and the options, with the query's time zone (fromJson's timeZone option, else
   * spark.sql.session.timeZone, else 'UTC'). Not validated.
   */
  toQuerySpec(path?: string): QuerySpecV2 {
    const frame = this.df.framePlan();
    const conf = this.df.session.conf;
    const options: QuerySpecV2['options'] = {};
    const confPartitions = conf.get('spark.sql.shuffle.partitions');
    if (confPartitions !== undefined) setQueryOption(options, 'spark.sql.shuffle.partitions', confPartitions);
    Object.assign(options, this.queryOptions);
    options.timeZone = frame.jsonTimeZone ?? conf.get('spark.sql.session.timeZone') ?? 'UTC';
    const checkpointLocation = this.checkpointLocation ?? this.defaultCheckpointLocation() ?? '';
    if (this.sinkFormat !== 'delta' && path !== undefined) throw invalid(`the ${this.sinkFormat} sink writes no table: call start() without a path`);
    // A Kafka or webhook sink stages each batch's rows beside the checkpoint (common/plan/external-sink.ts).
    const stage = this.sinkFormat === 'delta' || checkpointLocation === '' ? undefined : defaultStagePath(checkpointLocation);
    const spec: QuerySpecV2 = {
      version: 2,
      source: frame.source,
      plan: frame.plan,
      sink: {
        format: this.sinkFormat,
        path: path ?? this.path ?? stage ?? '',
        outputMode: this.mode,
        checkpointLocation,
        ...this.sinkSettings.specOf(this.sinkFormat),
      },
      trigger: { ...this.triggerSpec },
      options,
    };
    if (this.name !== undefined) spec.name = this.name;
    if (this.partitionColumns !== undefined) spec.sink.partitionBy = [...this.partitionColumns];
    if (this.applyChangesSpec !== undefined) spec.sink.applyChanges = structuredClone(this.applyChangesSpec);
    return spec;
  }

  /**
   * Submits the query as its version 2 spec (toQuerySpec) and returns its handle. Relative
   * locations are resolved against this process's working directory first. The spec is resolved
   * here first, as the driver resolves it, so an invalid query is refused before anything is sent
   * (InvalidArgumentError listing every problem); the driver resolves it again.
   */
  async start(path?: string): Promise<StreamingQuery> {
    const spec = withAbsolutePaths(this.toQuerySpec(path));
    resolveQuery(spec);
    const submitter = this.df.session.submitter();
    const info = await submitter.submit(spec);
    return new StreamingQuery(info, submitter);
  }

  /** Spark's rule: with spark.sql.streaming.checkpointLocation set, a named query checkpoints under <root>/<name>. */
  private defaultCheckpointLocation(): string | undefined {
    const root = this.df.session.conf.get('spark.sql.streaming.checkpointLocation');
    if (root === undefined || this.name === undefined) return undefined;
    return `${root.replace(/\/+$/, '')}/${this.name}`;
  }
}
