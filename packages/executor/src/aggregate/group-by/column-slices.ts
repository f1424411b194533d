/**
 * Row ranges of a ColumnBatch as views (no copy of values): fixed-width values and validity by
 * subarray, strings by a subarray of their offsets over the same data (offsets need not start at
 * 0, see columns/vector.ts), wide exact values re-keyed to the slice's rows.
 */
import { ColumnBatch, ExactVector, Vector } from '@tributary/common';

export function sliceRows(batch: ColumnBatch, from: number, to: number): ColumnBatch {
  return { count: to - from, schema: batch.schema, columns: batch.columns.map((v) => sliceVector(v, from, to)) };
}

function sliceVector(v: Vector, from: number, to: number): Vector {
  const validity = v.validity === null ? null : v.validity.subarray(from, to);
  switch (v.type.kind) {
    case 'string':
    case 'binary': {
      const b = v as { offsets: Int32Array; data: Uint8Array };
      return { type: v.type, validity, offsets: b.offsets.subarray(from, to + 1), data: b.data } as Vector;
    }
    case 'long':
    case 'timestamp':
    case 'decimal': {
      const e = v as ExactVector;
      let wide: Map<number, bigint> | null = null;
      if (e.wide !== null) for (const [i, x] of e.wide) if (i >= from && i < to) (wide ??= new Map()).set(i - from, x);
      return { type: e.type, validity, values: e.values.subarray(from, to), wide };
    }
    case 'boolean':
    case 'int':
    case 'date':
    case 'double':
      return { type: v.type, validity, values: (v as { values: Int32Array }).values.subarray(from, to) } as Vector;
    default:
      throw new RangeError(`${v.type.kind} is not a scalar column`);
  }
}
