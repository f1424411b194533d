/**
 * The logical plan of a streaming query, as the job API builds it and the driver receives it
 * (serialised as JSON inside SubmitQueryRequest). Format version 1.
 *
 * The shape follows Spark Structured Streaming: a Kafka source, JSON parsed with a schema, an
 * event-time watermark, a windowed group-by with count/sum, a Delta sink with an output mode and a
 * checkpoint location, and a trigger. Durations are kept as the user wrote them (e.g. '10 minutes')
 * and parsed by `parseDuration`; validation (validate-spec.ts) names every problem.
 */
import type { ApplyChangesSpec, ChangeEventsSpec } from '../cdc/apply-changes-spec';
import type { KafkaSinkSpec, SinkFormat, WebhookSinkSpec } from './external-sink';

export interface QuerySpec {
  version: 1;
  name?: string;
  source: KafkaSourceSpec;
  parse: JsonParseSpec;
  watermark?: WatermarkSpec;
  aggregation: AggregationSpec;
  /** Columns computed from each aggregated row when it is written (withColumn), in order. */
  withColumns?: DerivedColumnSpec[];
  sink: DeltaSinkSpec;
  trigger: TriggerSpec;
  options: QueryOptions;
}

export interface KafkaSourceSpec {
  format: 'kafka';
  /** `kafka.bootstrap.servers`, comma separated host:port. */
  bootstrapServers: string;
  /** `subscribe`: one topic. */
  topic: string;
  /** 'earliest' | 'latest' | per-partition JSON as Spark: {"topic":{"0":23,"1":-2}} (-2 earliest, -1 latest). */
  startingOffsets: 'earliest' | 'latest' | Record<string, Record<string, number>>;
  maxOffsetsPerTrigger?: number;
  failOnDataLoss: boolean;
  /**
   * Other `kafka.`-prefixed reader options, prefix removed: only 'isolation.level' is supported
   * (kafka-options.ts); validation refuses any other by name.
   */
  kafkaOptions?: Record<string, string>;
  /** The records are change events (docs/cdc.md); absent: plain records. */
  changes?: ChangeEventsSpec;
}

export type FieldType = 'int' | 'long' | 'string' | 'timestamp' | { decimal: [number, number] } | 'double' | 'boolean';
export interface FieldSpec { name: string; type: FieldType; nullable: boolean }

export interface JsonParseSpec {
  format: 'json';
  /** from_json(col('value').cast('string'), schema): only the value is parsed. */
  schema: FieldSpec[];
  /** Time zone for timestamps without an offset: 'UTC' or a fixed offset such as '+02:00'. */
  timeZone: string;
}

export interface WatermarkSpec { column: string; delay: string }

export interface WindowSpec { column: string; duration: string; slide?: string }
export type AggregateFn = { fn: 'count'; column: '*'; alias: string } | { fn: 'sum'; column: string; alias: string };
export interface AggregationSpec {
  window: WindowSpec;
  /** Grouping columns besides the window, in order. */
  keys: string[];
  aggregates: AggregateFn[];
}

/**
 * withColumn(name, expr) after the aggregation; the expressions Tributary evaluates at write time
 * (derived-columns.ts), all over the window's bounds:
 *   to_date(col('window.start'))                       → date, in the query's time zone
 *   date_format(col('window.start'), 'yyyy-MM-dd-HH')  → string (tokens yyyy MM dd HH mm ss)
 *   hour(col('window.start'))                          → int, in the query's time zone
 * A derived column must be a partition column (partitionBy) for now.
 */
export interface DerivedColumnSpec { name: string; expr: DerivedExpr }
export type DerivedExpr =
  | { fn: 'to_date'; column: string }
  | { fn: 'date_format'; column: string; format: string }
  | { fn: 'hour'; column: string };

export type OutputMode = 'append' | 'complete' | 'update';
export interface DeltaSinkSpec {
  /** 'kafka' and 'webhook' publish the rows elsewhere and stage them at `path` (external-sink.ts). */
  format: SinkFormat;
  path: string;
  outputMode: OutputMode;
  checkpointLocation: string;
  partitionBy?: string[];
  /** format 'kafka': where and how to publish. */
  kafka?: KafkaSinkSpec;
  /** format 'webhook': where to POST. */
  webhook?: WebhookSinkSpec;
  /** Apply change events by key (docs/cdc.md); absent: write the query's rows. */
  applyChanges?: ApplyChangesSpec;
}

export type TriggerSpec =
  | { kind: 'processingTime'; interval: string }
  | { kind: 'availableNow' };

export interface QueryOptions {
  /** Fixed at first start and recorded in the checkpoint, like spark.sql.shuffle.partitions. */
  shufflePartitions?: number;
  /** Records that cannot become rows: written to the quarantine table (default), fail the query, or dropped (counted and logged). */
  badRecords?: 'quarantine' | 'fail' | 'drop';
  /** Quarantine table location; default `<sink path>_quarantine`. */
  quarantinePath?: string;
  /** Late rows: counted and dropped (default), or also written to the late-rows table. */
  lateRows?: 'drop' | 'table';
  /** Late-rows table location; default `<sink path>_late_rows`. */
  lateRowsPath?: string;
  /** Max bytes of one Kafka record value; larger values are bad records. */
  maxValueBytes?: number;
  /**
   * Event-time guard: events stamped more than this duration after the batch's reference time
   * (recorded in its plan) are bad records (EVENT_TIME_TOO_FAR_AHEAD) and never move the watermark.
   * Default '1 day'.
   */
  maxEventTimeAhead?: string;
}
