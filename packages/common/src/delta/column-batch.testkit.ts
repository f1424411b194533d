/**
 * Test support: ColumnBatches from plain per-row values, laid out as columns/vector.ts describes
 * (written independently of the code under test). Values per type:
 *
 *   boolean → boolean; int, date (days), double → number; long, timestamp (µs), decimal (unscaled)
 *   → bigint (held in `values` below 2^53, in `wide` beyond); string → string; binary → Uint8Array;
 *   struct → object by field name; array → array; null → null.
 */
import type { ColumnBatch, Vector } from '../columns/vector';
import type { SqlField, SqlType } from '../schema/sql-type';

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
