/**
 * The function catalog: for each Spark SQL function and operator name Tributary runs, how its
 * result type is derived from its arguments' types (with the implicit casts Spark's type coercion
 * inserts), as Spark 3.5 does with spark.sql.ansi.enabled=false. The kernels that compute the
 * functions on columns live in the executor (packages/executor/src/expr); both key on the same names.
 * The semantics table (arguments, result types, nulls) is docs/functions.md.
 *
 * Shapes of the resolved calls the executor receives (after coercion):
 *   comparisons, `<=>`      two arguments of the same type (decimals of the same precision and scale)
 *   + - * %                 two numbers of the same type, or two decimals (any precision/scale; the
 *                           call's type is Spark's result type)
 *   /                       two doubles or two decimals
 *   in                      value, then the list, all of one type
 *   like                    string, pattern literal, escape literal (one character)
 *   round                   number, int literal scale
 *   substring               string, int, int
 *   date_trunc, date_format (format literal string, timestamp) / (timestamp, format literal string)
 *   get_json_object         string, path literal string
 * `between` resolves to `and(>=, <=)`; `to_date(x)` to CAST(x AS DATE); `case` to an RExpr of kind 'case'.
 */
import { InvalidArgumentError } from '../errors';
import {
  BOOLEAN, DATE, decimalType, INT, isNumeric, isScalar, STRING, TIMESTAMP, type SqlType,
} from '../schema/sql-type';
import type { RExpr } from '../plan/resolved-query';
import { describe, resolveCast, sqlTypeName } from './cast-rules';
import { castTo, comparisonTypes, implicitCast, numericOperandTypes, widerCommonType, type Expected } from './coercion';
import { decimalResultType } from './decimal-types';
import { isNullLiteral, literal } from './literal';
import { timeZoneOffsetSeconds } from './datetime-text';
import { parseDateFormat } from './date-format-pattern';

/** What resolution needs from the session: its time zone, 'UTC' or a fixed offset '+hh:mm'. */
export interface ResolveContext {
  timeZone: string;
}

const DEFAULT_CONTEXT: ResolveContext = { timeZone: 'UTC' };

type Resolver = (fn: string, args: readonly RExpr[]) => RExpr;

/**
 * Resolves a call of `fn` (a Spark SQL name: '=', '+', 'to_date', …) over already resolved
 * arguments, returning the typed call with any coercion casts inserted. Throws
 * InvalidArgumentError naming the function and the argument types it cannot take, in Spark's words
 * where Spark has them (DATATYPE_MISMATCH…).
 */
export function resolveCall(fn: string, args: readonly RExpr[], ctx: ResolveContext = DEFAULT_CONTEXT): RExpr {
  timeZoneOffsetSeconds(ctx.timeZone);
  const resolver = RESOLVERS[fn];
  if (resolver === undefined) {
    throw new InvalidArgumentError(`function ${fn}(${args.length} argument(s)) is not supported`, { code: 'UNSUPPORTED_FUNCTION' });
  }
  return resolver(fn, args);
}

/** The names resolveCall knows. */
export function supportedFunctions(): string[] {
  return Object.keys(RESOLVERS);
}

/**
 * CASE WHEN … THEN … [ELSE …] END (CaseWhenCoercion): conditions must be boolean; the branch values
 * are cast to their wider common type. Without ELSE the result is null when no branch matches.
 */
export function resolveCase(branches: readonly { when: RExpr; then: RExpr }[], otherwise: RExpr | null): RExpr {
  if (branches.length === 0) throw invalid('case', 'needs at least one WHEN branch');
  const values = [...branches.map((b) => b.then), ...(otherwise === null ? [] : [otherwise])];
  const type = widerCommonType(values);
  if (type === null) {
    throw mismatch('case', 'DATA_DIFF_TYPES', `Input to \`casewhen\` should all be the same type, but it's [${values.map((v) => sqlTypeName(v.type)).join(', ')}].`);
  }
  if (type.kind === 'array') throw invalid('case', 'array values are not supported by Tributary yet');
  const typed = branches.map((b, i) => ({ when: expectBoolean('case', b.when, i + 1), then: castTo(b.then, type) }));
  const other = otherwise === null ? null : castTo(otherwise, type);
  const nullable = other === null || other.nullable || typed.some((b) => b.then.nullable);
  return { kind: 'case', branches: typed, otherwise: other, type, nullable };
}

function call(fn: string, args: readonly RExpr[], type: SqlType, nullable: boolean): RExpr {
  return { kind: 'call', fn, args, type, nullable };
}

function invalid(fn: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`${fn}: ${what}`, { code: 'INVALID_CALL' });
}

function mismatch(fn: string, sub: string, detail: string): InvalidArgumentError {
  return new InvalidArgumentError(`[DATATYPE_MISMATCH.${sub}] Cannot resolve "${fn}" due to data type mismatch: ${detail}`, { code: 'DATATYPE_MISMATCH' });
}

function arity(fn: string, args: readonly RExpr[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new InvalidArgumentError(`[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The \`${fn}\` requires ${want} parameters but the actual number is ${args.length}.`, { code: 'WRONG_NUM_ARGS' });
  }
}

function expectType(fn: string, e: RExpr, to: Expected, position: number): RExpr {
  const cast = implicitCast(e, to);
  if (cast !== null) return cast;
  const want = to === 'numeric' ? 'NUMERIC' : sqlTypeName(to);
  throw mismatch(fn, 'UNEXPECTED_INPUT_TYPE', `Parameter ${position} requires the "${want}" type, however "${describe(e)}" has the type "${sqlTypeName(e.type)}".`);
}

function expectBoolean(fn: string, e: RExpr, position: number): RExpr {
  if (isNullLiteral(e)) return castTo(e, BOOLEAN);
  if (e.type.kind !== 'boolean') {
    throw mismatch(fn, 'UNEXPECTED_INPUT_TYPE', `Parameter ${position} requires the "BOOLEAN" type, however "${describe(e)}" has the type "${sqlTypeName(e.type)}".`);
  }
  return e;
}

/** A literal argument's text (format strings, JSON paths, LIKE patterns): Tributary compiles these once. */
function literalText(fn: string, e: RExpr, what: string): string | null {
  if (e.kind === 'literal' && (e.type.kind === 'string' || e.value === null)) return e.value;
  throw invalid(fn, `the ${what} must be a string literal`);
}

function anyNullable(args: readonly RExpr[]): boolean {
  return args.some((a) => a.nullable);
}

function comparison(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2);
  const [l, r] = args;
  const types = comparisonTypes(l, r);
  if (types === null || !isScalar(types[0])) {
    throw mismatch(`(${describe(l)} ${fn} ${describe(r)})`, 'BINARY_OP_DIFF_TYPES',
      `the left and right operands of the binary operator have incompatible types ("${sqlTypeName(l.type)}" and "${sqlTypeName(r.type)}").`);
  }
  const a = castTo(l, types[0]);
  const b = castTo(r, types[1]);
  return call(fn, [a, b], BOOLEAN, fn === '<=>' ? false : a.nullable || b.nullable);
}

function logical(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, fn === 'not' ? 1 : 2);
  const typed = args.map((a, i) => expectBoolean(fn, a, i + 1));
  return call(fn, typed, BOOLEAN, anyNullable(typed));
}

/**
 * Binary arithmetic (Spark's arithmetic.scala with PromoteStrings, DecimalPrecision, Division):
 * a string operand becomes double; int/bigint/double widen; `/` over non-decimals is double
 * division; decimal operands keep their types and the call takes Spark's decimal result type.
 * Integral + - * wrap on overflow (Java arithmetic); decimal overflow and division or remainder by
 * zero give null.
 */
function arithmetic(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2);
  // A NULL operand takes the other side's numeric type (findTightestCommonType with NullType), else double.
  const numericSide = args.find((a) => !isNullLiteral(a) && isNumeric(a.type));
  const promoted = args.map((a) =>
    isNullLiteral(a) ? castTo(a, numericSide?.type ?? { kind: 'double' }) : a.type.kind === 'string' ? castTo(a, { kind: 'double' }) : a);
  const types = numericOperandTypes(promoted[0], promoted[1]);
  if (types === null) {
    const bad = promoted.find((a) => !isNumeric(a.type))!;
    throw mismatch(`(${describe(args[0])} ${fn} ${describe(args[1])})`, 'BINARY_OP_WRONG_TYPE',
      `the binary operator requires the input type "NUMERIC", not "${sqlTypeName(bad.type)}".`);
  }
  let [ta, tb] = types;
  if (fn === '/' && ta.kind !== 'decimal') ta = tb = { kind: 'double' };
  const a = castTo(promoted[0], ta);
  const b = castTo(promoted[1], tb);
  if (ta.kind === 'decimal' && tb.kind === 'decimal') {
    return call(fn, [a, b], decimalResultType(fn as '+', ta, tb), true);
  }
  return call(fn, [a, b], ta, a.nullable || b.nullable || fn === '/' || fn === '%');
}

function negative(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  const a = expectType(fn, args[0], 'numeric', 1);
  return call(fn, [a], a.type, a.nullable);
}

function nullCheck(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  return call(fn, args, BOOLEAN, false);
}

/** value IN (list): all cast to their wider common type (InConversion). */
function inList(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2, Infinity);
  const type = widerCommonType(args);
  if (type === null || !isScalar(type)) {
    throw mismatch('in', 'DATA_DIFF_TYPES', `Input to \`in\` should all be the same type, but it's [${args.map((a) => sqlTypeName(a.type)).join(', ')}].`);
  }
  const typed = args.map((a) => castTo(a, type));
  return call(fn, typed, BOOLEAN, anyNullable(typed));
}

/** a BETWEEN lo AND hi is Spark's `a >= lo AND a <= hi` (Between is RuntimeReplaceable). */
function between(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 3);
  const [a, lo, hi] = args;
  return logical('and', [comparison('>=', [a, lo]), comparison('<=', [a, hi])]);
}

/** str LIKE pattern [ESCAPE c]: pattern and escape are literals; `\` is the default escape. */
function like(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2, 3);
  const str = expectType(fn, args[0], STRING, 1);
  const pattern = literalText(fn, args[1], 'pattern');
  const escape = args.length === 3 ? literalText(fn, args[2], 'escape character') : '\\';
  if (escape === null || [...escape].length !== 1) throw invalid(fn, 'the escape must be one character');
  if (pattern !== null) checkLikePattern(pattern, escape);
  const patternLit = pattern === null ? literal(null, STRING) : literal(pattern);
  return call(fn, [str, patternLit, literal(escape)], BOOLEAN, str.nullable || pattern === null);
}

/**
 * Spark's escape rules for LIKE patterns (StringUtils.escapeLikeRegex): the escape character may
 * only precede `_`, `%` or itself, and may not end the pattern.
 */
export function checkLikePattern(pattern: string, escape: string): void {
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== escape) continue;
    const next = chars[i + 1];
    if (next === undefined) {
      throw new InvalidArgumentError(`[INVALID_FORMAT.ESC_AT_THE_END] The format is invalid: '${pattern}'. The escape character is not allowed to end with.`, { code: 'INVALID_FORMAT' });
    }
    if (next !== '_' && next !== '%' && next !== escape) {
      throw new InvalidArgumentError(`[INVALID_FORMAT.ESC_IN_THE_MIDDLE] The format is invalid: '${pattern}'. The escape character is not allowed to precede '${next}'.`, { code: 'INVALID_FORMAT' });
    }
    i++;
  }
}

function caseCall(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2, Infinity);
  const branches: { when: RExpr; then: RExpr }[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) branches.push({ when: args[i], then: args[i + 1] });
  return resolveCase(branches, args.length % 2 === 1 ? args[args.length - 1] : null);
}

function coalesce(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1, Infinity);
  const type = widerCommonType(args);
  if (type === null) {
    throw mismatch('coalesce', 'DATA_DIFF_TYPES', `Input to \`coalesce\` should all be the same type, but it's [${args.map((a) => sqlTypeName(a.type)).join(', ')}].`);
  }
  if (type.kind === 'array') throw invalid(fn, 'array values are not supported by Tributary yet');
  const typed = args.map((a) => castTo(a, type));
  return call(fn, typed, type, typed.every((a) => a.nullable));
}

/** string → string functions of one argument (lower, upper, trim). */
function stringUnary(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  const s = expectType(fn, args[0], STRING, 1);
  return call(fn, [s], STRING, s.nullable);
}

/** substring(str, pos[, len]): 1-based pos (0 is 1, negative counts from the end), len in characters. */
function substring(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2, 3);
  const s = expectType(fn, args[0], STRING, 1);
  const pos = expectType(fn, args[1], INT, 2);
  const len = args.length === 3 ? expectType(fn, args[2], INT, 3) : literal(2147483647);
  return call(fn, [s, pos, len], STRING, anyNullable([s, pos, len]));
}

function concat(fn: string, args: readonly RExpr[]): RExpr {
  const typed = args.map((a, i) => expectType(fn, a, STRING, i + 1));
  return call(fn, typed, STRING, anyNullable(typed));
}

function length(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  const s = args[0].type.kind === 'binary' ? args[0] : expectType(fn, args[0], STRING, 1);
  return call(fn, [s], INT, s.nullable);
}

function abs(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  const a = expectType(fn, args[0], 'numeric', 1);
  return call(fn, [a], a.type, a.nullable);
}

/** round(x[, d]): HALF_UP; decimal result type as Spark 3.5's RoundBase.dataType; other types kept. */
function round(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1, 2);
  const x = expectType(fn, args[0], 'numeric', 1);
  let scale = 0;
  if (args.length === 2) {
    const d = args[1];
    if (d.kind !== 'literal' || (d.type.kind !== 'int' && d.type.kind !== 'long') || d.value === null) {
      throw invalid(fn, 'the scale must be an int literal');
    }
    scale = Number(d.value);
  }
  let type: SqlType = x.type;
  if (x.type.kind === 'decimal') {
    const { precision: p, scale: s } = x.type;
    const integralLeastNumDigits = p - s + 1;
    if (scale < 0) type = decimalType(Math.min(Math.max(integralLeastNumDigits, -scale + 1), 38), 0);
    else {
      const newScale = Math.min(s, scale);
      type = decimalType(Math.min(integralLeastNumDigits + newScale, 38), newScale);
    }
  }
  return call(fn, [x, literal(scale)], type, true);
}

/** to_date(x) is CAST(x AS DATE) over a string, date or timestamp (ParseToDate without a format). */
function toDate(fn: string, args: readonly RExpr[]): RExpr {
  if (args.length === 2) throw invalid(fn, 'a format argument is not supported by Tributary yet; to_date(x) reads yyyy-MM-dd');
  arity(fn, args, 1);
  const x = args[0];
  if (!isNullLiteral(x) && !['string', 'date', 'timestamp'].includes(x.type.kind)) {
    throw mismatch(`to_date(${describe(x)})`, 'UNEXPECTED_INPUT_TYPE', `Parameter 1 requires the ("STRING" or "DATE" or "TIMESTAMP") type, however "${describe(x)}" has the type "${sqlTypeName(x.type)}".`);
  }
  return resolveCast(x, DATE);
}

/** The units date_trunc knows (TruncTimestamp; case-insensitive); any other gives null, as Spark. */
export const DATE_TRUNC_UNITS = ['YEAR', 'YYYY', 'YY', 'QUARTER', 'MONTH', 'MM', 'MON', 'WEEK', 'DAY', 'DD', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND'];

function dateTrunc(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2);
  const unit = expectType(fn, args[0], STRING, 1);
  const ts = expectType(fn, args[1], TIMESTAMP, 2);
  return call(fn, [unit, ts], TIMESTAMP, true);
}

function hour(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  const ts = expectType(fn, args[0], TIMESTAMP, 1);
  return call(fn, [ts], INT, ts.nullable);
}

function dayOfWeek(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 1);
  const d = expectType(fn, args[0], DATE, 1);
  return call(fn, [d], INT, d.nullable);
}

/** date_format(ts, fmt): fmt is a literal Java DateTimeFormatter pattern (the letters of date-format-pattern.ts). */
function dateFormat(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2);
  const ts = expectType(fn, args[0], TIMESTAMP, 1);
  const fmt = literalText(fn, args[1], 'format');
  if (fmt !== null) parseDateFormat(fmt);
  return call(fn, [ts, fmt === null ? literal(null, STRING) : literal(fmt)], STRING, ts.nullable || fmt === null);
}

/** get_json_object(json, path): path is a literal ($, .name, ['name'], [n]); an invalid path gives null. */
function getJsonObject(fn: string, args: readonly RExpr[]): RExpr {
  arity(fn, args, 2);
  const json = expectType(fn, args[0], STRING, 1);
  const path = literalText(fn, args[1], 'path');
  return call(fn, [json, path === null ? literal(null, STRING) : literal(path)], STRING, true);
}

const RESOLVERS: Record<string, Resolver> = {
  '=': comparison, '<=>': comparison, '!=': comparison, '<': comparison, '<=': comparison, '>': comparison, '>=': comparison,
  and: logical, or: logical, not: logical,
  '+': arithmetic, '-': arithmetic, '*': arithmetic, '/': arithmetic, '%': arithmetic, negative,
  isnull: nullCheck, isnotnull: nullCheck, in: inList, between, like,
  case: caseCall, coalesce,
  lower: stringUnary, upper: stringUnary, trim: stringUnary, substring, concat, length,
  abs, round,
  to_date: toDate, date_trunc: dateTrunc, hour, dayofweek: dayOfWeek, date_format: dateFormat,
  get_json_object: getJsonObject,
};
