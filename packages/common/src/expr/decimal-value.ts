/**
 * Exact decimal values as (unscaled bigint, scale), with Spark's rounding: Decimal.changePrecision
 * rounds HALF_UP (ties away from zero) and gives null (here: null) when the value does not fit the
 * precision — non-ANSI casts and arithmetic then yield SQL NULL (Spark's Decimal.scala, Cast.scala).
 */

const TEN = 10n;
const POW10: bigint[] = [1n];
for (let i = 1; i <= 80; i++) POW10.push(POW10[i - 1] * TEN);

/** 10^n as a bigint, 0 ≤ n ≤ 80. */
export function pow10n(n: number): bigint {
  return POW10[n];
}

/** Divides by 10^digits rounding HALF_UP (ties away from zero). */
export function divPow10HalfUp(v: bigint, digits: number): bigint {
  if (digits <= 0) return v * POW10[-digits];
  const d = POW10[digits];
  const q = v / d; // truncates toward zero
  const r = v - q * d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** Rounded HALF_UP quotient a / b (b ≠ 0). */
export function divHalfUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a - q * b;
  const ar = r < 0n ? -r : r;
  const ab = b < 0n ? -b : b;
  if (ar * 2n >= ab) return (a < 0n) !== (b < 0n) ? q - 1n : q + 1n;
  return q;
}

/** The unscaled value at `toScale`, rounded HALF_UP, or null when it needs more than `precision` digits. */
export function changePrecision(unscaled: bigint, fromScale: number, precision: number, toScale: number): bigint | null {
  const v = toScale >= fromScale ? unscaled * POW10[toScale - fromScale] : divPow10HalfUp(unscaled, fromScale - toScale);
  const limit = POW10[precision];
  return v >= limit || v <= -limit ? null : v;
}

/**
 * A decimal text as Java's BigDecimal reads it: [+-] digits [. digits] [e [+-] digits], or
 * [+-] . digits. Surrounding whitespace is trimmed. null when it is not a number.
 */
export function parseDecimalText(text: string): { unscaled: bigint; scale: number } | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/.exec(text.trim());
  if (m === null) return null;
  const intPart = m[2];
  const fracPart = m[3] ?? '';
  if (intPart.length + fracPart.length === 0) return null;
  let unscaled = BigInt((intPart + fracPart) || '0');
  if (m[1] === '-') unscaled = -unscaled;
  const scale = fracPart.length - (m[4] === undefined ? 0 : Number(m[4]));
  if (scale < 0) {
    if (-scale > 80) return null;
    return { unscaled: unscaled * POW10[-scale], scale: 0 };
  }
  return { unscaled, scale };
}

/** Plain text of an unscaled value at a scale: (1234n, 2) → '12.34', (-5n, 3) → '-0.005'. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return neg ? '-' + digits : digits;
}

function digitCount(v: bigint): number {
  return (v < 0n ? -v : v).toString().length;
}

/**
 * Rounds an exact (unscaled, scale) to at most `digits` significant digits, HALF_UP, as Java's
 * BigDecimal does under MathContext(digits, HALF_UP) — Spark's Decimal `*`, `/` and `%` use
 * MathContext(38, HALF_UP) before the result is fitted to its type.
 */
export function roundSignificant(unscaled: bigint, scale: number, digits = 38): { unscaled: bigint; scale: number } {
  const extra = digitCount(unscaled) - digits;
  if (extra <= 0) return { unscaled, scale };
  return { unscaled: divPow10HalfUp(unscaled, extra), scale: scale - extra };
}

/**
 * a / b over exact decimals (b ≠ 0) as java.math.BigDecimal.divide(b, MathContext(38, HALF_UP)):
 * the exact quotient when it has a terminating expansion of at most 38 digits, else the quotient
 * rounded HALF_UP to 38 significant digits. Returned as (unscaled, scale), scale possibly negative.
 */
export function divideDecimal38(ua: bigint, sa: number, ub: bigint, sb: number): { unscaled: bigint; scale: number } {
  if (ua === 0n) return { unscaled: 0n, scale: 0 };
  const neg = (ua < 0n) !== (ub < 0n);
  const a = ua < 0n ? -ua : ua;
  const b = ub < 0n ? -ub : ub;
  // value = a / b · 10^(sb − sa). Pick k with 10^38 ≤ a·10^k / b < 10^39, then round a·10^k / b to a
  // multiple of 10 (38 significant digits), HALF_UP. When the exact quotient has at most 38
  // significant digits this division is exact, so it equals Java's exact result.
  let k = 39 - (a.toString().length - b.toString().length);
  const num = (x: number) => (x >= 0 ? a * pow10n(x) : a);
  const den = (x: number) => (x >= 0 ? b : b * pow10n(-x));
  while (num(k) / den(k) >= pow10n(39)) k--;
  while (num(k) / den(k) < pow10n(38)) k++;
  const unscaled = divHalfUp(num(k), den(k) * 10n);
  const scale = k - 1 + sa - sb;
  return { unscaled: neg ? -unscaled : unscaled, scale };
}
