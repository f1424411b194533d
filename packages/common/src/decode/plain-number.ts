/**
 * Fast paths for the number forms events carry most: a plain integer (`12345`, `-7`) and a plain
 * decimal (`123.45`, `-0.5`, `12`). Each either reads exactly that form and returns the position
 * after it, or returns -1 and leaves the number to the general scanner (json-number.ts), which
 * decides validity, exactness and the error to report. A form is taken only when the byte after it
 * cannot continue a JSON number ('.', 'e', 'E', a digit), so the general scanner would have stopped
 * at the same place with the same value.
 */

const C0 = 0x30;
const C9 = 0x39;

function continuesNumber(c: number): boolean {
  return c === 0x2e || c === 0x65 || c === 0x45 || (c >= C0 && c <= C9);
}

/**
 * `-?(0|[1-9][0-9]{0,maxDigits-1})` at pos: its magnitude into digits[0] and 1 into digits[1] when
 * it is negative. Returns the position after it, or -1.
 */
const digits = new Float64Array(2);

function scanSignedDigits(b: Uint8Array, pos: number, end: number, maxDigits: number): number {
  let p = pos;
  digits[1] = 0;
  if (p < end && b[p] === 0x2d) {
    digits[1] = 1;
    p++;
  }
  if (p >= end) return -1;
  let c = b[p];
  if (c < C0 || c > C9) return -1;
  let v = c - C0;
  p++;
  if (v !== 0) {
    const last = Math.min(end, p + maxDigits - 1);
    while (p < last && (c = b[p]) >= C0 && c <= C9) {
      v = v * 10 + (c - C0);
      p++;
    }
  }
  digits[0] = v;
  return p;
}

/**
 * `-?(0|[1-9][0-9]{0,8})` (at most 9 digits, so always within int32), not followed by a byte that
 * continues a number. Writes the value to out[0] (-0 is 0).
 */
export function scanPlainInt32(b: Uint8Array, pos: number, end: number, out: Float64Array): number {
  const p = scanSignedDigits(b, pos, end, 9);
  if (p < 0 || (p < end && continuesNumber(b[p]))) return -1;
  out[0] = digits[1] === 1 ? 0 - digits[0] : digits[0];
  return p;
}

/** `-?(0|[1-9][0-9]*)` of any length, not followed by a byte that continues a number: validation only. */
export function skipPlainInteger(b: Uint8Array, pos: number, end: number): number {
  let p = pos;
  if (p < end && b[p] === 0x2d) p++;
  if (p >= end) return -1;
  const c = b[p];
  if (c < C0 || c > C9) return -1;
  p++;
  if (c !== C0) while (p < end && b[p] >= C0 && b[p] <= C9) p++;
  if (p < end && continuesNumber(b[p])) return -1;
  return p;
}

const POW10_SMALL = [1, 10, 100, 1000, 10000, 100000, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A decimal(p,s) value in plain form, as its unscaled integer: `-?(0|[1-9][0-9]{0,maxIntDigits-1})`
 * then, when scale > 0, optionally `\.[0-9]{1,scale}`; not followed by a byte that continues a
 * number. Only for 1 <= maxIntDigits and maxIntDigits + scale <= 15 (the result is exact). Writes
 * the unscaled value to out[0] (-0 is 0): `12.5` at scale 2 is 1250.
 */
export function scanPlainUnscaled(b: Uint8Array, pos: number, end: number, maxIntDigits: number, scale: number, out: Float64Array): number {
  let p = scanSignedDigits(b, pos, end, maxIntDigits);
  if (p < 0) return -1;
  let v = digits[0] * POW10_SMALL[scale];
  if (p < end && b[p] === 0x2e && scale > 0) {
    p++;
    let n = 0;
    let frac = 0;
    let c: number;
    while (n < scale && p < end && (c = b[p]) >= C0 && c <= C9) {
      frac = frac * 10 + (c - C0);
      n++;
      p++;
    }
    if (n === 0) return -1;
    v += frac * POW10_SMALL[scale - n];
  }
  if (p < end && continuesNumber(b[p])) return -1;
  out[0] = digits[1] === 1 ? 0 - v : v;
  return p;
}
