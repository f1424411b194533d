/**
 * Spark 3.5's implicit type coercion (non-ANSI), as the function catalog applies it: Spark's
 * analysis/TypeCoercion.scala (findTightestCommonType, findWiderCommonType, PromoteStrings,
 * InConversion, CaseWhenCoercion, ImplicitTypeCasts.implicitCast) and DecimalPrecision.scala.
 * A null literal is Spark's NullType here: it takes any type.
 */
import { DOUBLE, isNumeric, sameType, STRING, type DecimalType, type SqlType } from '../schema/sql-type';
import type { RExpr } from '../plan/resolved-query';
import { resolveCast } from './cast-rules';
import { decimalForIntegral, decimalForIntegralLiteral, widerDecimal } from './decimal-types';
import { isNullLiteral } from './literal';

const NUMERIC_PRECEDENCE = ['int', 'long', 'double'];

function isIntegral(t: SqlType): boolean {
  return t.kind === 'int' || t.kind === 'long';
}

/** `e` as type `t`: unchanged when it already is, a retyped null literal, else a cast. */
export function castTo(e: RExpr, t: SqlType): RExpr {
  if (isNullLiteral(e)) return { kind: 'literal', value: null, type: t, nullable: true };
  return sameType(e.type, t) ? e : resolveCast(e, t);
}

/** findTightestCommonType: widening without loss (int < bigint < double; an integral into a wider decimal; date into timestamp). */
export function tightestCommonType(a: SqlType, b: SqlType): SqlType | null {
  if (sameType(a, b)) return a;
  if (isIntegral(a) && b.kind === 'decimal' && isWiderThan(b, a)) return b;
  if (a.kind === 'decimal' && isIntegral(b) && isWiderThan(a, b)) return a;
  if (isNumeric(a) && isNumeric(b) && a.kind !== 'decimal' && b.kind !== 'decimal') {
    return NUMERIC_PRECEDENCE.indexOf(a.kind) >= NUMERIC_PRECEDENCE.indexOf(b.kind) ? a : b;
  }
  if ((a.kind === 'timestamp' && b.kind === 'date') || (a.kind === 'date' && b.kind === 'timestamp')) return { kind: 'timestamp' };
  return null;
}

/** DecimalType.isWiderThan for an integral type. */
function isWiderThan(d: DecimalType, integral: SqlType): boolean {
  const need = decimalForIntegral(integral);
  return d.precision - d.scale >= need.precision - need.scale;
}

/** findWiderTypeForTwo: tightest, else a wider decimal (or double beside a double), else string promotion. */
export function widerType(a: SqlType, b: SqlType): SqlType | null {
  const tight = tightestCommonType(a, b);
  if (tight !== null) return tight;
  if (a.kind === 'decimal' && b.kind === 'decimal') return widerDecimal(a, b);
  if (isIntegral(a) && b.kind === 'decimal') return widerDecimal(decimalForIntegral(a), b);
  if (a.kind === 'decimal' && isIntegral(b)) return widerDecimal(a, decimalForIntegral(b));
  if ((a.kind === 'double' && b.kind === 'decimal') || (a.kind === 'decimal' && b.kind === 'double')) return DOUBLE;
  const stringable = (t: SqlType) => t.kind !== 'binary' && t.kind !== 'boolean' && t.kind !== 'struct' && t.kind !== 'array';
  if ((a.kind === 'string' && stringable(b)) || (b.kind === 'string' && stringable(a))) return STRING;
  return null;
}

/**
 * findWiderCommonType over expressions (null literals left out): string-typed ones first, as Spark
 * folds them, so (timestamp, int, string) gives string. null when there is none; STRING when all are null.
 */
export function widerCommonType(exprs: readonly RExpr[]): SqlType | null {
  const types = exprs.filter((e) => !isNullLiteral(e)).map((e) => e.type);
  const ordered = [...types.filter((t) => t.kind === 'string'), ...types.filter((t) => t.kind !== 'string')];
  if (ordered.length === 0) return STRING;
  let acc: SqlType | null = ordered[0];
  for (const t of ordered.slice(1)) {
    acc = acc === null ? null : widerType(acc, t);
  }
  return acc;
}

/**
 * The type both sides of a comparison are cast to (PromoteStrings' findCommonTypeForBinaryComparison,
 * then DecimalPrecision for numbers, then findTightestCommonType): string vs date/timestamp → the
 * datetime type; string vs decimal → double; string vs another atomic type → that type; date vs
 * timestamp → timestamp; an integral literal beside a decimal takes only the digits it has.
 */
export function comparisonTypes(l: RExpr, r: RExpr): [SqlType, SqlType] | null {
  if (isNullLiteral(l) && isNullLiteral(r)) return [STRING, STRING];
  if (isNullLiteral(l)) return [r.type, r.type];
  if (isNullLiteral(r)) return [l.type, l.type];
  const a = l.type;
  const b = r.type;
  if (sameType(a, b)) return [a, b];
  const scalar = (t: SqlType) => t.kind !== 'struct' && t.kind !== 'array';
  if (a.kind === 'string' && scalar(b)) return b.kind === 'decimal' ? [DOUBLE, DOUBLE] : [b, b];
  if (b.kind === 'string' && scalar(a)) return a.kind === 'decimal' ? [DOUBLE, DOUBLE] : [a, a];
  const numeric = numericOperandTypes(l, r);
  if (numeric !== null) {
    const [x, y] = numeric;
    if (x.kind === 'decimal' && y.kind === 'decimal') {
      const w = widerDecimal(x, y);
      return [w, w];
    }
    return numeric;
  }
  const t = tightestCommonType(a, b);
  return t === null ? null : [t, t];
}

/**
 * The operand types of a binary numeric operator after DecimalPrecision and findTightestCommonType:
 * both decimal → kept as they are (the operator derives its own result type); integral and decimal →
 * the integral becomes decimal(10,0)/decimal(20,0) (a literal: just its digits); double and decimal →
 * both double; int, bigint, double → the wider. null when either is not numeric.
 */
export function numericOperandTypes(l: RExpr, r: RExpr): [SqlType, SqlType] | null {
  const a = l.type;
  const b = r.type;
  if (!isNumeric(a) || !isNumeric(b)) return null;
  if (a.kind === 'decimal' && b.kind === 'decimal') return [a, b];
  if (a.kind === 'decimal' || b.kind === 'decimal') {
    if (a.kind === 'double' || b.kind === 'double') return [DOUBLE, DOUBLE];
    const asDecimal = (e: RExpr) => (e.type.kind === 'decimal' ? e.type : e.kind === 'literal' && e.value !== null ? decimalForIntegralLiteral(e.value) : decimalForIntegral(e.type));
    return [asDecimal(l), asDecimal(r)];
  }
  const t = tightestCommonType(a, b)!;
  return [t, t];
}

export type Expected = SqlType | 'numeric';

/**
 * ImplicitTypeCasts.implicitCast: `e` as an argument that expects `to`, or null when Spark would not
 * cast it. Numbers convert among themselves; a string becomes a number (double where any number
 * is expected), a date, a timestamp or binary; date and timestamp convert into each other; any
 * scalar becomes a string.
 */
export function implicitCast(e: RExpr, to: Expected): RExpr | null {
  if (isNullLiteral(e)) return castTo(e, to === 'numeric' ? DOUBLE : to);
  const from = e.type;
  if (to === 'numeric') {
    if (isNumeric(from)) return e;
    return from.kind === 'string' ? castTo(e, DOUBLE) : null;
  }
  if (sameType(from, to)) return e;
  const f = from.kind;
  const ok =
    (isNumeric(from) && isNumeric(to)) ||
    (f === 'string' && (isNumeric(to) || to.kind === 'date' || to.kind === 'timestamp' || to.kind === 'binary')) ||
    (f === 'date' && to.kind === 'timestamp') ||
    (f === 'timestamp' && to.kind === 'date') ||
    (to.kind === 'string' && f !== 'struct' && f !== 'array');
  return ok ? castTo(e, to) : null;
}
