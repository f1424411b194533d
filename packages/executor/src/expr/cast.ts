/**
 * CAST kernels, Spark 3.5 with spark.sql.ansi.enabled=false (expressions/Cast.scala). The catalog
 * has refused the casts Spark refuses; here every allowed pair has a kernel.
 *
 *   string → int/bigint   UTF8String.toInt/toLong: trimmed (whitespace and control characters),
 *                         [+-]digits, an optional '.' followed only by digits (truncated); anything
 *                         else, or out of range, is null. Read from the bytes.
 *   string → double       trimmed Java number text (also 'd'/'f' suffixes), or inf/+inf/-inf/
 *                         infinity/nan in any case; else null.
 *   string → decimal      BigDecimal text, rounded HALF_UP to the scale; null if invalid or too wide.
 *   string → boolean      t/true/y/yes/1 and f/false/n/no/0, trimmed, any case; else null.
 *   string → date/timestamp  the forms of datetime-text.ts; else null.
 *   number → int/bigint   bigint → int wraps; double → integral truncates toward zero and saturates,
 *                         NaN is 0 (Java's d2i/d2l); decimal → integral truncates, then wraps.
 *   number → decimal      exact, HALF_UP to the scale (a double through its shortest text, as
 *                         Decimal(d: Double)); NaN/Infinity or too wide: null.
 *   decimal → double      correctly rounded.
 *   timestamp ↔ number    seconds since the epoch (to integral: floor; to decimal: through the
 *                         double of seconds, as Spark); number → timestamp beyond
 *                         what a µs value holds exactly (±2^53 µs, years 1684–2255) is null here.
 *   timestamp ↔ date      in the session time zone.   date → number/boolean: null (Spark too).
 *   → string              Spark's text: doubles as Java's Double.toString (1.0E7, 1.0E-4, NaN,
 *                         Infinity), decimals plain, dates yyyy-MM-dd, timestamps in the session zone.
 *   struct, array         field by field, element by element.
 * Reading strings as numbers other than int/bigint, and printing doubles/decimals/dates, decodes or
 * builds one JS string per row: these conversions are text by nature.
 */
import {
  changePrecision, MICROS_PER_DAY, parseDateText, sparkTrim, parseDecimalText, parseTimestampText, pow10n, type ArrayVector,
  type BooleanVector, type BytesVector, type DecimalType, type DoubleVector, type ExactVector, type Int32Vector,
  type SqlType, type StructVector, type Vector,
} from '@tributary/common';
import { allocVector, andValidity, allValid, exactAt, isSafe, setExact, stringAt, type Operand } from './vectors';
import { toBinary, toText } from './cast-to-bytes';

type Kind = SqlType['kind'];

export function cast(a: Operand, to: SqlType, offsetSeconds: number, n: number): Vector {
  const from = a.v.type.kind;
  if (to.kind === 'string') return toText(a, to, offsetSeconds, n);
  if (to.kind === 'binary') return toBinary(a, n);
  if (to.kind === 'struct') {
    const s = a.v as StructVector;
    const children = s.children.map((c, k) => cast({ v: c, m: a.m }, to.fields[k].type, offsetSeconds, n));
    return { type: to, validity: andValidity([a], n), children };
  }
  if (to.kind === 'array') {
    const arr = a.v as ArrayVector;
    if (a.m === 0) throw new Error('a constant array cannot be cast');
    const element = cast({ v: arr.element, m: -1 }, to.element, offsetSeconds, arr.offsets[n]);
    return { type: to, validity: arr.validity, offsets: arr.offsets, element };
  }
  const out = allocVector(to, n);
  out.validity = andValidity([a], n);
  if (fastCast(a, out, offsetSeconds, n)) return out;
  const put = writer(out, n);
  const read = reader(a, from, to, offsetSeconds);
  for (let i = 0; i < n; i++) {
    if (out.validity !== null && out.validity[i] === 0) continue;
    put(i, read(i));
  }
  return out;
}

/**
 * The frequent exact conversions as plain loops over the typed arrays: int → bigint/double,
 * bigint → double, int/bigint → decimal and decimal → wider decimal with small factors,
 * decimal → double, date ↔ timestamp. false when the pair (or a wide value) needs the general path.
 */
function fastCast(a: Operand, out: Vector, offsetSeconds: number, n: number): boolean {
  const m = a.m;
  const from = a.v.type;
  const to = out.type;
  const src = (a.v as { values?: Int32Array | Float64Array }).values;
  const dst = (out as { values?: Float64Array | Int32Array }).values;
  if (src === undefined || dst === undefined) return false;
  if ((from.kind === 'long' || from.kind === 'timestamp' || from.kind === 'decimal') && (a.v as ExactVector).wide !== null) return false;
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    // Widening that always fits, with unscaled results below 10^15 < 2^53: a multiplication.
    const up = to.scale - from.scale;
    if (up < 0 || to.precision - to.scale < from.precision - from.scale || from.precision + up > 15) return false;
    const f = 10 ** up;
    for (let i = 0; i < n; i++) dst[i] = src[i & m] * f;
    return true;
  }
  if (from.kind === 'decimal' && to.kind === 'double' && from.scale <= 22) {
    // Both the unscaled value (< 2^53, no wide rows) and 10^scale are exact doubles, so one IEEE
    // division is the correctly rounded value.
    const f = 10 ** from.scale;
    for (let i = 0; i < n; i++) dst[i] = src[i & m] / f;
    return true;
  }
  if (from.kind === 'int' && (to.kind === 'long' || to.kind === 'double')) {
    for (let i = 0; i < n; i++) dst[i] = src[i & m];
    return true;
  }
  if (from.kind === 'long' && to.kind === 'double') {
    for (let i = 0; i < n; i++) dst[i] = src[i & m];
    return true;
  }
  if ((from.kind === 'int' || from.kind === 'long') && to.kind === 'decimal' && to.precision - to.scale >= (from.kind === 'int' ? 10 : 20) && to.precision <= 15) {
    // Fits by type (no null possible) and the unscaled values stay below 10^15 < 2^53.
    const f = 10 ** to.scale;
    for (let i = 0; i < n; i++) dst[i] = src[i & m] * f;
    return true;
  }
  if (from.kind === 'date' && to.kind === 'timestamp') {
    const off = offsetSeconds * 1_000_000;
    for (let i = 0; i < n; i++) dst[i] = src[i & m] * MICROS_PER_DAY - off;
    return true;
  }
  if (from.kind === 'timestamp' && to.kind === 'date') {
    const off = offsetSeconds * 1_000_000;
    for (let i = 0; i < n; i++) dst[i] = Math.floor((src[i & m] + off) / MICROS_PER_DAY);
    return true;
  }
  return false;
}

/**
 * A row's value on its way between types: a number (int, double, boolean 0/1, date days, or an
 * exact integer < 2^53 for long/timestamp), a bigint (exact integer), a decimal, or null.
 */
type Value = number | bigint | { unscaled: bigint; scale: number } | null;

function reader(a: Operand, from: Kind, to: SqlType, offsetSeconds: number): (i: number) => Value {
  const m = a.m;
  const conv = converter(from, to, offsetSeconds);
  switch (from) {
    case 'boolean': case 'int': case 'date': case 'double': {
      const x = (a.v as BooleanVector | Int32Vector | DoubleVector).values;
      return (i) => conv(x[i & m]);
    }
    case 'long': case 'timestamp': {
      const e = a.v as ExactVector;
      return (i) => {
        const x = e.values[i & m];
        return conv(x === x ? x : exactAt(e, i & m));
      };
    }
    case 'decimal': {
      const e = a.v as ExactVector;
      const scale = (e.type as DecimalType).scale;
      return (i) => conv({ unscaled: exactAt(e, i & m), scale });
    }
    case 'string': {
      const s = a.v as BytesVector;
      if (to.kind === 'int' || to.kind === 'long') {
        const bits = to.kind === 'int' ? 32 : 64;
        return (i) => parseIntegralBytes(s.data, s.offsets[i & m], s.offsets[(i & m) + 1], bits);
      }
      return (i) => conv(stringAt(s, i & m));
    }
    default:
      throw new Error(`cast from ${from} to ${to.kind} is not supported`);
  }
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

function toBig(v: Value): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

/** Decimal value → integer, truncated toward zero. */
function truncDecimal(d: { unscaled: bigint; scale: number }): bigint {
  return d.scale >= 0 ? d.unscaled / pow10n(d.scale) : d.unscaled * pow10n(-d.scale);
}

function decimalToDouble(d: { unscaled: bigint; scale: number }): number {
  return Number(`${d.unscaled}e${-d.scale}`);
}

function fitDecimal(d: { unscaled: bigint; scale: number } | null, to: DecimalType): Value {
  if (d === null) return null;
  const u = changePrecision(d.unscaled, d.scale, to.precision, to.scale);
  return u === null ? null : { unscaled: u, scale: to.scale };
}

/** Timestamp µs from a number of seconds as bigint µs, or null beyond ±2^53 µs. */
function microsOrNull(us: bigint): Value {
  return us < 9007199254740992n && us > -9007199254740992n ? Number(us) : null;
}

function doubleToDecimalText(d: number): { unscaled: bigint; scale: number } | null {
  return Number.isFinite(d) ? parseDecimalText(String(d)) : null;
}

/** The conversion of one value of kind `from` into `to` (no strings on the way out: see toText). */
function converter(from: Kind, to: SqlType, offsetSeconds: number): (x: any) => Value {
  const offsetMicros = offsetSeconds * 1_000_000;
  const t = to.kind;
  switch (from) {
    case 'string': return (s: string) => fromText(s, to, offsetSeconds);
    case 'boolean':
      if (t === 'decimal') return (x: number) => fitDecimal({ unscaled: BigInt(x), scale: 0 }, to as DecimalType);
      return (x: number) => x; // 1/0 as number, boolean, or µs for a timestamp
    case 'int': case 'long':
      switch (t) {
        case 'boolean': return (x) => (x != 0 ? 1 : 0);
        case 'int': return (x) => (typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : x | 0);
        case 'long': case 'double': return (x) => (typeof x === 'bigint' && t === 'double' ? Number(x) : x);
        case 'decimal': return (x) => fitDecimal({ unscaled: toBig(x), scale: 0 }, to as DecimalType);
        case 'timestamp': {
          // SECONDS.toMicros saturates at the bigint range; beyond ±2^53 µs Tributary gives null.
          return (x) => microsOrNull(toBig(x) * 1_000_000n);
        }
      }
      break;
    case 'double':
      switch (t) {
        case 'boolean': return (x: number) => (x !== 0 ? 1 : 0);
        case 'int': return (x: number) => (x !== x ? 0 : x >= INT_MAX ? INT_MAX : x <= INT_MIN ? INT_MIN : Math.trunc(x) + 0);
        case 'long': return (x: number) => {
          if (x !== x) return 0;
          const v = Math.trunc(x) + 0;
          if (isSafe(v)) return v;
          if (v >= 9223372036854775807) return LONG_MAX;
          if (v <= -9223372036854775808) return LONG_MIN;
          return BigInt(v);
        };
        case 'decimal': return (x: number) => fitDecimal(doubleToDecimalText(x), to as DecimalType);
        case 'timestamp': return (x: number) => (Number.isFinite(x) ? microsOrNull(BigInt(Math.trunc(x * 1e6))) : null);
      }
      break;
    case 'decimal':
      switch (t) {
        case 'boolean': return (d) => (d.unscaled !== 0n ? 1 : 0);
        case 'int': return (d) => Number(BigInt.asIntN(32, BigInt.asIntN(64, truncDecimal(d))));
        case 'long': return (d) => BigInt.asIntN(64, truncDecimal(d));
        case 'double': return decimalToDouble;
        case 'decimal': return (d) => fitDecimal(d, to as DecimalType);
        case 'timestamp': return (d) => microsOrNull(BigInt.asIntN(64, truncDecimal({ unscaled: d.unscaled * 1_000_000n, scale: d.scale })));
      }
      break;
    case 'timestamp': {
      const seconds = (x: number | bigint) => {
        const b = toBig(x);
        const q = b / 1_000_000n;
        return b < 0n && q * 1_000_000n !== b ? q - 1n : q; // floor
      };
      switch (t) {
        case 'boolean': return (x) => (x != 0 ? 1 : 0);
        case 'int': return (x) => Number(BigInt.asIntN(32, seconds(x)));
        case 'long': return (x) => seconds(x);
        case 'double': return (x) => Number(x) / 1e6;
        // Spark goes through the double of seconds here ("we lose precision here", Cast.scala).
        case 'decimal': return (x) => fitDecimal(doubleToDecimalText(Number(x) / 1e6), to as DecimalType);
        case 'date': return (x) => Math.floor((Number(x) + offsetMicros) / MICROS_PER_DAY);
      }
      break;
    }
    case 'date':
      switch (t) {
        case 'timestamp': return (x: number) => x * MICROS_PER_DAY - offsetMicros;
        default: return () => null; // date → boolean or a number: always null in Spark
      }
  }
  throw new Error(`cast from ${from} to ${t} is not supported`);
}

const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', '1']);
const FALSE_TEXT = new Set(['f', 'false', 'n', 'no', '0']);

const trimAll = sparkTrim;

function fromText(text: string, to: SqlType, offsetSeconds: number): Value {
  switch (to.kind) {
    case 'boolean': {
      const s = trimAll(text).toLowerCase();
      return TRUE_TEXT.has(s) ? 1 : FALSE_TEXT.has(s) ? 0 : null;
    }
    case 'double': return parseDoubleText(text);
    case 'decimal': return fitDecimal(parseDecimalText(trimAll(text)), to);
    case 'date': return parseDateText(trimAll(text));
    case 'timestamp': return parseTimestampText(trimAll(text), offsetSeconds);
    default: throw new Error(`cast from string to ${to.kind} is not supported`);
  }
}

/** Java's Double.parseDouble forms plus Spark's special words (Cast.processFloatingPointSpecialLiterals). */
function parseDoubleText(text: string): number | null {
  const s = trimAll(text);
  switch (s.toLowerCase()) {
    case 'inf': case '+inf': case 'infinity': case '+infinity': return Infinity;
    case '-inf': case '-infinity': return -Infinity;
    case 'nan': return NaN;
  }
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[dDfF]?$/.exec(s);
  return m === null ? null : Number(m[1]);
}

function isSpace(b: number): boolean {
  return b <= 0x20 || b === 0x7f;
}

/** UTF8String.toInt / toLong over bytes: a number, a bigint beyond 2^53, or null. */
function parseIntegralBytes(d: Uint8Array, s: number, e: number, bits: 32 | 64): Value {
  while (s < e && isSpace(d[s])) s++;
  while (e > s && isSpace(d[e - 1])) e--;
  if (s === e) return null;
  let k = s;
  const neg = d[k] === 0x2d;
  if (neg || d[k] === 0x2b) {
    k++;
    if (k === e) return null;
  }
  let v = 0;
  let big: bigint | null = null;
  for (; k < e; k++) {
    const c = d[k];
    if (c === 0x2e) break;
    if (c < 0x30 || c > 0x39) return null;
    if (big === null) {
      v = v * 10 + (c - 0x30);
      if (v >= 2 ** 53 / 10) big = BigInt(v);
    } else big = big * 10n + BigInt(c - 0x30);
    if (big !== null && big > 9223372036854775808n) return null;
  }
  for (k++; k < e; k++) if (d[k] < 0x30 || d[k] > 0x39) return null;
  if (big === null) {
    const r = neg ? -v : v;
    return bits === 32 && (r > INT_MAX || r < INT_MIN) ? null : r + 0;
  }
  const r = neg ? -big : big;
  if (bits === 32 || r > LONG_MAX || r < LONG_MIN) return null;
  return r;
}

/** Writes converted values into the output vector. */
function writer(out: Vector, n: number): (i: number, v: Value) => void {
  const nullAt = (i: number) => { (out.validity ??= allValid(n))[i] = 0; };
  switch (out.type.kind) {
    case 'boolean': case 'int': case 'date': case 'double': {
      const x = (out as BooleanVector | Int32Vector | DoubleVector).values;
      return (i, v) => { if (v === null) nullAt(i); else x[i] = v as number; };
    }
    case 'long': case 'timestamp': {
      const e = out as ExactVector;
      return (i, v) => {
        if (v === null) nullAt(i);
        else if (typeof v === 'number') e.values[i] = v;
        else setExact(e, i, v as bigint);
      };
    }
    case 'decimal': {
      const e = out as ExactVector;
      return (i, v) => { if (v === null) nullAt(i); else setExact(e, i, (v as { unscaled: bigint }).unscaled); };
    }
    default: throw new Error(`cast to ${out.type.kind} is not supported`);
  }
}
