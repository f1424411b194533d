import { Column, toColumn, sqlText, unalias } from './column';
import type { StructType } from './types';
import { unsupported } from './unsupported';

/** pyspark.sql.functions, the part the reference job uses. */
export function col(name: string): Column {
  return new Column({ kind: 'col', name });
}

/** Tumbling window of `windowDuration` over a timestamp column; startTime offsets are not supported yet. */
export function window(timeColumn: Column | string, windowDuration: string, slideDuration?: string, startTime?: string): Column {
  if (startTime !== undefined) throw unsupported(`window startTime ('${startTime}')`, 'windows are aligned to the epoch');
  const child = toColumn(timeColumn).expr;
  return new Column(slideDuration === undefined ? { kind: 'window', child, duration: windowDuration } : { kind: 'window', child, duration: windowDuration, slide: slideDuration });
}

/** count('*') (also count(lit(1)) in Spark): the number of rows of the group. */
export function count(column: Column | string): Column {
  const e = unalias(toColumn(column).expr);
  if (e.kind === 'col' && e.name === '*') return new Column({ kind: 'count', star: true });
  throw unsupported(`count(${sqlText(e)})`, "use count('*')");
}

export function sum(column: Column | string): Column {
  const e = toColumn(column).expr;
  if (e.kind !== 'col') throw unsupported(`sum(${sqlText(e)}) over an expression`, 'sum a column of the parsed schema');
  return new Column({ kind: 'sum', child: e });
}

const FROM_JSON_OPTIONS = new Set(['timeZone']);

/** from_json(col('value').cast('string'), schema[, { timeZone }]). */
export function fromJson(column: Column | string, schema: StructType, options: Record<string, string> = {}): Column {
  for (const key of Object.keys(options)) {
    if (!FROM_JSON_OPTIONS.has(key)) throw unsupported(`fromJson option '${key}'`, 'only timeZone is understood');
  }
  return new Column({ kind: 'fromJson', child: toColumn(column).expr, schema, options: { ...options } });
}

/** to_date(col('window.start')): the date of a timestamp in the query's time zone (a withColumn for partitionBy). */
export function to_date(column: Column | string): Column {
  return new Column({ kind: 'datetime', fn: 'to_date', child: toColumn(column).expr });
}

/** date_format(col('window.start'), 'yyyy-MM-dd-HH'): pattern tokens yyyy MM dd HH mm ss. */
export function date_format(column: Column | string, format: string): Column {
  return new Column({ kind: 'datetime', fn: 'date_format', child: toColumn(column).expr, format });
}

/** hour(col('window.start')): 0..23 in the query's time zone. */
export function hour(column: Column | string): Column {
  return new Column({ kind: 'datetime', fn: 'hour', child: toColumn(column).expr });
}
