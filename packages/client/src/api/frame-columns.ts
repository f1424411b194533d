/**
 * The column names a DataFrame has after each operation, as far as the client can know them without
 * types: top-level names, and the fields of structs whose fields are known (a from_json schema, a
 * window's start and end, a cast to a struct). They give `df.columns`, expand 'data.*', and let
 * a call that names a missing column fail where it is written, as Spark's analysis does. Matching
 * is case-insensitive (spark.sql.caseSensitive=false). Types are checked by the driver.
 */
import { KAFKA_COLUMNS, type ExprSpec, type SqlType } from '@tributary/common';
import { columnName } from './column-name';
import { invalid } from './unsupported';

export interface ColumnShape {
  readonly name: string;
  /** Fields of a struct column when known; undefined for other columns. */
  readonly fields?: readonly ColumnShape[];
}

/** Spark's Kafka source columns; `value` and `key` are binary, `headers` an array. */
export const KAFKA_SOURCE_COLUMNS: readonly ColumnShape[] = KAFKA_COLUMNS.map((name) => ({ name }));

const WINDOW_FIELDS: readonly ColumnShape[] = [{ name: 'start' }, { name: 'end' }];

export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The columns of a select: '*' and 'x.*' expand, every other expression gives one column. */
export function selectColumns(input: readonly ColumnShape[], exprs: readonly ExprSpec[]): ColumnShape[] {
  const out: ColumnShape[] = [];
  for (const e of exprs) {
    if (e.kind === 'col' && e.name === '*') out.push(...input);
    else if (e.kind === 'col' && e.name.endsWith('.*')) out.push(...starFields(input, e.name.slice(0, -2)));
    else {
      checkReferences(input, e);
      out.push(shapeOf(input, e));
    }
  }
  return out;
}

/** withColumn: replaces a column of that name in place, else appends. */
export function withColumn(input: readonly ColumnShape[], name: string, e: ExprSpec): ColumnShape[] {
  checkReferences(input, e);
  const shape = { ...shapeOf(input, e), name };
  const at = input.findIndex((c) => sameName(c.name, name));
  return at < 0 ? [...input, shape] : input.map((c, i) => (i === at ? shape : c));
}

/** withColumnRenamed: a no-op when no column has that name, as in Spark. */
export function renameColumn(input: readonly ColumnShape[], from: string, to: string): ColumnShape[] {
  return input.map((c) => (sameName(c.name, from) ? { ...c, name: to } : c));
}

/** drop: names that match no column are ignored, as in Spark. */
export function dropColumns(input: readonly ColumnShape[], names: readonly string[]): ColumnShape[] {
  return input.filter((c) => !names.some((n) => sameName(n, c.name)));
}

/** The columns of groupBy(keys).agg(aggregates): the keys, then the aggregates. */
export function aggregateColumns(input: readonly ColumnShape[], keys: readonly ExprSpec[], aggregates: readonly ExprSpec[]): ColumnShape[] {
  for (const e of [...keys, ...aggregates]) checkReferences(input, e);
  return [...keys, ...aggregates].map((e) => shapeOf(input, e));
}

/** Throws naming the first column reference in `e` that `input` cannot resolve. */
export function checkReferences(input: readonly ColumnShape[], e: ExprSpec): void {
  switch (e.kind) {
    case 'col':
      if (e.name === '*' || e.name.endsWith('.*')) throw invalid(`'${e.name}' can only be used in select`);
      resolvePath(input, e.name);
      return;
    case 'lit': return;
    case 'call': for (const a of e.args) checkReferences(input, a); return;
    case 'case':
      for (const b of e.branches) {
        checkReferences(input, b.when);
        checkReferences(input, b.then);
      }
      if (e.otherwise !== undefined) checkReferences(input, e.otherwise);
      return;
    case 'window': checkReferences(input, e.column); return;
    default: checkReferences(input, e.expr);
  }
}

/** The shape of a column reference 'a' or 'a.b.c'; throws naming what is missing. */
export function resolvePath(input: readonly ColumnShape[], path: string): ColumnShape {
  const parts = path.split('.');
  let shape = input.find((c) => sameName(c.name, parts[0]));
  if (shape === undefined) throw invalid(`cannot resolve '${parts[0]}'; available columns: ${input.map((c) => c.name).join(', ')}`);
  for (const part of parts.slice(1)) {
    if (shape.fields === undefined) return { name: part };
    const field: ColumnShape | undefined = shape.fields.find((f) => sameName(f.name, part));
    if (field === undefined) throw invalid(`no field '${part}' in '${shape.name}'; fields: ${shape.fields.map((f) => f.name).join(', ')}`);
    shape = field;
  }
  return shape;
}

function starFields(input: readonly ColumnShape[], path: string): readonly ColumnShape[] {
  const shape = resolvePath(input, path);
  if (shape.fields === undefined) throw invalid(`cannot expand '${path}.*': '${path}' is not a struct with known fields`);
  return shape.fields;
}

function shapeOf(input: readonly ColumnShape[], e: ExprSpec): ColumnShape {
  const name = columnName(e);
  const fields = fieldsOf(input, e);
  return fields === undefined ? { name } : { name, fields };
}

function fieldsOf(input: readonly ColumnShape[], e: ExprSpec): readonly ColumnShape[] | undefined {
  switch (e.kind) {
    case 'col': return resolvePath(input, e.name).fields;
    case 'alias': return fieldsOf(input, e.expr);
    case 'window': return WINDOW_FIELDS;
    case 'fromJson': return typeFields({ kind: 'struct', fields: e.schema });
    case 'cast': return typeFields(e.to);
    case 'call': return e.fn === 'session_window' ? WINDOW_FIELDS : undefined;
    default: return undefined;
  }
}

function typeFields(t: SqlType): readonly ColumnShape[] | undefined {
  if (t.kind !== 'struct') return undefined;
  return t.fields.map((f) => {
    const fields = typeFields(f.type);
    return fields === undefined ? { name: f.name } : { name: f.name, fields };
  });
}
