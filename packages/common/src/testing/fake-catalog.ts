/**
 * For resolver tests only: a catalog typing a handful of functions in the simplest way that is
 * still right for the cases the tests use, so the tests check the resolver's logic (names, scopes,
 * indices, aggregates) and not function typing (expr/function-catalog.ts has its own tests).
 *
 *   = != < <= > >= <=>   boolean (<=> never null)        and or not in between like   boolean
 *   + - *                int/bigint → the wider; decimal(p1,s1) op decimal(p2,s2) (ints as decimal(10,0)):
 *                        + - → decimal(max(s)+max(p-s)+1, max(s)); * → decimal(p1+p2+1, s1+s2); else double
 *   isnull isnotnull     boolean, never null              lower upper concat date_format get_json_object   string
 *   to_date              date                             hour   int
 * No casts are inserted; any other function is refused. CASE WHEN and CAST are typed by the real catalog.
 */
import { InvalidArgumentError } from '../errors';
import type { RExpr } from '../plan/resolved-query';
import { BOOLEAN, DATE, decimalType, DOUBLE, INT, LONG, STRING, type SqlType } from '../schema/sql-type';
import type { Catalog } from '../resolve/catalog';
import { resolveCase } from '../expr/function-catalog';
import { resolveCast } from '../expr/cast-rules';

export const FAKE_CATALOG: Catalog = {
  resolveCall(fn: string, args: readonly RExpr[]): RExpr {
    const anyNull = args.some((a) => a.nullable);
    const call = (type: SqlType, nullable = anyNull): RExpr => ({ kind: 'call', fn, args, type, nullable });
    switch (fn) {
      case '=': case '!=': case '<': case '<=': case '>': case '>=': case 'and': case 'or': case 'not': case 'in': case 'between': case 'like':
        return call(BOOLEAN);
      case '<=>': case 'isnull': case 'isnotnull':
        return call(BOOLEAN, false);
      case '+': case '-': case '*':
        return call(arithmetic(fn, args[0].type, args[1].type));
      case 'lower': case 'upper': case 'concat': case 'date_format':
        return call(STRING);
      case 'get_json_object':
        return call(STRING, true);
      case 'to_date':
        return call(DATE);
      case 'hour':
        return call(INT);
      default:
        throw new InvalidArgumentError(`the fake catalog does not type ${fn}`, { code: 'UNSUPPORTED_FUNCTION' });
    }
  },
  // CASE WHEN and casts: the real typing (pure functions with their own tests).
  resolveCase: (branches, otherwise) => resolveCase(branches, otherwise),
  resolveCast: (arg, to) => resolveCast(arg, to),
};

function arithmetic(fn: string, a: SqlType, b: SqlType): SqlType {
  const dec = (t: SqlType): { p: number; s: number } | null =>
    t.kind === 'decimal' ? { p: t.precision, s: t.scale } : t.kind === 'int' ? { p: 10, s: 0 } : t.kind === 'long' ? { p: 20, s: 0 } : null;
  if ((a.kind === 'int' || a.kind === 'long') && (b.kind === 'int' || b.kind === 'long')) return a.kind === 'long' || b.kind === 'long' ? LONG : INT;
  const x = dec(a);
  const y = dec(b);
  if (x === null || y === null) return DOUBLE;
  if (fn === '*') return decimalType(x.p + y.p + 1, x.s + y.s);
  const s = Math.max(x.s, y.s);
  return decimalType(s + Math.max(x.p - x.s, y.p - y.s) + 1, s);
}
