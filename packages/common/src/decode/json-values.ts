/**
 * Exact conversions of scanned JSON tokens for the struct decoder: integers of int and bigint,
 * decimal(p,s) unscaled values up to 38 digits, doubles, and the bytes of strings (escapes
 * resolved) and of raw JSON text. The common cases stay on float64 arithmetic that is exact by
 * construction (at most 15 significant digits); longer values go through BigInt, off the hot path.
 */
import { R } from './bad-reason';
import { JsonNumber, pow10 } from './json-number';

export const OK = -1;
const TWO_53 = 2 ** 53;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Result of `longOf` / `unscaledOf` when the value is exact but beyond 2^53: see `wideOut`. */
export const WIDE = -2;

/** Receives the value of a conversion (`value[0]`) or, after WIDE, the bigint in `wide`. */
export class ExactOut {
  readonly value = new Float64Array(1);
  wide = 0n;
}

/** The significant digits of the number text b[start..end) (mantissa digits without leading/trailing zeros). */
function significantDigits(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let p = start; p < end; p++) {
    const c = b[p];
    if (c === 0x65 || c === 0x45) break;
    if (c >= 0x30 && c <= 0x39) s += String.fromCharCode(c);
  }
  return s.replace(/^0+/, '').replace(/0+$/, '');
}

/**
 * A JSON integer token (no fraction, no exponent: Jackson's VALUE_NUMBER_INT) within int64, as
 * Spark's from_json reads LongType. `n` was scanned from b[start..end). Returns OK (value in
 * out.value[0]), WIDE (|v| >= 2^53, in out.wide), or a reason: WRONG_TYPE, INT_RANGE.
 */
export function longOf(n: JsonNumber, b: Uint8Array, start: number, end: number, out: ExactOut): number {
  if (n.hasFraction || n.hasExponent) return R.WRONG_TYPE;
  if (n.sigCount === 0) {
    out.value[0] = 0;
    return OK;
  }
  const digits = n.sigCount + n.pow10;
  if (digits > 19) return R.INT_RANGE;
  if (digits <= 15) {
    const v = n.sig * pow10(n.pow10);
    out.value[0] = n.neg ? -v : v;
    return OK;
  }
  let v = BigInt(significantDigits(b, start, end)) * 10n ** BigInt(n.pow10);
  if (n.neg) v = -v;
  if (v < INT64_MIN || v > INT64_MAX) return R.INT_RANGE;
  return exactOrWide(v, out);
}

/** A JSON integer token within int32, as Spark's from_json reads IntegerType. Reasons: WRONG_TYPE, INT_RANGE. */
export function intOf(n: JsonNumber, out: ExactOut): number {
  if (n.hasFraction || n.hasExponent) return R.WRONG_TYPE;
  if (n.sigCount === 0) {
    out.value[0] = 0;
    return OK;
  }
  if (n.sigCount + n.pow10 > 10) return R.INT_RANGE;
  const m = n.sig * pow10(n.pow10);
  const v = n.neg ? -m : m;
  if (v < -2147483648 || v > 2147483647) return R.INT_RANGE;
  out.value[0] = v;
  return OK;
}

/**
 * A number as decimal(precision, scale), value-based and never rounded: the exact value must have
 * at most precision - scale integer digits (else DECIMAL_PRECISION, also when the scale is wrong
 * too) and at most `scale` decimal places once trailing zeros are dropped (else DECIMAL_SCALE), so
 * `1.500`, `15e-1` and `1e2` all fit decimal(5,2). Returns OK with the unscaled value in
 * out.value[0], or WIDE with it in out.wide (|v| >= 2^53), or the reason.
 */
export function unscaledOf(n: JsonNumber, b: Uint8Array, start: number, end: number, precision: number, scale: number, out: ExactOut): number {
  if (n.sigCount === 0) {
    out.value[0] = 0;
    return OK;
  }
  if (n.sigCount + n.pow10 > precision - scale) return R.DECIMAL_PRECISION;
  if (n.pow10 < -scale) return R.DECIMAL_SCALE;
  const digits = n.sigCount + n.pow10 + scale; // digits of the unscaled value, <= precision
  if (digits <= 15) {
    const v = n.sig * pow10(n.pow10 + scale);
    out.value[0] = n.neg ? -v : v;
    return OK;
  }
  let v = BigInt(significantDigits(b, start, end)) * 10n ** BigInt(n.pow10 + scale);
  if (n.neg) v = -v;
  return exactOrWide(v, out);
}

function exactOrWide(v: bigint, out: ExactOut): number {
  if (v > -TWO_53 && v < TWO_53) {
    out.value[0] = Number(v);
    return OK;
  }
  out.wide = v;
  return WIDE;
}

/**
 * A JSON number token as a double, as Jackson's getDoubleValue: correctly rounded (beyond the range
 * it is ±Infinity); `-0` written as an integer is 0, `-0.0` is -0. The fast path is exact: a
 * significand of at most 15 digits and a power of ten of at most 22 are both exact doubles, so one
 * multiplication or division rounds once.
 */
export function doubleOf(n: JsonNumber, b: Uint8Array, start: number, end: number): number {
  if (n.sigCount === 0) return n.neg && (n.hasFraction || n.hasExponent) ? -0 : 0;
  if (n.sigCount <= 15 && n.pow10 >= -22 && n.pow10 <= 22) {
    const m = n.pow10 >= 0 ? n.sig * pow10(n.pow10) : n.sig / pow10(-n.pow10);
    return n.neg ? -m : m;
  }
  return Number(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1'));
}

/**
 * Spark's special double strings (allowNonNumericNumbers, on by default): "NaN", "Infinity",
 * "+Infinity", "+INF" and "-Infinity", "-INF", exactly (case-sensitive); null for any other text.
 */
export function specialDouble(text: string): number | null {
  switch (text) {
    case 'NaN':
      return NaN;
    case 'Infinity':
    case '+Infinity':
    case '+INF':
      return Infinity;
    case '-Infinity':
    case '-INF':
      return -Infinity;
    default:
      return null;
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return c - 0x37;
}

function hex4(b: Uint8Array, p: number): number {
  return (hexDigit(b[p]) << 12) | (hexDigit(b[p + 1]) << 8) | (hexDigit(b[p + 2]) << 4) | hexDigit(b[p + 3]);
}

/**
 * Writes the UTF-8 bytes of a string already validated by JsonScanner.string — content
 * b[start..end) between the quotes, escapes resolved — to out[at..); returns the position after
 * them. Never writes more than end - start bytes (every escape is longer than what it stands for).
 */
export function unescapeInto(b: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let p = start;
  while (p < end) {
    const c = b[p];
    if (c !== 0x5c) {
      out[at++] = c;
      p++;
      continue;
    }
    const e = b[p + 1];
    if (e !== 0x75) {
      out[at++] = e === 0x62 ? 0x08 : e === 0x66 ? 0x0c : e === 0x6e ? 0x0a : e === 0x72 ? 0x0d : e === 0x74 ? 0x09 : e;
      p += 2;
      continue;
    }
    let cp = hex4(b, p + 2);
    p += 6;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      // A high surrogate: the validator guarantees the low one follows as \uDC00–\uDFFF.
      cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(b, p + 2) - 0xdc00);
      p += 6;
    }
    if (cp < 0x80) {
      out[at++] = cp;
    } else if (cp < 0x800) {
      out[at++] = 0xc0 | (cp >> 6);
      out[at++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      out[at++] = 0xe0 | (cp >> 12);
      out[at++] = 0x80 | ((cp >> 6) & 0x3f);
      out[at++] = 0x80 | (cp & 0x3f);
    } else {
      out[at++] = 0xf0 | (cp >> 18);
      out[at++] = 0x80 | ((cp >> 12) & 0x3f);
      out[at++] = 0x80 | ((cp >> 6) & 0x3f);
      out[at++] = 0x80 | (cp & 0x3f);
    }
  }
  return at;
}

/**
 * Writes a validated JSON value b[start..end) without the whitespace between its tokens (strings
 * and numbers kept byte for byte) to out[at..); returns the position after it. This is the text a
 * string field gets when the JSON holds a number, boolean, object or array there.
 */
export function compactJsonInto(b: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let inString = false;
  for (let p = start; p < end; p++) {
    const c = b[p];
    if (inString) {
      out[at++] = c;
      if (c === 0x5c) out[at++] = b[++p];
      else if (c === 0x22) inString = false;
    } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      out[at++] = c;
      if (c === 0x22) inString = true;
    }
  }
  return at;
}
