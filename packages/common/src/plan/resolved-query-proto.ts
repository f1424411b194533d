/**
 * ResolvedQuery ⇄ its proto message (proto/tributary/v1/plan.proto), as plain objects in the shape
 * rpc/proto-loader.ts gives and takes: snake_case field names, enums by name, int64 as JS numbers,
 * the set member of each oneof named by its `kind`, unset messages and `optional` scalars null or
 * absent.
 *
 * `resolvedQueryFromProto(resolvedQueryToProto(q))` is deep-equal to `q` for every valid q. Encoding
 * refuses an int64 value that is not a safe integer (it could not come back exactly); decoding
 * refuses a message with an unset oneof, an unspecified enum or a missing required message, naming
 * the field's path.
 */
import { InvalidArgumentError } from '../errors';
import { CHANGE_FORMATS, DEBEZIUM_POSITIONS, type CdcSpec, type ChangeFormat, type DebeziumPosition } from '../cdc/cdc-spec';
import type { SqlField, SqlType } from '../schema/sql-type';
import type { IsolationLevel } from './kafka-options';
import type { OutputMode } from './query-spec';
import type {
  AggregateFn, AggregateSpec, DedupSpec, EventTime, KafkaColumn, RExpr, ResolvedOptions, ResolvedQuery, ResolvedSink, ResolvedSource,
  ScanSpec, Step,
} from './resolved-query';
import type { StartingOffsets } from './starting-offsets';

// ---- Message shapes (plan.proto) -------------------------------------------------------------

/** A message field as it arrives: unset is null (proto-loader `defaults: true`) or absent. */
type Maybe<T> = T | null | undefined;

export type SqlTypeMessage =
  | { primitive: string; kind?: 'primitive' }
  | { decimal: { precision: number; scale: number }; kind?: 'decimal' }
  | { struct: { fields: SqlFieldMessage[] }; kind?: 'struct' }
  | { array: { element: Maybe<SqlTypeMessage>; contains_null: boolean }; kind?: 'array' };
export interface SqlFieldMessage { name: string; type: Maybe<SqlTypeMessage>; nullable: boolean }

export type RExprMessage = { type: Maybe<SqlTypeMessage>; nullable: boolean } & (
  | { column: { index: number }; kind?: 'column' }
  | { field: { of: Maybe<RExprMessage>; index: number }; kind?: 'field' }
  | { literal: { value?: string | null }; kind?: 'literal' }
  | { cast: { arg: Maybe<RExprMessage> }; kind?: 'cast' }
  | { call: { fn: string; args: RExprMessage[] }; kind?: 'call' }
  | { case: { branches: { when: Maybe<RExprMessage>; then: Maybe<RExprMessage> }[]; otherwise: Maybe<RExprMessage> }; kind?: 'case' }
);

export type StartingOffsetsMessage =
  | { position: string; kind?: 'position' }
  | { partitions: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }; kind?: 'partitions' };

export interface ResolvedSourceMessage {
  topic: string;
  bootstrap_servers: string[];
  starting_offsets: Maybe<StartingOffsetsMessage>;
  max_offsets_per_trigger?: number | null;
  fail_on_data_loss: boolean;
  isolation_level: string;
}

export interface ScanSpecMessage {
  kafka_columns: string[];
  json: Maybe<{ schema: SqlFieldMessage[]; time_zone: string }>;
  schema: SqlFieldMessage[];
  max_value_bytes: number;
}

export type StepMessage =
  | { filter: { condition: Maybe<RExprMessage> }; kind?: 'filter' }
  | { project: { exprs: RExprMessage[]; schema: SqlFieldMessage[] }; kind?: 'project' };

export interface EventTimeMessage { column: number; delay_micros: number; max_ahead_micros: number }
export interface DedupSpecMessage { keys: number[]; within_watermark: boolean; before_aggregate?: StepMessage[]; has_before_aggregate?: boolean }

export interface AggregateSpecMessage {
  window: Maybe<{ column: number; size_micros: number; slide_micros: number; start_micros: number }>;
  session?: Maybe<{ column: number; gap_micros: number }>;
  keys: { column: number; field: Maybe<SqlFieldMessage> }[];
  aggregates: { fn: string; column?: number | null; field: Maybe<SqlFieldMessage>; relative_sd?: number | null }[];
  schema: SqlFieldMessage[];
}

export interface ResolvedSinkMessage { path: string; output_mode: string; partition_by: string[]; checkpoint_location: string; format?: string }

export interface ResolvedOptionsMessage {
  shuffle_partitions: number;
  bad_records: string;
  quarantine_path?: string | null;
  late_rows: string;
  late_rows_path?: string | null;
  time_zone: string;
  trigger_interval_micros?: number | null;
  available_now: boolean;
}

export interface CdcSpecMessage {
  format: string; columns: SqlFieldMessage[]; keys: string[]; position?: string | null; time_zone: string; max_value_bytes: number;
  key_columns: number[]; source_table?: string | null; except_columns: string[]; stored_as: string; tombstone_retention_micros: number | string;
  routes?: CdcRouteMessage[];
}

export interface CdcRouteMessage {
  source_table: string; columns: SqlFieldMessage[]; keys: string[]; key_columns: number[]; except_columns: string[]; stored_as: string;
  tombstone_retention_micros: number | string; output: SqlFieldMessage[]; path: string;
}

export interface ResolvedQueryMessage {
  format: number;
  name?: string | null;
  source: Maybe<ResolvedSourceMessage>;
  scan: Maybe<ScanSpecMessage>;
  pre: StepMessage[];
  event_time: Maybe<EventTimeMessage>;
  aggregate: Maybe<AggregateSpecMessage>;
  dedup?: Maybe<DedupSpecMessage>;
  cdc?: Maybe<CdcSpecMessage>;
  post: StepMessage[];
  output: SqlFieldMessage[];
  sink: Maybe<ResolvedSinkMessage>;
  options: Maybe<ResolvedOptionsMessage>;
}

// ---- Enum tables: document value ⇄ proto enum name -------------------------------------------

type PrimitiveKind = Exclude<SqlType['kind'], 'decimal' | 'struct' | 'array'>;

function enumTable<T extends string>(pairs: Record<T, string>) {
  const back = new Map<string, T>(Object.entries(pairs).map(([k, v]) => [v as string, k as T]));
  return {
    name: (value: T, path: string): string => {
      const n = pairs[value];
      if (n === undefined) throw new InvalidArgumentError(`${path}: ${JSON.stringify(value)} has no proto enum value`);
      return n;
    },
    value: (name: unknown, path: string): T => {
      const v = back.get(name as string);
      if (v === undefined) throw new InvalidArgumentError(`${path}: unknown or unspecified enum value ${JSON.stringify(name)}`);
      return v;
    },
  };
}

const PRIMITIVES = enumTable<PrimitiveKind>({
  boolean: 'PRIMITIVE_TYPE_BOOLEAN', int: 'PRIMITIVE_TYPE_INT', long: 'PRIMITIVE_TYPE_LONG', double: 'PRIMITIVE_TYPE_DOUBLE',
  string: 'PRIMITIVE_TYPE_STRING', binary: 'PRIMITIVE_TYPE_BINARY', timestamp: 'PRIMITIVE_TYPE_TIMESTAMP', date: 'PRIMITIVE_TYPE_DATE',
});
const KAFKA_COLUMN_NAMES = enumTable<KafkaColumn>({
  key: 'KAFKA_COLUMN_KEY', value: 'KAFKA_COLUMN_VALUE', topic: 'KAFKA_COLUMN_TOPIC', partition: 'KAFKA_COLUMN_PARTITION',
  offset: 'KAFKA_COLUMN_OFFSET', timestamp: 'KAFKA_COLUMN_TIMESTAMP', timestampType: 'KAFKA_COLUMN_TIMESTAMP_TYPE',
  headers: 'KAFKA_COLUMN_HEADERS',
});
const ISOLATION_LEVEL_NAMES = enumTable<IsolationLevel>({
  read_uncommitted: 'KAFKA_ISOLATION_LEVEL_READ_UNCOMMITTED', read_committed: 'KAFKA_ISOLATION_LEVEL_READ_COMMITTED',
});
const STARTING_POSITIONS = enumTable<'earliest' | 'latest'>({
  earliest: 'STARTING_POSITION_EARLIEST', latest: 'STARTING_POSITION_LATEST',
});
const AGGREGATE_FNS = enumTable<AggregateFn>({
  count: 'AGGREGATE_FN_COUNT', sum: 'AGGREGATE_FN_SUM', avg: 'AGGREGATE_FN_AVG', min: 'AGGREGATE_FN_MIN', max: 'AGGREGATE_FN_MAX',
  approx_count_distinct: 'AGGREGATE_FN_APPROX_COUNT_DISTINCT',
});
const OUTPUT_MODES = enumTable<OutputMode>({
  append: 'OUTPUT_MODE_APPEND', complete: 'OUTPUT_MODE_COMPLETE', update: 'OUTPUT_MODE_UPDATE',
});
const BAD_RECORD_POLICIES = enumTable<ResolvedOptions['badRecords']>({
  quarantine: 'BAD_RECORD_POLICY_QUARANTINE', fail: 'BAD_RECORD_POLICY_FAIL', drop: 'BAD_RECORD_POLICY_DROP',
});
const LATE_ROW_POLICIES = enumTable<ResolvedOptions['lateRows']>({
  drop: 'LATE_ROW_POLICY_DROP', table: 'LATE_ROW_POLICY_TABLE',
});

// ---- Scalars ---------------------------------------------------------------------------------

/** An int64 on the way out: only safe integers come back exactly as JS numbers. */
function int64(value: number, path: string): number {
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`${path}: ${value} is not a safe integer, so it cannot travel as int64`);
  return value;
}

/** An int32 on the way out. */
function int32(value: number, path: string): number {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new InvalidArgumentError(`${path}: ${value} is not a 32-bit integer`);
  }
  return value;
}

/** An int64 on the way in: a number, or decimal text when a reader loaded the proto with `longs: String`. */
function int64In(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${path}: ${JSON.stringify(value)} is not a safe integer`);
  return n;
}

function optionalIn<T>(value: T | null | undefined): T | null {
  return value === undefined || value === null ? null : value;
}

function required<T>(value: Maybe<T>, path: string): T {
  if (value === undefined || value === null) throw new InvalidArgumentError(`${path}: required message is not set`);
  return value;
}

/** Which member of a oneof is set: `kind` when the loader names it, else the one member present. */
function oneofKind(msg: object, members: readonly string[], path: string): string {
  const named = (msg as { kind?: unknown }).kind;
  if (typeof named === 'string' && members.includes(named)) return named;
  const set = members.filter((m) => (msg as Record<string, unknown>)[m] !== undefined && (msg as Record<string, unknown>)[m] !== null);
  if (set.length !== 1) throw new InvalidArgumentError(`${path}: exactly one of ${members.join(', ')} must be set, found ${set.length}`);
  return set[0];
}

// ---- Types -----------------------------------------------------------------------------------

export function sqlTypeToProto(t: SqlType, path = 'type'): SqlTypeMessage {
  switch (t.kind) {
    case 'decimal': return { decimal: { precision: int32(t.precision, `${path}.precision`), scale: int32(t.scale, `${path}.scale`) } };
    case 'struct': return { struct: { fields: t.fields.map((f, i) => sqlFieldToProto(f, `${path}.fields[${i}]`)) } };
    case 'array': return { array: { element: sqlTypeToProto(t.element, `${path}.element`), contains_null: t.containsNull } };
    default: return { primitive: PRIMITIVES.name(t.kind, path) };
  }
}

export function sqlTypeFromProto(msg: Maybe<SqlTypeMessage>, path = 'type'): SqlType {
  const m = required(msg, path) as Record<string, any>;
  switch (oneofKind(m, ['primitive', 'decimal', 'struct', 'array'], path)) {
    case 'primitive': return { kind: PRIMITIVES.value(m.primitive, `${path}.primitive`) } as SqlType;
    case 'decimal': return { kind: 'decimal', precision: m.decimal.precision, scale: m.decimal.scale };
    case 'struct': return { kind: 'struct', fields: (m.struct.fields ?? []).map((f: SqlFieldMessage, i: number) => sqlFieldFromProto(f, `${path}.fields[${i}]`)) };
    default: return { kind: 'array', element: sqlTypeFromProto(m.array.element, `${path}.element`), containsNull: Boolean(m.array.contains_null) };
  }
}

export function sqlFieldToProto(f: SqlField, path = 'field'): SqlFieldMessage {
  return { name: f.name, type: sqlTypeToProto(f.type, `${path}.type`), nullable: f.nullable };
}

export function sqlFieldFromProto(msg: Maybe<SqlFieldMessage>, path = 'field'): SqlField {
  const m = required(msg, path);
  return { name: m.name ?? '', type: sqlTypeFromProto(m.type, `${path}.type`), nullable: Boolean(m.nullable) };
}

const fieldsToProto = (fs: readonly SqlField[], path: string) => fs.map((f, i) => sqlFieldToProto(f, `${path}[${i}]`));
const fieldsFromProto = (fs: Maybe<SqlFieldMessage[]>, path: string) => (fs ?? []).map((f, i) => sqlFieldFromProto(f, `${path}[${i}]`));

// ---- Expressions -----------------------------------------------------------------------------

export function rexprToProto(e: RExpr, path = 'expr'): RExprMessage {
  const head = { type: sqlTypeToProto(e.type, `${path}.type`), nullable: e.nullable };
  switch (e.kind) {
    case 'column': return { ...head, column: { index: int32(e.index, `${path}.index`) } };
    case 'field': return { ...head, field: { of: rexprToProto(e.of, `${path}.of`), index: int32(e.index, `${path}.index`) } };
    case 'literal': return { ...head, literal: e.value === null ? {} : { value: e.value } };
    case 'cast': return { ...head, cast: { arg: rexprToProto(e.arg, `${path}.arg`) } };
    case 'call': return { ...head, call: { fn: e.fn, args: e.args.map((a, i) => rexprToProto(a, `${path}.args[${i}]`)) } };
    case 'case': return {
      ...head,
      case: {
        branches: e.branches.map((b, i) => ({ when: rexprToProto(b.when, `${path}.branches[${i}].when`), then: rexprToProto(b.then, `${path}.branches[${i}].then`) })),
        otherwise: e.otherwise === null ? null : rexprToProto(e.otherwise, `${path}.otherwise`),
      },
    };
  }
}

export function rexprFromProto(msg: Maybe<RExprMessage>, path = 'expr'): RExpr {
  const m = required(msg, path) as Record<string, any>;
  const type = sqlTypeFromProto(m.type, `${path}.type`);
  const nullable = Boolean(m.nullable);
  switch (oneofKind(m, ['column', 'field', 'literal', 'cast', 'call', 'case'], path)) {
    case 'column': return { kind: 'column', index: m.column.index, type, nullable };
    case 'field': return { kind: 'field', of: rexprFromProto(m.field.of, `${path}.of`), index: m.field.index, type, nullable };
    case 'literal': return { kind: 'literal', value: optionalIn<string>(m.literal.value), type, nullable };
    case 'cast': return { kind: 'cast', arg: rexprFromProto(m.cast.arg, `${path}.arg`), type, nullable };
    case 'call': return {
      kind: 'call', fn: m.call.fn, args: (m.call.args ?? []).map((a: RExprMessage, i: number) => rexprFromProto(a, `${path}.args[${i}]`)), type, nullable,
    };
    default: return {
      kind: 'case',
      branches: (m.case.branches ?? []).map((b: { when: RExprMessage; then: RExprMessage }, i: number) => ({
        when: rexprFromProto(b.when, `${path}.branches[${i}].when`),
        then: rexprFromProto(b.then, `${path}.branches[${i}].then`),
      })),
      otherwise: m.case.otherwise === null || m.case.otherwise === undefined ? null : rexprFromProto(m.case.otherwise, `${path}.otherwise`),
      type,
      nullable,
    };
  }
}

// ---- Source ----------------------------------------------------------------------------------

function startingOffsetsToProto(s: StartingOffsets, path: string): StartingOffsetsMessage {
  if (s === 'earliest' || s === 'latest') return { position: STARTING_POSITIONS.name(s, path) };
  return {
    partitions: {
      topics: Object.entries(s).map(([topic, partitions]) => ({
        topic,
        partitions: Object.entries(partitions).map(([p, offset]) => {
          if (!/^(0|[1-9]\d*)$/.test(p)) throw new InvalidArgumentError(`${path}.${topic}: partition '${p}' is not an integer ≥ 0`);
          return { partition: int32(Number(p), `${path}.${topic}.${p}`), offset: String(int64(offset, `${path}.${topic}.${p}`)) };
        }),
      })),
    },
  };
}

function startingOffsetsFromProto(msg: Maybe<StartingOffsetsMessage>, path: string): StartingOffsets {
  const m = required(msg, path) as Record<string, any>;
  if (oneofKind(m, ['position', 'partitions'], path) === 'position') return STARTING_POSITIONS.value(m.position, `${path}.position`);
  // Object.fromEntries makes own properties of every name, '__proto__' included.
  return Object.fromEntries((m.partitions.topics ?? []).map((t: { topic: string; partitions: { partition: number; offset: string }[] }) => [
    t.topic,
    Object.fromEntries((t.partitions ?? []).map((p) => [String(p.partition), int64In(p.offset, `${path}.${t.topic}.${p.partition}`)])),
  ]));
}

function sourceToProto(s: ResolvedSource, path: string): ResolvedSourceMessage {
  return {
    topic: s.topic,
    bootstrap_servers: [...s.bootstrapServers],
    starting_offsets: startingOffsetsToProto(s.startingOffsets, `${path}.startingOffsets`),
    ...(s.maxOffsetsPerTrigger === null ? {} : { max_offsets_per_trigger: int64(s.maxOffsetsPerTrigger, `${path}.maxOffsetsPerTrigger`) }),
    fail_on_data_loss: s.failOnDataLoss,
    isolation_level: ISOLATION_LEVEL_NAMES.name(s.isolationLevel, `${path}.isolationLevel`),
  };
}

function sourceFromProto(msg: Maybe<ResolvedSourceMessage>, path: string): ResolvedSource {
  const m = required(msg, path);
  const max = optionalIn(m.max_offsets_per_trigger);
  return {
    topic: m.topic ?? '',
    bootstrapServers: [...(m.bootstrap_servers ?? [])],
    startingOffsets: startingOffsetsFromProto(m.starting_offsets, `${path}.starting_offsets`),
    maxOffsetsPerTrigger: max === null ? null : int64In(max, `${path}.max_offsets_per_trigger`),
    failOnDataLoss: Boolean(m.fail_on_data_loss),
    isolationLevel: ISOLATION_LEVEL_NAMES.value(m.isolation_level, `${path}.isolation_level`),
  };
}

// ---- Pipeline stages -------------------------------------------------------------------------

function scanToProto(s: ScanSpec, path: string): ScanSpecMessage {
  return {
    kafka_columns: s.kafkaColumns.map((c, i) => KAFKA_COLUMN_NAMES.name(c, `${path}.kafkaColumns[${i}]`)),
    json: s.json === null ? null : { schema: fieldsToProto(s.json.schema, `${path}.json.schema`), time_zone: s.json.timeZone },
    schema: fieldsToProto(s.schema, `${path}.schema`),
    max_value_bytes: int64(s.maxValueBytes, `${path}.maxValueBytes`),
  };
}

function scanFromProto(msg: Maybe<ScanSpecMessage>, path: string): ScanSpec {
  const m = required(msg, path);
  return {
    kafkaColumns: (m.kafka_columns ?? []).map((c, i) => KAFKA_COLUMN_NAMES.value(c, `${path}.kafka_columns[${i}]`)),
    json: m.json === null || m.json === undefined
      ? null
      : { schema: fieldsFromProto(m.json.schema, `${path}.json.schema`), timeZone: m.json.time_zone ?? '' },
    schema: fieldsFromProto(m.schema, `${path}.schema`),
    maxValueBytes: int64In(m.max_value_bytes, `${path}.max_value_bytes`),
  };
}

function stepsToProto(steps: readonly Step[], path: string): StepMessage[] {
  return steps.map((s, i) => s.kind === 'filter'
    ? { filter: { condition: rexprToProto(s.condition, `${path}[${i}].condition`) } }
    : { project: { exprs: s.exprs.map((e, j) => rexprToProto(e, `${path}[${i}].exprs[${j}]`)), schema: fieldsToProto(s.schema, `${path}[${i}].schema`) } });
}

function stepsFromProto(msgs: Maybe<StepMessage[]>, path: string): Step[] {
  return (msgs ?? []).map((msg, i) => {
    const m = msg as Record<string, any>;
    const p = `${path}[${i}]`;
    return oneofKind(m, ['filter', 'project'], p) === 'filter'
      ? { kind: 'filter', condition: rexprFromProto(m.filter.condition, `${p}.condition`) }
      : {
          kind: 'project',
          exprs: (m.project.exprs ?? []).map((e: RExprMessage, j: number) => rexprFromProto(e, `${p}.exprs[${j}]`)),
          schema: fieldsFromProto(m.project.schema, `${p}.schema`),
        };
  });
}

function eventTimeToProto(e: EventTime, path: string): EventTimeMessage {
  return {
    column: int32(e.column, `${path}.column`),
    delay_micros: int64(e.delayMicros, `${path}.delayMicros`),
    max_ahead_micros: int64(e.maxAheadMicros, `${path}.maxAheadMicros`),
  };
}

function eventTimeFromProto(m: EventTimeMessage, path: string): EventTime {
  return {
    column: m.column ?? 0,
    delayMicros: int64In(m.delay_micros, `${path}.delay_micros`),
    maxAheadMicros: int64In(m.max_ahead_micros, `${path}.max_ahead_micros`),
  };
}

function aggregateToProto(a: AggregateSpec, path: string): AggregateSpecMessage {
  const w = a.window;
  const s = a.session ?? null;
  return {
    window: w === null ? null : {
      column: int32(w.column, `${path}.window.column`),
      size_micros: int64(w.sizeMicros, `${path}.window.sizeMicros`),
      slide_micros: int64(w.slideMicros, `${path}.window.slideMicros`),
      start_micros: int64(w.startMicros, `${path}.window.startMicros`),
    },
    session: s === null ? null : { column: int32(s.column, `${path}.session.column`), gap_micros: int64(s.gapMicros, `${path}.session.gapMicros`) },
    keys: a.keys.map((k, i) => ({ column: int32(k.column, `${path}.keys[${i}].column`), field: sqlFieldToProto(k.field, `${path}.keys[${i}].field`) })),
    aggregates: a.aggregates.map((g, i) => ({
      fn: AGGREGATE_FNS.name(g.fn, `${path}.aggregates[${i}].fn`),
      ...(g.column === null ? {} : { column: int32(g.column, `${path}.aggregates[${i}].column`) }),
      field: sqlFieldToProto(g.field, `${path}.aggregates[${i}].field`),
      ...(g.relativeSD === undefined ? {} : { relative_sd: g.relativeSD }),
    })),
    schema: fieldsToProto(a.schema, `${path}.schema`),
  };
}

function aggregateFromProto(m: AggregateSpecMessage, path: string): AggregateSpec {
  const w = m.window;
  const s = m.session;
  return {
    window: w === null || w === undefined ? null : {
      column: w.column ?? 0,
      sizeMicros: int64In(w.size_micros, `${path}.window.size_micros`),
      slideMicros: int64In(w.slide_micros, `${path}.window.slide_micros`),
      startMicros: int64In(w.start_micros, `${path}.window.start_micros`),
    },
    ...(s === null || s === undefined ? {} : { session: { column: s.column ?? 0, gapMicros: int64In(s.gap_micros, `${path}.session.gap_micros`) } }),
    keys: (m.keys ?? []).map((k, i) => ({ column: k.column ?? 0, field: sqlFieldFromProto(k.field, `${path}.keys[${i}].field`) })),
    aggregates: (m.aggregates ?? []).map((g, i) => ({
      fn: AGGREGATE_FNS.value(g.fn, `${path}.aggregates[${i}].fn`),
      column: optionalIn(g.column),
      field: sqlFieldFromProto(g.field, `${path}.aggregates[${i}].field`),
      ...(optionalIn(g.relative_sd) === null ? {} : { relativeSD: g.relative_sd as number }),
    })),
    schema: fieldsFromProto(m.schema, `${path}.schema`),
  };
}

// ---- Sink and options ------------------------------------------------------------------------

function sinkToProto(s: ResolvedSink, path: string): ResolvedSinkMessage {
  return {
    path: s.path,
    output_mode: OUTPUT_MODES.name(s.outputMode, `${path}.outputMode`),
    partition_by: [...s.partitionBy],
    checkpoint_location: s.checkpointLocation,
    format: s.format === undefined || s.format === 'delta' ? '' : s.format,
  };
}

function sinkFromProto(msg: Maybe<ResolvedSinkMessage>, path: string): ResolvedSink {
  const m = required(msg, path);
  return {
    path: m.path ?? '',
    outputMode: OUTPUT_MODES.value(m.output_mode, `${path}.output_mode`),
    partitionBy: [...(m.partition_by ?? [])],
    checkpointLocation: m.checkpoint_location ?? '',
    ...(m.format === 'kafka' || m.format === 'webhook' ? { format: m.format } : {}),
  };
}

function optionsToProto(o: ResolvedOptions, path: string): ResolvedOptionsMessage {
  return {
    shuffle_partitions: int32(o.shufflePartitions, `${path}.shufflePartitions`),
    bad_records: BAD_RECORD_POLICIES.name(o.badRecords, `${path}.badRecords`),
    ...(o.quarantinePath === null ? {} : { quarantine_path: o.quarantinePath }),
    late_rows: LATE_ROW_POLICIES.name(o.lateRows, `${path}.lateRows`),
    ...(o.lateRowsPath === null ? {} : { late_rows_path: o.lateRowsPath }),
    time_zone: o.timeZone,
    ...(o.triggerIntervalMicros === null ? {} : { trigger_interval_micros: int64(o.triggerIntervalMicros, `${path}.triggerIntervalMicros`) }),
    available_now: o.availableNow,
  };
}

function optionsFromProto(msg: Maybe<ResolvedOptionsMessage>, path: string): ResolvedOptions {
  const m = required(msg, path);
  const interval = optionalIn(m.trigger_interval_micros);
  return {
    shufflePartitions: m.shuffle_partitions ?? 0,
    badRecords: BAD_RECORD_POLICIES.value(m.bad_records, `${path}.bad_records`),
    quarantinePath: optionalIn(m.quarantine_path),
    lateRows: LATE_ROW_POLICIES.value(m.late_rows, `${path}.late_rows`),
    lateRowsPath: optionalIn(m.late_rows_path),
    timeZone: m.time_zone ?? '',
    triggerIntervalMicros: interval === null ? null : int64In(interval, `${path}.trigger_interval_micros`),
    availableNow: Boolean(m.available_now),
  };
}

// ---- The query -------------------------------------------------------------------------------

export function resolvedQueryToProto(q: ResolvedQuery): ResolvedQueryMessage {
  return {
    format: q.format,
    ...(q.name === null ? {} : { name: q.name }),
    source: sourceToProto(q.source, 'source'),
    scan: scanToProto(q.scan, 'scan'),
    pre: stepsToProto(q.pre, 'pre'),
    event_time: q.eventTime === null ? null : eventTimeToProto(q.eventTime, 'eventTime'),
    aggregate: q.aggregate === null ? null : aggregateToProto(q.aggregate, 'aggregate'),
    dedup: q.dedup === undefined ? null : {
      keys: q.dedup.keys.map((k, i) => int32(k, `dedup.keys[${i}]`)),
      within_watermark: q.dedup.withinWatermark,
      ...(q.dedup.beforeAggregate === undefined ? {} : { has_before_aggregate: true, before_aggregate: stepsToProto(q.dedup.beforeAggregate, 'dedup.beforeAggregate') }),
    },
    cdc: q.cdc === undefined ? null : cdcToProto(q.cdc),
    post: stepsToProto(q.post, 'post'),
    output: fieldsToProto(q.output, 'output'),
    sink: sinkToProto(q.sink, 'sink'),
    options: optionsToProto(q.options, 'options'),
  };
}

function cdcToProto(c: CdcSpec): CdcSpecMessage {
  const s = c.source;
  return {
    format: s.format, columns: fieldsToProto(s.columns, 'cdc.source.columns'), keys: [...s.keys],
    ...(s.position === null ? {} : { position: s.position }),
    time_zone: s.timeZone, max_value_bytes: int32(s.maxValueBytes, 'cdc.source.maxValueBytes'),
    key_columns: c.keyColumns.map((k, i) => int32(k, `cdc.keyColumns[${i}]`)),
    ...(c.sourceTable === null ? {} : { source_table: c.sourceTable }),
    except_columns: [...c.exceptColumns], stored_as: c.storedAs,
    tombstone_retention_micros: int64(c.tombstoneRetentionMicros, 'cdc.tombstoneRetentionMicros'),
    routes: (c.routes ?? []).map((r, i) => ({
      source_table: r.sourceTable ?? '', columns: fieldsToProto(r.source.columns, `cdc.routes[${i}].source.columns`), keys: [...r.source.keys],
      key_columns: r.keyColumns.map((k, j) => int32(k, `cdc.routes[${i}].keyColumns[${j}]`)), except_columns: [...r.exceptColumns], stored_as: r.storedAs,
      tombstone_retention_micros: int64(r.tombstoneRetentionMicros, `cdc.routes[${i}].tombstoneRetentionMicros`),
      output: fieldsToProto(r.output, `cdc.routes[${i}].output`), path: r.path,
    })),
  };
}

function cdcFromProto(m: CdcSpecMessage): CdcSpec {
  if (!(CHANGE_FORMATS as readonly string[]).includes(m.format)) throw new InvalidArgumentError(`cdc.format: unknown change format ${JSON.stringify(m.format)}`);
  const position = optionalIn(m.position);
  if (position !== null && !(DEBEZIUM_POSITIONS as readonly string[]).includes(position)) throw new InvalidArgumentError(`cdc.position: unknown ${JSON.stringify(position)}`);
  if (m.stored_as !== 'scd1' && m.stored_as !== 'scd2') throw new InvalidArgumentError(`cdc.stored_as: unknown ${JSON.stringify(m.stored_as)}`);
  const sourceOf = (columns: SqlFieldMessage[], keys: string[] | undefined, path: string) => ({
    format: m.format as ChangeFormat, columns: fieldsFromProto(columns, path), keys: [...(keys ?? [])],
    position: position as DebeziumPosition | null, timeZone: m.time_zone ?? '', maxValueBytes: m.max_value_bytes ?? 0,
  });
  const routes = (m.routes ?? []).map((r, i) => {
    if (r.stored_as !== 'scd1' && r.stored_as !== 'scd2') throw new InvalidArgumentError(`cdc.routes[${i}].stored_as: unknown ${JSON.stringify(r.stored_as)}`);
    if (!r.source_table || !r.path) throw new InvalidArgumentError(`cdc.routes[${i}]: a route needs its source_table and path`);
    return {
      source: sourceOf(r.columns, r.keys, `cdc.routes[${i}].columns`),
      keyColumns: (r.key_columns ?? []).map((k) => k ?? 0),
      sourceTable: r.source_table,
      exceptColumns: [...(r.except_columns ?? [])],
      storedAs: r.stored_as as 'scd1' | 'scd2',
      tombstoneRetentionMicros: int64In(r.tombstone_retention_micros, `cdc.routes[${i}].tombstone_retention_micros`),
      output: fieldsFromProto(r.output, `cdc.routes[${i}].output`),
      path: r.path,
    };
  });
  return {
    source: sourceOf(m.columns, m.keys, 'cdc.columns'),
    keyColumns: (m.key_columns ?? []).map((k) => k ?? 0),
    sourceTable: optionalIn(m.source_table),
    exceptColumns: [...(m.except_columns ?? [])],
    storedAs: m.stored_as,
    tombstoneRetentionMicros: int64In(m.tombstone_retention_micros, 'cdc.tombstone_retention_micros'),
    ...(routes.length === 0 ? {} : { routes }),
  };
}

function dedupFromProto(m: DedupSpecMessage): DedupSpec {
  return {
    keys: (m.keys ?? []).map((k) => k ?? 0),
    withinWatermark: Boolean(m.within_watermark),
    ...(m.has_before_aggregate ? { beforeAggregate: stepsFromProto(m.before_aggregate ?? [], 'dedup.before_aggregate') } : {}),
  };
}

export function resolvedQueryFromProto(msg: Maybe<ResolvedQueryMessage>): ResolvedQuery {
  const m = required(msg, 'query');
  if (m.format !== 1) throw new InvalidArgumentError(`query.format: resolved query format ${JSON.stringify(m.format)} is not supported (1 is)`);
  return {
    format: 1,
    name: optionalIn(m.name),
    source: sourceFromProto(m.source, 'source'),
    scan: scanFromProto(m.scan, 'scan'),
    pre: stepsFromProto(m.pre, 'pre'),
    eventTime: m.event_time === null || m.event_time === undefined ? null : eventTimeFromProto(m.event_time, 'event_time'),
    aggregate: m.aggregate === null || m.aggregate === undefined ? null : aggregateFromProto(m.aggregate, 'aggregate'),
    ...(m.dedup === null || m.dedup === undefined ? {} : { dedup: dedupFromProto(m.dedup) }),
    ...(m.cdc === null || m.cdc === undefined ? {} : { cdc: cdcFromProto(m.cdc) }),
    post: stepsFromProto(m.post, 'post'),
    output: fieldsFromProto(m.output, 'output'),
    sink: sinkFromProto(m.sink, 'sink'),
    options: optionsFromProto(m.options, 'options'),
  };
}
