/**
 * Whether a batch holds any memory of another: a typed array over the same ArrayBuffer (views and
 * subarrays included) or the same `wide` map, at any depth. A task uses it to tell the output of
 * its steps that still points into the decoder's reused buffers (a bare column reference, a filter
 * that kept every row) from output the steps allocated, which it may keep as it is.
 */
import type { ColumnBatch, Vector } from './vector';

export function sharesMemory(batch: ColumnBatch, other: ColumnBatch): boolean {
  const held = new Set<ArrayBufferLike | Map<number, bigint>>();
  for (const v of other.columns) collect(v, (m) => { held.add(m); return false; });
  return batch.columns.some((v) => collect(v, (m) => held.has(m)));
}

/** Calls `visit` with each ArrayBuffer and wide map of a vector until it returns true. */
function collect(v: Vector, visit: (m: ArrayBufferLike | Map<number, bigint>) => boolean): boolean {
  if (v.validity !== null && visit(v.validity.buffer)) return true;
  switch (v.type.kind) {
    case 'struct':
      return (v as Extract<Vector, { children: Vector[] }>).children.some((c) => collect(c, visit));
    case 'array': {
      const a = v as Extract<Vector, { element: Vector }>;
      return visit(a.offsets.buffer) || collect(a.element, visit);
    }
    case 'string':
    case 'binary': {
      const b = v as Extract<Vector, { data: Uint8Array }>;
      return visit(b.offsets.buffer) || visit(b.data.buffer);
    }
    case 'long':
    case 'decimal':
    case 'timestamp': {
      const e = v as Extract<Vector, { wide: Map<number, bigint> | null }>;
      return visit(e.values.buffer) || (e.wide !== null && visit(e.wide));
    }
    default:
      return visit((v as { values: Uint8Array | Int32Array | Float64Array }).values.buffer);
  }
}
