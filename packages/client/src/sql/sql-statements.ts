/**
 * spark.sql(text): the statements of the text, in order, over the session's temp views.
 *
 *   CREATE [OR REPLACE] TEMP[ORARY] VIEW name AS query   registers the query's DataFrame as `name`
 *   query                                              (last statement only) its DataFrame
 *
 * The result is the last statement's DataFrame: the query's, or the view's when the text ends with
 * CREATE VIEW (Spark returns an empty DataFrame there; a stream is only useful to write). Views take
 * effect when every statement has run, so a failing text changes nothing.
 *
 * Relations in FROM: a temp view by name (case-insensitive), or kafka.`host:port`.`topic`, a stream
 * read with spark.readStream.format('kafka') and the options given to sql() (SqlOptions.kafka).
 */
import type { ParserRuleContext } from 'antlr4ng';
import type { ProgramContext } from 'dt-sql-parser/dist/lib/spark/SparkSqlParser';
import type { DataFrame } from '../api/dataframe';
import type { OptionValue } from '../api/options';
import type { TributarySession } from '../api/session';
import { parseSparkSql, positionOf, sourceText } from './spark-sql-grammar';
import { SqlError, unsupportedSql, type SqlPosition } from './sql-error';
import { identifierName, nameParts } from './sql-names';
import { translateQuery, type RelationResolver, type TranslatedQuery } from './sql-query';

export interface SqlOptions {
  /**
   * Kafka source options for each kafka.`host:port`.`topic` in the text, as readStream.option
   * takes them (startingOffsets, maxOffsetsPerTrigger, failOnDataLoss, kafka.*).
   */
  kafka?: Record<string, OptionValue>;
}

/** The session's temp views, by lower-case name. */
export type ViewCatalog = Map<string, DataFrame>;

/** Runs the statements of `text`; returns the last one's DataFrame and registers its views in `views`. */
export async function runSql(session: TributarySession, views: ViewCatalog, text: string, options: SqlOptions = {}): Promise<DataFrame> {
  if (typeof text !== 'string') throw new SqlError(`spark.sql needs SQL text, got ${String(text)}`, { line: 1, column: 1 });
  const program = await parseSparkSql(text);
  const staged = new Map(views);
  const resolve = kafkaAndViews(session, staged, options);
  const statements = statementsOf(program);
  if (statements.length === 0) throw new SqlError('no statement in the SQL text', { line: 1, column: 1 });
  let result: DataFrame | undefined;
  statements.forEach((statement, i) => {
    const last = i === statements.length - 1;
    const kind = statement.constructor.name;
    if (kind === 'StatementDefaultContext') {
      if (!last) throw unsupportedSql('a query that is not the last statement', positionOf(statement), 'only the last statement gives the result; make this one a view with CREATE TEMP VIEW name AS …');
      result = translateQuery((statement as unknown as { query(): any }).query(), resolve).df;
    } else if (kind === 'CreateViewContext') {
      result = createView(statement, staged, resolve);
    } else {
      throw unsupportedSql(`the statement ${statementName(statement)}`, positionOf(statement), 'spark.sql runs CREATE TEMP VIEW … AS SELECT … and SELECT …');
    }
  });
  for (const [name, df] of staged) views.set(name, df);
  return result as DataFrame;
}

/** The statements of a parsed text, in order. */
export function statementsOf(program: ProgramContext): ParserRuleContext[] {
  return program.singleStatement().map((s) => s.statement());
}

function createView(ctx: ParserRuleContext, views: ViewCatalog, resolve: RelationResolver): DataFrame {
  const c = ctx as any;
  const at = positionOf(ctx);
  if (c.KW_TEMPORARY() === null) throw unsupportedSql('CREATE VIEW without TEMP (a permanent view in a catalog)', at, 'use CREATE TEMP VIEW');
  if (c.KW_GLOBAL() !== null) throw unsupportedSql('CREATE GLOBAL TEMP VIEW', at, 'use CREATE TEMP VIEW');
  if (c.ifNotExists() !== null) throw new SqlError('It is not allowed to define a TEMPORARY view with IF NOT EXISTS.', positionOf(c.ifNotExists()));
  if (c.identifierCommentList() !== null) throw unsupportedSql('a column list on a view', positionOf(c.identifierCommentList()), 'alias the columns in the select list');
  if (c.KW_COMMENT().length > 0 || c.KW_TBLPROPERTIES().length > 0 || c.KW_PARTITIONED().length > 0) throw unsupportedSql('COMMENT, PARTITIONED ON or TBLPROPERTIES on a temp view', at);
  const parts = nameParts(sourceText(c.viewNameCreate()));
  if (parts.length !== 1) throw unsupportedSql(`the view name ${parts.join('.')} (a database)`, positionOf(c.viewNameCreate()), 'temp views have one-part names');
  const name = parts[0];
  const replace = c.KW_REPLACE() !== null;
  if (!replace && views.has(name.toLowerCase())) {
    throw new SqlError(`[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view \`${name}\` because it already exists. Choose a different name, drop or replace the existing view.`, positionOf(c.viewNameCreate()));
  }
  const query: TranslatedQuery = translateQuery(c.query(), resolve);
  views.set(name.toLowerCase(), query.df);
  return query.df;
}

/** FROM: kafka.`host:port`.`topic` as a Kafka stream, else a temp view. */
function kafkaAndViews(session: TributarySession, views: ViewCatalog, options: SqlOptions): RelationResolver {
  return (parts: string[], at: SqlPosition) => {
    const head = parts[0].toLowerCase();
    if (head === 'kafka' && parts.length === 3) {
      const reader = session.readStream.format('kafka');
      return attemptAt(() => reader.option('kafka.bootstrap.servers', parts[1]).option('subscribe', parts[2]).options(options.kafka ?? {}).load(), at);
    }
    if (head === 'kafka') throw unsupportedSql(`the source ${parts.join('.')}`, at, 'name a Kafka stream as kafka.`host:port`.`topic`');
    if (head === 'delta' && parts.length === 2) {
      throw unsupportedSql('reading a Delta table in a streaming query', at, 'streams read Kafka; query a Delta table as a batch with `tributary sql -e`');
    }
    if (parts.length === 1) {
      const view = views.get(parts[0].toLowerCase());
      if (view !== undefined) return view;
    }
    throw new SqlError(`[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${parts.join('`.`')}\` cannot be found. Create it with CREATE TEMP VIEW, or read Kafka with kafka.\`host:port\`.\`topic\`.`, at);
  };
}

function attemptAt<T>(f: () => T, at: SqlPosition): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SqlError || !(e instanceof Error)) throw e;
    throw new SqlError(e.message, at);
  }
}

/** A statement's leading keywords, as its name: 'CREATE TABLE', 'INSERT INTO', 'DROP VIEW'. */
function statementName(ctx: ParserRuleContext): string {
  const words = sourceText(ctx).trim().split(/\s+/).slice(0, 2).map((w) => identifierName(w).toUpperCase());
  return words.join(' ');
}

