import { R, type BadReason } from './bad-reason';
import { JsonNumber, pow10, scanJsonNumber } from './json-number';

/**
 * Exact DECIMAL(10,2) amounts as integer cents, and int32 ids, from scanned JSON numbers.
 *
 * Amount rule (value-based, no rounding ever): the exact decimal value must be a whole number of
 * cents with at most 8 integer digits, i.e. |cents| < 10^10. So `1.5`, `1.50`, `1.500`, `15e-1`,
 * `0.15e1` and `1e2` are all accepted (150, 150, 150, 150, 150 and 10000 cents), while `1.005` is
 * AMOUNT_SCALE and `123456789` is AMOUNT_PRECISION. When a value breaks both limits (e.g.
 * `123456789.123`) the reason is AMOUNT_PRECISION. `-0`, `-0.00` give 0. The cents fit a float64
 * exactly (< 2^34).
 */
export const AMOUNT_MAX_INTEGER_DIGITS = 8;
export const AMOUNT_SCALE = 2;

/** Cents of a scanned number, or NaN after writing the reason code to `reason[0]`. */
export function centsOf(n: JsonNumber, reason: Int32Array): number {
  if (n.sigCount === 0) return 0;
  if (n.sigCount + n.pow10 > AMOUNT_MAX_INTEGER_DIGITS) {
    reason[0] = R.AMOUNT_PRECISION;
    return NaN;
  }
  if (n.pow10 < -AMOUNT_SCALE) {
    reason[0] = R.AMOUNT_SCALE;
    return NaN;
  }
  // sigCount <= 10 here, so sig is exact and sig * 10^(pow10+2) < 10^10.
  const cents = n.sig * pow10(n.pow10 + AMOUNT_SCALE);
  return n.neg ? -cents : cents;
}

/**
 * customer_id rule (as Spark's from_json for IntegerType, which takes only Jackson's integer
 * tokens): a JSON integer literal, no fraction and no exponent (`12.0`, `1e3` are WRONG_TYPE, even
 * though integral), within [-2^31, 2^31-1] (else CUSTOMER_ID_RANGE). Numeric strings are WRONG_TYPE.
 * Returns the id, or NaN after writing the reason code to `reason[0]`.
 */
export function int32Of(n: JsonNumber, reason: Int32Array): number {
  if (n.hasFraction || n.hasExponent) {
    reason[0] = R.WRONG_TYPE;
    return NaN;
  }
  if (n.sigCount === 0) return 0;
  if (n.sigCount + n.pow10 > 10) {
    reason[0] = R.CUSTOMER_ID_RANGE;
    return NaN;
  }
  const v = n.neg ? -(n.sig * pow10(n.pow10)) : n.sig * pow10(n.pow10);
  if (v < -2147483648 || v > 2147483647) {
    reason[0] = R.CUSTOMER_ID_RANGE;
    return NaN;
  }
  return v;
}

const scratchNumber = new JsonNumber();
const scratchReason = new Int32Array(1);
const REASON_NAMES: Record<number, BadReason> = {
  [R.WRONG_TYPE]: 'WRONG_TYPE',
  [R.AMOUNT_PRECISION]: 'AMOUNT_PRECISION',
  [R.AMOUNT_SCALE]: 'AMOUNT_SCALE',
};

/**
 * Parses a whole text as a DECIMAL(10,2) amount in cents. The text must be exactly a JSON number
 * (the same form accepted inside a numeric string: no spaces, no '+', no leading zeros, no '.5').
 * Returns the cents, or the bad-record reason: 'WRONG_TYPE' (not a number), 'AMOUNT_SCALE',
 * 'AMOUNT_PRECISION'.
 */
export function parseDecimalCents(text: string | Uint8Array): number | BadReason {
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const end = scanJsonNumber(b, 0, b.length, scratchNumber);
  if (end !== b.length) return 'WRONG_TYPE';
  const cents = centsOf(scratchNumber, scratchReason);
  return Number.isNaN(cents) ? REASON_NAMES[scratchReason[0]] : cents;
}

/** Formats integer cents (|cents| < 2^53) as a decimal with exactly two places, e.g. -5 → "-0.05". */
export function formatCents(cents: number): string {
  const neg = cents < 0;
  const abs = neg ? -cents : cents;
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  return (neg ? '-' : '') + whole + '.' + (frac < 10 ? '0' : '') + frac;
}
