/**
 * The type several values are brought to when one expression yields any of them (the branches of
 * CASE WHEN), as Spark's TypeCoercion.findWiderTypeForTwo: equal types stay; int < bigint < double;
 * a decimal and an integer widen to a decimal holding both (int as decimal(10,0), bigint as
 * decimal(20,0)), two decimals to decimal(max integer digits + max scale, max scale) bounded by 38;
 * a decimal and a double give double; a date and a timestamp give timestamp. Anything else has no
 * common type (null).
 */
import { DOUBLE, MAX_DECIMAL_PRECISION, decimalType, sameType, TIMESTAMP, type SqlType } from '../schema/sql-type';

export function commonType(types: readonly SqlType[]): SqlType | null {
  if (types.length === 0) return null;
  let acc: SqlType | null = types[0];
  for (const t of types.slice(1)) {
    if (acc === null) return null;
    acc = widerOfTwo(acc, t);
  }
  return acc;
}

function asDecimal(t: SqlType): { precision: number; scale: number } | null {
  if (t.kind === 'decimal') return t;
  if (t.kind === 'int') return { precision: 10, scale: 0 };
  if (t.kind === 'long') return { precision: 20, scale: 0 };
  return null;
}

function widerOfTwo(a: SqlType, b: SqlType): SqlType | null {
  if (sameType(a, b)) return a;
  const rank = (t: SqlType): number => (t.kind === 'int' ? 1 : t.kind === 'long' ? 2 : t.kind === 'double' ? 3 : 0);
  if (rank(a) > 0 && rank(b) > 0) return rank(a) >= rank(b) ? a : b;
  if (a.kind === 'decimal' || b.kind === 'decimal') {
    if (a.kind === 'double' || b.kind === 'double') return DOUBLE;
    const x = asDecimal(a);
    const y = asDecimal(b);
    if (x === null || y === null) return null;
    const scale = Math.max(x.scale, y.scale);
    const integral = Math.max(x.precision - x.scale, y.precision - y.scale);
    return decimalType(Math.min(MAX_DECIMAL_PRECISION, integral + scale), scale);
  }
  if ((a.kind === 'date' && b.kind === 'timestamp') || (a.kind === 'timestamp' && b.kind === 'date')) return TIMESTAMP;
  return null;
}
