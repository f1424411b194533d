/**
 * pyspark.sql.functions, as the job API has them. Each function builds an ExprSpec with Spark SQL's
 * name (plan/logical-plan.ts); multi-word names exist in camelCase (toDate) and, wherever PySpark
 * has one, PySpark's snake_case (to_date). A string argument where PySpark takes "ColumnOrName" is
 * a column name; format strings, paths and durations are literals, as in PySpark.
 */
import { type ExprSpec } from '@tributary/common';
import { asColumn, Column, derived, literal, toColumn, toOperand, type ColumnOrLiteral, type ColumnOrName } from './column';
import { parseDdlSchema, StructType } from './types';
import { invalid, refused, unsupported } from './unsupported';

/** The aggregate functions (Spark SQL names) an aggregation may use. */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set(['count', 'sum', 'avg', 'min', 'max', 'approx_count_distinct']);

/** True when `e` contains an aggregate call (outside any window). */
export function containsAggregate(e: ExprSpec): boolean {
  switch (e.kind) {
    case 'call': return AGGREGATE_FUNCTIONS.has(e.fn) || e.args.some(containsAggregate);
    case 'alias': case 'cast': case 'fromJson': return containsAggregate(e.expr);
    case 'case': return e.branches.some((b) => containsAggregate(b.when) || containsAggregate(b.then)) || (e.otherwise !== undefined && containsAggregate(e.otherwise));
    case 'window': return containsAggregate(e.column);
    default: return false;
  }
}

// ---- columns and literals

export function col(name: string): Column {
  if (typeof name !== 'string' || name === '') throw invalid('col needs a column name');
  return new Column({ kind: 'col', name });
}
/** Same as col. */
export function column(name: string): Column {
  return col(name);
}
/** A literal; a Column is returned as is (as PySpark's lit). */
export function lit(value: ColumnOrLiteral): Column {
  return value instanceof Column ? value : new Column(literal(value));
}
export function expr(): never {
  throw refused('functions.expr');
}

// ---- conditional and predicates

/** CASE WHEN condition THEN value; chain .when(…) and .otherwise(…) on the result. */
export function when(condition: Column, value: ColumnOrLiteral): Column {
  const cond = asColumn(condition, 'when');
  const then = toOperand(value);
  return derived({ kind: 'case', branches: [{ when: cond.expr, then: then.expr }] }, [cond, then]);
}
/** The first non-null argument. */
export function coalesce(...cols: ColumnOrName[]): Column {
  return call('coalesce', cols.map(toColumn));
}
/** NOT col (PySpark spells it `~col`). */
export function not(c: ColumnOrName): Column {
  return toColumn(c).not();
}
export function isnull(c: ColumnOrName): Column {
  return toColumn(c).isNull();
}
export function isnotnull(c: ColumnOrName): Column {
  return toColumn(c).isNotNull();
}

// ---- strings

export function lower(c: ColumnOrName): Column {
  return call('lower', [toColumn(c)]);
}
export function upper(c: ColumnOrName): Column {
  return call('upper', [toColumn(c)]);
}
export function trim(c: ColumnOrName): Column {
  return call('trim', [toColumn(c)]);
}
/** substring(str, pos, len): `len` characters from position `pos` (1-based; negative counts from the end). */
export function substring(str: ColumnOrName, pos: number, len: number): Column {
  if (!Number.isInteger(pos) || !Number.isInteger(len)) throw invalid(`substring(${String(str)}, ${pos}, ${len}): pos and len must be integers`);
  return call('substring', [toColumn(str), lit(pos), lit(len)]);
}
export function concat(...cols: ColumnOrName[]): Column {
  return call('concat', cols.map(toColumn));
}
/** Characters of a string (bytes of a binary). */
export function length(c: ColumnOrName): Column {
  return call('length', [toColumn(c)]);
}

// ---- numbers

export function abs(c: ColumnOrName): Column {
  return call('abs', [toColumn(c)]);
}
/** -col (Spark SQL's negative). */
export function negative(c: ColumnOrName): Column {
  return call('negative', [toColumn(c)]);
}
/** round(col, scale = 0), half up as Spark's round. */
export function round(c: ColumnOrName, scale = 0): Column {
  if (!Number.isInteger(scale)) throw invalid(`round scale must be an integer, got ${scale}`);
  return call('round', [toColumn(c), lit(scale)]);
}

// ---- dates and times (in the query's time zone)

/** to_date(col[, format]): the date of a timestamp, or a string parsed with the pattern. */
export function toDate(c: ColumnOrName, format?: string): Column {
  return call('to_date', format === undefined ? [toColumn(c)] : [toColumn(c), textLiteral(format, 'toDate format')]);
}
export const to_date = toDate;

/** date_trunc(format, timestamp): 'year', 'month', 'week', 'day', 'hour', 'minute', 'second', … */
export function dateTrunc(format: string, timestamp: ColumnOrName): Column {
  return call('date_trunc', [textLiteral(format, 'dateTrunc format'), toColumn(timestamp)]);
}
export const date_trunc = dateTrunc;

/** hour(col): 0..23. */
export function hour(c: ColumnOrName): Column {
  return call('hour', [toColumn(c)]);
}
/** dayofweek(col): 1 (Sunday) .. 7 (Saturday). */
export function dayofweek(c: ColumnOrName): Column {
  return call('dayofweek', [toColumn(c)]);
}

/** date_format(col, 'yyyy-MM-dd-HH'): a timestamp or date as text, with Spark's datetime pattern. */
export function dateFormat(c: ColumnOrName, format: string): Column {
  return call('date_format', [toColumn(c), textLiteral(format, 'dateFormat format')]);
}
export const date_format = dateFormat;

// ---- JSON

/** get_json_object(col, '$.a.b'): the JSON value at the path, as text. */
export function getJsonObject(c: ColumnOrName, path: string): Column {
  return call('get_json_object', [toColumn(c), textLiteral(path, 'getJsonObject path')]);
}
export const get_json_object = getJsonObject;

const FROM_JSON_OPTIONS = new Set(['timeZone']);

/**
 * from_json(col('value').cast('string'), schema[, { timeZone }]): the struct parsed from JSON text;
 * the schema a StructType or DDL text ('customer_id INT, amount DECIMAL(10,2)').
 * The timeZone option (for timestamps without an offset) becomes the query's time zone.
 */
export function fromJson(c: ColumnOrName, schemaOrDdl: StructType | string, options: Record<string, string> = {}): Column {
  const schema = typeof schemaOrDdl === 'string' ? parseDdlSchema(schemaOrDdl) : schemaOrDdl;
  if (!(schema instanceof StructType)) throw unsupported(`fromJson with the schema ${String(schema)}`, 'pass a StructType');
  for (const key of Object.keys(options)) {
    if (!FROM_JSON_OPTIONS.has(key)) throw unsupported(`fromJson option '${key}'`, 'only timeZone is understood');
  }
  const input = toColumn(c);
  const zone = options.timeZone;
  const parsed = derived({ kind: 'fromJson', expr: input.expr, schema: schema.toSqlFields() }, [input]);
  return zone === undefined ? parsed : derived(parsed.expr, [parsed, new Column(parsed.expr, zone)]);
}
export const from_json = fromJson;

// ---- windows

/** window(timeColumn, '10 minutes'[, slide[, startTime]]): Spark's time window struct<start, end>. */
export function window(timeColumn: ColumnOrName, windowDuration: string, slideDuration?: string, startTime?: string): Column {
  const time = toColumn(timeColumn);
  const e: { kind: 'window'; column: ExprSpec; duration: string; slide?: string; startTime?: string } = {
    kind: 'window', column: time.expr, duration: durationText(windowDuration, 'window duration'),
  };
  if (slideDuration !== undefined && slideDuration !== null) e.slide = durationText(slideDuration, 'window slide');
  if (startTime !== undefined && startTime !== null) e.startTime = durationText(startTime, 'window startTime');
  return derived(e, [time]);
}

/** session_window(timeColumn, gapDuration): sessions of activity separated by a gap. The driver runs it from Step 8. */
export function sessionWindow(timeColumn: ColumnOrName, gapDuration: string | Column): Column {
  const gap = gapDuration instanceof Column ? gapDuration : lit(durationText(gapDuration, 'session gap'));
  return call('session_window', [toColumn(timeColumn), gap]);
}
export const session_window = sessionWindow;

// ---- aggregates

/** count('*') counts rows (Spark's count(1)); count(col) counts non-null values. */
export function count(c: ColumnOrName): Column {
  const e = toColumn(c);
  if (e.expr.kind === 'col' && e.expr.name === '*') return new Column({ kind: 'call', fn: 'count', args: [] });
  return call('count', [e]);
}
export function sum(c: ColumnOrName): Column {
  return call('sum', [toColumn(c)]);
}
export function avg(c: ColumnOrName): Column {
  return call('avg', [toColumn(c)]);
}
/** Same as avg. */
export function mean(c: ColumnOrName): Column {
  return avg(c);
}
export function min(c: ColumnOrName): Column {
  return call('min', [toColumn(c)]);
}
export function max(c: ColumnOrName): Column {
  return call('max', [toColumn(c)]);
}
/** approx_count_distinct(col[, rsd]): HyperLogLog++ with relative standard deviation rsd (default 0.05), named approx_count_distinct(col) as Spark's. */
export function approxCountDistinct(c: ColumnOrName, rsd?: number): Column {
  if (rsd === undefined) return call('approx_count_distinct', [toColumn(c)]);
  if (typeof rsd !== 'number' || !Number.isFinite(rsd)) throw invalid(`approxCountDistinct rsd must be a number, got ${String(rsd)}`);
  return call('approx_count_distinct', [toColumn(c), new Column({ kind: 'lit', value: String(rsd), type: { kind: 'double' } })]);
}
export const approx_count_distinct = approxCountDistinct;
export function countDistinct(): never {
  throw refused('functions.countDistinct');
}
export function count_distinct(): never {
  throw refused('functions.count_distinct');
}

function call(fn: string, args: Column[]): Column {
  return derived({ kind: 'call', fn, args: args.map((a) => a.expr) }, args);
}

function textLiteral(text: string, what: string): Column {
  if (typeof text !== 'string') throw invalid(`${what} must be a string, got ${String(text)}`);
  return new Column({ kind: 'lit', value: text });
}

function durationText(text: string, what: string): string {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(`${what} must be a duration such as '10 minutes', got ${String(text)}`);
  return text;
}
