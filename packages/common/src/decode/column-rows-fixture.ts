/**
 * Test support: reads a ColumnBatch back into plain values, straight from the layout documented in
 * columns/vector.ts (not through the decoder's code), so tests can compare rows with expectations.
 *
 *   boolean → true/false, int/date → number, double → number, long/decimal/timestamp → bigint
 *   (decimal: the unscaled value), string → string, binary → Buffer, struct → object by field
 *   name, array → array, null → null.
 */
import type { ColumnBatch, Vector } from '../columns/vector';

export type Plain = null | boolean | number | bigint | string | Buffer | Plain[] | { [name: string]: Plain };

export function valueAt(v: Vector, i: number): Plain {
  if (v.validity !== null && v.validity[i] !== 1) return null;
  switch (v.type.kind) {
    case 'boolean':
      return (v as { values: Uint8Array }).values[i] === 1;
    case 'int':
    case 'date':
    case 'double':
      return (v as { values: Int32Array | Float64Array }).values[i];
    case 'long':
    case 'decimal':
    case 'timestamp': {
      const e = v as { values: Float64Array; wide: Map<number, bigint> | null };
      const x = e.values[i];
      if (x === x) return BigInt(x);
      const w = e.wide?.get(i);
      if (w === undefined) throw new Error(`row ${i}: NaN without a wide value`);
      return w;
    }
    case 'string':
    case 'binary': {
      const s = v as { offsets: Int32Array; data: Uint8Array };
      const bytes = Buffer.from(s.data.subarray(s.offsets[i], s.offsets[i + 1]));
      return v.type.kind === 'string' ? bytes.toString('utf8') : bytes;
    }
    case 'struct': {
      const s = v as { children: Vector[] };
      const fields = v.type.fields;
      const out: { [name: string]: Plain } = {};
      fields.forEach((f, k) => (out[f.name] = valueAt(s.children[k], i)));
      return out;
    }
    case 'array': {
      const a = v as { offsets: Int32Array; element: Vector };
      const out: Plain[] = [];
      for (let k = a.offsets[i]; k < a.offsets[i + 1]; k++) out.push(valueAt(a.element, k));
      return out;
    }
  }
}

/** Every row of a batch as an object keyed by column name. */
export function rowsOf(batch: ColumnBatch): { [name: string]: Plain }[] {
  const rows: { [name: string]: Plain }[] = [];
  for (let i = 0; i < batch.count; i++) {
    const row: { [name: string]: Plain } = {};
    batch.schema.forEach((f, c) => (row[f.name] = valueAt(batch.columns[c], i)));
    rows.push(row);
  }
  return rows;
}
