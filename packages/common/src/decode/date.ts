/**
 * Date strings → days since 1970-01-01, over bytes, as Spark 3.5's from_json reads a DateType
 * field with the default options (no `dateFormat`: the CAST rules of DateTimeUtils.stringToDate):
 *
 *   [ws] [+|-] yyyy[y…] [ '-' m[m] [ '-' d[d] [ (' ' | 'T') anything ] ] ] [ws]
 *
 * - The year has 4 to 7 digits (a sign allowed), month and day 1 or 2 digits; a missing month or
 *   day is 1 (`2024` is 2024-01-01, `2024-3` is 2024-03-01). After the day, a space or 'T' ends the
 *   date and the rest is ignored (`2024-03-05T10:00:00Z` is 2024-03-05), as Spark.
 * - Calendar checked (proleptic Gregorian: Feb 29 only in leap years); the day count must fit int32.
 * - Whitespace trimmed at both ends: bytes 0x09–0x0D, 0x1C–0x20 (Java's Character.isWhitespace).
 * Not accepted (BAD_DATE), unlike Spark's legacy fallback: a bare day count such as "19000" read as
 * days when it is not a year, and the pre-3.0 lenient forms.
 */
import { daysInMonth, epochDays } from './timestamp';

function isTrimmed(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
}

const segments = new Int32Array(3);

/** Days since the epoch of the date text in b[start..end), or NaN. */
export function parseDateBytes(b: Uint8Array, start: number, end: number): number {
  while (start < end && isTrimmed(b[start])) start++;
  while (end > start && isTrimmed(b[end - 1])) end--;
  if (start === end) return NaN;
  let sign = 1;
  let j = start;
  if (b[j] === 0x2d || b[j] === 0x2b) {
    if (b[j] === 0x2d) sign = -1;
    j++;
  }
  segments[0] = 1;
  segments[1] = 1;
  segments[2] = 1;
  let i = 0;
  let value = 0;
  let digits = 0;
  while (j < end && i < 3 && b[j] !== 0x20 && b[j] !== 0x54) {
    const c = b[j];
    if (i < 2 && c === 0x2d) {
      if (!validDigits(i, digits)) return NaN;
      segments[i++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits++;
      if (digits > 7) return NaN;
    } else {
      return NaN;
    }
    j++;
  }
  if (!validDigits(i, digits)) return NaN;
  if (i < 2 && j < end) return NaN; // `yyyy` and `yyyy-[m]m` must be the whole text
  segments[i] = value;
  const year = sign * segments[0];
  const month = segments[1];
  const day = segments[2];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  const days = epochDays(year, month, day);
  return days >= -2147483648 && days <= 2147483647 ? days : NaN;
}

function validDigits(segment: number, digits: number): boolean {
  return segment === 0 ? digits >= 4 && digits <= 7 : digits >= 1 && digits <= 2;
}

/** Parses a whole text as a date (see the module comment): days since the epoch, or 'BAD_DATE'. */
export function parseDateDays(text: string): number | 'BAD_DATE' {
  const b = Buffer.from(text, 'utf8');
  const d = parseDateBytes(b, 0, b.length);
  return Number.isNaN(d) ? 'BAD_DATE' : d;
}
