/**
 * Building a ChangeBatch's row image from the before- and after-images the decoder read: column by
 * column gathers over [after rows, before rows], so a row's image can take each column from either.
 */
import { concatVectors } from '../columns/concat';
import { takeVector } from '../columns/take-rows';
import type { ColumnBatch, ExactVector, StructVector, Vector } from '../columns/vector';
import type { SqlField } from '../schema/sql-type';

/** Source of an output row's column: `i` is row i of the after-image, n + i row i of the before-image. */
export function gatherImages(columns: readonly SqlField[], after: StructVector, before: StructVector, n: number, picks: readonly Int32Array[]): ColumnBatch {
  const out = columns.map((f, c) => takeVector(concatVectors(f.type, [{ v: after.children[c], n }, { v: before.children[c], n }]), picks[c]));
  return { count: picks[0]?.length ?? 0, schema: columns, columns: out };
}

/** Whether row i of a and row j of b hold the same value (both non-null; scalar types). */
export function sameValue(a: Vector, i: number, b: Vector, j: number): boolean {
  switch (a.type.kind) {
    case 'string':
    case 'binary': {
      const x = a as { offsets: Int32Array; data: Uint8Array };
      const y = b as { offsets: Int32Array; data: Uint8Array };
      const n = x.offsets[i + 1] - x.offsets[i];
      if (n !== y.offsets[j + 1] - y.offsets[j]) return false;
      for (let k = 0; k < n; k++) if (x.data[x.offsets[i] + k] !== y.data[y.offsets[j] + k]) return false;
      return true;
    }
    case 'long':
    case 'decimal':
    case 'timestamp': {
      const x = a as ExactVector;
      const y = b as ExactVector;
      const u = x.values[i];
      const v = y.values[j];
      if (u === u && v === v) return u === v;
      return (x.wide?.get(i) ?? u) === (y.wide?.get(j) ?? v);
    }
    default:
      return Object.is((a as { values: ArrayLike<number> }).values[i], (b as { values: ArrayLike<number> }).values[j]);
  }
}

/** Whether row i of v holds a value. */
export function has(v: Vector, i: number): boolean {
  return v.validity === null || v.validity[i] === 1;
}
