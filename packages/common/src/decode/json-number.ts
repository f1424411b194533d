/**
 * The RFC 8259 number grammar, scanned over bytes, keeping what exact conversions need:
 *
 *   number = [ "-" ] ( "0" / [1-9] *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
 *
 * The value is kept exactly as `(neg ? -1 : 1) * sig * 10^pow10`, where `sig` is the integer formed
 * by the significant digits (first non-zero digit to last non-zero digit, `sigCount` of them).
 * `sig` is exact while sigCount <= 15; beyond that it is not maintained (callers only need exact
 * values of at most 10 digits). The exponent is clamped to ±EXP_CLAMP, far outside any range a
 * caller accepts, so absurd exponents cannot overflow the arithmetic.
 */
export class JsonNumber {
  neg = false;
  hasFraction = false;
  hasExponent = false;
  sig = 0;
  sigCount = 0;
  pow10 = 0;
  /** On a grammar error: where it was found. */
  errorPos = 0;
}

const EXP_CLAMP = 1e12;
const MAX_EXACT_SIG_DIGITS = 15;
const POW10: number[] = [];
for (let i = 0, p = 1; i <= 22; i++, p *= 10) POW10.push(p);

/** 10^k for 0 <= k <= 22, exact. */
export function pow10(k: number): number {
  return POW10[k];
}

const C0 = 0x30;
const C9 = 0x39;

/**
 * Scans a number starting at `pos` (which must be `-` or a digit to succeed) and stops at the first
 * byte that cannot continue it. Returns the position after the number, or -1 with `out.errorPos`.
 * Whether the following byte may follow a number is the caller's business.
 */
export function scanJsonNumber(b: Uint8Array, pos: number, end: number, out: JsonNumber): number {
  let neg = false;
  let c = pos < end ? b[pos] : -1;
  if (c === 0x2d) {
    neg = true;
    c = ++pos < end ? b[pos] : -1;
  }
  let sig = 0;
  let sigCount = 0;
  let pendingZeros = 0; // zeros seen after the last non-zero significant digit
  let fractionDigits = 0;
  if (c === C0) {
    c = ++pos < end ? b[pos] : -1;
  } else if (c > C0 && c <= C9) {
    do {
      if (c === C0) {
        if (sigCount > 0) pendingZeros++;
      } else {
        sigCount += pendingZeros + 1;
        if (sigCount <= MAX_EXACT_SIG_DIGITS) sig = sig * POW10[pendingZeros + 1] + (c - C0);
        pendingZeros = 0;
      }
      c = ++pos < end ? b[pos] : -1;
    } while (c >= C0 && c <= C9);
  } else {
    out.errorPos = pos;
    return -1;
  }
  let hasFraction = false;
  if (c === 0x2e) {
    hasFraction = true;
    c = ++pos < end ? b[pos] : -1;
    if (!(c >= C0 && c <= C9)) {
      out.errorPos = pos;
      return -1;
    }
    do {
      fractionDigits++;
      if (c === C0) {
        if (sigCount > 0) pendingZeros++;
      } else {
        sigCount += pendingZeros + 1;
        if (sigCount <= MAX_EXACT_SIG_DIGITS) sig = sig * POW10[pendingZeros + 1] + (c - C0);
        pendingZeros = 0;
      }
      c = ++pos < end ? b[pos] : -1;
    } while (c >= C0 && c <= C9);
  }
  let hasExponent = false;
  let exp = 0;
  if (c === 0x65 || c === 0x45) {
    hasExponent = true;
    let expNeg = false;
    c = ++pos < end ? b[pos] : -1;
    if (c === 0x2b || c === 0x2d) {
      expNeg = c === 0x2d;
      c = ++pos < end ? b[pos] : -1;
    }
    if (!(c >= C0 && c <= C9)) {
      out.errorPos = pos;
      return -1;
    }
    do {
      if (exp < EXP_CLAMP) exp = exp * 10 + (c - C0);
      c = ++pos < end ? b[pos] : -1;
    } while (c >= C0 && c <= C9);
    if (expNeg) exp = -exp;
  }
  out.neg = neg;
  out.hasFraction = hasFraction;
  out.hasExponent = hasExponent;
  out.sig = sigCount === 0 ? 0 : sig;
  out.sigCount = sigCount;
  out.pow10 = sigCount === 0 ? 0 : pendingZeros - fractionDigits + exp;
  return pos;
}
