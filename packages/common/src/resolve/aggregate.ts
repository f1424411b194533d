/**
 * groupBy(keys…).agg(aggregates…) over a scope: the grouping window and keys, the aggregate
 * functions with Spark 3.5's result types, and the columns the aggregation reads (pre's output).
 *
 *   count(*), count(<literal>)   bigint, not null
 *   count(x)                     bigint, not null (counts rows where x is not null)
 *   sum(int | bigint)            bigint;   sum(decimal(p,s)) decimal(min(38,p+10), s);   sum(double) double
 *   avg(int | bigint | double)   double;   avg(decimal(p,s)) decimal(min(38,p+4), min(38,s+4))
 *   min(x), max(x)               the type of x (a scalar type)
 *   approx_count_distinct(x)     bigint, not null
 *
 * sum, avg, min and max are null over a group with no non-null value (nullable). sum and avg take
 * decimals of any precision (the executors' group-by sums exactly up to 38 digits). (v1 specs keep
 * MAX_SUM_INPUT_PRECISION for sum: validate-spec.ts.) approx_count_distinct(x[, rsd]) takes rsd as
 * a double or decimal literal (Spark's validateDoubleLiteral), 0.05 when absent.
 */
import type { ExprSpec } from '../plan/logical-plan';
import { parseDuration } from '../plan/duration';
import type { AggregateFn, RExpr } from '../plan/resolved-query';
import { DEFAULT_RELATIVE_SD, relativeSDProblem } from '../plan/hll-precision';
import {
  DOUBLE, isScalar, LONG, MAX_DECIMAL_PRECISION, decimalType, simpleString, sqlField, structType, TIMESTAMP, type SqlField, type SqlType,
} from '../schema/sql-type';
import { AGGREGATE_FUNCTIONS, callPrettyName, resolveExpr, type ExprEnv, type Resolved, type ScopeColumn } from './resolve-expr';
import { literalPrettyText, resolveLiteral } from './literal';
import { ResolveProblem } from './problem';

export const WINDOW_STRUCT: SqlType = structType([sqlField('start', TIMESTAMP), sqlField('end', TIMESTAMP)]);

export interface ResolvedWindow {
  /** The window's time column over the stage input. */
  time: Resolved;
  sizeMicros: number;
  slideMicros: number;
  startMicros: number;
  /** Output column name ('window' unless aliased). */
  name: string;
}

/** session_window(time, gap) with a constant gap. */
export interface ResolvedSession {
  time: Resolved;
  gapMicros: number;
  /** Output column name ('session_window' unless aliased). */
  name: string;
}

export interface ResolvedGrouping {
  window: ResolvedWindow | null;
  /** The session window (then window is null), or null. */
  session: ResolvedSession | null;
  /** Position of the window or session window among the user's grouping expressions (for the output order). */
  windowPosition: number;
  keys: Resolved[];
  aggregates: { fn: AggregateFn; input: Resolved | null; field: SqlField; relativeSD?: number }[];
}

/** Resolves the grouping; pushes each problem and returns null when any. */
export function resolveGrouping(
  keySpecs: readonly ExprSpec[], aggSpecs: readonly ExprSpec[], scope: readonly ScopeColumn[], env: ExprEnv, problems: string[],
): ResolvedGrouping | null {
  const start = problems.length;
  const attempt = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ResolveProblem)) throw e;
      problems.push(e.message);
      return null;
    }
  };
  if (!Array.isArray(keySpecs) || !Array.isArray(aggSpecs)) {
    problems.push('aggregate needs a list of grouping keys and a list of aggregates');
    return null;
  }
  let window: ResolvedWindow | null = null;
  let session: ResolvedSession | null = null;
  let windowPosition = -1;
  let windows = 0;
  const keys: Resolved[] = [];
  keySpecs.forEach((spec, i) => {
    const { inner, alias } = unalias(spec);
    const isSession = inner?.kind === 'call' && inner.fn === 'session_window';
    if (inner?.kind === 'window' || isSession) {
      if (windows++ > 0) {
        problems.push('Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.');
        return;
      }
      if (inner.kind === 'window') window = attempt(() => resolveWindow(inner, alias ?? 'window', scope, env));
      else session = attempt(() => resolveSession(inner as Extract<ExprSpec, { kind: 'call' }>, alias ?? 'session_window', scope, env));
      windowPosition = i;
      return;
    }
    const key = attempt(() => resolveExpr(spec, scope, env));
    if (key === null) return;
    if (!isScalar(key.expr.type)) {
      problems.push(`grouping key ${key.sql} is ${simpleString(key.expr.type)}; grouping keys must be of a scalar type (boolean, int, bigint, double, decimal, string, binary, date, timestamp)`);
      return;
    }
    keys.push(key);
  });
  if (aggSpecs.length === 0) problems.push("the aggregation has no aggregates: use agg(count('*'), …) or groupBy(…).count()");
  const aggregates: ResolvedGrouping['aggregates'] = [];
  for (const spec of aggSpecs) {
    const a = attempt(() => resolveAggregate(spec, scope, env));
    if (a !== null) aggregates.push(a);
  }
  return problems.length > start ? null : { window, session, windowPosition, keys, aggregates };
}

function unalias(spec: ExprSpec): { inner: ExprSpec; alias: string | null } {
  if (spec !== null && typeof spec === 'object' && spec.kind === 'alias') return { inner: spec.expr, alias: spec.name };
  return { inner: spec, alias: null };
}

function resolveWindow(spec: Extract<ExprSpec, { kind: 'window' }>, name: string, scope: readonly ScopeColumn[], env: ExprEnv): ResolvedWindow {
  const time = resolveExpr(spec.column, scope, env);
  if (time.expr.type.kind !== 'timestamp') {
    throw new ResolveProblem(`window column ${time.sql} must be a timestamp, but it is ${simpleString(time.expr.type)}`);
  }
  const duration = (text: unknown, what: string): number => {
    try {
      return parseDuration(text as string);
    } catch (e) {
      throw new ResolveProblem(`window ${what}: ${(e as Error).message}`);
    }
  };
  const sizeMicros = duration(spec.duration, 'duration');
  if (sizeMicros <= 0) throw new ResolveProblem(`window duration must be positive, got '${spec.duration}'`);
  // Spark's TimeWindow checks: 0 < slide ≤ size, |startTime| < slide (startTime may be negative)
  const slideMicros = spec.slide === undefined ? sizeMicros : duration(spec.slide, 'slide');
  if (slideMicros <= 0) throw new ResolveProblem(`window slide must be positive, got '${spec.slide}'`);
  if (slideMicros > sizeMicros) {
    throw new ResolveProblem(`window slide '${spec.slide}' must be less than or equal to the window duration '${spec.duration}'`);
  }
  const startText = typeof spec.startTime === 'string' ? spec.startTime.trim() : spec.startTime;
  const negative = typeof startText === 'string' && startText.startsWith('-');
  const startMicros = startText === undefined ? 0 : (negative ? -1 : 1) * duration(negative ? (startText as string).slice(1) : startText, 'startTime') + 0;
  if (Math.abs(startMicros) >= slideMicros) {
    throw new ResolveProblem(`the absolute value of window startTime '${spec.startTime}' must be less than the slide '${spec.slide ?? spec.duration}'`);
  }
  return { time, sizeMicros, slideMicros, startMicros, name };
}

/**
 * session_window(time, gap): the gap must be a constant duration ('5 minutes'); Spark's dynamic gap
 * (an expression evaluated per row) is refused.
 */
function resolveSession(spec: Extract<ExprSpec, { kind: 'call' }>, name: string, scope: readonly ScopeColumn[], env: ExprEnv): ResolvedSession {
  const args = Array.isArray(spec.args) ? spec.args : [];
  if (args.length !== 2) throw new ResolveProblem(`session_window takes a time column and a gap duration, got ${args.length} arguments`);
  const time = resolveExpr(args[0], scope, env);
  if (time.expr.type.kind !== 'timestamp') {
    throw new ResolveProblem(`session_window column ${time.sql} must be a timestamp, but it is ${simpleString(time.expr.type)}`);
  }
  const gap = args[1];
  if (gap.kind !== 'lit' || typeof gap.value !== 'string') {
    throw new ResolveProblem("session_window with a gap computed per row (a dynamic gap duration) is not supported yet; give the gap as a constant duration, e.g. sessionWindow(col('ts'), '5 minutes')");
  }
  let gapMicros: number;
  try {
    gapMicros = parseDuration(gap.value);
  } catch (e) {
    throw new ResolveProblem(`session_window gap: ${(e as Error).message}`);
  }
  if (gapMicros <= 0) throw new ResolveProblem(`session_window gap must be positive, got '${gap.value}'`);
  return { time, gapMicros, name };
}

function resolveAggregate(spec: ExprSpec, scope: readonly ScopeColumn[], env: ExprEnv): ResolvedGrouping['aggregates'][number] {
  const { inner, alias } = unalias(spec);
  if (inner === null || typeof inner !== 'object' || inner.kind !== 'call' || !AGGREGATE_FUNCTIONS.has(inner.fn)) {
    const shown = (() => {
      try {
        return resolveExpr(spec, scope, env).sql;
      } catch {
        return JSON.stringify(spec);
      }
    })();
    throw new ResolveProblem(`agg(...) takes aggregate functions (count, sum, avg, min, max, approx_count_distinct), optionally aliased; ${shown} is not one (expressions over aggregates are not supported yet: compute them with withColumn after agg)`);
  }
  const fn = inner.fn as AggregateFn;
  const args = Array.isArray(inner.args) ? inner.args : [];
  if (fn === 'count' && (args.length === 0 || (args.length === 1 && args[0].kind === 'lit' && args[0].value !== null))) {
    const shown = args.length === 0 ? '1' : literalPrettyText(args[0] as Extract<ExprSpec, { kind: 'lit' }>, resolveLiteral(args[0] as Extract<ExprSpec, { kind: 'lit' }>, env.ctx.timeZone));
    return { fn, input: null, field: sqlField(alias ?? `count(${shown})`, LONG, false) };
  }
  if (fn === 'approx_count_distinct' && (args.length === 1 || args.length === 2)) {
    const input = resolveExpr(args[0], scope, env);
    const relativeSD = args.length === 1 ? DEFAULT_RELATIVE_SD : relativeSDOf(args[1], env);
    const field = sqlField(alias ?? callPrettyName(fn, [input.sql]), aggregateType(fn, input), false);
    return { fn, input, field, relativeSD };
  }
  if (args.length !== 1) throw new ResolveProblem(`${fn} takes one column, got ${args.length} arguments`);
  const input = resolveExpr(args[0], scope, env);
  const name = alias ?? callPrettyName(fn, [input.sql]);
  return { fn, input, field: sqlField(name, aggregateType(fn, input), fn !== 'count') };
}

/** approx_count_distinct's second argument: a double or decimal literal (Spark's validateDoubleLiteral). */
function relativeSDOf(spec: ExprSpec, env: ExprEnv): number {
  const lit = spec !== null && typeof spec === 'object' && spec.kind === 'lit' ? resolveLiteral(spec, env.ctx.timeZone) : null;
  if (lit === null || lit.value === null || (lit.type.kind !== 'double' && lit.type.kind !== 'decimal')) {
    throw new ResolveProblem('The second argument in approx_count_distinct should be a double literal');
  }
  const rsd = Number(lit.value);
  const problem = relativeSDProblem(rsd);
  if (problem !== null) throw new ResolveProblem(`approx_count_distinct: ${problem}`);
  return rsd;
}

function aggregateType(fn: AggregateFn, input: Resolved): SqlType {
  const t = input.expr.type;
  const shown = `${fn}(${input.sql})`;
  const numericOnly = (): never => {
    throw new ResolveProblem(`[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "${shown}" due to data type mismatch: the input must be numeric (int, bigint, double, decimal), but ${input.sql} is ${simpleString(t)}`);
  };
  switch (fn) {
    case 'count':
    case 'approx_count_distinct':
      if (!isScalar(t)) throw new ResolveProblem(`${shown} over ${simpleString(t)} is not supported; count a scalar column`);
      return LONG;
    case 'sum':
      if (t.kind === 'int' || t.kind === 'long') return LONG;
      if (t.kind === 'double') return DOUBLE;
      if (t.kind === 'decimal') return decimalType(Math.min(MAX_DECIMAL_PRECISION, t.precision + 10), t.scale);
      return numericOnly();
    case 'avg':
      if (t.kind === 'int' || t.kind === 'long' || t.kind === 'double') return DOUBLE;
      if (t.kind === 'decimal') return decimalType(Math.min(MAX_DECIMAL_PRECISION, t.precision + 4), Math.min(MAX_DECIMAL_PRECISION, t.scale + 4));
      return numericOnly();
    case 'min':
    case 'max':
      if (!isScalar(t)) throw new ResolveProblem(`${shown} over ${simpleString(t)} is not supported; ${fn} takes a scalar column`);
      return t;
  }
}

/** Structural identity of resolved expressions (for sharing one input column between keys and aggregates). */
export function exprKey(e: RExpr): string {
  return JSON.stringify(e);
}
