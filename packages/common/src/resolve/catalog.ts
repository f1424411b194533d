/**
 * What the resolver asks about functions: the typing of calls and casts. The resolver owns names,
 * scopes, aggregates and the pipeline; the catalog owns what each function takes and returns
 * (Spark 3.5's type coercion, spark.sql.ansi.enabled=false). The default is the function catalog
 * (expr/function-catalog.ts); tests inject a small one so they test the resolver's logic alone.
 */
import { resolveCall as catalogResolveCall } from '../expr/function-catalog';
import type { RExpr } from '../plan/resolved-query';
import { sameType, type SqlType } from '../schema/sql-type';

/** What a call's typing may depend on besides its arguments. */
export interface CallContext {
  /** The session time zone ('UTC' or '+hh:mm'), for functions over timestamps. */
  timeZone: string;
}

export interface Catalog {
  /** The typed call of `fn` (a Spark SQL name) over resolved arguments; throws InvalidArgumentError when it cannot take them. */
  resolveCall(fn: string, args: readonly RExpr[], ctx: CallContext): RExpr;
  /** The typed CAST(arg AS to); throws InvalidArgumentError when Spark cannot cast between the types. */
  resolveCast(arg: RExpr, to: SqlType, ctx: CallContext): RExpr;
}

/** The function catalog's typing of calls; casts typed structurally (see castExpr) until the catalog types them. */
export const DEFAULT_CATALOG: Catalog = {
  resolveCall: (fn, args) => catalogResolveCall(fn, args),
  resolveCast: (arg, to) => castExpr(arg, to),
};

/**
 * CAST(arg AS to) as Spark's Cast node: a cast to the argument's own type is the argument itself;
 * otherwise the result may be null wherever the non-ANSI cast gives null for a value it cannot
 * convert (strings parsed, narrowing numbers, decimals that overflow), and is null exactly when the
 * argument is null for the casts that always succeed.
 */
export function castExpr(arg: RExpr, to: SqlType): RExpr {
  if (sameType(arg.type, to)) return arg;
  return { kind: 'cast', arg, type: to, nullable: arg.nullable || !castAlwaysSucceeds(arg.type, to) };
}

function castAlwaysSucceeds(from: SqlType, to: SqlType): boolean {
  if (to.kind === 'string') return true;
  switch (from.kind) {
    case 'boolean': return to.kind === 'int' || to.kind === 'long' || to.kind === 'double';
    case 'int': return to.kind === 'long' || to.kind === 'double' || (to.kind === 'decimal' && to.precision - to.scale >= 10);
    case 'long': return to.kind === 'double' || (to.kind === 'decimal' && to.precision - to.scale >= 19);
    case 'decimal': return to.kind === 'double' || (to.kind === 'decimal' && to.precision - to.scale >= from.precision - from.scale && to.scale >= from.scale);
    case 'date': return to.kind === 'timestamp';
    case 'timestamp': return to.kind === 'date' || to.kind === 'long' || to.kind === 'double';
    case 'string': return to.kind === 'binary';
    default: return false;
  }
}
