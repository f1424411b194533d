/**
 * A ColumnBatch (columns/vector.ts) as one Arrow record batch of the table's Arrow schema
 * (arrow-schema.ts over sql-schema.ts), built buffer by buffer with makeData, no per-row builders:
 *
 *   SqlType        Arrow                    buffers
 *   boolean        Bool                     values packed into bits
 *   int            Int32                    the Int32Array as is
 *   date           Date32 (days)            the Int32Array as is
 *   double         Float64                  the Float64Array as is
 *   long           Int64                    exact doubles written as 64-bit words; `wide` rows as bigints
 *   timestamp      Timestamp(µs, "UTC")     as long
 *   decimal(p,s)   Decimal128(p,s)          unscaled value in four little-endian 32-bit words
 *   string/binary  Utf8/Binary              offsets and data as is (rebased when offsets[0] ≠ 0)
 *   struct         Struct                   one child per field
 *   array          List<element>            offsets as is; the element vector's rows below
 *
 * Validity (1 = value) becomes Arrow's LSB-first null bitmap, absent when no row is null. Values
 * are checked where a wrong one would make an illegal file: a decimal must fit its precision, a
 * long its 64 bits, and a column (or array element) declared non-null must hold no null.
 */
import * as arrow from 'apache-arrow';
import { setDecimal128Words, setInt64Words } from '../arrow/int-words';
import type { ArrayVector, BooleanVector, BytesVector, ColumnBatch, ExactVector, StructVector, Vector } from '../columns/vector';
import { InvalidArgumentError } from '../errors';
import type { SqlField } from '../schema/sql-type';
import { toArrowSchema, toArrowType } from './arrow-schema';
import { deltaSchemaOf, deltaTypeOf } from './sql-schema';

/** The Arrow schema Tributary writes for these fields. */
export function arrowSchemaOf(fields: readonly SqlField[]): arrow.Schema {
  return toArrowSchema(deltaSchemaOf(fields));
}

export function columnBatchToArrow(batch: ColumnBatch): arrow.Table {
  const schema = arrowSchemaOf(batch.schema);
  const n = batch.count;
  if (batch.columns.length !== batch.schema.length) {
    throw new InvalidArgumentError(`batch has ${batch.columns.length} columns for ${batch.schema.length} fields`);
  }
  const children = batch.columns.map((v, i) => vectorData(v, n, batch.schema[i].name, !batch.schema[i].nullable));
  const rows = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, rows)]);
}

/** Rows 0..n−1 of a vector as Arrow data; `required` when the field (or element) is declared non-null. */
function vectorData(v: Vector, n: number, where: string, required: boolean): arrow.Data {
  const { nullCount, nullBitmap } = bitmapOf(v.validity, n);
  if (required && nullCount > 0) {
    throw new InvalidArgumentError(`column '${where}' is declared non-null but holds ${nullCount} null(s)`, { code: 'NULL_IN_NON_NULLABLE' });
  }
  const type = toArrowType(deltaTypeOf(v.type));
  switch (v.type.kind) {
    case 'boolean':
      return arrow.makeData({ type: type as arrow.Bool, length: n, nullCount, nullBitmap, data: packBits((v as BooleanVector).values, n) });
    case 'int':
    case 'date':
      return arrow.makeData({ type: type as arrow.Int32, length: n, nullCount, nullBitmap, data: (v as { values: Int32Array }).values.subarray(0, n) });
    case 'double':
      return arrow.makeData({ type: type as arrow.Float64, length: n, nullCount, nullBitmap, data: (v as { values: Float64Array }).values.subarray(0, n) });
    case 'long':
    case 'timestamp':
      return arrow.makeData({ type: type as arrow.Int64, length: n, nullCount, nullBitmap, data: int64Values(v as ExactVector, n, where) });
    case 'decimal':
      return arrow.makeData({ type: type as arrow.Decimal, length: n, nullCount, nullBitmap, data: decimalWords(v as ExactVector, n, where) });
    case 'string':
    case 'binary': {
      const b = v as BytesVector;
      const start = b.offsets[0];
      const valueOffsets = start === 0 ? b.offsets.subarray(0, n + 1) : b.offsets.slice(0, n + 1).map((o) => o - start);
      const data = b.data.subarray(start, b.offsets[n]);
      return arrow.makeData({ type: type as arrow.Utf8, length: n, nullCount, nullBitmap, valueOffsets, data });
    }
    case 'struct': {
      const s = v as StructVector;
      const fields = v.type.fields;
      const children = s.children.map((c, i) => {
        const child = vectorData(c, n, `${where}.${fields[i].name}`, false);
        if (!fields[i].nullable) requireNoNullUnderValidParent(child, v.validity, n, `${where}.${fields[i].name}`);
        return child;
      });
      return arrow.makeData({ type: type as arrow.Struct, length: n, nullCount, nullBitmap, children });
    }
    case 'array': {
      const a = v as ArrayVector;
      const start = a.offsets[0];
      const end = a.offsets[n];
      let child = vectorData(a.element, end, `${where}[]`, !v.type.containsNull);
      let valueOffsets = a.offsets.subarray(0, n + 1);
      if (start !== 0) {
        child = child.slice(start, end - start);
        valueOffsets = valueOffsets.map((o) => o - start);
      }
      return arrow.makeData({ type: type as arrow.List, length: n, nullCount, nullBitmap, valueOffsets, child });
    }
  }
}

/** Arrow's null bitmap (bit i set when row i has a value), absent when no row is null. */
function bitmapOf(validity: Uint8Array | null, n: number): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  if (validity === null) return { nullCount: 0, nullBitmap: undefined };
  let valid = 0;
  for (let i = 0; i < n; i++) valid += validity[i];
  if (valid === n) return { nullCount: 0, nullBitmap: undefined };
  return { nullCount: n - valid, nullBitmap: packBits(validity, n) };
}

function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) bits[i >> 3] |= bytes[i] << (i & 7);
  return bits;
}

/** A non-null struct field may only be null where its struct is. */
function requireNoNullUnderValidParent(child: arrow.Data, parent: Uint8Array | null, n: number, where: string): void {
  if (child.nullCount === 0) return;
  const bits = child.nullBitmap!;
  for (let i = 0; i < n; i++) {
    if ((bits[i >> 3] & (1 << (i & 7))) === 0 && (parent === null || parent[i] === 1)) {
      throw new InvalidArgumentError(`column '${where}' is declared non-null but row ${i} is null`, { code: 'NULL_IN_NON_NULLABLE' });
    }
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function int64Values(v: ExactVector, n: number, where: string): BigInt64Array {
  const out = new BigInt64Array(n);
  const words = new Uint32Array(out.buffer);
  const values = v.values;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x === x) setInt64Words(words, i, x);
    else requireWide(v, i, where);
  }
  if (v.wide !== null) {
    for (const [i, w] of v.wide) {
      if (i >= n) continue;
      if (w > INT64_MAX || w < INT64_MIN) throw new InvalidArgumentError(`column '${where}' row ${i}: ${w} does not fit a 64-bit ${v.type.kind}`, { code: 'LONG_OVERFLOW' });
      out[i] = w;
    }
  }
  return out;
}

function decimalWords(v: ExactVector, n: number, where: string): Uint32Array {
  if (v.type.kind !== 'decimal') throw new InvalidArgumentError(`column '${where}' is not a decimal`);
  const { precision, scale } = v.type;
  const out = new Uint32Array(4 * n);
  const values = v.values;
  // Doubles hold exact integers below 2^53 < 10^16, so only p ≤ 15 can overflow here.
  const limit = precision <= 15 ? 10 ** precision : Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x !== x) {
      requireWide(v, i, where);
      continue;
    }
    if (x >= limit || x <= -limit) throw overflow(where, i, String(x), precision, scale);
    setDecimal128Words(out, i, x);
  }
  if (v.wide !== null) {
    const bound = 10n ** BigInt(precision);
    for (const [i, w] of v.wide) {
      if (i >= n) continue;
      if (w >= bound || w <= -bound) throw overflow(where, i, w.toString(), precision, scale);
      const u = BigInt.asUintN(128, w);
      for (let k = 0; k < 4; k++) out[4 * i + k] = Number((u >> BigInt(32 * k)) & 0xffffffffn);
    }
  }
  return out;
}

/** A NaN slot of a valid row must have its exact value in `wide` (columns/vector.ts). */
function requireWide(v: ExactVector, i: number, where: string): void {
  if ((v.validity === null || v.validity[i] === 1) && v.wide?.has(i) !== true) {
    throw new InvalidArgumentError(`column '${where}' row ${i} is NaN without a wide value`);
  }
}

function overflow(where: string, row: number, unscaled: string, precision: number, scale: number): InvalidArgumentError {
  return new InvalidArgumentError(`column '${where}' row ${row}: unscaled ${unscaled} does not fit decimal(${precision},${scale})`, { code: 'DECIMAL_OVERFLOW' });
}
