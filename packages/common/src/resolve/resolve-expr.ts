/**
 * ExprSpec → RExpr against a scope: the columns a DataFrame has at one point of the plan, each
 * given by its expression over the stage's input (the Kafka scan, or the aggregate's output).
 * Column references are inlined, so an expression resolved here reads the stage's input directly.
 * Each result comes with the name Spark gives the column when the user does not alias it
 * (toPrettySQL: `count(1)`, `sum(price)`, `(price > 10)`, `CAST(value AS STRING)`).
 */
import type { ExprSpec } from '../plan/logical-plan';
import type { RExpr } from '../plan/resolved-query';
import { BOOLEAN, structType, type SqlField } from '../schema/sql-type';
import { InvalidArgumentError } from '../errors';
import type { CallContext, Catalog } from './catalog';
import { literalPrettyText, resolveLiteral } from './literal';
import {
  ambiguousReferenceMessage, fieldNotFoundMessage, matchingFields, nameParts, notAStructMessage, sqlTypeName, unresolvedColumnMessage,
} from './names';
import { ResolveProblem } from './problem';
import { checkedFields, checkedType, jsonSchemaProblem } from './type-checks';

/** A column of a DataFrame at one point of the plan. */
export interface ScopeColumn {
  name: string;
  /** Its value, over the stage's input. */
  expr: RExpr;
  /** Whether withWatermark marked it (kept through plain references and aliases, as Spark keeps the watermark metadata). */
  eventTime: boolean;
}

export interface Resolved {
  expr: RExpr;
  /** The output name: the alias, the column or field name, or Spark's pretty SQL. */
  name: string;
  /** Spark's pretty SQL of the expression, as it shows inside other names ('data.order.total', 'CAST(value AS STRING)'). */
  sql: string;
  eventTime: boolean;
}

/** The one from_json the plan may hold: over the Kafka `value`, hoisted into the scan. */
export interface JsonHoist {
  /** The `value` column and the parsed struct column of the scan (stage input indices). */
  valueColumn: number;
  parsedColumn: number;
  /** Set when the from_json is met: its schema and the name Spark gives it when unaliased. */
  found: { schema: SqlField[]; prettyName: string } | null;
}

export interface ExprEnv {
  catalog: Catalog;
  ctx: CallContext;
  /** Null where from_json is refused (after the aggregation), with the reason. */
  json: JsonHoist | null;
  jsonRefusal: string;
}

/** The aggregate functions (Spark SQL names); they are resolved only in groupBy(...).agg(...). */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set(['count', 'sum', 'avg', 'min', 'max', 'approx_count_distinct']);

const INFIX: Record<string, string> = {
  '=': '=', '<=>': '<=>', '<': '<', '<=': '<=', '>': '>', '>=': '>=', and: 'AND', or: 'OR', '+': '+', '-': '-', '*': '*', '/': '/', '%': '%',
};

export function resolveExpr(spec: ExprSpec, scope: readonly ScopeColumn[], env: ExprEnv): Resolved {
  if (spec === null || typeof spec !== 'object') throw new ResolveProblem(`an expression must be an object, got ${JSON.stringify(spec)}`);
  switch (spec.kind) {
    case 'col': return resolveColumn(spec.name, scope);
    case 'lit': {
      const lit = resolveLiteral(spec, env.ctx.timeZone);
      const text = literalPrettyText(spec, lit);
      return { expr: lit, name: text, sql: text, eventTime: false };
    }
    case 'alias': {
      const inner = resolveExpr(spec.expr, scope, env);
      if (typeof spec.name !== 'string') throw new ResolveProblem(`an alias must be a string, got ${JSON.stringify(spec.name)}`);
      return { expr: inner.expr, name: spec.name, sql: inner.sql, eventTime: inner.eventTime };
    }
    case 'cast': {
      const arg = resolveExpr(spec.expr, scope, env);
      const to = checkedType(spec.to, 'cast');
      const expr = typed(() => env.catalog.resolveCast(arg.expr, to, env.ctx));
      const sql = `CAST(${arg.sql} AS ${sqlTypeName(to)})`;
      return { expr, name: sql, sql, eventTime: false };
    }
    case 'call': return resolveCall(spec, scope, env);
    case 'case': return resolveCase(spec, scope, env);
    case 'fromJson': return resolveFromJson(spec, scope, env);
    case 'window':
      throw new ResolveProblem('window(...) is only allowed as a grouping key: groupBy(window(<timestamp column>, <duration>), …)');
    default:
      throw new ResolveProblem(`unknown expression kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}

/** A column by name ('a', 'a.b', '`a.b`'); `*` forms are handled by select. */
export function resolveColumn(name: string, scope: readonly ScopeColumn[]): Resolved {
  if (typeof name !== 'string') throw new ResolveProblem(`a column name must be a string, got ${JSON.stringify(name)}`);
  let parts: string[];
  try {
    parts = nameParts(name);
  } catch (e) {
    throw new ResolveProblem((e as Error).message);
  }
  if (parts.includes('*')) throw new ResolveProblem(`[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '*' in expression ${JSON.stringify(name)}; '*' and 'a.*' are allowed in select only`);
  const fields = scope.map((c) => ({ name: c.name, type: c.expr.type, nullable: c.expr.nullable }));
  const matches = matchingFields(fields, parts[0]);
  if (matches.length === 0) throw new ResolveProblem(unresolvedColumnMessage(name, scope.map((c) => c.name)));
  if (matches.length > 1) throw new ResolveProblem(ambiguousReferenceMessage(parts[0], matches.map((i) => scope[i].name)));
  const column = scope[matches[0]];
  let expr = column.expr;
  let shown = column.name;
  let last = column.name;
  for (const part of parts.slice(1)) {
    expr = fieldOf(expr, part, shown);
    last = fieldName(expr);
    shown = `${shown}.${last}`;
  }
  return { expr, name: parts.length === 1 ? column.name : last, sql: shown, eventTime: parts.length === 1 && column.eventTime };
}

/** Field `name` of a struct-valued expression (case-insensitive); `shown` names the struct in messages. */
export function fieldOf(of: RExpr, name: string, shown: string): RExpr {
  if (of.type.kind !== 'struct') throw new ResolveProblem(notAStructMessage(shown, of.type));
  const fields = of.type.fields;
  const matches = matchingFields(fields, name);
  if (matches.length === 0) throw new ResolveProblem(fieldNotFoundMessage(name, fields));
  if (matches.length > 1) throw new ResolveProblem(ambiguousReferenceMessage(name, matches.map((i) => fields[i].name)));
  const field = fields[matches[0]];
  return { kind: 'field', of, index: matches[0], type: field.type, nullable: of.nullable || field.nullable };
}

function fieldName(expr: RExpr): string {
  return expr.kind === 'field' && expr.of.type.kind === 'struct' ? expr.of.type.fields[expr.index].name : '';
}

function resolveCall(spec: Extract<ExprSpec, { kind: 'call' }>, scope: readonly ScopeColumn[], env: ExprEnv): Resolved {
  const fn = spec.fn;
  if (typeof fn !== 'string') throw new ResolveProblem(`a function name must be a string, got ${JSON.stringify(fn)}`);
  if (AGGREGATE_FUNCTIONS.has(fn)) {
    throw new ResolveProblem(`aggregate function ${fn}() is only allowed in groupBy(...).agg(...) (global aggregations without groupBy are not supported yet)`);
  }
  if (!Array.isArray(spec.args)) throw new ResolveProblem(`${fn}: args must be a list`);
  const args = spec.args.map((a) => resolveExpr(a, scope, env));
  retypeNullLiterals(spec.args, args);
  const expr = typed(() => env.catalog.resolveCall(fn, args.map((a) => a.expr), env.ctx));
  const sql = callPrettyName(fn, args.map((a) => a.sql));
  return { expr, name: sql, sql, eventTime: false };
}

/** The catalog's refusals (InvalidArgumentError) as problems of the query. */
function typed(f: () => RExpr): RExpr {
  try {
    return f();
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new ResolveProblem(e.message);
    throw e;
  }
}

/** Spark's toPrettySQL of a call: operators infix in parentheses, predicates in SQL words, functions as name(args). */
export function callPrettyName(fn: string, args: readonly string[]): string {
  const infix = INFIX[fn];
  if (infix !== undefined && args.length === 2) return `(${args[0]} ${infix} ${args[1]})`;
  switch (fn) {
    case '!=': return `(NOT (${args[0]} = ${args[1]}))`;
    case 'not': return `(NOT ${args[0]})`;
    case 'negative': return `(- ${args[0]})`;
    case 'isnull': return `(${args[0]} IS NULL)`;
    case 'isnotnull': return `(${args[0]} IS NOT NULL)`;
    case 'in': return `(${args[0]} IN (${args.slice(1).join(', ')}))`;
    case 'between': return `((${args[0]} >= ${args[1]}) AND (${args[0]} <= ${args[2]}))`;
    case 'like': return `${args[0]} LIKE ${args[1]}`;
    default: return `${fn}(${args.join(', ')})`;
  }
}

/** Untyped null literals (lit(None)) take the type of the first argument that is not one (Spark coerces NullType to it). */
function retypeNullLiterals(specs: readonly ExprSpec[], args: Resolved[]): void {
  const untypedNull = (s: ExprSpec): boolean => s.kind === 'lit' && s.value === null && s.type === undefined;
  const typed = args.find((_, i) => !untypedNull(specs[i]));
  if (typed === undefined) return;
  args.forEach((a, i) => { if (untypedNull(specs[i])) args[i] = { ...a, expr: { ...a.expr, type: typed.expr.type } as RExpr }; });
}

function resolveCase(spec: Extract<ExprSpec, { kind: 'case' }>, scope: readonly ScopeColumn[], env: ExprEnv): Resolved {
  if (!Array.isArray(spec.branches) || spec.branches.length === 0) throw new ResolveProblem('when(...) needs at least one branch');
  const whens = spec.branches.map((b) => resolveExpr(b.when, scope, env));
  const thens = spec.branches.map((b) => resolveExpr(b.then, scope, env));
  const otherwise = spec.otherwise === undefined ? null : resolveExpr(spec.otherwise, scope, env);
  whens.forEach((w) => {
    if (w.expr.type.kind !== 'boolean') {
      throw new ResolveProblem(`[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "${w.sql}" in when(...): the condition must be BOOLEAN, but it is ${sqlTypeName(w.expr.type)}`);
    }
  });
  const expr = typed(() => env.catalog.resolveCase(whens.map((w, i) => ({ when: w.expr, then: thens[i].expr })), otherwise?.expr ?? null, env.ctx));
  const sql = `CASE ${whens.map((w, i) => `WHEN ${w.sql} THEN ${thens[i].sql}`).join(' ')}${otherwise === null ? '' : ` ELSE ${otherwise.sql}`} END`;
  return { expr, name: sql, sql, eventTime: false };
}

/** from_json(value or CAST(value AS STRING), schema): the scan's parsed struct column. */
function resolveFromJson(spec: Extract<ExprSpec, { kind: 'fromJson' }>, scope: readonly ScopeColumn[], env: ExprEnv): Resolved {
  const json = env.json;
  if (json === null) throw new ResolveProblem(env.jsonRefusal);
  if (json.found !== null) throw new ResolveProblem('only one from_json over the Kafka value is supported in a query');
  const schema = checkedFields(spec.schema, 'from_json schema');
  if (schema.length === 0) throw new ResolveProblem('from_json needs a schema with at least one field');
  const binary = jsonSchemaProblem(schema);
  if (binary !== null) throw new ResolveProblem(binary);
  const arg = resolveExpr(spec.expr, scope, env);
  const overValue = (e: RExpr): boolean => e.kind === 'column' && e.index === json.valueColumn;
  const ok = overValue(arg.expr) || (arg.expr.kind === 'cast' && arg.expr.type.kind === 'string' && overValue(arg.expr.arg));
  if (!ok) {
    throw new ResolveProblem(`from_json over ${arg.sql} is not supported: parse the Kafka value, from_json(col('value').cast('string'), schema)`);
  }
  const prettyName = `from_json(${arg.sql})`;
  json.found = { schema: [...schema], prettyName };
  const type = structType(schema);
  // Not null: a record whose value is null or not a JSON object is a bad record (quarantined), so
  // every row that reaches the plan has the struct, and its fields keep their declared nullability.
  return { expr: { kind: 'column', index: json.parsedColumn, type, nullable: false }, name: prettyName, sql: prettyName, eventTime: false };
}

/** Whether an expression is boolean-typed (filter conditions). */
export function requireBoolean(r: Resolved, where: string): RExpr {
  if (r.expr.type.kind !== BOOLEAN.kind) {
    throw new ResolveProblem(`[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve "${r.sql}" in ${where}: the filter expression must be BOOLEAN, but it is ${sqlTypeName(r.expr.type)}`);
  }
  return r.expr;
}
