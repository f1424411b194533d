/**
 * Arrow column data from plain per-row values, for the side tables' small files (quarantine and
 * late rows: rare rows, so per-row JS values are fine here; the main table never goes through this).
 * Nulls are `null` entries; validity bitmaps are LSB-first as Arrow lays them out.
 */
import * as arrow from 'apache-arrow';
import { setDecimal128Words, setInt64Words } from '@tributary/common';

const encoder = new TextEncoder();

function validity(n: number, isNull: (i: number) => boolean): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (isNull(i)) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { nullCount: nulls, nullBitmap: nulls === 0 ? undefined : bitmap };
}

/** Variable-length bytes (Binary) or text (Utf8) columns. */
export function bytesData(type: arrow.Binary | arrow.Utf8, values: readonly (Uint8Array | string | null)[]): arrow.Data {
  const n = values.length;
  const bytes = values.map((v) => (v === null ? null : typeof v === 'string' ? encoder.encode(v) : v));
  const total = bytes.reduce((a, b) => a + (b === null ? 0 : b.byteLength), 0);
  const data = new Uint8Array(total);
  const valueOffsets = new Int32Array(n + 1);
  let at = 0;
  bytes.forEach((b, i) => {
    if (b !== null) { data.set(b, at); at += b.byteLength; }
    valueOffsets[i + 1] = at;
  });
  const { nullCount, nullBitmap } = validity(n, (i) => bytes[i] === null);
  return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets, data } as any);
}

/** Int64 or Timestamp(µs) columns from exact integers below 2^53 (null → null). */
export function int64Data(type: arrow.Int64 | arrow.TimestampMicrosecond, values: readonly (number | null)[]): arrow.Data {
  const n = values.length;
  const words = new Uint32Array(2 * n);
  values.forEach((v, i) => {
    if (v === null) return;
    setInt64Words(words, i, v);
  });
  const { nullCount, nullBitmap } = validity(n, (i) => values[i] === null);
  return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: new BigInt64Array(words.buffer) } as any);
}

export function int32Data(values: readonly number[]): arrow.Data {
  return arrow.makeData({ type: new arrow.Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) });
}

/** Decimal128 columns from integer unscaled values (e.g. cents) below 2^53. */
export function decimalData(type: arrow.Decimal, unscaled: readonly number[]): arrow.Data {
  const n = unscaled.length;
  const words = new Uint32Array(4 * n);
  unscaled.forEach((v, i) => {
    setDecimal128Words(words, i, v);
  });
  return arrow.makeData({ type, length: n, nullCount: 0, data: words });
}

/** One record batch of `schema` from its columns' data, in schema order. */
export function tableOf(schema: arrow.Schema, children: arrow.Data[]): arrow.Table {
  const length = children.length === 0 ? 0 : children[0].length;
  const rows = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, rows)]);
}
