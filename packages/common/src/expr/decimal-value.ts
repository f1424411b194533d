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
