/**
 * Result types of decimal arithmetic and decimal widening, as Spark 3.5 derives them with
 * spark.sql.decimalOperations.allowPrecisionLoss=true (the default): Spark's DecimalPrecision.scala,
 * DecimalType.adjustPrecisionScale (types/DecimalType.scala) and the `resultDecimalType` of Add,
 * Subtract, Multiply, Divide and Remainder in expressions/arithmetic.scala.
 */
import { decimalType, MAX_DECIMAL_PRECISION, type DecimalType, type SqlType } from '../schema/sql-type';

/** Spark's MINIMUM_ADJUSTED_SCALE: scale reduction keeps at least this many fraction digits. */
const MINIMUM_ADJUSTED_SCALE = 6;

/** DecimalType.bounded: each of precision and scale capped at 38. */
export function boundedDecimal(precision: number, scale: number): DecimalType {
  return decimalType(Math.min(precision, MAX_DECIMAL_PRECISION), Math.min(scale, MAX_DECIMAL_PRECISION));
}

/**
 * DecimalType.adjustPrecisionScale: a precision over 38 becomes 38, giving up fraction digits first
 * (integer digits are kept) but keeping at least min(scale, 6) of them.
 */
export function adjustPrecisionScale(precision: number, scale: number): DecimalType {
  if (precision <= MAX_DECIMAL_PRECISION) return decimalType(precision, scale);
  const intDigits = precision - scale;
  const minScale = Math.min(scale, MINIMUM_ADJUSTED_SCALE);
  const adjustedScale = Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale);
  return decimalType(MAX_DECIMAL_PRECISION, adjustedScale);
}

/** DecimalType.forType: the decimal an integral type converts to (int → decimal(10,0), bigint → decimal(20,0)). */
export function decimalForIntegral(t: SqlType): DecimalType {
  return t.kind === 'int' ? decimalType(10, 0) : decimalType(20, 0);
}

/** DecimalType.fromLiteral for an integral literal: just the digits it has (0 → decimal(1,0), -123 → decimal(3,0)). */
export function decimalForIntegralLiteral(text: string): DecimalType {
  const digits = text.replace(/^[-+]/, '').replace(/^0+(?=\d)/, '').length;
  return decimalType(Math.max(1, digits), 0);
}

/** DecimalPrecision.widerDecimalType: enough integer and fraction digits for both. */
export function widerDecimal(a: DecimalType, b: DecimalType): DecimalType {
  const scale = Math.max(a.scale, b.scale);
  const range = Math.max(a.precision - a.scale, b.precision - b.scale);
  return boundedDecimal(range + scale, scale);
}

export type DecimalOp = '+' | '-' | '*' | '/' | '%';

/** The result type of `a op b` over decimals (Spark 3.5, allowPrecisionLoss=true). */
export function decimalResultType(op: DecimalOp, a: DecimalType, b: DecimalType): DecimalType {
  const { precision: p1, scale: s1 } = a;
  const { precision: p2, scale: s2 } = b;
  switch (op) {
    case '+':
    case '-':
      return adjustPrecisionScale(Math.max(s1, s2) + Math.max(p1 - s1, p2 - s2) + 1, Math.max(s1, s2));
    case '*':
      return adjustPrecisionScale(p1 + p2 + 1, s1 + s2);
    case '/': {
      const scale = Math.max(MINIMUM_ADJUSTED_SCALE, s1 + p2 + 1);
      return adjustPrecisionScale(p1 - s1 + s2 + scale, scale);
    }
    case '%':
      return adjustPrecisionScale(Math.min(p1 - s1, p2 - s2) + Math.max(s1, s2), Math.max(s1, s2));
  }
}
