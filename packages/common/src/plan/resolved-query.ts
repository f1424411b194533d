/**
 * The resolved query: what the driver makes of a validated spec, once, and records in the
 * checkpoint. Decoder, expression evaluation, aggregation, shuffle, state layout and the Delta
 * schema all derive from it; executors receive it as typed proto messages (proto/tributary/v1/plan.proto).
 *
 * Pipeline, each stage reading the previous stage's columns by index:
 *
 *   scan        Kafka records → the scan's columns: the Kafka columns the query uses, then (when the
 *               query parses JSON) one struct column holding the parsed value.
 *   pre         filter / project steps over the scan's columns
 *   eventTime   the column the watermark is on (in pre's output), with its delay
 *   dedup       dropDuplicates over pre's output (absent when the query has none); when an
 *               aggregation follows, dedup.beforeAggregate holds the steps between them
 *   aggregate   group by (window?, keys…) with aggregates, over the aggregation's input
 *               (aggregateInput: pre's output, or dedup.beforeAggregate's); absent for ingest jobs
 *   post        filter / project steps over the aggregate's output (or pre's, for ingest jobs)
 *   output      the table's schema = post's output
 *
 * Every schema is a list of SqlFields; every expression is a typed RExpr whose column references
 * are indices into the schema of the stage it runs on. Durations are µs.
 */
import type { CdcSpec } from '../cdc/cdc-spec';
import type { SinkFormat } from './external-sink';
import type { SqlField, SqlType } from '../schema/sql-type';
import type { IsolationLevel } from './kafka-options';
import type { OutputMode } from './query-spec';
import type { StartingOffsets } from './starting-offsets';

/**
 * A typed expression. `nullable` is false only when the value can never be null.
 *
 * Literal values are canonical text, by type: boolean 'true'|'false'; int, long: the integer;
 * double: JS number text ('1.5', 'NaN', 'Infinity', '-Infinity'); decimal: the unscaled integer
 * ('1234' is 12.34 in decimal(p,2)); string: the text itself; date: days since the epoch;
 * timestamp: µs since the epoch. null for a null literal.
 *
 * `call.fn` is a Spark SQL name from the function catalog (expr/function-catalog.ts), which has
 * already inserted the casts Spark's type coercion would (arguments arrive with the types the
 * function takes).
 */
export type RExpr =
  | { readonly kind: 'column'; readonly index: number; readonly type: SqlType; readonly nullable: boolean }
  | { readonly kind: 'field'; readonly of: RExpr; readonly index: number; readonly type: SqlType; readonly nullable: boolean }
  | { readonly kind: 'literal'; readonly value: string | null; readonly type: SqlType; readonly nullable: boolean }
  | { readonly kind: 'cast'; readonly arg: RExpr; readonly type: SqlType; readonly nullable: boolean }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly RExpr[]; readonly type: SqlType; readonly nullable: boolean }
  | {
      readonly kind: 'case';
      readonly branches: readonly { readonly when: RExpr; readonly then: RExpr }[];
      readonly otherwise: RExpr | null;
      readonly type: SqlType;
      readonly nullable: boolean;
    };

/** Spark's Kafka source columns, in Spark's order. */
export const KAFKA_COLUMNS = ['key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'timestampType', 'headers'] as const;
export type KafkaColumn = (typeof KAFKA_COLUMNS)[number];

export interface ResolvedSource {
  topic: string;
  bootstrapServers: string[];
  startingOffsets: StartingOffsets;
  maxOffsetsPerTrigger: number | null;
  failOnDataLoss: boolean;
  isolationLevel: IsolationLevel;
}

export interface ScanSpec {
  /** Kafka columns the query reads, in the order they appear in `schema`. */
  kafkaColumns: KafkaColumn[];
  /** The from_json schema over `value`, or null when the query does not parse JSON. Its column comes last in `schema`. */
  json: { schema: SqlField[]; timeZone: string } | null;
  /** The scan's output: one field per Kafka column, then the parsed struct (named as the user aliased it). */
  schema: SqlField[];
  /** Max bytes of one record value; larger values are bad records. */
  maxValueBytes: number;
}

export type Step =
  | { kind: 'filter'; condition: RExpr }
  | { kind: 'project'; exprs: RExpr[]; schema: SqlField[] };

export interface EventTime {
  /** Index of a timestamp column in pre's output. */
  column: number;
  delayMicros: number;
  /** Events more than this after the batch's reference time are bad records. */
  maxAheadMicros: number;
}

/** The aggregate functions the state layer keeps. */
export type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'approx_count_distinct';

/** session_window(time, gap) with a constant gap (µs > 0). */
export interface SessionWindowSpec {
  column: number;
  gapMicros: number;
}

export interface AggregateSpec {
  /** Time window over a timestamp column of the aggregation's input, or null (group-by without window: complete mode only). */
  window: { column: number; sizeMicros: number; slideMicros: number; startMicros: number } | null;
  /**
   * Session window over a timestamp column of pre's output (then `window` is null): a row's session
   * is [t, t + gapMicros); sessions of one key that overlap or touch merge. Absent or null: none.
   */
  session?: SessionWindowSpec | null;
  /** Grouping keys besides the window: columns of the aggregation's input (aggregateInput), scalar types. */
  keys: { column: number; field: SqlField }[];
  /**
   * Each aggregate over one column of the aggregation's input (null for count('*')), with Spark's result field;
   * relativeSD: approx_count_distinct's maximum relative standard deviation (absent: Spark's 0.05).
   */
  aggregates: { fn: AggregateFn; column: number | null; field: SqlField; relativeSD?: number }[];
  /** The aggregate's output: [window or session_window struct<start,end>] + keys + aggregates, in that order. */
  schema: SqlField[];
}

/**
 * dropDuplicates / dropDuplicatesWithinWatermark over pre's output, whose columns are all scalar
 * (the rows are shuffled by the keys). Each key is kept in state until its expiry ≤ the watermark:
 *   withinWatermark false   the keys include the event-time column; expiry = that event time
 *   withinWatermark true    expiry = the event time of the key's first row + the watermark delay
 * Rows whose event time ≤ WM(N−1) are late: dropped and counted (as Spark drops them).
 */
export interface DedupSpec {
  /** Key columns of pre's output, in the order the user named them. */
  keys: number[];
  withinWatermark: boolean;
  /**
   * Only when an aggregation follows: the filter / project steps between dropDuplicates and the
   * aggregation, over the kept rows (pre's output). The aggregation reads their output. Absent
   * (as in documents written before it) for an ingest job.
   */
  beforeAggregate?: Step[];
}

export interface ResolvedSink {
  /** Absent (as in documents written before it) means 'delta'; otherwise `path` is where rows are staged (external-sink.ts). */
  format?: SinkFormat;
  path: string;
  outputMode: OutputMode;
  /** Partition columns: names of top-level output columns. */
  partitionBy: string[];
  checkpointLocation: string;
}

export interface ResolvedOptions {
  shufflePartitions: number;
  badRecords: 'quarantine' | 'fail' | 'drop';
  quarantinePath: string | null;
  lateRows: 'drop' | 'table';
  lateRowsPath: string | null;
  timeZone: string;
  triggerIntervalMicros: number | null;
  availableNow: boolean;
}

export interface ResolvedQuery {
  /** Format of this document, recorded in the checkpoint. */
  format: 1;
  name: string | null;
  source: ResolvedSource;
  scan: ScanSpec;
  pre: Step[];
  eventTime: EventTime | null;
  aggregate: AggregateSpec | null;
  /** Deduplication between pre and post; absent (as in documents written before it) when none. */
  dedup?: DedupSpec;
  /** A CDC query (docs/cdc.md): change events applied to the table by key; scan, pre, post are empty. Absent otherwise. */
  cdc?: CdcSpec;
  post: Step[];
  output: SqlField[];
  sink: ResolvedSink;
  options: ResolvedOptions;
}

/** The schema a list of steps ends with, starting from `input`. */
export function stepsOutput(input: readonly SqlField[], steps: readonly Step[]): readonly SqlField[] {
  let schema = input;
  for (const s of steps) if (s.kind === 'project') schema = s.schema;
  return schema;
}

/** Whether the query deduplicates before its aggregation (a batch then shuffles twice). */
export function dedupBeforeAggregate(query: ResolvedQuery): boolean {
  return query.dedup !== undefined && query.aggregate !== null;
}

/**
 * The schema the aggregation reads (its column indices point into it): pre's output, then, after
 * a dropDuplicates, the steps between it and the aggregation.
 */
export function aggregateInput(query: ResolvedQuery): readonly SqlField[] {
  return stepsOutput(stepsOutput(query.scan.schema, query.pre), query.dedup?.beforeAggregate ?? []);
}
