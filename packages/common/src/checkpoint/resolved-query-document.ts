import { InvalidArgumentError } from '../errors';
import { KAFKA_COLUMNS, type AggregateFn, type KafkaColumn, type RExpr, type ResolvedQuery, type Step } from '../plan/resolved-query';
import type { StartingOffsets } from '../plan/starting-offsets';
import type { SqlField, SqlType } from '../schema/sql-type';
import { arrayAt, booleanAt, integerAt, integerOrNullAt, objectAt } from './json-shape';

/**
 * The resolved query as the checkpoint's metadata holds it: the ResolvedQuery document
 * (plan/resolved-query.ts) as JSON, format 1. Reading checks every field and names the first bad
 * one by its dotted path; the returned value is the document itself.
 */
export function checkResolvedQueryDocument(value: unknown, at: string): ResolvedQuery {
  const q = objectAt(value, at);
  if (q.format !== 1) throw new InvalidArgumentError(`${at}.format must be 1, found ${JSON.stringify(q.format)}`);
  textOrNullAt(q.name, `${at}.name`);

  const source = objectAt(q.source, `${at}.source`);
  textAt(source.topic, `${at}.source.topic`);
  arrayAt(source.bootstrapServers, `${at}.source.bootstrapServers`).forEach((s, i) => textAt(s, `${at}.source.bootstrapServers[${i}]`));
  startingOffsetsAt(source.startingOffsets, `${at}.source.startingOffsets`);
  integerOrNullAt(source.maxOffsetsPerTrigger, `${at}.source.maxOffsetsPerTrigger`, 0);
  booleanAt(source.failOnDataLoss, `${at}.source.failOnDataLoss`);
  oneOf(source.isolationLevel, ['read_uncommitted', 'read_committed'], `${at}.source.isolationLevel`);

  const scan = objectAt(q.scan, `${at}.scan`);
  arrayAt(scan.kafkaColumns, `${at}.scan.kafkaColumns`).forEach((c, i) => oneOf<KafkaColumn>(c, KAFKA_COLUMNS, `${at}.scan.kafkaColumns[${i}]`));
  if (scan.json !== null) {
    const json = objectAt(scan.json, `${at}.scan.json`);
    fieldsAt(json.schema, `${at}.scan.json.schema`);
    textAt(json.timeZone, `${at}.scan.json.timeZone`);
  }
  fieldsAt(scan.schema, `${at}.scan.schema`);
  integerAt(scan.maxValueBytes, `${at}.scan.maxValueBytes`, 0);

  stepsAt(q.pre, `${at}.pre`);
  if (q.eventTime !== null) {
    const e = objectAt(q.eventTime, `${at}.eventTime`);
    integerAt(e.column, `${at}.eventTime.column`, 0);
    integerAt(e.delayMicros, `${at}.eventTime.delayMicros`);
    integerAt(e.maxAheadMicros, `${at}.eventTime.maxAheadMicros`);
  }
  if (q.aggregate !== null) aggregateAt(q.aggregate, `${at}.aggregate`);
  if (q.dedup !== undefined) {
    const d = objectAt(q.dedup, `${at}.dedup`);
    arrayAt(d.keys, `${at}.dedup.keys`).forEach((k, i) => integerAt(k, `${at}.dedup.keys[${i}]`, 0));
    booleanAt(d.withinWatermark, `${at}.dedup.withinWatermark`);
    if (d.beforeAggregate !== undefined) stepsAt(d.beforeAggregate, `${at}.dedup.beforeAggregate`);
  }
  stepsAt(q.post, `${at}.post`);
  fieldsAt(q.output, `${at}.output`);

  const sink = objectAt(q.sink, `${at}.sink`);
  textAt(sink.path, `${at}.sink.path`);
  oneOf(sink.outputMode, ['append', 'complete', 'update'], `${at}.sink.outputMode`);
  arrayAt(sink.partitionBy, `${at}.sink.partitionBy`).forEach((p, i) => textAt(p, `${at}.sink.partitionBy[${i}]`));
  textAt(sink.checkpointLocation, `${at}.sink.checkpointLocation`);
  if (sink.format !== undefined) oneOf(sink.format, ['delta', 'kafka', 'webhook'], `${at}.sink.format`);

  const o = objectAt(q.options, `${at}.options`);
  integerAt(o.shufflePartitions, `${at}.options.shufflePartitions`, 0);
  oneOf(o.badRecords, ['quarantine', 'fail', 'drop'], `${at}.options.badRecords`);
  textOrNullAt(o.quarantinePath, `${at}.options.quarantinePath`);
  oneOf(o.lateRows, ['drop', 'table'], `${at}.options.lateRows`);
  textOrNullAt(o.lateRowsPath, `${at}.options.lateRowsPath`);
  textAt(o.timeZone, `${at}.options.timeZone`);
  integerOrNullAt(o.triggerIntervalMicros, `${at}.options.triggerIntervalMicros`, 0);
  booleanAt(o.availableNow, `${at}.options.availableNow`);
  return q as unknown as ResolvedQuery;
}

function bad(at: string, expected: string, value: unknown): never {
  const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60) ?? String(value);
  throw new InvalidArgumentError(`${at} must be ${expected}, found ${shown}`);
}

/** Any string, the empty one included (names and literals may be empty). */
function textAt(value: unknown, at: string): string {
  if (typeof value !== 'string') bad(at, 'a string', value);
  return value;
}

function textOrNullAt(value: unknown, at: string): string | null {
  return value === null ? null : textAt(value, at);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], at: string): T {
  if (!(allowed as readonly unknown[]).includes(value)) bad(at, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

function startingOffsetsAt(value: unknown, at: string): StartingOffsets {
  if (value === 'earliest' || value === 'latest') return value;
  for (const [topic, partitions] of Object.entries(objectAt(value, at))) {
    for (const [p, offset] of Object.entries(objectAt(partitions, `${at}.${topic}`))) {
      if (!/^(0|[1-9]\d*)$/.test(p)) bad(`${at}.${topic}`, 'keyed by partition numbers', p);
      integerAt(offset, `${at}.${topic}.${p}`, -2);
    }
  }
  return value as StartingOffsets;
}

const PRIMITIVE_KINDS: readonly string[] = ['boolean', 'int', 'long', 'double', 'string', 'binary', 'timestamp', 'date'];

function typeAt(value: unknown, at: string): SqlType {
  const t = objectAt(value, at);
  switch (t.kind) {
    case 'decimal': {
      const precision = integerAt(t.precision, `${at}.precision`, 1);
      if (precision > 38) bad(`${at}.precision`, 'at most 38', precision);
      if (integerAt(t.scale, `${at}.scale`, 0) > precision) bad(`${at}.scale`, `at most the precision ${precision}`, t.scale);
      break;
    }
    case 'struct': fieldsAt(t.fields, `${at}.fields`); break;
    case 'array':
      typeAt(t.element, `${at}.element`);
      booleanAt(t.containsNull, `${at}.containsNull`);
      break;
    default: oneOf(t.kind, [...PRIMITIVE_KINDS, 'decimal', 'struct', 'array'], `${at}.kind`);
  }
  return t as unknown as SqlType;
}

function fieldAt(value: unknown, at: string): SqlField {
  const f = objectAt(value, at);
  textAt(f.name, `${at}.name`);
  typeAt(f.type, `${at}.type`);
  booleanAt(f.nullable, `${at}.nullable`);
  return f as unknown as SqlField;
}

function fieldsAt(value: unknown, at: string): SqlField[] {
  return arrayAt(value, at).map((f, i) => fieldAt(f, `${at}[${i}]`));
}

function exprAt(value: unknown, at: string): RExpr {
  const e = objectAt(value, at);
  typeAt(e.type, `${at}.type`);
  booleanAt(e.nullable, `${at}.nullable`);
  switch (e.kind) {
    case 'column': integerAt(e.index, `${at}.index`, 0); break;
    case 'field': exprAt(e.of, `${at}.of`); integerAt(e.index, `${at}.index`, 0); break;
    case 'literal': textOrNullAt(e.value, `${at}.value`); break;
    case 'cast': exprAt(e.arg, `${at}.arg`); break;
    case 'call':
      textAt(e.fn, `${at}.fn`);
      arrayAt(e.args, `${at}.args`).forEach((a, i) => exprAt(a, `${at}.args[${i}]`));
      break;
    case 'case':
      arrayAt(e.branches, `${at}.branches`).forEach((b, i) => {
        const branch = objectAt(b, `${at}.branches[${i}]`);
        exprAt(branch.when, `${at}.branches[${i}].when`);
        exprAt(branch.then, `${at}.branches[${i}].then`);
      });
      if (e.otherwise !== null) exprAt(e.otherwise, `${at}.otherwise`);
      break;
    default: bad(`${at}.kind`, 'one of column, field, literal, cast, call, case', e.kind);
  }
  return e as unknown as RExpr;
}

function stepsAt(value: unknown, at: string): Step[] {
  return arrayAt(value, at).map((v, i) => {
    const s = objectAt(v, `${at}[${i}]`);
    if (s.kind === 'filter') exprAt(s.condition, `${at}[${i}].condition`);
    else if (s.kind === 'project') {
      arrayAt(s.exprs, `${at}[${i}].exprs`).forEach((e, j) => exprAt(e, `${at}[${i}].exprs[${j}]`));
      fieldsAt(s.schema, `${at}[${i}].schema`);
    } else bad(`${at}[${i}].kind`, 'filter or project', s.kind);
    return s as unknown as Step;
  });
}

const AGGREGATE_FNS: readonly AggregateFn[] = ['count', 'sum', 'avg', 'min', 'max', 'approx_count_distinct'];

function aggregateAt(value: unknown, at: string): void {
  const a = objectAt(value, at);
  if (a.window !== null) {
    const w = objectAt(a.window, `${at}.window`);
    integerAt(w.column, `${at}.window.column`, 0);
    integerAt(w.sizeMicros, `${at}.window.sizeMicros`);
    integerAt(w.slideMicros, `${at}.window.slideMicros`);
    integerAt(w.startMicros, `${at}.window.startMicros`);
  }
  if (a.session !== undefined && a.session !== null) {
    const sw = objectAt(a.session, `${at}.session`);
    integerAt(sw.column, `${at}.session.column`, 0);
    integerAt(sw.gapMicros, `${at}.session.gapMicros`);
  }
  arrayAt(a.keys, `${at}.keys`).forEach((k, i) => {
    const key = objectAt(k, `${at}.keys[${i}]`);
    integerAt(key.column, `${at}.keys[${i}].column`, 0);
    fieldAt(key.field, `${at}.keys[${i}].field`);
  });
  arrayAt(a.aggregates, `${at}.aggregates`).forEach((g, i) => {
    const agg = objectAt(g, `${at}.aggregates[${i}]`);
    oneOf(agg.fn, AGGREGATE_FNS, `${at}.aggregates[${i}].fn`);
    integerOrNullAt(agg.column, `${at}.aggregates[${i}].column`, 0);
    fieldAt(agg.field, `${at}.aggregates[${i}].field`);
    if (agg.relativeSD !== undefined && !(typeof agg.relativeSD === 'number' && agg.relativeSD > 0 && Number.isFinite(agg.relativeSD))) {
      bad(`${at}.aggregates[${i}].relativeSD`, 'a positive number', agg.relativeSD);
    }
  });
  fieldsAt(a.schema, `${at}.schema`);
}
