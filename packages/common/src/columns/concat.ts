/**
 * Concatenation of column batches of one schema into a new batch that owns its arrays (a task
 * gathers the rows of many Kafka chunks, whose decoder buffers are reused, before writing a file).
 * Whole typed-array copies per column; no per-row work except for `wide` maps and `recordIndex`.
 */
import type { SqlField, SqlType } from '../schema/sql-type';
import type {
  ArrayVector, BooleanVector, BytesVector, ColumnBatch, DoubleVector, ExactVector, Int32Vector, StructVector, Vector,
} from './vector';

/** Rows 0..count−1 of each batch, in order, as one batch of `schema`. recordIndex is not carried (it indexes chunks). */
export function concatBatches(schema: readonly SqlField[], batches: readonly ColumnBatch[]): ColumnBatch {
  const count = batches.reduce((a, b) => a + b.count, 0);
  const columns = schema.map((f, c) => concatVectors(f.type, batches.map((b) => ({ v: b.columns[c], n: b.count }))));
  return { count, schema, columns };
}

interface Part { v: Vector; n: number }

function concatValidity(parts: readonly Part[], total: number): Uint8Array | null {
  if (parts.every((p) => p.v.validity === null)) return null;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    if (p.v.validity === null) out.fill(1, at, at + p.n);
    else out.set(p.v.validity.subarray(0, p.n), at);
    at += p.n;
  }
  return out;
}

function concatTyped<T extends Uint8Array | Int32Array | Float64Array>(make: (n: number) => T, arrays: readonly { a: T; n: number }[]): T {
  const out = make(arrays.reduce((s, x) => s + x.n, 0));
  let at = 0;
  for (const x of arrays) {
    out.set(x.a.subarray(0, x.n) as never, at);
    at += x.n;
  }
  return out;
}

/** Concatenates vectors of `type`; each part contributes its first `n` rows. */
export function concatVectors(type: SqlType, parts: readonly Part[]): Vector {
  const total = parts.reduce((a, p) => a + p.n, 0);
  const validity = concatValidity(parts, total);
  switch (type.kind) {
    case 'boolean':
      return { type, validity, values: concatTyped((n) => new Uint8Array(n), parts.map((p) => ({ a: (p.v as BooleanVector).values, n: p.n }))) } as BooleanVector;
    case 'int':
    case 'date':
      return { type, validity, values: concatTyped((n) => new Int32Array(n), parts.map((p) => ({ a: (p.v as Int32Vector).values, n: p.n }))) } as Int32Vector;
    case 'double':
      return { type, validity, values: concatTyped((n) => new Float64Array(n), parts.map((p) => ({ a: (p.v as DoubleVector).values, n: p.n }))) } as DoubleVector;
    case 'long':
    case 'decimal':
    case 'timestamp': {
      const values = concatTyped((n) => new Float64Array(n), parts.map((p) => ({ a: (p.v as ExactVector).values, n: p.n })));
      let wide: Map<number, bigint> | null = null;
      let at = 0;
      for (const p of parts) {
        const w = (p.v as ExactVector).wide;
        if (w) for (const [row, big] of w) if (row < p.n) (wide ??= new Map()).set(at + row, big);
        at += p.n;
      }
      return { type, validity, values, wide } as ExactVector;
    }
    case 'string':
    case 'binary': {
      const offsets = new Int32Array(total + 1);
      let bytes = 0;
      for (const p of parts) {
        const v = p.v as BytesVector;
        bytes += v.offsets[p.n] - v.offsets[0];
      }
      const data = new Uint8Array(bytes);
      let row = 0;
      let at = 0;
      for (const p of parts) {
        const v = p.v as BytesVector;
        const base = v.offsets[0];
        const end = v.offsets[p.n];
        data.set(v.data.subarray(base, end), at);
        for (let i = 1; i <= p.n; i++) offsets[row + i] = at + v.offsets[i] - base;
        row += p.n;
        at += end - base;
      }
      return { type, validity, offsets, data } as BytesVector;
    }
    case 'struct':
      return {
        type, validity,
        children: type.fields.map((f, c) => concatVectors(f.type, parts.map((p) => ({ v: (p.v as StructVector).children[c], n: p.n })))),
      } as StructVector;
    case 'array': {
      const offsets = new Int32Array(total + 1);
      const elements: Part[] = [];
      let row = 0;
      let at = 0;
      for (const p of parts) {
        const v = p.v as ArrayVector;
        const base = v.offsets[0];
        const end = v.offsets[p.n];
        for (let i = 1; i <= p.n; i++) offsets[row + i] = at + v.offsets[i] - base;
        // Elements before `base` are not part of these rows: take [base, end) by slicing the element vector.
        elements.push({ v: base === 0 ? v.element : sliceVector(type.element, v.element, base, end), n: end - base });
        row += p.n;
        at += end - base;
      }
      return { type, validity, offsets, element: concatVectors(type.element, elements) } as ArrayVector;
    }
  }
}

/** Rows [from, to) of a vector as a vector whose row 0 is `from` (copies; for array elements). */
export function sliceVector(type: SqlType, v: Vector, from: number, to: number): Vector {
  const n = to - from;
  const validity = v.validity === null ? null : v.validity.slice(from, to);
  switch (type.kind) {
    case 'boolean': return { type, validity, values: (v as BooleanVector).values.slice(from, to) } as BooleanVector;
    case 'int':
    case 'date': return { type, validity, values: (v as Int32Vector).values.slice(from, to) } as Int32Vector;
    case 'double': return { type, validity, values: (v as DoubleVector).values.slice(from, to) } as DoubleVector;
    case 'long':
    case 'decimal':
    case 'timestamp': {
      const e = v as ExactVector;
      let wide: Map<number, bigint> | null = null;
      if (e.wide) for (const [row, big] of e.wide) if (row >= from && row < to) (wide ??= new Map()).set(row - from, big);
      return { type, validity, values: e.values.slice(from, to), wide } as ExactVector;
    }
    case 'string':
    case 'binary': {
      const b = v as BytesVector;
      const base = b.offsets[from];
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = b.offsets[from + i] - base;
      return { type, validity, offsets, data: b.data.slice(base, b.offsets[to]) } as BytesVector;
    }
    case 'struct':
      return { type, validity, children: type.fields.map((f, c) => sliceVector(f.type, (v as StructVector).children[c], from, to)) } as StructVector;
    case 'array': {
      const a = v as ArrayVector;
      const base = a.offsets[from];
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = a.offsets[from + i] - base;
      return { type, validity, offsets, element: sliceVector(type.element, a.element, base, a.offsets[to]) } as ArrayVector;
    }
  }
}
