/**
 * Date and time kernels (Spark's datetimeExpressions.scala) for a session time zone that is a fixed
 * offset from UTC (`offsetMicros` east of UTC): hour, dayofweek, date_trunc, date_format.
 * Timestamps are µs since the epoch and never wide; dates are days since 1970-01-01.
 */
import {
  civilFromDays, MICROS_PER_DAY, parseDateFormat, type BytesVector, type DateFormatToken, type ExactVector,
  type Int32Vector, type SqlType,
} from '@tributary/common';
import { allocVector, andValidity, allValid, BytesBuilder, stringAt, type Operand } from './vectors';

const MICROS_PER_HOUR = 3_600_000_000;

function floorMod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}

/** hour(ts): 0–23 in the session time zone. */
export function hour(a: Operand, offsetMicros: number, n: number): Int32Vector {
  const x = (a.v as ExactVector).values;
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = Math.floor(floorMod(x[i & a.m] + offsetMicros, MICROS_PER_DAY) / MICROS_PER_HOUR);
  return { type: { kind: 'int' } as Int32Vector['type'], validity: andValidity([a], n), values };
}

/** dayofweek(date): 1 = Sunday … 7 = Saturday (1970-01-01 was a Thursday, 5). */
export function dayOfWeek(a: Operand, n: number): Int32Vector {
  const x = (a.v as Int32Vector).values;
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = floorMod(x[i & a.m] + 4, 7) + 1;
  return { type: { kind: 'int' } as Int32Vector['type'], validity: andValidity([a], n), values };
}

type TruncUnit = 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second' | 'millisecond' | 'microsecond';
const UNITS: Record<string, TruncUnit> = {
  YEAR: 'year', YYYY: 'year', YY: 'year', QUARTER: 'quarter', MONTH: 'month', MM: 'month', MON: 'month',
  WEEK: 'week', DAY: 'day', DD: 'day', HOUR: 'hour', MINUTE: 'minute', SECOND: 'second',
  MILLISECOND: 'millisecond', MICROSECOND: 'microsecond',
};
const FIXED_UNIT_MICROS: Partial<Record<TruncUnit, number>> = {
  day: MICROS_PER_DAY, hour: MICROS_PER_HOUR, minute: 60_000_000, second: 1_000_000, millisecond: 1000, microsecond: 1,
};

function firstDayOfMonth(days: number, monthStep: number): number {
  const [y, m] = civilFromDays(days);
  const month = m - ((m - 1) % monthStep);
  return Date.UTC(y, month - 1, 1) / 86_400_000;
}

function truncLocal(local: number, unit: TruncUnit): number {
  const fixed = FIXED_UNIT_MICROS[unit];
  if (fixed !== undefined) return local - floorMod(local, fixed);
  const days = Math.floor(local / MICROS_PER_DAY);
  switch (unit) {
    case 'week': return (days - floorMod(days + 3, 7)) * MICROS_PER_DAY; // back to Monday
    case 'month': return firstDayOfMonth(days, 1) * MICROS_PER_DAY;
    case 'quarter': return firstDayOfMonth(days, 3) * MICROS_PER_DAY;
    default: {
      const [y] = civilFromDays(days);
      return (Date.UTC(y, 0, 1) / 86_400_000) * MICROS_PER_DAY;
    }
  }
}

/**
 * date_trunc(unit, ts): ts truncated in the session time zone to the unit (case-insensitive; WEEK
 * starts on Monday). An unknown unit gives null, as TruncTimestamp does. The unit is read once
 * when constant, per row otherwise.
 */
export function dateTrunc(unit: Operand, ts: Operand, offsetMicros: number, n: number): ExactVector {
  const out = allocVector({ kind: 'timestamp' }, n) as ExactVector;
  out.validity = andValidity([unit, ts], n);
  const x = (ts.v as ExactVector).values;
  const u = unit.v as BytesVector;
  const constantUnit = unit.m === 0 ? UNITS[stringAt(u, 0).toUpperCase()] : undefined;
  for (let i = 0; i < n; i++) {
    if (out.validity !== null && out.validity[i] === 0) continue;
    const un = unit.m === 0 ? constantUnit : UNITS[stringAt(u, i).toUpperCase()];
    if (un === undefined) { (out.validity ??= allValid(n))[i] = 0; continue; }
    out.values[i] = truncLocal(x[i & ts.m] + offsetMicros, un) - offsetMicros;
  }
  return out;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}

/** One timestamp printed by the tokens (per row as a JS string: the output is text by nature). */
function formatLocal(tokens: readonly DateFormatToken[], local: number): string {
  const days = Math.floor(local / MICROS_PER_DAY);
  const inDay = local - days * MICROS_PER_DAY;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(inDay / MICROS_PER_HOUR);
  const mi = Math.floor(inDay / 60_000_000) % 60;
  const s = Math.floor(inDay / 1_000_000) % 60;
  const micros = inDay % 1_000_000;
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'text') { out += t.text; continue; }
    const c = t.count;
    switch (t.letter) {
      case 'y': out += c === 2 ? pad(floorMod(y, 100), 2) : pad(y, c); break;
      case 'M': out += c >= 4 ? MONTHS[mo - 1] : c === 3 ? MONTHS[mo - 1].slice(0, 3) : pad(mo, c); break;
      case 'd': out += pad(d, c); break;
      case 'D': out += pad(days - Date.UTC(y, 0, 1) / 86_400_000 + 1, c); break;
      case 'H': out += pad(h, c); break;
      case 'h': out += pad(h % 12 === 0 ? 12 : h % 12, c); break;
      case 'm': out += pad(mi, c); break;
      case 's': out += pad(s, c); break;
      case 'S': out += pad(micros, 6).slice(0, c); break;
      case 'a': out += h < 12 ? 'AM' : 'PM'; break;
      case 'E': {
        const name = WEEKDAYS[floorMod(days + 3, 7)];
        out += c >= 4 ? name : name.slice(0, 3);
        break;
      }
    }
  }
  return out;
}

/** date_format(ts, fmt): fmt is a constant pattern, parsed once. */
export function dateFormat(ts: Operand, fmt: string, offsetMicros: number, n: number): BytesVector {
  const tokens = parseDateFormat(fmt);
  const x = (ts.v as ExactVector).values;
  const validity = andValidity([ts], n);
  const b = new BytesBuilder(n);
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) { b.endRow(); continue; }
    b.appendString(formatLocal(tokens, x[i & ts.m] + offsetMicros));
  }
  const out = b.finish({ kind: 'string' } as SqlType);
  out.validity = validity;
  return out;
}
