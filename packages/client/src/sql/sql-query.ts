/**
 * A Spark SQL query (SELECT … FROM … WHERE … GROUP BY … HAVING …) → the DataFrame operations a job
 * written with the DataFrame API would apply, in Spark's order of evaluation:
 *
 *   FROM r                 the relation's DataFrame (a temp view, or a kafka.`host:port`.`topic` source)
 *   WHERE c                .filter(c)
 *   GROUP BY k… / aggregates in the select list or HAVING
 *                          .groupBy(k…).agg(a…), then .filter(HAVING) and a .select giving the
 *                          select list's columns in its order (left out when the select list is the
 *                          keys then the aggregates, as groupBy(…).agg(…) gives them)
 *   otherwise              .select(select list)
 *   SELECT DISTINCT        .distinct()
 *
 * A select item that is a GROUP BY expression (with or without an alias) is that key; one that is an
 * aggregate call is that aggregate; anything else over keys and aggregates is computed after the
 * aggregation from hidden columns (__key_i, __agg_i). GROUP BY takes expressions, select-list
 * aliases (spark.sql.groupByAliases) and positions (spark.sql.groupByOrdinal).
 */
import type { ParserRuleContext } from 'antlr4ng';
import type {
  AggregationClauseContext, NamedExpressionContext, QueryContext, QuerySpecificationContext, RelationContext,
} from 'dt-sql-parser/dist/lib/spark/SparkSqlParser';
import type { ExprSpec } from '@tributary/common';
import { Column } from '../api/column';
import { columnName, exprSql } from '../api/column-name';
import type { DataFrame } from '../api/dataframe';
import { containsAggregate } from '../api/functions';
import { positionOf, sourceText } from './spark-sql-grammar';
import { SqlError, unsupportedSql, type SqlPosition } from './sql-error';
import { callFunction, located, sqlColumn, sqlColumnName, sqlCondition, type ExprScope } from './sql-expressions';
import { identifierName, nameParts } from './sql-names';

/** A relation named in FROM, as the DataFrame it reads; `parts` are the name's parts as written. */
export type RelationResolver = (parts: string[], at: SqlPosition) => DataFrame;

/** ORDER BY and LIMIT, which only a batch query may have (QueryOrganization); streaming queries refuse them. */
export interface Organization {
  orderBy: { expr: Column; descending: boolean; nullsFirst: boolean; at: SqlPosition }[];
  limit?: number;
}

export interface TranslatedQuery {
  df: DataFrame;
  organization: Organization;
}

/** A query of the grammar as a DataFrame; `allowOrganization` lets ORDER BY and LIMIT through to the caller (batch). */
export function translateQuery(ctx: QueryContext, resolve: RelationResolver, allowOrganization = false): TranslatedQuery {
  const q = ctx as unknown as { ctes(): ParserRuleContext | null; queryTerm(): any; queryOrganization(): any };
  const ctes = q.ctes();
  if (ctes !== null) throw unsupportedSql('WITH (common table expressions)', positionOf(ctes), 'define each part with CREATE TEMP VIEW');
  const term = q.queryTerm();
  if (term._operator !== undefined && term._operator !== null) {
    throw unsupportedSql(String(term._operator.text).toUpperCase(), { line: term._operator.line, column: term._operator.column + 1 }, 'a query reads one stream');
  }
  const primary = term.queryPrimary();
  const organization = translateOrganization(q.queryOrganization(), allowOrganization);
  if (primary.querySpecification() !== null) return { df: querySpecification(primary.querySpecification(), resolve), organization };
  if (primary.query() !== null) {
    const inner = translateQuery(primary.query(), resolve, allowOrganization);
    if (organization.orderBy.length > 0 || organization.limit !== undefined) {
      if (inner.organization.orderBy.length > 0 || inner.organization.limit !== undefined) throw unsupportedSql('ORDER BY or LIMIT on both a query and its parenthesized query', positionOf(primary));
      return { df: inner.df, organization };
    }
    return inner;
  }
  if (primary.KW_TABLE() !== null) return { df: resolve(nameParts(sourceText(primary.tableName())), positionOf(primary)), organization };
  if (primary.KW_VALUES() !== null) throw unsupportedSql('VALUES', positionOf(primary), 'a query reads a Kafka stream');
  throw unsupportedSql('FROM … SELECT (Hive syntax)', positionOf(primary), 'write SELECT … FROM …');
}

function translateOrganization(ctx: any, allow: boolean): Organization {
  const out: Organization = { orderBy: [] };
  if (ctx === null || ctx.getChildCount() === 0) return out;
  const at = positionOf(ctx);
  if (ctx.KW_CLUSTER() !== null) throw unsupportedSql('CLUSTER BY', at, 'the aggregation shuffles by its keys');
  if (ctx.KW_DISTRIBUTE() !== null) throw unsupportedSql('DISTRIBUTE BY', at, 'the aggregation shuffles by its keys');
  if (ctx.KW_SORT() !== null) throw unsupportedSql('SORT BY', at, allow ? 'use ORDER BY' : undefined);
  if (ctx.windowClause() !== null) throw unsupportedSql('WINDOW (named window specifications)', at, 'aggregate with GROUP BY window(…)');
  if (ctx.KW_OFFSET() !== null) throw unsupportedSql('OFFSET', at);
  if (ctx.KW_ORDER() !== null) {
    if (!allow) throw unsupportedSql('ORDER BY on a stream', at, 'sorting is not supported on streaming DataFrames (Spark allows it only after an aggregation in complete mode)');
    const clause = ctx.orderOrSortByClause(0);
    for (const item of clause.sortItem()) {
      const descending = String(item._ordering?.text ?? 'ASC').toUpperCase() === 'DESC';
      const nullOrder = item._nullOrder?.text?.toUpperCase();
      const target = item.expression() ?? item.columnName();
      const expr = item.expression() !== null ? sqlColumn(item.expression(), { columns: [], qualifiers: [] }) : new Column({ kind: 'col', name: nameParts(sourceText(target)).join('.') });
      out.orderBy.push({ expr, descending, nullsFirst: nullOrder === undefined ? !descending : nullOrder === 'FIRST', at: positionOf(item) });
    }
  }
  const limit = ctx.limitClause();
  if (limit !== null) {
    if (!allow) throw unsupportedSql('LIMIT on a stream', positionOf(limit), 'Spark allows it only in complete mode');
    const e = limit.expression();
    const n = e === null ? NaN : Number(e.getText());
    if (e !== null && (!Number.isSafeInteger(n) || n < 0)) throw new SqlError(`LIMIT needs a non-negative integer, got ${e.getText()}`, positionOf(limit));
    if (e !== null) out.limit = n;
  }
  return out;
}

interface SelectItem {
  column: Column;
  /** The expression without its alias. */
  base: ExprSpec;
  alias?: string;
  at: ParserRuleContext;
}

function querySpecification(ctx: QuerySpecificationContext, resolve: RelationResolver): DataFrame {
  if (ctx.transformClause() !== null) throw unsupportedSql('TRANSFORM (a script)', positionOf(ctx));
  const lateral = ctx.lateralView(0);
  if (lateral !== null) throw unsupportedSql('LATERAL VIEW', positionOf(lateral));
  if (ctx.windowClause() !== null) throw unsupportedSql('WINDOW (named window specifications)', positionOf(ctx.windowClause()!), 'aggregate with GROUP BY window(…)');
  const select = ctx.selectClause()!;
  if (select.hint().length > 0) throw unsupportedSql('hints (/*+ … */)', positionOf(select.hint(0)!));
  const from = ctx.fromClause();
  if (from === null) throw unsupportedSql('SELECT without FROM', positionOf(ctx), 'a query reads a Kafka stream: FROM kafka.`host:port`.`topic` or a view');
  if (from.relation().length > 1) throw unsupportedSql('a join (FROM a, b)', positionOf(from.relation(1)!), 'a query reads one stream');
  if (from.lateralView().length > 0) throw unsupportedSql('LATERAL VIEW', positionOf(from.lateralView(0)!));
  if (from.pivotClause() !== null) throw unsupportedSql('PIVOT', positionOf(from.pivotClause()!));
  if (from.unPivotClause() !== null) throw unsupportedSql('UNPIVOT', positionOf(from.unPivotClause()!));
  const { df: source, qualifiers } = relation(from.relation(0)!, resolve);
  let df = source;
  const scopeOf = (frame: DataFrame): ExprScope => ({ columns: frame.columns, qualifiers });

  const where = ctx.whereClause();
  if (where !== null) {
    const condition = sqlCondition(where.booleanExpression(), scopeOf(df));
    if (containsAggregate(condition.expr)) throw new SqlError(`aggregate functions are not allowed in WHERE (${exprSql(condition.expr)}); use HAVING`, positionOf(where));
    df = attempt(() => df.filter(condition), where);
  }

  const scope = scopeOf(df);
  const items = select.selectList().namedExpressionSeq().namedExpression().map((n) => selectItem(n, scope));
  const aggregation = ctx.aggregationClause();
  const having = ctx.havingClause();
  const aggregates = items.some((i) => containsAggregate(i.base));
  if (aggregation !== null || having !== null || aggregates) {
    const keys = aggregation === null ? [] : groupingKeys(aggregation, items, scope);
    const condition = having === null ? undefined : sqlCondition(having.booleanExpression(), scope);
    df = aggregate(df, keys, items, condition, having ?? aggregation ?? ctx);
  } else {
    for (const i of items) attempt(() => df.select(i.column), i.at);
    df = attempt(() => df.select(items.map((i) => i.column)), select);
  }
  const quantifier = select.setQuantifier();
  if (quantifier !== null && quantifier.getText().toUpperCase() === 'DISTINCT') df = attempt(() => df.distinct(), quantifier);
  return df;
}

function relation(ctx: RelationContext, resolve: RelationResolver): { df: DataFrame; qualifiers: string[] } {
  const r = ctx as unknown as { tableName(): ParserRuleContext | null; relationPrimary(): any; joinRelation(): ParserRuleContext[]; pivotClause(): ParserRuleContext[]; unPivotClause(): ParserRuleContext[]; KW_LATERAL(): unknown };
  const join = r.joinRelation()[0];
  if (join !== undefined) throw unsupportedSql('JOIN', positionOf(join), 'a query reads one stream (stream-stream and stream-static joins are not supported yet)');
  if (r.pivotClause()[0] !== undefined) throw unsupportedSql('PIVOT', positionOf(r.pivotClause()[0]));
  if (r.unPivotClause()[0] !== undefined) throw unsupportedSql('UNPIVOT', positionOf(r.unPivotClause()[0]));
  const name = r.tableName();
  if (name !== null) {
    const parts = nameParts(sourceText(name));
    return { df: resolve(parts, positionOf(name)), qualifiers: [parts[parts.length - 1].toLowerCase()] };
  }
  const primary = r.relationPrimary();
  const kind = primary.constructor.name as string;
  if (kind !== 'TableSourceContext') {
    const what: Record<string, string> = {
      SubQueryTableSourceContext: 'a subquery in FROM', JoinTableSourceContext: 'a parenthesized relation (a join)',
      InlineTableSourceContext: 'VALUES in FROM', FunctionTableSourceContext: 'a table-valued function',
    };
    throw unsupportedSql(what[kind] ?? sourceText(primary), positionOf(primary), 'define it with CREATE TEMP VIEW and select from the view');
  }
  if (primary.temporalClause() !== null) throw unsupportedSql('time travel (VERSION/TIMESTAMP AS OF)', positionOf(primary.temporalClause()));
  if (primary.sample() !== null) throw unsupportedSql('TABLESAMPLE', positionOf(primary.sample()));
  const nameCtx = primary.tableName() ?? primary.viewName() ?? primary.identifierReference();
  const parts = nameParts(sourceText(nameCtx));
  const alias = primary.tableAlias();
  const aliasName = alias?._alias !== undefined && alias._alias !== null ? identifierName(alias._alias.getText()) : undefined;
  if (alias?.identifierList() !== null && alias?.identifierList() !== undefined) throw unsupportedSql('column aliases on a relation', positionOf(alias), 'alias the columns in the select list');
  const df = resolve(parts, positionOf(nameCtx));
  return { df, qualifiers: [aliasName ?? parts[parts.length - 1]].map((q) => q.toLowerCase()) };
}

function selectItem(ctx: NamedExpressionContext, scope: ExprScope): SelectItem {
  const literalName = ctx.selectLiteralColumnName();
  const list = ctx.identifierList();
  if (literalName !== null && list !== null && ctx.KW_AS() === null) {
    // dt-sql-parser's grammar reads `f(a, b)` with plain column arguments as the column f aliased
    // (a, b) (its select item alternatives are tried in that order); Spark reads a function call.
    const args = list.identifierSeq().errorCapturingIdentifier().map((a) => sqlColumnName(a, scope));
    const column = callFunction(nameParts(sourceText(literalName)).join('.').toLowerCase(), args, ctx);
    return { column, base: column.expr, at: ctx };
  }
  if (list !== null) throw unsupportedSql('several aliases for one expression (AS (a, b))', positionOf(ctx));
  const all = ctx.tableAllColumns();
  let column: Column;
  if (all !== null) {
    const parts = nameParts(sourceText(all).replace(/\s*\.?\s*\*$/, ''));
    if (parts.length > 0 && parts[0] !== '' && scope.qualifiers.includes(parts[0].toLowerCase()) && !scope.columns.some((c) => c.toLowerCase() === parts[0].toLowerCase())) parts.shift();
    column = new Column({ kind: 'col', name: parts.length === 0 || parts[0] === '' ? '*' : `${parts.join('.')}.*` });
  } else {
    const exprCtx = ctx.selectExpressionColumnName();
    if (exprCtx !== null) column = sqlColumn(exprCtx.expression(), scope);
    else if (literalName !== null) column = sqlColumnName(literalName, scope);
    else throw new SqlError('an empty select item', positionOf(ctx));
  }
  const base = column.expr;
  const aliasCtx = ctx._alias;
  if (aliasCtx === undefined || aliasCtx === null) return { column, base, at: ctx };
  const alias = identifierName(aliasCtx.getText());
  return { column: attempt(() => column.alias(alias), ctx), base, alias, at: ctx };
}

function groupingKeys(ctx: AggregationClauseContext, items: readonly SelectItem[], scope: ExprScope): Column[] {
  if (ctx._kind !== undefined && ctx._kind !== null) throw unsupportedSql(`GROUP BY … ${String(ctx._kind.text).toUpperCase()}`, positionOf(ctx), 'group with GROUP BY');
  const clauses = ctx.groupByClause();
  const exprs: { node: ParserRuleContext; column: Column }[] = [];
  if (clauses.length > 0) {
    for (const c of clauses) {
      if (c.groupingAnalytics() !== null) throw unsupportedSql('GROUPING SETS / ROLLUP / CUBE', positionOf(c), 'group with GROUP BY');
      const e = c.expression();
      exprs.push({ node: c, column: e !== null ? sqlColumn(e, scope) : sqlColumnName(c.columnName()!, scope) });
    }
  } else {
    for (const e of ctx.expression()) exprs.push({ node: e, column: sqlColumn(e, scope) });
  }
  return exprs.map(({ node, column }) => {
    const e = column.expr;
    // GROUP BY 2: the second select item (spark.sql.groupByOrdinal).
    if (e.kind === 'lit' && typeof e.value === 'number' && Number.isInteger(e.value)) {
      const item = items[e.value - 1];
      if (item === undefined) throw new SqlError(`GROUP BY position ${e.value} is not in the select list`, positionOf(node));
      if (containsAggregate(item.base)) throw new SqlError(`GROUP BY position ${e.value} refers to an expression ${exprSql(item.base)} that contains an aggregate function`, positionOf(node));
      return new Column(item.base);
    }
    // GROUP BY alias: a select item's alias when no input column has that name (spark.sql.groupByAliases).
    if (e.kind === 'col' && !e.name.includes('.') && !scope.columns.some((c) => c.toLowerCase() === e.name.toLowerCase())) {
      const item = items.find((i) => i.alias !== undefined && i.alias.toLowerCase() === e.name.toLowerCase());
      if (item !== undefined && !containsAggregate(item.base)) return new Column(item.base);
    }
    if (containsAggregate(e)) throw new SqlError(`aggregate functions are not allowed in GROUP BY (${exprSql(e)})`, positionOf(node));
    return column;
  });
}

const same = (a: ExprSpec, b: ExprSpec) => JSON.stringify(a) === JSON.stringify(b);

function aggregate(df: DataFrame, keys: readonly Column[], items: readonly SelectItem[], having: Column | undefined, at: ParserRuleContext): DataFrame {
  const keyIndex = (e: ExprSpec) => keys.findIndex((k) => same(k.expr, e));
  const topAggregate = (e: ExprSpec) => e.kind === 'call' && containsAggregate(e) && !e.args.some(containsAggregate);
  // The plain form: the keys in GROUP BY order (each may carry its select alias), then aggregate calls.
  const plain = having === undefined
    && items.length >= keys.length
    && keys.every((k, i) => same(items[i].base, k.expr))
    && items.slice(keys.length).every((i) => topAggregate(i.base));
  if (plain && items.length > keys.length) {
    return attempt(() => df.groupBy(items.slice(0, keys.length).map((i) => i.column)).agg(...items.slice(keys.length).map((i) => i.column)), at);
  }
  // The general form: hidden key and aggregate columns, HAVING over them, then the select list.
  const hiddenKeys = keys.map((k, i) => k.alias(`__key_${i}`));
  const aggregateCalls: ExprSpec[] = [];
  const collect = (e: ExprSpec): void => {
    if (e.kind === 'call' && containsAggregate(e) && !e.args.some(containsAggregate)) {
      if (!aggregateCalls.some((a) => same(a, e))) aggregateCalls.push(e);
      return;
    }
    for (const child of children(e)) collect(child);
  };
  for (const i of items) collect(i.base);
  if (having !== undefined) collect(having.expr);
  const hiddenAggregates = aggregateCalls.map((e, i) => new Column(e).alias(`__agg_${i}`));
  const rewrite = (e: ExprSpec, where: string, node: ParserRuleContext): ExprSpec => {
    const k = keyIndex(e);
    if (k >= 0) return { kind: 'col', name: `__key_${k}` };
    const a = aggregateCalls.findIndex((x) => same(x, e));
    if (a >= 0) return { kind: 'col', name: `__agg_${a}` };
    if (e.kind === 'col') {
      throw new SqlError(
        `[MISSING_AGGREGATION] The non-aggregating expression "${e.name}" in ${where} is based on columns which are not participating in the GROUP BY clause; add it to GROUP BY or aggregate it`,
        positionOf(node),
      );
    }
    return mapChildren(e, (c) => rewrite(c, where, node));
  };
  if (hiddenAggregates.length === 0) throw unsupportedSql('GROUP BY without an aggregate function', positionOf(at), 'add COUNT(*), or use SELECT DISTINCT');
  let out = attempt(() => df.groupBy(hiddenKeys).agg(...hiddenAggregates), at);
  if (having !== undefined) {
    const condition = new Column(rewrite(having.expr, 'HAVING', at));
    out = attempt(() => out.filter(condition), at);
  }
  const columns = items.map((i) => {
    if (i.base.kind === 'col' && (i.base.name === '*' || i.base.name.endsWith('.*'))) throw new SqlError(`${i.base.name} with GROUP BY`, positionOf(i.at));
    const rewritten = new Column(rewrite(i.base, 'the select list', i.at));
    return rewritten.alias(i.alias ?? columnName(i.base));
  });
  return attempt(() => out.select(columns), at);
}

function children(e: ExprSpec): ExprSpec[] {
  switch (e.kind) {
    case 'call': return [...e.args];
    case 'case': return [...e.branches.flatMap((b) => [b.when, b.then]), ...(e.otherwise === undefined ? [] : [e.otherwise])];
    case 'window': return [e.column];
    case 'alias': case 'cast': case 'fromJson': return [e.expr];
    default: return [];
  }
}

function mapChildren(e: ExprSpec, f: (c: ExprSpec) => ExprSpec): ExprSpec {
  switch (e.kind) {
    case 'call': return { ...e, args: e.args.map(f) };
    case 'case': return { ...e, branches: e.branches.map((b) => ({ when: f(b.when), then: f(b.then) })), ...(e.otherwise === undefined ? {} : { otherwise: f(e.otherwise) }) };
    case 'window': return { ...e, column: f(e.column) };
    case 'alias': case 'cast': case 'fromJson': return { ...e, expr: f(e.expr) };
    default: return e;
  }
}

/** Runs a job API call, giving its error (the message DataFrame jobs get) the position of `ctx`. */
export function attempt<T>(f: () => T, ctx: ParserRuleContext): T {
  try {
    return f();
  } catch (e) {
    throw located(e, ctx);
  }
}
