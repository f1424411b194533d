/**
 * Typed literals (RExpr kind 'literal'), in the canonical text resolved-query.ts specifies.
 *
 * Untyped values are typed as PySpark's lit(): boolean → boolean; an integral number → int when it
 * fits 32 bits, else bigint; any other number → double; a string → string; null → a null literal,
 * which coercion treats as Spark's NullType (it takes whatever type its context needs; alone it is
 * typed string). With a type, `value` is the literal's text ('1.50', '2024-01-01',
 * '2024-01-01 10:00:00'); text that is not a value of the type is refused.
 */
import { InvalidArgumentError } from '../errors';
import { simpleString, STRING, type SqlType } from '../schema/sql-type';
import type { RExpr } from '../plan/resolved-query';
import { changePrecision, parseDecimalText } from './decimal-value';
import { parseDateText, parseTimestampText, timeZoneOffsetSeconds } from './datetime-text';

export type LiteralExpr = Extract<RExpr, { kind: 'literal' }>;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export function literal(value: string | number | boolean | null, type?: SqlType, timeZone = 'UTC'): LiteralExpr {
  if (value === null) return { kind: 'literal', value: null, type: type ?? STRING, nullable: true };
  if (type === undefined) {
    if (typeof value === 'boolean') return lit(String(value), { kind: 'boolean' });
    if (typeof value === 'string') return lit(value, STRING);
    if (Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return lit(String(value), { kind: 'int' });
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return lit(BigInt(value).toString(), { kind: 'long' });
    return lit(String(value), { kind: 'double' });
  }
  const text = String(value).trim();
  const bad = (): never => {
    throw new InvalidArgumentError(`literal ${JSON.stringify(String(value))} is not a ${simpleString(type)}`, { code: 'INVALID_LITERAL' });
  };
  switch (type.kind) {
    case 'boolean':
      if (text !== 'true' && text !== 'false') bad();
      return lit(text, type);
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(text)) bad();
      const v = BigInt(text);
      const bits = type.kind === 'int' ? 32 : 64;
      if (BigInt.asIntN(bits, v) !== v) bad();
      return lit(v.toString(), type);
    }
    case 'double': {
      const v = Number(text);
      if (text === '' || (Number.isNaN(v) && text !== 'NaN')) bad();
      return lit(String(v), type);
    }
    case 'decimal': {
      const d = parseDecimalText(text);
      const u = d === null ? null : changePrecision(d.unscaled, d.scale, type.precision, type.scale);
      if (u === null) bad();
      return lit(u!.toString(), type);
    }
    case 'string':
    case 'binary':
      return lit(String(value), type);
    case 'date': {
      const days = parseDateText(text);
      if (days === null) bad();
      return lit(String(days), type);
    }
    case 'timestamp': {
      const us = parseTimestampText(text, timeZoneOffsetSeconds(timeZone));
      if (us === null) bad();
      return lit(String(us), type);
    }
    default:
      throw new InvalidArgumentError(`a literal cannot have type ${simpleString(type)}`, { code: 'INVALID_LITERAL' });
  }
}

function lit(value: string, type: SqlType): LiteralExpr {
  return { kind: 'literal', value, type, nullable: false };
}

/** True for a null literal: Spark's NullType, which coerces to any type. */
export function isNullLiteral(e: RExpr): boolean {
  return e.kind === 'literal' && e.value === null;
}
