/**
 * ISO-8601 timestamps → epoch microseconds (UTC), over bytes, with no Date objects.
 *
 * Accepted form (everything else is BAD_TIMESTAMP):
 *
 *   YYYY-MM-DD ('T' | ' ') hh:mm:ss [ '.' 1–9 digits ] [ 'Z' | ('+'|'-') hh [ [':'] mm ] ]
 *
 * - Calendar checked: month 1–12, day within the month (proleptic Gregorian leap years), hour 0–23,
 *   minute and second 0–59 (no leap second, no 24:00). Offsets up to ±18:00, as java.time.
 * - Digits below the microsecond are dropped, as Spark does (the fraction is truncated, so
 *   `…59.9999999` is `…59.999999`, also before 1970).
 * - No offset: the decoder's fixed time zone offset applies (the query time zone).
 * - Range: the result must be a safe integer in a float64 (|µs| <= 2^53-1), i.e. roughly the years
 *   1684 to 2255; outside that it is BAD_TIMESTAMP rather than an inexact value.
 */

import { InvalidArgumentError } from '../errors';

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
// Whole seconds whose µs product is still exact (multiples of 10^6 are even, so exact below 2^54);
// the final range check is on the µs value itself.
const MAX_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1e6) + 1;
const FRACTION_SCALE = [0, 100000, 10000, 1000, 100, 10, 1];

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (month 1–12). */
export function epochDays(year: number, month: number, day: number): number {
  const y1 = year - 1; // whole years before `year`, counted from year 0001
  const daysBeforeYear = 365 * y1 + Math.floor(y1 / 4) - Math.floor(y1 / 100) + Math.floor(y1 / 400);
  const leapDay = month > 2 && isLeapYear(year) ? 1 : 0;
  return daysBeforeYear - 719162 + DAYS_BEFORE_MONTH[month - 1] + leapDay + day - 1;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Value of the two ASCII digits at b[pos], b[pos+1], or -1. */
function d2(b: Uint8Array, pos: number): number {
  const hi = b[pos] - 0x30;
  const lo = b[pos + 1] - 0x30;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/**
 * Parses b[start..end) as a whole timestamp into `out[0]` (epoch µs); returns false if it is not
 * one of the accepted forms. `defaultOffsetSeconds` applies when the text carries no offset. (The
 * result goes through a typed array because returning a non-Smi number allocates a heap number.)
 */
export function parseTimestampBytes(
  b: Uint8Array,
  start: number,
  end: number,
  defaultOffsetSeconds: number,
  out: Float64Array,
): boolean {
  return scanTimestampBytes(b, start, end, defaultOffsetSeconds, out) === end;
}

/**
 * Scans the longest accepted timestamp starting at b[start], reading no further than `limit`, into
 * `out[0]`; returns the position after it, or -1 when no accepted timestamp starts there. Every
 * byte it accepts is ASCII ('0'–'9', '-', ':', '.', 'T', ' ', 'Z', '+'). A text is a whole
 * timestamp exactly when the scan returns its end.
 */
export function scanTimestampBytes(
  b: Uint8Array,
  start: number,
  limit: number,
  defaultOffsetSeconds: number,
  out: Float64Array,
): number {
  // Fixed part: YYYY-MM-DDThh:mm:ss is 19 bytes.
  if (limit - start < 19) return -1;
  const century = d2(b, start);
  const yy = d2(b, start + 2);
  const month = d2(b, start + 5);
  const day = d2(b, start + 8);
  const hour = d2(b, start + 11);
  const minute = d2(b, start + 14);
  const second = d2(b, start + 17);
  if ((century | yy | month | day | hour | minute | second) < 0) return -1;
  const year = century * 100 + yy;
  const sep = b[start + 10];
  if (b[start + 4] !== 0x2d || b[start + 7] !== 0x2d || (sep !== 0x54 && sep !== 0x20)) return -1;
  if (b[start + 13] !== 0x3a || b[start + 16] !== 0x3a) return -1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return -1;
  if (hour > 23 || minute > 59 || second > 59) return -1;

  let pos = start + 19;
  let micros = 0;
  if (pos < limit && b[pos] === 0x2e) {
    pos++;
    let n = 0;
    while (pos < limit && b[pos] >= 0x30 && b[pos] <= 0x39) {
      if (n < 6) micros = micros * 10 + (b[pos] - 0x30);
      n++;
      pos++;
    }
    if (n === 0 || n > 9) return -1;
    if (n < 6) micros *= FRACTION_SCALE[n];
  }

  let offsetSeconds = defaultOffsetSeconds;
  const c = pos < limit ? b[pos] : -1;
  if (c === 0x5a || c === 0x2b || c === 0x2d) {
    const after = scanOffsetBytes(b, pos, limit, offsetOut);
    if (after < 0) return -1;
    offsetSeconds = offsetOut[0];
    pos = after;
  }

  const seconds = epochDays(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  if (seconds > MAX_SECONDS || seconds < -MAX_SECONDS) return -1;
  const us = seconds * 1e6 + micros;
  if (us > Number.MAX_SAFE_INTEGER || us < -Number.MAX_SAFE_INTEGER) return -1;
  out[0] = us;
  return pos;
}

const offsetOut = new Float64Array(1);

/**
 * The longest offset designator at b[pos..limit): 'Z', ±hh:mm, ±hhmm or ±hh (at most ±18:00), east
 * of UTC in seconds into `out[0]`. Returns the position after it, or -1.
 */
function scanOffsetBytes(b: Uint8Array, pos: number, limit: number, out: Float64Array): number {
  const c = b[pos];
  if (c === 0x5a) {
    out[0] = 0;
    return pos + 1;
  }
  if (c !== 0x2b && c !== 0x2d) return -1;
  const hh = pos + 3 <= limit ? d2(b, pos + 1) : -1;
  if (hh < 0) return -1;
  let mm = 0;
  let after = pos + 3;
  if (after + 3 <= limit && b[after] === 0x3a && d2(b, after + 1) >= 0) {
    mm = d2(b, after + 1);
    after += 3;
  } else if (after + 2 <= limit && d2(b, after) >= 0) {
    mm = d2(b, after);
    after += 2;
  }
  if (mm > 59) return -1;
  const total = hh * 3600 + mm * 60;
  if (total > 18 * 3600) return -1;
  out[0] = c === 0x2d ? -total : total;
  return after;
}

/**
 * A whole offset designator at b[pos..end): 'Z', ±hh, ±hhmm or ±hh:mm (at most ±18:00).
 * Returns the offset east of UTC in seconds, or NaN.
 */
function parseOffsetBytes(b: Uint8Array, pos: number, end: number): number {
  return scanOffsetBytes(b, pos, end, offsetOut) === end ? offsetOut[0] : NaN;
}

/**
 * The query time zone as a fixed offset east of UTC in seconds: 'UTC', 'GMT', 'Z', or an offset
 * '+hh:mm', '-hh:mm', '+hhmm', '+hh' (optionally prefixed by 'UTC' or 'GMT'). Region ids such as
 * 'Europe/Paris' are not supported yet (their offset changes with daylight saving). NaN if
 * unsupported.
 */
export function parseTimeZoneOffsetSeconds(timeZone: string): number {
  let tz = timeZone.trim();
  if (tz === 'UTC' || tz === 'GMT' || tz === 'Z') return 0;
  if (tz.startsWith('UTC') || tz.startsWith('GMT')) tz = tz.slice(3);
  if (!/^[+-][0-9]/.test(tz)) return NaN;
  const b = Buffer.from(tz, 'latin1');
  return parseOffsetBytes(b, 0, b.length);
}

/**
 * Parses a whole text as a timestamp (see the module comment). Returns epoch µs, or
 * 'BAD_TIMESTAMP'. `timeZone` applies to texts without an offset (default 'UTC').
 */
export function parseTimestampMicros(text: string | Uint8Array, timeZone = 'UTC'): number | 'BAD_TIMESTAMP' {
  const offset = parseTimeZoneOffsetSeconds(timeZone);
  if (Number.isNaN(offset)) throw new InvalidArgumentError(`unsupported time zone ${JSON.stringify(timeZone)}: use 'UTC' or a fixed offset such as '+02:00'`);
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const out = new Float64Array(1);
  return parseTimestampBytes(b, 0, b.length, offset, out) ? out[0] : 'BAD_TIMESTAMP';
}

/** Formats epoch µs (a safe integer) as 'YYYY-MM-DDThh:mm:ss.ffffffZ', which parses back exactly. */
export function formatTimestampMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const subMs = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDThh:mm:ss.sssZ for years 0000–9999
  return iso.slice(0, 23) + String(subMs).padStart(3, '0') + 'Z';
}
