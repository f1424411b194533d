/**
 * Test support: ColumnBatches from plain per-row values, laid out as columns/vector.ts describes
 * (written independently of the code under test). Values per type:
 *
 *   boolean → boolean; int, date (days), double → number; long, timestamp (µs), decimal (unscaled)
 *   → bigint (held in `values` below 2^53, in `wide` beyond); string → string; binary → Uint8Array;
 *   struct → object by field name; array → array; null → null.
 */
import type { ColumnBatch, Vector } from '../columns/vector';
import {
  BINARY, BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, TIMESTAMP, SqlField, SqlType, arrayType, decimalType, sqlField, structType,
} from '../schema/sql-type';

export type TestValue = null | boolean | number | bigint | string | Uint8Array | TestValue[] | { [k: string]: TestValue };

export function batchOf(schema: readonly SqlField[], rows: Record<string, TestValue>[]): ColumnBatch {
  return { count: rows.length, schema, columns: schema.map((f) => vectorOf(f.type, rows.map((r) => r[f.name] ?? null))) };
}

export function vectorOf(type: SqlType, values: readonly TestValue[]): Vector {
  const n = values.length;
  const validity = values.some((v) => v === null) ? Uint8Array.from(values, (v) => (v === null ? 0 : 1)) : null;
  switch (type.kind) {
    case 'boolean':
      return { type, validity, values: Uint8Array.from(values, (v) => (v === true ? 1 : 0)) };
    case 'int':
    case 'date':
      return { type, validity, values: Int32Array.from(values, (v) => (v === null ? 0 : (v as number))) };
    case 'double':
      return { type, validity, values: Float64Array.from(values, (v) => (v === null ? 0 : (v as number))) };
    case 'long':
    case 'timestamp':
    case 'decimal': {
      const wide = new Map<number, bigint>();
      const out = new Float64Array(n);
      values.forEach((v, i) => {
        if (v === null) return;
        const b = v as bigint;
        if (b >= 2n ** 53n || b <= -(2n ** 53n)) {
          out[i] = NaN;
          wide.set(i, b);
        } else out[i] = Number(b);
      });
      return { type, validity, values: out, wide: wide.size > 0 ? wide : null };
    }
    case 'string':
    case 'binary': {
      const parts = values.map((v) => (v === null ? new Uint8Array(0) : typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array)));
      const offsets = new Int32Array(n + 1);
      parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
      const data = new Uint8Array(offsets[n]);
      parts.forEach((p, i) => data.set(p, offsets[i]));
      return { type, validity, offsets, data };
    }
    case 'struct':
      return {
        type,
        validity,
        children: type.fields.map((f) => vectorOf(f.type, values.map((v) => (v === null ? null : ((v as Record<string, TestValue>)[f.name] ?? null))))),
      };
    case 'array': {
      const offsets = new Int32Array(n + 1);
      const items: TestValue[] = [];
      values.forEach((v, i) => {
        if (v !== null) items.push(...(v as TestValue[]));
        offsets[i + 1] = items.length;
      });
      return { type, validity, offsets, element: vectorOf(type.element, items) };
    }
  }
}

export const MAX38 = 10n ** 38n - 1n;

export const ALL_TYPES = [
  sqlField('flag', BOOLEAN),
  sqlField('n', INT, false),
  sqlField('big', LONG),
  sqlField('x', DOUBLE),
  sqlField('name', STRING),
  sqlField('raw', BINARY),
  sqlField('price', decimalType(12, 2)),
  sqlField('huge', decimalType(38, 0)),
  sqlField('fine', decimalType(38, 18)),
  sqlField('ts', TIMESTAMP),
  sqlField('day', DATE),
  sqlField('user', structType([sqlField('id', LONG, false), sqlField('tags', arrayType(STRING, false))])),
  sqlField('points', arrayType(structType([sqlField('at', TIMESTAMP), sqlField('on', DATE)]))),
];

/** Four rows covering edge values and nulls of every type (values as columns/vector.ts holds them). */
export const ALL_TYPES_ROWS = [
  {
    flag: true, n: 1, big: 9007199254740993n, x: 1.5, name: 'a', raw: Uint8Array.of(0, 255), price: 1234n, huge: MAX38,
    fine: 1_500_000_000_000_000_000n, ts: -1n, day: -1, user: { id: 7n, tags: ['x', 'y'] }, points: [{ at: 0n, on: 1 }, null],
  },
  {
    flag: false, n: -2147483648, big: -(2n ** 63n), x: Number.NaN, name: '', raw: new Uint8Array(0), price: -5n, huge: -MAX38,
    fine: -1n, ts: 1700000000123456n, day: 0, user: null, points: null,
  },
  {
    flag: null, n: 2147483647, big: null, x: Number.NEGATIVE_INFINITY, name: null, raw: null, price: null, huge: null,
    fine: null, ts: -62135596800000000n, day: -719162, user: { id: -1n, tags: [] }, points: [],
  },
  {
    flag: true, n: 0, big: 2n ** 63n - 1n, x: null, name: 'héllo ✓ 𝄞', raw: Uint8Array.of(1), price: 999999999999n, huge: 0n,
    fine: 123456789_123456789012345678n, ts: null, day: null, user: { id: 2n, tags: null }, points: [{ at: null, on: null }],
  },
];

/** The same rows in row-format.ts's canonical form, written out by hand. */
export const ALL_TYPES_CANONICAL = [
  {
    flag: true, n: '1', big: '9007199254740993', x: 1.5, name: 'a', raw: '0x00ff', price: '12.34',
    huge: '99999999999999999999999999999999999999', fine: '1.500000000000000000', ts: '-1', day: '1969-12-31',
    user: { id: '7', tags: ['x', 'y'] }, points: [{ at: '0', on: '1970-01-02' }, null],
  },
  {
    flag: false, n: '-2147483648', big: '-9223372036854775808', x: 'NaN', name: '', raw: '0x', price: '-0.05',
    huge: '-99999999999999999999999999999999999999', fine: '-0.000000000000000001', ts: '1700000000123456', day: '1970-01-01',
    user: null, points: null,
  },
  {
    flag: null, n: '2147483647', big: null, x: '-Infinity', name: null, raw: null, price: null, huge: null, fine: null,
    ts: '-62135596800000000', day: '0001-01-01', user: { id: '-1', tags: [] }, points: [],
  },
  {
    flag: true, n: '0', big: '9223372036854775807', x: null, name: 'héllo ✓ 𝄞', raw: '0x01', price: '9999999999.99', huge: '0',
    fine: '123456789.123456789012345678', ts: null, day: null, user: { id: '2', tags: null }, points: [{ at: null, on: null }],
  },
];
