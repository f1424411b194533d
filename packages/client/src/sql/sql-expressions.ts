/**
 * Spark SQL expressions (parse tree nodes of dt-sql-parser's grammar) → job API Columns, built with
 * the same Column methods and functions a DataFrame job calls, so both give the same ExprSpec.
 *
 *   a + b, a - b, a * b, a / b, a % b, -a   → plus, minus, multiply, divide, mod, negative
 *   a || b                                  → concat(a, b)
 *   = == != <> < <= > >= <=>                → equalTo, notEqual, lt, leq, gt, geq, eqNullSafe
 *   AND OR NOT                              → and, or, not
 *   IS [NOT] NULL, [NOT] IN (…), [NOT] BETWEEN, [NOT] LIKE, IS [NOT] DISTINCT FROM
 *   CASE [x] WHEN … THEN … [ELSE …] END     → when(…).when(…).otherwise(…)
 *   CAST(x AS type)                         → x.cast('type')   (DECIMAL is decimal(10,0))
 *   f(args)                                 → the function of functions.ts with Spark SQL's name (SQL_FUNCTIONS)
 *   literals: 'text', 1 (int, else bigint), 1L, 1.5 (decimal(2,1)), 1.5D / 1e3 (double), 1.5BD,
 *             TRUE, FALSE, NULL, DATE '…', TIMESTAMP '…'
 * Anything else is refused by name with its position.
 */
import type { ParserRuleContext } from 'antlr4ng';
import type {
  BooleanExpressionContext, ConstantContext, ExpressionContext, FunctionArgumentContext, PredicateContext, PrimaryExpressionContext,
  ValueExpressionContext,
} from 'dt-sql-parser/dist/lib/spark/SparkSqlParser';
import { DATE, decimalType, DOUBLE, LONG, TIMESTAMP, type ExprSpec } from '@tributary/common';
import { Column, literal } from '../api/column';
import {
  abs, approxCountDistinct, avg, coalesce, concat, count, dateFormat, dateTrunc, dayofweek, fromJson, getJsonObject, hour, isnotnull, isnull,
  length, lower, max, min, negative, round, sessionWindow, substring, sum, toDate, trim, upper, when, window,
} from '../api/functions';
import { parseDdlSchema, StructType } from '../api/types';
import { positionOf, sourceText } from './spark-sql-grammar';
import { SqlError, unsupportedSql } from './sql-error';
import { identifierName, nameParts, stringLiteralValue } from './sql-names';

/** What names in an expression can refer to: the input's column names and the relation's name or alias. */
export interface ExprScope {
  columns: readonly string[];
  /** Names a column may be qualified with (the FROM relation's alias or name), lower case. */
  qualifiers: readonly string[];
}

type SqlFunction = (args: Column[], at: ParserRuleContext) => Column;

/** Spark SQL function names → the job API's functions (Steps 7 and 8). */
export const SQL_FUNCTIONS: Readonly<Record<string, SqlFunction>> = {
  count: (a, at) => (a.length === 1 ? count(a[0]) : arity('count', a, at, 1)),
  sum: (a, at) => sum(one('sum', a, at)),
  avg: (a, at) => avg(one('avg', a, at)),
  mean: (a, at) => avg(one('mean', a, at)),
  min: (a, at) => min(one('min', a, at)),
  max: (a, at) => max(one('max', a, at)),
  approx_count_distinct: (a, at) => {
    if (a.length === 1) return approxCountDistinct(a[0]);
    if (a.length === 2) return approxCountDistinct(a[0], numberArg('approx_count_distinct', a[1], at));
    return arity('approx_count_distinct', a, at, 2);
  },
  lower: (a, at) => lower(one('lower', a, at)),
  upper: (a, at) => upper(one('upper', a, at)),
  lcase: (a, at) => lower(one('lcase', a, at)),
  ucase: (a, at) => upper(one('ucase', a, at)),
  trim: (a, at) => trim(one('trim', a, at)),
  length: (a, at) => length(one('length', a, at)),
  char_length: (a, at) => length(one('char_length', a, at)),
  character_length: (a, at) => length(one('character_length', a, at)),
  concat: (a) => concat(...a),
  coalesce: (a) => coalesce(...a),
  isnull: (a, at) => isnull(one('isnull', a, at)),
  isnotnull: (a, at) => isnotnull(one('isnotnull', a, at)),
  abs: (a, at) => abs(one('abs', a, at)),
  negative: (a, at) => negative(one('negative', a, at)),
  round: (a, at) => (a.length === 1 ? round(a[0]) : a.length === 2 ? round(a[0], intArg('round', a[1], at)) : arity('round', a, at, 2)),
  substring: (a, at) => substringOf('substring', a, at),
  substr: (a, at) => substringOf('substr', a, at),
  to_date: (a, at) => (a.length === 1 ? toDate(a[0]) : a.length === 2 ? toDate(a[0], textArg('to_date', a[1], at)) : arity('to_date', a, at, 2)),
  date_trunc: (a, at) => (a.length === 2 ? dateTrunc(textArg('date_trunc', a[0], at), a[1]) : arity('date_trunc', a, at, 2)),
  date_format: (a, at) => (a.length === 2 ? dateFormat(a[0], textArg('date_format', a[1], at)) : arity('date_format', a, at, 2)),
  hour: (a, at) => hour(one('hour', a, at)),
  dayofweek: (a, at) => dayofweek(one('dayofweek', a, at)),
  get_json_object: (a, at) => (a.length === 2 ? getJsonObject(a[0], textArg('get_json_object', a[1], at)) : arity('get_json_object', a, at, 2)),
  from_json: (a, at) => {
    if (a.length === 3) throw unsupportedSql('from_json with options', positionOf(at), "set the session time zone instead (spark.sql.session.timeZone)");
    if (a.length !== 2) return arity('from_json', a, at, 2);
    return fromJson(a[0], ddlSchema(textArg('from_json', a[1], at), at));
  },
  window: (a, at) => {
    if (a.length < 2 || a.length > 4) return arity('window', a, at, 2);
    const [time, ...durations] = a;
    const texts = durations.map((d) => textArg('window', d, at));
    return window(time, texts[0], texts[1], texts[2]);
  },
  session_window: (a, at) => (a.length === 2 ? sessionWindow(a[0], textArg('session_window', a[1], at)) : arity('session_window', a, at, 2)),
};

/** Spark SQL functions Tributary refuses, with why. */
const REFUSED_FUNCTIONS: Readonly<Record<string, string>> = {
  count_distinct: 'distinct aggregations are not supported on streaming DataFrames, as in Spark; use approx_count_distinct',
  current_timestamp: 'a streaming query computes from its input only; use the event time column',
  current_date: 'a streaming query computes from its input only; use the event time column',
  now: 'a streaming query computes from its input only; use the event time column',
  rand: 'a streaming query must give the same result when a batch is replayed',
  random: 'a streaming query must give the same result when a batch is replayed',
  uuid: 'a streaming query must give the same result when a batch is replayed',
};

/** An expression node (expression, booleanExpression, valueExpression or primaryExpression) as a Column. */
export function sqlColumn(ctx: ExpressionContext, scope: ExprScope): Column {
  return booleanExpression(ctx.booleanExpression(), scope);
}

/** A condition (WHERE, HAVING: the grammar's booleanExpression) as a Column. */
export function sqlCondition(ctx: BooleanExpressionContext, scope: ExprScope): Column {
  return booleanExpression(ctx, scope);
}

function booleanExpression(ctx: BooleanExpressionContext, scope: ExprScope): Column {
  if (ctx.KW_NOT() !== null || ctx.NOT() !== null) return booleanExpression(only(ctx.booleanExpression(0), ctx), scope).not();
  if (ctx.KW_EXISTS() !== null) throw unsupportedSql('EXISTS (a subquery)', positionOf(ctx), 'a query reads one stream');
  if (ctx._operator !== undefined && ctx._operator !== null) {
    const left = booleanExpression(only(ctx._left, ctx), scope);
    const right = booleanExpression(only(ctx._right, ctx), scope);
    return ctx._operator.text?.toUpperCase() === 'AND' ? left.and(right) : left.or(right);
  }
  const value = valueExpression(only(ctx.valueExpression(), ctx), scope);
  const predicate = ctx.predicate();
  return predicate === null ? value : applyPredicate(value, predicate, scope);
}

function applyPredicate(value: Column, ctx: PredicateContext, scope: ExprScope): Column {
  const kind = ctx._kind?.text?.toUpperCase();
  const negated = ctx.KW_NOT() !== null;
  const maybeNot = (c: Column) => (negated ? c.not() : c);
  if (ctx.KW_IS() !== null) {
    if (kind === 'NULL') return negated ? value.isNotNull() : value.isNull();
    if (kind === 'DISTINCT') {
      const same = value.eqNullSafe(valueExpression(only(ctx._right, ctx), scope));
      return negated ? same : same.not();
    }
    throw unsupportedSql(`IS ${negated ? 'NOT ' : ''}${kind}`, positionOf(ctx), 'compare with = or <=>');
  }
  switch (kind) {
    case 'BETWEEN':
      return maybeNot(value.between(valueExpression(only(ctx._lower, ctx), scope), valueExpression(only(ctx._upper, ctx), scope)));
    case 'IN':
      if (ctx.query() !== null) throw unsupportedSql('IN (a subquery)', positionOf(ctx), 'list the values: IN (1, 2, 3)');
      return maybeNot(value.isin(ctx.expression().map((e) => sqlColumn(e, scope))));
    case 'LIKE':
      if (ctx._quantifier !== undefined && ctx._quantifier !== null) throw unsupportedSql(`LIKE ${ctx._quantifier.text?.toUpperCase()}`, positionOf(ctx), 'combine LIKE with OR');
      if (ctx.KW_ESCAPE() !== null) throw unsupportedSql('LIKE … ESCAPE', positionOf(ctx), "escape with '\\'");
      return maybeNot(value.like(valueExpression(only(ctx._pattern, ctx), scope)));
    default:
      throw unsupportedSql(`${negated ? 'NOT ' : ''}${kind ?? sourceText(ctx)}`, positionOf(ctx));
  }
}

const BINARY: Record<string, (l: Column, r: Column) => Column> = {
  '+': (l, r) => l.plus(r), '-': (l, r) => l.minus(r), '*': (l, r) => l.multiply(r), '/': (l, r) => l.divide(r), '%': (l, r) => l.mod(r),
  '||': (l, r) => concat(l, r),
  '=': (l, r) => l.equalTo(r), '==': (l, r) => l.equalTo(r), '!=': (l, r) => l.notEqual(r), '<>': (l, r) => l.notEqual(r),
  '<': (l, r) => l.lt(r), '<=': (l, r) => l.leq(r), '>': (l, r) => l.gt(r), '>=': (l, r) => l.geq(r), '<=>': (l, r) => l.eqNullSafe(r),
};

function valueExpression(ctx: ValueExpressionContext, scope: ExprScope): Column {
  const primary = ctx.primaryExpression();
  if (primary !== null) return primaryExpression(primary, scope);
  const operands = ctx.valueExpression();
  const comparison = ctx.comparisonOperator();
  const op = comparison !== null ? comparison.getText() : ctx._operator?.text?.toUpperCase() ?? '';
  if (operands.length === 1) {
    const operand = valueExpression(operands[0], scope);
    if (op === '-') return negative(operand);
    if (op === '+') return operand;
    throw unsupportedSql(`the operator ${op}`, positionOf(ctx));
  }
  const make = BINARY[op];
  if (make === undefined) throw unsupportedSql(`the operator ${op}`, positionOf(ctx), op === 'DIV' ? 'divide with / and cast the result' : undefined);
  return make(valueExpression(operands[0], scope), valueExpression(operands[1], scope));
}

function primaryExpression(ctx: PrimaryExpressionContext, scope: ExprScope): Column {
  const at = positionOf(ctx);
  const first = ctx.start?.text?.toUpperCase() ?? '';
  if (ctx.KW_CASE() !== null) return caseWhen(ctx, scope);
  if (ctx.KW_CAST() !== null) {
    const operand = sqlColumn(only(ctx.expression(0), ctx), scope);
    try {
      return operand.cast(sourceText(only(ctx.dataType(), ctx)));
    } catch (e) {
      throw located(e, ctx);
    }
  }
  if (ctx.KW_TRY_CAST() !== null) throw unsupportedSql('TRY_CAST', at, 'use CAST (invalid values become null, as with spark.sql.ansi.enabled=false)');
  const constant = ctx.constant();
  if (constant !== null) return new Column(constantExpr(constant));
  if (ctx.functionName() !== null) return functionCall(ctx, scope);
  const path = ctx.columnNamePath();
  if (path !== null) return columnRef(sourceText(path), scope, ctx);
  if (ctx._base !== undefined && ctx._base !== null && ctx._fieldName !== undefined) {
    const base = primaryExpression(ctx._base, scope);
    return base.getField(identifierName(ctx._fieldName.getText()));
  }
  if (ctx.KW_SUBSTR() !== null || ctx.KW_SUBSTRING() !== null) {
    const args = [ctx._str, ctx._pos, ctx._len].filter((e): e is ValueExpressionContext => e !== undefined && e !== null).map((e) => valueExpression(e, scope));
    return substringOf(first.toLowerCase(), args, ctx);
  }
  if (ctx.query() !== null) throw unsupportedSql('a subquery', at, 'a query reads one stream');
  if (ctx.ASTERISK() !== null) {
    const q = ctx.qualifiedName();
    return new Column({ kind: 'col', name: q === null ? '*' : `${nameParts(sourceText(q)).join('.')}.*` });
  }
  if (first === '(') {
    if (ctx.namedExpression().length > 0) throw unsupportedSql('a row of several expressions', at);
    if (ctx.identifier().length > 0) throw unsupportedSql('a lambda function', at);
    return sqlColumn(only(ctx.expression(0), ctx), scope);
  }
  if (ctx.LEFT_BRACKET() !== null) throw unsupportedSql('element access [ … ]', at, 'arrays are parsed and kept whole for now');
  if (ctx.ARROW() !== null) throw unsupportedSql('a lambda function', at);
  throw unsupportedSql(`${first}${ctx.LEFT_PAREN().length > 0 ? '(…)' : ''}`, at);
}

function caseWhen(ctx: PrimaryExpressionContext, scope: ExprScope): Column {
  const clauses = ctx.whenClause();
  const elseCtx = ctx._elseExpression;
  // CASE x WHEN v THEN … : the operand is the expression before the first WHEN.
  const operandCtx = ctx.expression().find((e) => e !== elseCtx && e.start !== null && clauses[0].start !== null && e.start.tokenIndex < clauses[0].start.tokenIndex);
  const operand = operandCtx === undefined ? undefined : sqlColumn(operandCtx, scope);
  let result: Column | undefined;
  for (const clause of clauses) {
    const cond = sqlColumn(only(clause._condition, clause), scope);
    const then = sqlColumn(only(clause._result, clause), scope);
    const test = operand === undefined ? cond : operand.equalTo(cond);
    result = result === undefined ? when(test, then) : result.when(test, then);
  }
  if (result === undefined) throw new SqlError('CASE needs at least one WHEN', positionOf(ctx));
  return elseCtx === undefined || elseCtx === null ? result : result.otherwise(sqlColumn(elseCtx, scope));
}

function functionCall(ctx: PrimaryExpressionContext, scope: ExprScope): Column {
  const at = positionOf(ctx);
  const nameCtx = only(ctx.functionName(), ctx);
  const parts = nameParts(sourceText(nameCtx));
  const name = parts.join('.').toLowerCase();
  if (ctx.KW_OVER() !== null) throw unsupportedSql(`the window function ${name}(…) OVER (…)`, at, 'aggregate with GROUP BY, over a time window with window(…)');
  if (ctx.KW_FILTER() !== null && ctx._where !== undefined && ctx._where !== null) throw unsupportedSql(`${name}(…) FILTER (WHERE …)`, at, 'filter with WHERE, or aggregate a CASE WHEN');
  if (ctx._nullsOption !== undefined && ctx._nullsOption !== null) throw unsupportedSql(`${name}(…) ${ctx._nullsOption.text?.toUpperCase()} NULLS`, at);
  const quantifier = ctx.setQuantifier();
  if (quantifier !== null && quantifier.getText().toUpperCase() === 'DISTINCT') {
    throw unsupportedSql(`${name}(DISTINCT …)`, at, 'distinct aggregations are not supported on streaming DataFrames, as in Spark; use approx_count_distinct');
  }
  const argCtxs = ctx.functionArgument();
  if (name === 'count' && argCtxs.length === 1 && isStar(argCtxs[0])) return count('*');
  return callFunction(name, argCtxs.map((a) => functionArgument(a, scope)), ctx);
}

/** The function `name` (Spark SQL's name, lower case) over `args`, or its refusal at `ctx`. */
export function callFunction(name: string, args: Column[], ctx: ParserRuleContext): Column {
  const make = SQL_FUNCTIONS[name];
  if (make === undefined) {
    const why = REFUSED_FUNCTIONS[name];
    if (why !== undefined) throw unsupportedSql(`the function ${name}`, positionOf(ctx), why);
    throw unsupportedSql(`the function ${name}`, positionOf(ctx), `the functions are: ${Object.keys(SQL_FUNCTIONS).join(', ')}`);
  }
  try {
    return make(args, ctx);
  } catch (e) {
    throw located(e, ctx);
  }
}

function isStar(arg: FunctionArgumentContext): boolean {
  return arg.getText() === '*';
}

function functionArgument(ctx: FunctionArgumentContext, scope: ExprScope): Column {
  const e = ctx.expression();
  if (e === null) throw unsupportedSql('a named argument (name => value)', positionOf(ctx));
  if (e.getText() === '*') throw unsupportedSql("'*' as a function argument", positionOf(ctx), 'only count(*) takes it');
  return sqlColumn(e, scope);
}

/** A plain column name (the grammar's columnName) as a column reference. */
export function sqlColumnName(ctx: ParserRuleContext, scope: ExprScope): Column {
  return columnRef(sourceText(ctx), scope, ctx);
}

/** A column reference; a first part naming the relation (its alias or name) is dropped when no column has that name. */
function columnRef(text: string, scope: ExprScope, ctx: ParserRuleContext): Column {
  // The grammar may read a lone TRUE, FALSE or NULL as a column name; Spark reads the literal.
  const word = text.trim().toUpperCase();
  if (word === 'TRUE' || word === 'FALSE') return new Column({ kind: 'lit', value: word === 'TRUE' });
  if (word === 'NULL') return new Column({ kind: 'lit', value: null });
  const parts = nameParts(text);
  if (parts.some((p) => p.includes('.'))) throw unsupportedSql(`the column name \`${parts.find((p) => p.includes('.'))}\` with a dot`, positionOf(ctx), 'alias it without dots');
  if (parts.length > 1 && scope.qualifiers.includes(parts[0].toLowerCase()) && !scope.columns.some((c) => c.toLowerCase() === parts[0].toLowerCase())) {
    parts.shift();
  }
  return new Column({ kind: 'col', name: parts.join('.') });
}

/** A literal, typed as Spark's parser types it. */
export function constantExpr(ctx: ConstantContext): ExprSpec {
  const at = positionOf(ctx);
  const text = ctx.getText();
  const upper = text.toUpperCase();
  if (upper === 'NULL') return { kind: 'lit', value: null };
  if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'lit', value: upper === 'TRUE' };
  const strings = ctx.stringLit();
  const typed = ctx.literalType();
  if (typed !== null) {
    const value = stringLiteralValue(sourceText(only(ctx.stringLit(0), ctx)));
    const type = typed.getText().toUpperCase();
    if (type === 'DATE') return { kind: 'lit', value, type: DATE };
    if (type === 'TIMESTAMP' || type === 'TIMESTAMP_LTZ') return { kind: 'lit', value, type: TIMESTAMP };
    throw unsupportedSql(`a ${type} literal`, at);
  }
  if (strings.length > 0) return { kind: 'lit', value: strings.map((s) => stringLiteralValue(s.getText())).join('') };
  if (ctx.number() !== null) return numberLiteral(text, ctx);
  if (ctx.interval() !== null) throw unsupportedSql('an INTERVAL literal', at, "write durations as text, e.g. window(ts, '5 minutes')");
  throw unsupportedSql(`the literal ${text}`, at);
}

function numberLiteral(text: string, ctx: ParserRuleContext): ExprSpec {
  const at = positionOf(ctx);
  const upper = text.toUpperCase();
  if (upper.endsWith('BD')) return decimalLiteral(text.slice(0, -2), ctx);
  if (upper.endsWith('L')) return { kind: 'lit', value: BigInt(text.slice(0, -1)).toString(), type: LONG };
  if (upper.endsWith('D') || /E/.test(upper)) return { kind: 'lit', value: String(Number(upper.endsWith('D') ? text.slice(0, -1) : text)), type: DOUBLE };
  if (/[YSF]$/.test(upper)) throw unsupportedSql(`the literal ${text} (tinyint, smallint and float have no column type in Tributary)`, at, 'write an int or a double');
  if (text.includes('.')) return decimalLiteral(text, ctx);
  const n = BigInt(text);
  if (n >= -(2n ** 31n) && n < 2n ** 31n) return literal(Number(n));
  if (n >= -(2n ** 63n) && n < 2n ** 63n) return { kind: 'lit', value: n.toString(), type: LONG };
  return decimalLiteral(text, ctx);
}

/** 1.50 → decimal(3,2), as Spark types an exact numeric literal. */
function decimalLiteral(text: string, ctx: ParserRuleContext): ExprSpec {
  const digits = text.replace(/^-/, '');
  const [whole, frac = ''] = digits.split('.');
  const scale = frac.length;
  const precision = Math.max(whole.replace(/^0+/, '').length + scale, scale, 1);
  if (precision > 38) throw new SqlError(`the literal ${text} has more than 38 digits`, positionOf(ctx));
  return { kind: 'lit', value: text, type: decimalType(precision, scale) };
}

/** from_json's schema as DDL: 'customer_id INT, amount DECIMAL(10,2), ts TIMESTAMP' (or 'struct<…>'). */
export function ddlSchema(ddl: string, at: ParserRuleContext): StructType {
  try {
    return parseDdlSchema(ddl);
  } catch (e) {
    throw new SqlError(`from_json schema '${ddl}': ${e instanceof Error ? e.message : String(e)}`, positionOf(at));
  }
}

function substringOf(name: string, a: Column[], at: ParserRuleContext): Column {
  if (a.length === 2) return substring(a[0], intArg(name, a[1], at), 2147483647);
  if (a.length !== 3) return arity(name, a, at, 3);
  return substring(a[0], intArg(name, a[1], at), intArg(name, a[2], at));
}

function one(name: string, a: Column[], at: ParserRuleContext): Column {
  if (a.length !== 1) arity(name, a, at, 1);
  return a[0];
}

function arity(name: string, a: Column[], at: ParserRuleContext, expected: number): never {
  throw new SqlError(`${name} takes ${expected} argument(s), got ${a.length}`, positionOf(at));
}

function textArg(name: string, c: Column, at: ParserRuleContext): string {
  if (c.expr.kind === 'lit' && typeof c.expr.value === 'string' && c.expr.type === undefined) return c.expr.value;
  throw new SqlError(`${name} needs a string literal here, got ${c.toString()}`, positionOf(at));
}

function intArg(name: string, c: Column, at: ParserRuleContext): number {
  if (c.expr.kind === 'lit' && typeof c.expr.value === 'number' && Number.isInteger(c.expr.value)) return c.expr.value;
  if (c.expr.kind === 'call' && c.expr.fn === 'negative') {
    const inner = intArg(name, new Column(c.expr.args[0]), at);
    return -inner;
  }
  throw new SqlError(`${name} needs an integer literal here, got ${c.toString()}`, positionOf(at));
}

function numberArg(name: string, c: Column, at: ParserRuleContext): number {
  if (c.expr.kind === 'lit' && c.expr.value !== null && Number.isFinite(Number(c.expr.value))) return Number(c.expr.value);
  throw new SqlError(`${name} needs a number literal here, got ${c.toString()}`, positionOf(at));
}

function only<T>(x: T | null | undefined, ctx: ParserRuleContext): T {
  if (x === null || x === undefined) throw new SqlError(`cannot read '${sourceText(ctx)}'`, positionOf(ctx));
  return x;
}

/** An error of the job API (a message it shares with DataFrame jobs) at the position of `ctx`. */
export function located(e: unknown, ctx: ParserRuleContext): unknown {
  if (e instanceof SqlError || !(e instanceof Error)) return e;
  const code = (e as { code?: string }).code;
  return new SqlError(e.message, positionOf(ctx), code === 'INVALID_ARGUMENT' ? undefined : code);
}
