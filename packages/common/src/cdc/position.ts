/**
 * Source log positions as exact numbers. Every format's position becomes a pair (major, minor) of
 * exact integers below 2^53, compared major first, never as text:
 *
 *   GoldenGate `pos`, Debezium `scn` (digits, text of up to 25 digits; an Oracle SCN passes 10^9,
 *   a GoldenGate pos is a 20-digit trail sequence and RBA), Debezium `lsn` (an integer):
 *       major = ⌊v / 10^10⌋, minor = v mod 10^10
 *   Debezium binlog (MySQL: `file` "mysql-bin.000003", `pos`, `row`):
 *       major = the file's index (its trailing digits), minor = pos × 2^16 + row
 *       (a binlog position restarts in each file, so the file comes first)
 */
const TEN10 = 1e10;
const ROW_SPAN = 65536;
export const MAX_DIGITS = 25;

/** compare(a, b) < 0 when position a is before b. */
export function comparePositions(aMajor: number, aMinor: number, bMajor: number, bMinor: number): number {
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/**
 * The digits b[start..end) (text of a non-negative integer) as a position into out[at], or false
 * when they are not 1..25 ASCII digits.
 */
export function digitsPosition(b: Uint8Array, start: number, end: number, major: Float64Array, minor: Float64Array, at: number): boolean {
  const n = end - start;
  if (n < 1 || n > MAX_DIGITS) return false;
  const split = Math.max(start, end - 10);
  let hi = 0;
  let lo = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) return false;
    if (i < split) hi = hi * 10 + d;
    else lo = lo * 10 + d;
  }
  major[at] = hi;
  minor[at] = lo;
  return true;
}

/** A non-negative exact integer (below 2^53, or `wide` when larger) as a position. */
export function integerPosition(v: number, wide: bigint | undefined, major: Float64Array, minor: Float64Array, at: number): boolean {
  if (wide !== undefined) {
    if (wide < 0n) return false;
    major[at] = Number(wide / 10_000_000_000n);
    minor[at] = Number(wide % 10_000_000_000n);
    return true;
  }
  if (!(v >= 0)) return false;
  const lo = v % TEN10;
  major[at] = (v - lo) / TEN10;
  minor[at] = lo;
  return true;
}

/**
 * A binlog coordinate: the file name's trailing digits b[start..end) are its index; `pos` and
 * `row` within it. False when the name has no trailing digits or pos/row are out of range.
 */
export function binlogPosition(b: Uint8Array, start: number, end: number, pos: number, row: number, major: Float64Array, minor: Float64Array, at: number): boolean {
  let i = end;
  while (i > start && b[i - 1] >= 0x30 && b[i - 1] <= 0x39) i--;
  if (i === end || end - i > 15) return false;
  let index = 0;
  for (let k = i; k < end; k++) index = index * 10 + (b[k] - 0x30);
  if (!(pos >= 0 && pos < 2 ** 36) || !(row >= 0 && row < ROW_SPAN)) return false;
  major[at] = index;
  minor[at] = pos * ROW_SPAN + row;
  return true;
}

/** A position as text for messages and the docs' tables: "major:minor". */
export function positionText(major: number, minor: number): string {
  return `${major}:${minor}`;
}
