/**
 * Literals: their types (as PySpark's lit() and the forced `type` of ExprSpec 'lit'), canonical
 * value text (resolved-query.ts) and the text Spark's toPrettySQL shows for them in column names.
 */
import type { ExprSpec } from '../plan/logical-plan';
import type { RExpr } from '../plan/resolved-query';
import { zoneOffsetMicros } from '../plan/time-zone';
import { BOOLEAN, DOUBLE, INT, LONG, STRING, type SqlType } from '../schema/sql-type';
import { ResolveProblem } from './problem';
import { checkedType } from './type-checks';
import { sqlTypeName } from './names';

type LitSpec = Extract<ExprSpec, { kind: 'lit' }>;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** The typed literal; a null without a forced type is typed `string` (the caller may retype it to a sibling's type). */
export function resolveLiteral(spec: LitSpec, timeZone: string): RExpr & { kind: 'literal' } {
  const { value } = spec;
  if (spec.type !== undefined) {
    const type = checkedType(spec.type, 'lit');
    if (value === null) return { kind: 'literal', value: null, type, nullable: true };
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ResolveProblem(`a literal must be a boolean, number, string or null, got ${JSON.stringify(value)}`);
    }
    return { kind: 'literal', value: canonical(String(value), type, timeZone), type, nullable: false };
  }
  if (value === null) return { kind: 'literal', value: null, type: STRING, nullable: true };
  if (typeof value === 'boolean') return { kind: 'literal', value: String(value), type: BOOLEAN, nullable: false };
  if (typeof value === 'string') return { kind: 'literal', value, type: STRING, nullable: false };
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value >= INT_MIN && value <= INT_MAX) return { kind: 'literal', value: String(value), type: INT, nullable: false };
    const big = BigInt(value);
    if (big >= LONG_MIN && big <= LONG_MAX) return { kind: 'literal', value: big.toString(), type: LONG, nullable: false };
  }
  if (typeof value === 'number') return { kind: 'literal', value: doubleText(value), type: DOUBLE, nullable: false };
  throw new ResolveProblem(`a literal must be a boolean, number, string or null, got ${JSON.stringify(value)}`);
}

/** How toPrettySQL shows a literal inside a column name: strings and numbers bare, NULL, DATE '…', TIMESTAMP '…'. */
export function literalPrettyText(spec: LitSpec, lit: RExpr & { kind: 'literal' }): string {
  if (lit.value === null) return 'NULL';
  switch (lit.type.kind) {
    case 'double': return javaDoubleText(Number(lit.value));
    case 'date': return `DATE '${String(spec.value)}'`;
    case 'timestamp': return `TIMESTAMP '${String(spec.value)}'`;
    case 'decimal': return decimalText(BigInt(lit.value), lit.type.scale);
    default: return lit.value;
  }
}

function fail(text: string, type: SqlType, why: string): never {
  throw new ResolveProblem(`the literal ${JSON.stringify(text)} cannot be typed as ${sqlTypeName(type)}: ${why}`);
}

/** Canonical value text of `text` as a literal of `type`. */
function canonical(text: string, type: SqlType, timeZone: string): string {
  switch (type.kind) {
    case 'boolean':
      if (text.toLowerCase() === 'true' || text.toLowerCase() === 'false') return text.toLowerCase();
      return fail(text, type, 'expected true or false');
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(text.trim())) return fail(text, type, 'expected an integer');
      const v = BigInt(text.trim());
      const [lo, hi] = type.kind === 'int' ? [BigInt(INT_MIN), BigInt(INT_MAX)] : [LONG_MIN, LONG_MAX];
      if (v < lo || v > hi) return fail(text, type, 'out of range');
      return v.toString();
    }
    case 'double': {
      const v = Number(text);
      if (text.trim() === '' || Number.isNaN(v) && text.trim() !== 'NaN') return fail(text, type, 'expected a number');
      return doubleText(v);
    }
    case 'decimal': {
      const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
      if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return fail(text, type, 'expected a decimal number');
      const fraction = m[3] ?? '';
      if (fraction.length > type.scale) return fail(text, type, `more than ${type.scale} decimal places`);
      const unscaled = BigInt((m[2] || '0') + fraction.padEnd(type.scale, '0')) * (m[1] === '-' ? -1n : 1n);
      const limit = 10n ** BigInt(type.precision);
      if (unscaled >= limit || unscaled <= -limit) return fail(text, type, `more than ${type.precision - type.scale} integer digits`);
      return unscaled.toString();
    }
    case 'string':
      return text;
    case 'date': {
      const days = civilDays(text.trim());
      if (days === null) return fail(text, type, "expected 'yyyy-MM-dd'");
      return String(days);
    }
    case 'timestamp': {
      const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text.trim());
      const days = m === null ? null : civilDays(m[1]);
      if (m === null || days === null) return fail(text, type, "expected 'yyyy-MM-dd HH:mm:ss[.ffffff]'");
      const [h, mi, s] = [Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
      if (h > 23 || mi > 59 || s > 59) return fail(text, type, 'time of day out of range');
      const local = BigInt(days) * 86_400_000_000n + BigInt(((h * 60 + mi) * 60 + s)) * 1_000_000n + BigInt((m[5] ?? '').padEnd(6, '0') || '0');
      return (local - BigInt(zoneOffsetMicros(timeZone))).toString();
    }
    default:
      return fail(text, type, 'literals of this type are not supported');
  }
}

/** Days since 1970-01-01 of a valid 'yyyy-MM-dd', else null. */
function civilDays(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.round(ms / 86_400_000);
}

function doubleText(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
}

/** Java's Double.toString: '1.0', '0.5', '1.0E10', '1.0E-4', 'NaN', 'Infinity'. */
export function javaDoubleText(v: number): string {
  if (!Number.isFinite(v)) return doubleText(v);
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = v.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return neg ? `-${text}` : text;
}
