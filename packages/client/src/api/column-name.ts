/**
 * The names Spark gives columns the user did not alias, from the expression's "pretty SQL"
 * (Spark's usePrettyExpression + Expression.sql): column references by name, string literals
 * unquoted, operators in parentheses with their SQL spelling.
 *
 *   col('a') + 1          → (a + 1)            count('*')       → count(1)
 *   col('a').equalTo('x') → (a = x)            col('a').isin(1, 2) → (a IN (1, 2))
 *   col('a').notEqual(1)  → (NOT (a = 1))      col('a').between(1, 2) → ((a >= 1) AND (a <= 2))
 *   lower(col('s'))       → lower(s)           when(c, 1).otherwise(0) → CASE WHEN c THEN 1 ELSE 0 END
 *
 * At the top of a select, Spark names `col('data.a')` by its last part ('a'), a cast of a column by
 * the column ('value' for col('value').cast('string')), and a window 'window'.
 */
import { simpleString, type ExprSpec } from '@tributary/common';

const INFIX: Record<string, string> = {
  '=': '=', '<=>': '<=>', '<': '<', '<=': '<=', '>': '>', '>=': '>=', and: 'AND', or: 'OR', '+': '+', '-': '-', '*': '*', '/': '/', '%': '%',
};

/** The column name Spark gives `e` at the top of a select or an aggregation. */
export function columnName(e: ExprSpec): string {
  switch (e.kind) {
    case 'alias': return e.name;
    case 'col': return lastPart(e.name);
    case 'window': return 'window';
    case 'cast': return e.expr.kind === 'col' ? lastPart(e.expr.name) : exprSql(e);
    case 'call': return e.fn === 'session_window' ? 'session_window' : exprSql(e);
    default: return exprSql(e);
  }
}

/** Spark's pretty SQL text of an expression, as in generated column names and messages. */
export function exprSql(e: ExprSpec): string {
  switch (e.kind) {
    case 'col': return e.name;
    case 'lit': return literalSql(e);
    case 'alias': return exprSql(e.expr);
    case 'cast': return `CAST(${exprSql(e.expr)} AS ${simpleString(e.to).toUpperCase()})`;
    case 'fromJson': return `from_json(${exprSql(e.expr)})`;
    case 'window': return `window(${[exprSql(e.column), e.duration, e.slide, e.startTime].filter((p) => p !== undefined).join(', ')})`;
    case 'case': {
      const branches = e.branches.map((b) => ` WHEN ${exprSql(b.when)} THEN ${exprSql(b.then)}`).join('');
      return `CASE${branches}${e.otherwise === undefined ? '' : ` ELSE ${exprSql(e.otherwise)}`} END`;
    }
    case 'call': return callSql(e.fn, e.args);
  }
}

function callSql(fn: string, args: readonly ExprSpec[]): string {
  const a = args.map(exprSql);
  const infix = INFIX[fn];
  if (infix !== undefined && a.length === 2) return `(${a[0]} ${infix} ${a[1]})`;
  switch (fn) {
    case '!=': return `(NOT (${a[0]} = ${a[1]}))`;
    case 'not': return `(NOT ${a[0]})`;
    case 'negative': return `(- ${a[0]})`;
    case 'isnull': return `(${a[0]} IS NULL)`;
    case 'isnotnull': return `(${a[0]} IS NOT NULL)`;
    case 'in': return `(${a[0]} IN (${a.slice(1).join(', ')}))`;
    case 'between': return `((${a[0]} >= ${a[1]}) AND (${a[0]} <= ${a[2]}))`;
    case 'like': return `${a[0]} LIKE ${a[1]}`;
    case 'count': return a.length === 0 ? 'count(1)' : `count(${a.join(', ')})`;
    // rsd is a parameter of Spark's HyperLogLogPlusPlus, not a child: it is not in the name
    case 'approx_count_distinct': return `approx_count_distinct(${a[0]})`;
    default: return `${fn}(${a.join(', ')})`;
  }
}

function literalSql(e: Extract<ExprSpec, { kind: 'lit' }>): string {
  if (e.value === null) return 'NULL';
  if (e.type === undefined) return String(e.value);
  switch (e.type.kind) {
    case 'date': return `DATE '${e.value}'`;
    case 'timestamp': return `TIMESTAMP '${e.value}'`;
    default: return String(e.value);
  }
}

function lastPart(name: string): string {
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
}
