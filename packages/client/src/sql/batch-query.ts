/**
 * `tributary sql -e "SELECT … FROM delta.`/path`"`: one SELECT over a Delta table, as a batch.
 * The text goes through the same grammar and translation as spark.sql (a DataFrame's operations
 * over the table's columns); the operations are then evaluated here over the table's rows as the
 * table reader gives them (canonicalRows: exact longs and decimals as text, timestamps in µs).
 *
 * What a batch query can do (anything else is refused by name):
 *   SELECT   columns (a, s.field, *, s.*) with aliases, literals
 *   WHERE    = != <> < <= > >= <=>, AND, OR, NOT, IS [NOT] NULL, IN (…), BETWEEN, between a column and
 *            a literal or another column (numbers exactly; a timestamp column with a timestamp text)
 *   GROUP BY columns, with count(*), count(x), sum, min, max, avg (avg of integers and doubles),
 *            HAVING over them; SELECT DISTINCT
 *   ORDER BY output columns or positions, ASC/DESC, NULLS FIRST/LAST;  LIMIT n
 */
import {
  InvalidArgumentError, canonicalRows, parseSchemaString, readSnapshot, readSnapshotRows, type CanonicalValue, type DataType, type ExprSpec, type LogicalOp,
} from '@tributary/common';
import { processStorage, resolveLocation, type Storage, type StructField } from '@tributary/common';
import { DataFrame } from '../api/dataframe';
import type { ColumnShape } from '../api/frame-columns';
import { columnName } from '../api/column-name';
import { TributarySession } from '../api/session';
import { parseSparkSql, positionOf } from './spark-sql-grammar';
import { SqlError, unsupportedSql } from './sql-error';
import { statementsOf } from './sql-statements';
import { translateQuery, type Organization } from './sql-query';

type Row = Record<string, CanonicalValue>;
type Typed = { value: CanonicalValue; type: DataType | null };

export interface BatchResult {
  table: string;
  version: number;
  fields: { name: string; type: DataType | null }[];
  rows: Row[];
}

const LONG: DataType = { kind: 'primitive', name: 'long' } as DataType;
const DOUBLE: DataType = { kind: 'primitive', name: 'double' } as DataType;

/** Runs one batch SELECT over the Delta table it names (FROM delta.`path`). */
export async function runBatchSql(text: string, storage: Storage = processStorage()): Promise<BatchResult> {
  const program = await parseSparkSql(text);
  const statements = statementsOf(program);
  if (statements.length !== 1 || statements[0].constructor.name !== 'StatementDefaultContext') {
    throw new SqlError('tributary sql -e runs one SELECT … FROM delta.`/path/to/table`', statements[0] === undefined ? { line: 1, column: 1 } : positionOf(statements[0]));
  }
  let table: { path: string; fields: StructField[] } | undefined;
  let rowsPromise: Promise<{ version: number; rows: Row[] }> | undefined;
  const spark = TributarySession.builder().appName('tributary sql').getOrCreate();
  const pending: { path: string }[] = [];
  const resolve = (parts: string[], at: { line: number; column: number }): DataFrame => {
    if (parts.length !== 2 || parts[0].toLowerCase() !== 'delta') {
      throw new SqlError(`a batch query reads a Delta table: FROM delta.\`/path/to/table\`, got ${parts.join('.')}`, at);
    }
    if (table !== undefined) throw unsupportedSql('reading two tables', at);
    pending.push({ path: parts[1] });
    throw new NeedTable(parts[1]);
  };
  // The table's schema is needed to translate the query: read it first, then translate again.
  try {
    translateQuery((statements[0] as any).query(), resolve, true);
  } catch (e) {
    if (!(e instanceof NeedTable)) throw e;
  }
  const target = pending[0];
  if (target === undefined) throw new SqlError('a batch query reads a Delta table: FROM delta.`/path/to/table`', positionOf(statements[0]));
  const location = resolveLocation(target.path);
  const snapshot = await readSnapshot(storage, location);
  table = { path: location, fields: parseSchemaString(snapshot.metadata.schemaString).fields };
  rowsPromise = readSnapshotRows(storage, snapshot).then((t) => ({ version: snapshot.version, rows: canonicalRows(t) }));
  const fields = table.fields;
  const { df, organization } = translateQuery((statements[0] as any).query(), () => DataFrame.overColumns(spark, fields.map(shapeOfField)), true);
  const { version, rows } = await rowsPromise;
  let current = { fields: fields.map((f) => ({ name: f.name, type: f.type as DataType | null })), rows };
  for (const op of df.framePlan().plan) current = applyOp(op, current);
  return { table: target.path, version, ...organize(current, organization) };
}

/** A problem of evaluation (the query's text was read already): no position to give. */
function batchError(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { code: 'UNSUPPORTED' });
}

class NeedTable extends Error {
  constructor(readonly path: string) {
    super(`table ${path}`);
  }
}

function shapeOfField(f: { name: string; type: DataType }): ColumnShape {
  return f.type.kind === 'struct' ? { name: f.name, fields: f.type.fields.map(shapeOfField) } : { name: f.name };
}

interface Frame {
  fields: { name: string; type: DataType | null }[];
  rows: Row[];
}

function applyOp(op: LogicalOp, frame: Frame): Frame {
  switch (op.op) {
    case 'filter':
      return { fields: frame.fields, rows: frame.rows.filter((r) => evaluate(op.condition, r, frame).value === true) };
    case 'select': {
      const outputs: { name: string; type: DataType | null; get: (r: Row) => CanonicalValue }[] = [];
      for (const e of op.exprs) {
        if (e.kind === 'col' && (e.name === '*' || e.name.endsWith('.*'))) {
          const prefix = e.name.slice(0, -1);
          const fields = e.name === '*' ? frame.fields : structFields(frame, prefix.slice(0, -1));
          for (const f of fields) outputs.push({ name: f.name, type: f.type, get: (r) => (e.name === '*' ? r[f.name] ?? null : pathValue(r, frame, `${prefix}${f.name}`).value) });
        } else {
          const type = evaluateType(e, frame);
          outputs.push({ name: columnName(e), type, get: (r) => evaluate(e, r, frame).value });
        }
      }
      return { fields: outputs.map(({ name, type }) => ({ name, type })), rows: frame.rows.map((r) => Object.fromEntries(outputs.map((o) => [o.name, o.get(r)]))) };
    }
    case 'aggregate':
      return aggregate(op.keys, op.aggregates, frame);
    case 'dropDuplicates': {
      const seen = new Set<string>();
      return { fields: frame.fields, rows: frame.rows.filter((r) => { const k = JSON.stringify(frame.fields.map((f) => r[f.name])); if (seen.has(k)) return false; seen.add(k); return true; }) };
    }
    default:
      throw batchError(`${op.op} is not supported in a batch query`);
  }
}

function structFields(frame: Frame, path: string): { name: string; type: DataType | null }[] {
  const t = pathType(frame, path);
  if (t === null || t.kind !== 'struct') throw batchError(`cannot expand ${path}.*`);
  return t.fields.map((f) => ({ name: f.name, type: f.type }));
}

function pathType(frame: Frame, path: string): DataType | null {
  const [head, ...rest] = path.split('.');
  let t = frame.fields.find((f) => f.name.toLowerCase() === head.toLowerCase())?.type ?? null;
  for (const part of rest) t = t !== null && t.kind === 'struct' ? t.fields.find((f) => f.name.toLowerCase() === part.toLowerCase())?.type ?? null : null;
  return t;
}

function pathValue(row: Row, frame: Frame, path: string): Typed {
  const [head, ...rest] = path.split('.');
  const field = frame.fields.find((f) => f.name.toLowerCase() === head.toLowerCase());
  if (field === undefined) throw batchError(`cannot resolve '${head}'; available columns: ${frame.fields.map((f) => f.name).join(', ')}`);
  let value: CanonicalValue = row[field.name] ?? null;
  let type = field.type;
  for (const part of rest) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || type === null || type.kind !== 'struct') return { value: null, type: null };
    const f = type.fields.find((x) => x.name.toLowerCase() === part.toLowerCase());
    if (f === undefined) return { value: null, type: null };
    value = value[f.name] ?? null;
    type = f.type;
  }
  return { value, type };
}

const NOT_BATCH = 'in a batch query (tributary sql -e: columns, literals, comparisons, AND/OR/NOT, IS NULL, IN, BETWEEN; count, sum, min, max, avg)';

function evaluateType(e: ExprSpec, frame: Frame): DataType | null {
  if (e.kind === 'col') return pathType(frame, e.name);
  if (e.kind === 'alias') return evaluateType(e.expr, frame);
  if (e.kind === 'lit') return typeof e.value === 'string' ? ({ kind: 'primitive', name: 'string' } as DataType) : null;
  return { kind: 'primitive', name: 'boolean' } as DataType;
}

function evaluate(e: ExprSpec, row: Row, frame: Frame): Typed {
  switch (e.kind) {
    case 'col': return pathValue(row, frame, e.name);
    case 'alias': return evaluate(e.expr, row, frame);
    case 'lit': return { value: e.value === null ? null : typeof e.value === 'number' ? String(e.value) : e.value, type: null };
    case 'call': return { value: call(e.fn, e.args.map((a) => evaluate(a, row, frame))), type: null };
    default: throw batchError(`${e.kind} is not supported ${NOT_BATCH}`);
  }
}

function call(fn: string, args: Typed[]): CanonicalValue {
  const v = args.map((a) => a.value);
  switch (fn) {
    case 'and': return v[0] === false || v[1] === false ? false : v[0] === null || v[1] === null ? null : true;
    case 'or': return v[0] === true || v[1] === true ? true : v[0] === null || v[1] === null ? null : false;
    case 'not': return v[0] === null ? null : !v[0];
    case 'isnull': return v[0] === null;
    case 'isnotnull': return v[0] !== null;
    case '<=>': return v[0] === null || v[1] === null ? v[0] === v[1] : compare(args[0], args[1]) === 0;
    case '=': case '!=': case '<': case '<=': case '>': case '>=': {
      if (v[0] === null || v[1] === null) return null;
      const c = compare(args[0], args[1]);
      return fn === '=' ? c === 0 : fn === '!=' ? c !== 0 : fn === '<' ? c < 0 : fn === '<=' ? c <= 0 : fn === '>' ? c > 0 : c >= 0;
    }
    case 'between': {
      if (v.some((x) => x === null)) return null;
      return compare(args[0], args[1]) >= 0 && compare(args[0], args[2]) <= 0;
    }
    case 'in': {
      if (v[0] === null) return null;
      if (args.slice(1).some((a) => a.value !== null && compare(args[0], a) === 0)) return true;
      return v.slice(1).some((x) => x === null) ? null : false;
    }
    default: throw batchError(`the function ${fn} is not supported ${NOT_BATCH}`);
  }
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Exact order of two values: numbers as scaled integers, a timestamp column against a timestamp text, else text. */
function compare(a: Typed, b: Typed): number {
  const isText = (t: DataType | null) => t !== null && t.kind === 'primitive' && t.name === 'string';
  if (isText(a.type) || isText(b.type)) {
    const sx = String(a.value);
    const sy = String(b.value);
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  }
  const x = comparable(a, b.type);
  const y = comparable(b, a.type);
  if (typeof x === 'string' && typeof y === 'string' && NUMBER.test(x) && NUMBER.test(y)) return compareDecimals(x, y);
  if (typeof x === 'number' || typeof y === 'number') return Number(x) - Number(y);
  const sx = typeof x === 'string' ? x : JSON.stringify(x);
  const sy = typeof y === 'string' ? y : JSON.stringify(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

function comparable(t: Typed, otherType: DataType | null): CanonicalValue {
  if (t.type === null && otherType !== null && otherType.kind === 'primitive' && otherType.name === 'timestamp' && typeof t.value === 'string' && !NUMBER.test(t.value)) {
    const text = t.value.includes('T') || /[zZ]|[+-]\d\d:\d\d$/.test(t.value) ? t.value : `${t.value.replace(' ', 'T')}Z`;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw batchError(`'${t.value}' is not a timestamp`);
    const micros = /\.(\d{4,6})/.exec(text)?.[1];
    return (BigInt(ms) * 1000n + (micros === undefined ? 0n : BigInt(micros.padEnd(6, '0').slice(3)))).toString();
  }
  if (typeof t.value === 'boolean') return String(t.value);
  return t.value;
}

function compareDecimals(x: string, y: string): number {
  const scale = Math.max(x.split('.')[1]?.length ?? 0, y.split('.')[1]?.length ?? 0);
  const ux = unscaled(x, scale);
  const uy = unscaled(y, scale);
  return ux < uy ? -1 : ux > uy ? 1 : 0;
}

function unscaled(text: string, scale: number): bigint {
  const neg = text.startsWith('-');
  const [i, f = ''] = (neg ? text.slice(1) : text).split('.');
  const v = BigInt(i + f.padEnd(scale, '0'));
  return neg ? -v : v;
}

function aggregate(keys: readonly ExprSpec[], aggregates: readonly ExprSpec[], frame: Frame): Frame {
  const groups = new Map<string, Row[]>();
  for (const r of frame.rows) {
    const k = JSON.stringify(keys.map((e) => evaluate(e, r, frame).value));
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  if (keys.length === 0 && groups.size === 0) groups.set('[]', []);
  const keyFields = keys.map((e) => ({ name: columnName(e), type: evaluateType(e, frame) }));
  const aggFields = aggregates.map((e) => ({ name: columnName(e), type: aggregateType(e, frame) }));
  const rows = [...groups.values()].map((g) => {
    const out: Row = {};
    keys.forEach((e, i) => { out[keyFields[i].name] = evaluate(e, g[0], frame).value; });
    aggregates.forEach((e, i) => { out[aggFields[i].name] = aggregateValue(e, g, frame, aggFields[i].type); });
    return out;
  });
  return { fields: [...keyFields, ...aggFields], rows };
}

function aggregateCall(e: ExprSpec): { fn: string; arg?: ExprSpec } {
  const inner = e.kind === 'alias' ? e.expr : e;
  if (inner.kind !== 'call' || inner.args.some((a) => a.kind === 'call' && ['count', 'sum', 'min', 'max', 'avg'].includes(a.fn))) {
    throw batchError(`${columnName(e)} is not supported ${NOT_BATCH}`);
  }
  return { fn: inner.fn, arg: inner.args[0] };
}

function aggregateType(e: ExprSpec, frame: Frame): DataType | null {
  const { fn, arg } = aggregateCall(e);
  const input = arg === undefined ? null : evaluateType(arg, frame);
  switch (fn) {
    case 'count': return LONG;
    case 'min': case 'max': return input;
    case 'avg':
      if (input !== null && input.kind === 'primitive' && ['integer', 'long', 'short', 'byte', 'double', 'float'].includes(input.name)) return DOUBLE;
      throw batchError(`avg of ${input === null ? 'this expression' : input.kind === 'decimal' ? 'a decimal' : input.kind === 'primitive' ? input.name : input.kind} is not supported in a batch query`);
    case 'sum':
      if (input !== null && input.kind === 'decimal') return { kind: 'decimal', precision: Math.min(38, input.precision + 10), scale: input.scale };
      if (input !== null && input.kind === 'primitive' && ['integer', 'long', 'short', 'byte'].includes(input.name)) return LONG;
      if (input !== null && input.kind === 'primitive' && ['double', 'float'].includes(input.name)) return DOUBLE;
      throw batchError('sum of a non-numeric column is not supported in a batch query');
    default: throw batchError(`the aggregate ${fn} is not supported ${NOT_BATCH}`);
  }
}

function aggregateValue(e: ExprSpec, rows: Row[], frame: Frame, type: DataType | null): CanonicalValue {
  const { fn, arg } = aggregateCall(e);
  if (fn === 'count') return String(arg === undefined ? rows.length : rows.filter((r) => evaluate(arg, r, frame).value !== null).length);
  const values = rows.map((r) => evaluate(arg as ExprSpec, r, frame)).filter((v) => v.value !== null);
  if (values.length === 0) return null;
  if (fn === 'min' || fn === 'max') return values.reduce((m, v) => ((fn === 'min' ? compare(v, m) < 0 : compare(v, m) > 0) ? v : m)).value;
  if (type !== null && type.kind === 'decimal') {
    const total = values.reduce((s, v) => s + unscaled(String(v.value), type.scale), 0n);
    const neg = total < 0n;
    const digits = (neg ? -total : total).toString().padStart(type.scale + 1, '0');
    return `${neg ? '-' : ''}${type.scale === 0 ? digits : `${digits.slice(0, -type.scale)}.${digits.slice(-type.scale)}`}`;
  }
  if (fn === 'sum' && type === LONG) return values.reduce((s, v) => s + BigInt(String(v.value)), 0n).toString();
  const sum = values.reduce((s, v) => s + Number(v.value), 0);
  return fn === 'avg' ? sum / values.length : sum;
}

function organize(frame: Frame, org: Organization): { fields: Frame['fields']; rows: Row[] } {
  let rows = frame.rows;
  if (org.orderBy.length > 0) {
    const keys = org.orderBy.map((o) => {
      const e = o.expr.expr;
      let field: Frame['fields'][number] | undefined;
      if (e.kind === 'lit' && typeof e.value === 'number') field = frame.fields[e.value - 1];
      else if (e.kind === 'col') field = frame.fields.find((f) => f.name.toLowerCase() === e.name.toLowerCase());
      if (field === undefined) throw unsupportedSql(`ORDER BY ${o.expr.toString()} (sort by an output column or its position)`, o.at);
      return { field, o };
    });
    rows = [...rows].sort((a, b) => {
      for (const { field, o } of keys) {
        const x = a[field.name] ?? null;
        const y = b[field.name] ?? null;
        let c: number;
        if (x === null || y === null) c = x === y ? 0 : (x === null) === o.nullsFirst ? -1 : 1;
        else c = (o.descending ? -1 : 1) * compare({ value: x, type: field.type }, { value: y, type: field.type });
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  if (org.limit !== undefined) rows = rows.slice(0, org.limit);
  return { fields: frame.fields, rows };
}
