import { DecimalOverflowError } from './errors';
import { formatMicrosIso } from './window';

/**
 * Exact money. Sums are integer cents. A Float64 holds every integer of magnitude < 2^53 exactly, so
 * that is the common representation; a sum that reaches |sum| ≥ 2^53 moves to an exact BigInt form.
 * Detection is one comparison per addition: with both operands exact and < 2^53 in magnitude, the
 * rounded Float64 result is within (−2^53, 2^53) only if the true result is (rounding is monotonic
 * and ±2^53 are representable), in which case it is the true result.
 */
export const FLOAT_EXACT_LIMIT = 2 ** 53;
export const FLOAT_EXACT_LIMIT_BIG = 2n ** 53n;

/** SUM(DECIMAL(10,2)) is DECIMAL(20,2): at most 20 digits, so |sum| < 10^20 cents. */
export const DECIMAL_20_2_LIMIT_CENTS = 10n ** 20n;

/** Throws DecimalOverflowError naming the window and key when |cents| ≥ 10^20. */
export function checkDecimal20(
  cents: bigint,
  windowStartMicros: number,
  windowMicros: number,
  customerId: number,
): void {
  if (cents < DECIMAL_20_2_LIMIT_CENTS && cents > -DECIMAL_20_2_LIMIT_CENTS) return;
  throw new DecimalOverflowError(
    `SUM(amount) overflows DECIMAL(20,2) for window [${formatMicrosIso(windowStartMicros)}, ` +
      `${formatMicrosIso(windowStartMicros + windowMicros)}) and customer_id ${customerId}: ` +
      `${cents} cents, the limit is |sum| < 10^20 cents`,
  );
}

/** A bigint of magnitude < 2^53 as a number, otherwise the bigint itself (the canonical form). */
export function canonicalCents(cents: bigint): number | bigint {
  return cents < FLOAT_EXACT_LIMIT_BIG && cents > -FLOAT_EXACT_LIMIT_BIG ? Number(cents) : cents;
}
