/**
 * What the resolver asks about functions: the typing of calls and casts. The resolver owns names,
 * scopes, aggregates and the pipeline; the catalog owns what each function takes and returns
 * (Spark 3.5's type coercion, spark.sql.ansi.enabled=false). The default is the function catalog
 * (expr/function-catalog.ts); tests inject a small one so they test the resolver's logic alone.
 */
import { resolveCall as catalogResolveCall, resolveCase as catalogResolveCase } from '../expr/function-catalog';
import { resolveCast as catalogResolveCast } from '../expr/cast-rules';
import type { RExpr } from '../plan/resolved-query';
import type { SqlType } from '../schema/sql-type';

/** What a call's typing may depend on besides its arguments. */
export interface CallContext {
  /** The session time zone ('UTC' or '+hh:mm'), for functions over timestamps. */
  timeZone: string;
}

export interface Catalog {
  /** The typed call of `fn` (a Spark SQL name) over resolved arguments; throws InvalidArgumentError when it cannot take them. */
  resolveCall(fn: string, args: readonly RExpr[], ctx: CallContext): RExpr;
  /** The typed CASE WHEN (branch values brought to their common type); throws InvalidArgumentError when they have none. */
  resolveCase(branches: readonly { when: RExpr; then: RExpr }[], otherwise: RExpr | null, ctx: CallContext): RExpr;
  /** The typed CAST(arg AS to); throws InvalidArgumentError when Spark cannot cast between the types. */
  resolveCast(arg: RExpr, to: SqlType, ctx: CallContext): RExpr;
}

/** The function catalog (expr/): calls, CASE WHEN and casts typed as Spark 3.5 types them. */
export const DEFAULT_CATALOG: Catalog = {
  resolveCall: (fn, args, ctx) => catalogResolveCall(fn, args, ctx),
  resolveCase: (branches, otherwise) => catalogResolveCase(branches, otherwise),
  resolveCast: (arg, to) => catalogResolveCast(arg, to),
};
