/**
 * Scalar column vectors (columns/vector.ts) ⇄ Arrow Data, for the group-by codecs. One Arrow type
 * per SqlType:
 *
 *   boolean → Bool            int → Int32            date → Date(DAY)
 *   long → Int64              timestamp → Timestamp(MICROSECOND, "UTC")
 *   decimal(p,s) → Decimal128(p,s)                    double → Float64
 *   string → Utf8             binary → Binary
 *
 * Exact integers go through 32-bit words (no BigInt per value) unless they are wide (|v| ≥ 2^53);
 * decoding puts values of magnitude ≥ 2^53 back into the vector's `wide` map. Validity bytes
 * become Arrow bitmaps and back.
 */
import * as arrow from 'apache-arrow';
import { BytesVector, EXACT_LIMIT, ExactVector, SqlType, Vector, exactBigInt, setDecimal128Words } from '@tributary/common';
/** 2^53, held in a module constant: the package's export is a getter, costly in row loops. */
const EXACT = EXACT_LIMIT;
import { CorruptAggregateDataError } from '../errors';

const TWO_32 = 4294967296;

export function arrowType(t: SqlType): arrow.DataType {
  switch (t.kind) {
    case 'boolean': return new arrow.Bool();
    case 'int': return new arrow.Int32();
    case 'date': return new arrow.DateDay();
    case 'long': return new arrow.Int64();
    case 'timestamp': return new arrow.TimestampMicrosecond('UTC');
    case 'decimal': return new arrow.Decimal(t.scale, t.precision, 128);
    case 'double': return new arrow.Float64();
    case 'string': return new arrow.Utf8();
    case 'binary': return new arrow.Binary();
    default: throw new RangeError(`${t.kind} has no scalar Arrow column`);
  }
}

/** The SqlType an Arrow type stands for (the inverse of arrowType), or null. */
export function sqlTypeOf(t: arrow.DataType): SqlType | null {
  if (arrow.DataType.isBool(t)) return { kind: 'boolean' };
  if (arrow.DataType.isInt(t)) {
    if (t.bitWidth === 32 && t.isSigned) return { kind: 'int' };
    if (t.bitWidth === 64 && t.isSigned) return { kind: 'long' };
    return null;
  }
  if (arrow.DataType.isDate(t)) return t.unit === arrow.DateUnit.DAY ? { kind: 'date' } : null;
  if (arrow.DataType.isTimestamp(t)) return t.unit === arrow.TimeUnit.MICROSECOND && t.timezone === 'UTC' ? { kind: 'timestamp' } : null;
  if (arrow.DataType.isDecimal(t)) return t.bitWidth === 128 ? { kind: 'decimal', precision: t.precision, scale: t.scale } : null;
  if (arrow.DataType.isFloat(t)) return t.precision === arrow.Precision.DOUBLE ? { kind: 'double' } : null;
  if (arrow.DataType.isUtf8(t)) return { kind: 'string' };
  if (arrow.DataType.isBinary(t)) return { kind: 'binary' };
  return null;
}

export function toArrowData(v: Vector, n: number): arrow.Data {
  const type = arrowType(v.type);
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (v.validity !== null) {
    nullBitmap = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      if (v.validity[i] === 1) nullBitmap[i >> 3] |= 1 << (i & 7);
      else nullCount++;
    }
    if (nullCount === 0) nullBitmap = undefined;
  }
  const base = { type, length: n, nullCount, nullBitmap } as const;
  switch (v.type.kind) {
    case 'boolean': {
      const values = (v as { values: Uint8Array }).values;
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (values[i] !== 0) bits[i >> 3] |= 1 << (i & 7);
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: bits });
    }
    case 'int':
    case 'date':
      return arrow.makeData({ ...base, type: type as arrow.Int32, data: (v as { values: Int32Array }).values.subarray(0, n) });
    case 'double':
      return arrow.makeData({ ...base, type: type as arrow.Float64, data: (v as { values: Float64Array }).values.subarray(0, n) });
    case 'long':
    case 'timestamp':
      return arrow.makeData({ ...base, type: type as arrow.Int64, data: new BigInt64Array(int64Words(v as ExactVector, n).buffer) });
    case 'decimal':
      return arrow.makeData({ ...base, type: type as arrow.Decimal, data: decimal128Words(v as ExactVector, n) });
    case 'string':
    case 'binary': {
      const bv = v as BytesVector;
      let offsets = bv.offsets.subarray(0, n + 1);
      const first = offsets[0];
      const data = bv.data.subarray(first, offsets[n]);
      if (first !== 0) {
        offsets = new Int32Array(n + 1);
        for (let i = 0; i <= n; i++) offsets[i] = bv.offsets[i] - first;
      }
      return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: offsets, data });
    }
    default:
      throw new RangeError(`${v.type.kind} is not a scalar column`);
  }
}

/** One Arrow Data of `t` (as arrowType(t) gives it) back into a vector. */
export function fromArrowData(d: arrow.Data, t: SqlType, name: string): Vector {
  const n = d.length;
  let validity: Uint8Array | null = null;
  if (d.nullCount > 0) {
    const bitmap = d.nullBitmap as Uint8Array;
    validity = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const bit = d.offset + i;
      validity[i] = (bitmap[bit >> 3] >> (bit & 7)) & 1;
    }
  }
  switch (t.kind) {
    case 'boolean': {
      const bits = d.values as Uint8Array;
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const bit = d.offset + i;
        values[i] = (bits[bit >> 3] >> (bit & 7)) & 1;
      }
      return { type: t, validity, values };
    }
    case 'int':
    case 'date':
      return { type: t, validity, values: (d.values as Int32Array).slice(d.offset, d.offset + n) };
    case 'double':
      return { type: t, validity, values: (d.values as Float64Array).slice(d.offset, d.offset + n) };
    case 'long':
    case 'timestamp':
    case 'decimal': {
      const per = t.kind === 'decimal' ? 4 : 2;
      const raw = d.values as ArrayBufferView;
      const words = new Int32Array(raw.buffer, raw.byteOffset + d.offset * per * 4, n * per);
      const values = new Float64Array(n);
      let wide: Map<number, bigint> | null = null;
      for (let i = 0; i < n; i++) {
        if (validity !== null && validity[i] === 0) continue;
        const lo = words[per * i] >>> 0;
        const hi = words[per * i + 1];
        const narrow = per === 2 || words[per * i + 2] === hi >> 31 && words[per * i + 3] === hi >> 31;
        const x = hi * TWO_32 + lo;
        if (narrow && x < EXACT && x > -EXACT) values[i] = x;
        else {
          values[i] = NaN;
          (wide ??= new Map()).set(i, readWords(words, i, per));
        }
      }
      return { type: t, validity, values, wide };
    }
    case 'string':
    case 'binary': {
      const offsets = (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + n + 1);
      const first = n === 0 ? 0 : offsets[0];
      const data = (d.values as Uint8Array).slice(first, n === 0 ? first : offsets[n]);
      const rebased = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) rebased[i] = n === 0 ? 0 : offsets[i] - first;
      return { type: t, validity, offsets: rebased, data };
    }
    default:
      throw new CorruptAggregateDataError(`column ${name} has type ${t.kind}, not a scalar`);
  }
}

/** Arrow's int64 words of an exact vector's first n values (a window start repeats: its words are reused). */
function int64Words(ev: ExactVector, n: number): Uint32Array {
  const words = new Uint32Array(2 * n);
  const values = ev.values;
  const validity = ev.validity;
  let last = NaN;
  let low = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x !== last) {
      if (x !== x) {
        if (validity === null || validity[i] === 1) setWords(words, i, 2, exactBigInt(ev, i));
        continue;
      }
      last = x;
      high = Math.floor(x / TWO_32);
      low = x - high * TWO_32;
    }
    words[2 * i] = low;
    words[2 * i + 1] = high; // stored modulo 2^32: -1 → 0xffffffff
  }
  return words;
}

/** Arrow's Decimal128 words (the unscaled value, little-endian two's complement) of an exact vector's first n values. */
function decimal128Words(ev: ExactVector, n: number): Uint32Array {
  const words = new Uint32Array(4 * n);
  const values = ev.values;
  const validity = ev.validity;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x === x) setDecimal128Words(words, i, x);
    else if (validity === null || validity[i] === 1) setWords(words, i, 4, exactBigInt(ev, i));
  }
  return words;
}

function setWords(words: Uint32Array, i: number, per: number, v: bigint): void {
  const u = BigInt.asUintN(32 * per, v);
  for (let w = 0; w < per; w++) words[per * i + w] = Number((u >> BigInt(32 * w)) & 0xffffffffn);
}

function readWords(words: Int32Array, i: number, per: number): bigint {
  let u = 0n;
  for (let w = per - 1; w >= 0; w--) u = (u << 32n) | BigInt(words[per * i + w] >>> 0);
  return BigInt.asIntN(32 * per, u);
}
