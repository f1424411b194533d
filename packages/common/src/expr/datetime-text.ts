/**
 * Dates and timestamps as Spark 3.5 reads and prints them in casts (Spark's DateTimeUtils
 * stringToDate / stringToTimestamp and the default formatters of Cast.scala), for a session time
 * zone that is UTC or a fixed offset. Dates are days since 1970-01-01; timestamps µs since the epoch.
 *
 *   string → date       trimmed 'yyyy', 'yyyy-[m]m', 'yyyy-[m]m-[d]d', optionally followed by ' …' or 'T…'
 *   string → timestamp  a date form above (midnight in the session zone), or
 *                       'yyyy-MM-dd[ T]HH:mm:ss[.fraction][Z|±hh[:mm]]' (decode/timestamp.ts)
 *   date → string       'yyyy-MM-dd'
 *   timestamp → string  'yyyy-MM-dd HH:mm:ss[.ffffff]' in the session zone, trailing fraction zeros dropped
 */
import { InvalidArgumentError } from '../errors';
import { epochDays, parseTimestampBytes, parseTimeZoneOffsetSeconds } from '../decode/timestamp';

export const MICROS_PER_DAY = 86_400_000_000;
export const MICROS_PER_SECOND = 1_000_000;

/** The session time zone's offset east of UTC in seconds; refuses zones that are not UTC or a fixed offset. */
export function timeZoneOffsetSeconds(timeZone: string): number {
  const offset = parseTimeZoneOffsetSeconds(timeZone);
  if (Number.isNaN(offset)) {
    throw new InvalidArgumentError(`unsupported session time zone ${JSON.stringify(timeZone)}: use 'UTC' or a fixed offset such as '+02:00'`, { code: 'UNSUPPORTED_TIME_ZONE' });
  }
  return offset;
}

/**
 * Trims what Spark trims before parsing numbers, dates, timestamps and booleans: the bytes
 * 0x00–0x20 and 0x7F (UTF8String.isWhitespaceOrISOControl over single bytes).
 */
export function sparkTrim(text: string): string {
  return text.replace(/^[\u0000-\u0020\u007f]+|[\u0000-\u0020\u007f]+$/g, '');
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since the epoch of a date text (the forms above), or null when Spark's cast gives null. */
export function parseDateText(text: string): number | null {
  const m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T].*)?)?)?$/s.exec(sparkTrim(text));
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return null;
  if (d > (mo === 2 && isLeap(y) ? 29 : MONTH_DAYS[mo - 1])) return null;
  return epochDays(y, mo, d);
}

/** µs since the epoch of a timestamp text, or null. `offsetSeconds` applies to texts without a zone. */
export function parseTimestampText(text: string, offsetSeconds: number): number | null {
  const t = sparkTrim(text);
  if (/^\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?$/.test(t)) {
    const days = parseDateText(t);
    return days === null ? null : days * MICROS_PER_DAY - offsetSeconds * MICROS_PER_SECOND;
  }
  const b = Buffer.from(t, 'utf8');
  const out = new Float64Array(1);
  return parseTimestampBytes(b, 0, b.length, offsetSeconds, out) ? out[0] : null;
}

/** Proleptic Gregorian [year, month 1–12, day 1–31] of a day number (days since 1970-01-01). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** 'yyyy-MM-dd' of a day number. */
export function formatDateText(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${y < 0 ? '-' + pad(-y, 4) : pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** 'yyyy-MM-dd HH:mm:ss[.ffffff]' of µs since the epoch in a zone `offsetSeconds` east of UTC. */
export function formatTimestampText(micros: number, offsetSeconds: number): string {
  const local = micros + offsetSeconds * MICROS_PER_SECOND;
  const days = Math.floor(local / MICROS_PER_DAY);
  const inDay = local - days * MICROS_PER_DAY;
  const secs = Math.floor(inDay / MICROS_PER_SECOND);
  const frac = inDay - secs * MICROS_PER_SECOND;
  const hms = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  const fraction = frac === 0 ? '' : '.' + pad(frac, 6).replace(/0+$/, '');
  return `${formatDateText(days)} ${hms}${fraction}`;
}
