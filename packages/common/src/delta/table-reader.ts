/**
 * Reads the rows of a snapshot as Arrow, in the table schema's order and Arrow types
 * (arrow-schema.ts), whatever engine wrote the files:
 *
 * - Partition columns are not in the data files: each file's `partitionValues` are parsed (PROTOCOL.md,
 *   "Partition Value Serialization") and materialised as constant columns.
 * - A column missing from a file (added to the schema later) reads as nulls.
 * - File types are conformed to the table type: timestamps of any unit (Spark's INT96 arrives as
 *   nanoseconds) become µs, floored; decimals of any physical encoding (INT32, INT64,
 *   FIXED_LEN_BYTE_ARRAY) arrive as Decimal128 and keep their unscaled value when the scale matches;
 *   structs, lists and maps are conformed field by field. Any other mismatch is an error naming the
 *   file and column, never a silent conversion.
 *
 * For checks, tests, the CLI and OPTIMIZE: it holds the rows it reads in memory.
 */
import * as arrow from 'apache-arrow';
import { InvalidArgumentError } from '../errors';
import { readParquet } from '../parquet';
import { AddFile } from './actions';
import { toArrowSchema, toArrowType } from './arrow-schema';
import { DataType, StructField, StructType } from './schema';
import { Snapshot, SnapshotOptions, readSnapshot, snapshotSchema } from './snapshot';
import type { Storage } from '../storage/storage';

export async function readTableRows(storage: Storage, tablePath: string, opts: SnapshotOptions = {}): Promise<arrow.Table> {
  return readSnapshotRows(storage, await readSnapshot(storage, tablePath, opts));
}

export async function readSnapshotRows(storage: Storage, snapshot: Snapshot): Promise<arrow.Table> {
  const deltaSchema = snapshotSchema(snapshot);
  const entries = [...snapshot.files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const batches: arrow.RecordBatch[] = [];
  for (const [file, add] of entries) batches.push(...(await readDataFile(storage, file, add, deltaSchema, snapshot.metadata.partitionColumns)));
  return new arrow.Table(toArrowSchema(deltaSchema), batches);
}

/** One data file's rows in the table schema (partition columns materialised from `add`). */
export async function readDataFile(storage: Storage, file: string, add: AddFile, deltaSchema: StructType, partitionColumns: readonly string[]): Promise<arrow.RecordBatch[]> {
  const schema = toArrowSchema(deltaSchema);
  const bytes = await storage.get(file);
  if (bytes === undefined) throw invalid(`${file}: the data file does not exist`);
  const table = readParquet(bytes);
  const out: arrow.RecordBatch[] = [];
  const partitions = new Set(partitionColumns);
  const batches = table.batches.length > 0 ? table.batches : [];
  // A file with no row groups still counts (zero rows).
  for (const batch of batches) {
    const n = batch.numRows;
    const children = deltaSchema.fields.map((field, i) => {
      const target = schema.fields[i].type;
      if (partitions.has(field.name)) return partitionColumn(field, add.partitionValues[field.name] ?? null, n, file);
      const idx = findColumn(batch.schema, field.name);
      if (idx < 0) return nullData(target, n);
      return conform(batch.data.children[idx], target, `${file} column '${field.name}'`);
    });
    const rows = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    out.push(new arrow.RecordBatch(schema, rows));
  }
  return out;
}

function findColumn(schema: arrow.Schema, name: string): number {
  const exact = schema.fields.findIndex((f) => f.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return schema.fields.findIndex((f) => f.name.toLowerCase() === lower);
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { code: 'DELTA_DATA_FILE_INVALID' });
}

/** `data` (as read from Parquet) relabelled or converted to `target`. */
export function conform(data: arrow.Data, target: arrow.DataType, where: string): arrow.Data {
  const source = data.type;
  // Empty or all-null columns may come without child data (e.g. a list column of a file with no rows).
  if (data.length === 0 || (data.nullCount === data.length && data.children.length < target.children?.length)) return nullData(target, data.length);
  if (arrow.DataType.isTimestamp(target) && arrow.DataType.isTimestamp(source)) {
    if (source.unit === target.unit) return data.clone(target);
    return rescaleTimestamps(data, target, where);
  }
  if (arrow.DataType.isDecimal(target) && arrow.DataType.isDecimal(source)) {
    if (source.scale !== target.scale || source.bitWidth !== 128) {
      throw invalid(`${where}: decimal(${source.precision},${source.scale}) in the file, decimal(${target.precision},${target.scale}) in the table`);
    }
    return data.clone(target);
  }
  if (arrow.DataType.isStruct(target) && arrow.DataType.isStruct(source)) {
    const children = target.children.map((f) => {
      const i = source.children.findIndex((c) => c.name === f.name);
      return i < 0 ? nullData(f.type, data.length) : conform(data.children[i], f.type, `${where}.${f.name}`);
    });
    return data.clone(target, data.offset, data.length, data.nullCount, data.buffers, children);
  }
  if (arrow.DataType.isList(target) && arrow.DataType.isList(source)) {
    const child = conform(data.children[0], target.children[0].type, `${where}[]`);
    return data.clone(target, data.offset, data.length, data.nullCount, data.buffers, [child]);
  }
  if (arrow.DataType.isMap(target) && arrow.DataType.isMap(source)) {
    const entries = conform(data.children[0], target.children[0].type, `${where}{}`);
    return data.clone(target, data.offset, data.length, data.nullCount, data.buffers, [entries]);
  }
  if (arrow.DataType.isDictionary(source)) {
    const values = [...new arrow.Vector([data])];
    return arrow.vectorFromArray(values, target).data[0];
  }
  if (sameLeafType(source, target)) return data.clone(target);
  throw invalid(`${where}: the file holds ${String(source)}, the table schema says ${String(target)}`);
}

function sameLeafType(a: arrow.DataType, b: arrow.DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (arrow.DataType.isInt(a) && arrow.DataType.isInt(b)) return a.bitWidth === b.bitWidth && a.isSigned === b.isSigned;
  if (arrow.DataType.isFloat(a) && arrow.DataType.isFloat(b)) return a.precision === b.precision;
  if (arrow.DataType.isDate(a) && arrow.DataType.isDate(b)) return a.unit === b.unit;
  return true;
}

const UNIT_PER_SECOND = [1n, 1000n, 1_000_000n, 1_000_000_000n]; // SECOND, MILLISECOND, MICROSECOND, NANOSECOND

function rescaleTimestamps(data: arrow.Data, target: arrow.Timestamp, where: string): arrow.Data {
  const from = UNIT_PER_SECOND[(data.type as arrow.Timestamp).unit];
  const to = UNIT_PER_SECOND[target.unit];
  const src = data.values as BigInt64Array;
  if (!(src instanceof BigInt64Array)) throw invalid(`${where}: timestamp values are not 64-bit`);
  const n = data.length;
  const out = new BigInt64Array(n);
  const valid = data.nullBitmap;
  for (let i = 0; i < n; i++) {
    const v = src[i]; // arrow-js slices value buffers; only bitmaps keep `offset`
    if (to >= from) out[i] = v * (to / from);
    else {
      const d = from / to;
      const q = v / d;
      out[i] = v < 0n && q * d !== v ? q - 1n : q; // floor, as Spark truncates INT96 nanoseconds to µs
    }
  }
  const nullBitmap = valid && data.nullCount > 0 ? copyBits(valid, data.offset, n) : undefined;
  return arrow.makeData({ type: target, length: n, nullCount: data.nullCount, data: out, nullBitmap });
}

function copyBits(bits: Uint8Array, offset: number, n: number): Uint8Array {
  if (offset === 0) return bits.subarray(0, (n + 7) >> 3);
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (bits[(offset + i) >> 3] & (1 << ((offset + i) & 7))) out[i >> 3] |= 1 << (i & 7);
  return out;
}

/** A column of `n` nulls of any type. */
export function nullData(type: arrow.DataType, n: number): arrow.Data {
  return arrow.vectorFromArray(new Array(n).fill(null), type).data[0];
}

/** A constant column holding a partition value parsed per the protocol's serialisation. */
function partitionColumn(field: StructField, text: string | null, n: number, file: string): arrow.Data {
  const type = toArrowType(field.type);
  const value = parsePartitionValue(field.type, text, `${file} partition '${field.name}'`);
  if (value === null) return nullData(type, n);
  const t = field.type;
  if (t.kind === 'decimal') {
    const words = new Uint32Array(4 * n);
    const u = BigInt.asUintN(128, value as bigint);
    for (let w = 0; w < 4; w++) {
      const word = Number((u >> BigInt(32 * w)) & 0xffffffffn);
      for (let i = 0; i < n; i++) words[4 * i + w] = word;
    }
    return arrow.makeData({ type: type as arrow.Decimal, length: n, nullCount: 0, data: words });
  }
  if (t.kind === 'primitive') {
    switch (t.name) {
      case 'long':
      case 'timestamp':
      case 'timestamp_ntz':
        return arrow.makeData({ type: type as arrow.Int64, length: n, nullCount: 0, data: new BigInt64Array(n).fill(value as bigint) });
      case 'integer':
      case 'date':
        return arrow.makeData({ type: type as arrow.Int32, length: n, nullCount: 0, data: new Int32Array(n).fill(value as number) });
      case 'short':
        return arrow.makeData({ type: type as arrow.Int16, length: n, nullCount: 0, data: new Int16Array(n).fill(value as number) });
      case 'byte':
        return arrow.makeData({ type: type as arrow.Int8, length: n, nullCount: 0, data: new Int8Array(n).fill(value as number) });
      case 'float':
        return arrow.makeData({ type: type as arrow.Float32, length: n, nullCount: 0, data: new Float32Array(n).fill(value as number) });
      case 'double':
        return arrow.makeData({ type: type as arrow.Float64, length: n, nullCount: 0, data: new Float64Array(n).fill(value as number) });
      default:
        return arrow.vectorFromArray(new Array(n).fill(value), type).data[0];
    }
  }
  throw invalid(`${file}: partition column '${field.name}' has non-primitive type`);
}

const TS_RE = /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_RE = /^(-?\d{4,})-(\d{2})-(\d{2})$/;

/**
 * A partition value's typed value: bigint for long, timestamps (µs) and decimals (unscaled),
 * number for other numerics and dates (days), boolean, string, Uint8Array for binary; null for null.
 * Timestamps without an offset are read as UTC.
 */
export function parsePartitionValue(type: DataType, text: string | null, where: string): unknown {
  if (text === null) return null;
  const bad = (): never => {
    throw invalid(`${where}: cannot parse '${text}' as ${type.kind === 'primitive' ? type.name : type.kind}`);
  };
  if (type.kind === 'decimal') {
    if (text === '') return null;
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return bad();
    const frac = (m[3] ?? '').padEnd(type.scale, '0');
    if (frac.length > type.scale && /[1-9]/.test(frac.slice(type.scale))) return bad();
    const unscaled = BigInt((m[2] || '0') + frac.slice(0, type.scale));
    return m[1] === '-' ? -unscaled : unscaled;
  }
  if (type.kind !== 'primitive') return bad();
  if (text === '' && type.name !== 'string' && type.name !== 'binary') return null;
  switch (type.name) {
    case 'string':
      return text;
    case 'binary':
      return Uint8Array.from([...text].map((c) => c.charCodeAt(0) & 0xff));
    case 'boolean':
      if (text.toLowerCase() === 'true') return true;
      if (text.toLowerCase() === 'false') return false;
      return bad();
    case 'long': {
      if (!/^[+-]?\d+$/.test(text)) return bad();
      return BigInt(text);
    }
    case 'integer':
    case 'short':
    case 'byte': {
      if (!/^[+-]?\d+$/.test(text)) return bad();
      return Number(text);
    }
    case 'float':
    case 'double': {
      const v = Number(text);
      if (Number.isNaN(v) && text !== 'NaN') return bad();
      return v;
    }
    case 'date': {
      const m = DATE_RE.exec(text);
      if (!m) return bad();
      return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const m = TS_RE.exec(text);
      if (!m) return bad();
      const ms = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) * 86_400_000 + ((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6])) * 1000;
      let micros = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
      const zone = m[8];
      if (zone && zone !== 'Z') {
        const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
        const offsetMicros = BigInt((Number(z[2]) * 60 + Number(z[3])) * 60_000_000);
        micros += z[1] === '+' ? -offsetMicros : offsetMicros;
      }
      return micros;
    }
  }
  return bad();
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date, for any year (Date.UTC would read years
 * 0–99 as 1900–1999).
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
