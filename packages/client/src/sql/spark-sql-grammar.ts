/**
 * The one module that reaches dt-sql-parser: its Spark SQL grammar (ANTLR4, run by antlr4ng) turns
 * text into a parse tree; syntax errors become SqlError with the line, the column and the offending
 * token.
 *
 * Loading. dt-sql-parser ships ES modules whose relative imports have no file extension (written
 * for bundlers), which Node's ES module loader refuses. The first parse registers a resolve hook
 * that completes such imports ('./x' → './x.js', './dir' → './dir/index.js') for files inside
 * dt-sql-parser only, then imports the Spark parser; that is why parsing is asynchronous.
 *
 * TEMP. Spark's own lexer reads TEMP as TEMPORARY (`TEMPORARY: 'TEMPORARY' | 'TEMP'`);
 * dt-sql-parser's lexer knows only TEMPORARY and reads TEMP as an identifier. Before parsing, an
 * identifier TEMP right before VIEW becomes the TEMPORARY keyword token, as in Spark.
 */
import { register } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ParserRuleContext, Token } from 'antlr4ng';
import type { ProgramContext, SparkSqlParser } from 'dt-sql-parser/dist/lib/spark/SparkSqlParser';
import { SqlError, type SqlPosition } from './sql-error';

export type { ProgramContext };

/** dt-sql-parser's SparkSQL class, as far as it is used here. */
interface SparkSqlTool {
  createParser(input: string, errorListener?: (parseError: ParseError, originalError: SyntaxErrorInfo) => void): SparkSqlParser;
}
interface ParseError { startLine: number; startColumn: number; message: string }
interface SyntaxErrorInfo { offendingSymbol: Token | null; line: number; charPositionInLine: number; msg: string }

/** The resolve hook, as an ES module: completes extension-less relative imports inside dt-sql-parser. */
const RESOLVE_HOOK = `
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && parent !== undefined && parent.includes('/node_modules/dt-sql-parser/dist/')) {
    const url = new URL(specifier, parent);
    const file = fileURLToPath(url);
    if (!file.endsWith('.js') && existsSync(file + '.js')) return next(url.href + '.js', context);
    if (existsSync(file) && statSync(file).isDirectory()) return next(url.href + '/index.js', context);
  }
  return next(specifier, context);
}`;

// TypeScript compiles import() to require() in CommonJS output; this keeps a real dynamic import.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

let loading: Promise<{ tool: SparkSqlTool; temporary: number; view: number; identifier: number }> | undefined;

function load(): Promise<{ tool: SparkSqlTool; temporary: number; view: number; identifier: number }> {
  if (loading === undefined) {
    loading = (async () => {
      register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
      const dist = path.dirname(require.resolve('dt-sql-parser'));
      const spark = await importModule(pathToFileURL(path.join(dist, 'parser', 'spark', 'index.js')).href);
      const grammar = await importModule(pathToFileURL(path.join(dist, 'lib', 'spark', 'SparkSqlParser.js')).href);
      const P = grammar.SparkSqlParser;
      return { tool: new spark.SparkSQL() as SparkSqlTool, temporary: P.KW_TEMPORARY, view: P.KW_VIEW, identifier: P.IDENTIFIER };
    })();
  }
  return loading;
}

/** Parses Spark SQL text (one or more statements separated by ';'); throws SqlError on the first syntax error. */
export async function parseSparkSql(text: string): Promise<ProgramContext> {
  const { tool, temporary, view, identifier } = await load();
  const errors: SqlError[] = [];
  const parser = tool.createParser(text, (parseError, e) => {
    const token = e.offendingSymbol;
    const at: SqlPosition = { line: e.line, column: e.charPositionInLine + 1 };
    const near = token === null || token.type === -1 ? 'end of input' : `'${token.text}'`;
    errors.push(new SqlError(`syntax error at ${near}: ${parseError.message} (${e.msg})`, at));
  });
  const tokens = (parser.tokenStream as unknown as { getTokens(): Token[] }).getTokens();
  tokens.forEach((t: Token, i: number) => {
    if (t.type === identifier && t.text?.toUpperCase() === 'TEMP' && nextVisible(tokens, i)?.type === view) (t as { type: number }).type = temporary;
  });
  parser.buildParseTrees = true;
  const tree = parser.program();
  if (errors.length > 0) throw errors[0];
  return tree;
}

function nextVisible(tokens: readonly Token[], i: number): Token | undefined {
  for (let j = i + 1; j < tokens.length; j += 1) if (tokens[j].channel === 0) return tokens[j];
  return undefined;
}

/** The position where a parse tree node starts (line 1-based, column 1-based). */
export function positionOf(ctx: ParserRuleContext | { symbol: Token }): SqlPosition {
  const token = 'symbol' in ctx ? ctx.symbol : ctx.start;
  return token === null ? { line: 1, column: 1 } : { line: token.line, column: token.column + 1 };
}

/** The source text of a node, as written (spaces included). */
export function sourceText(ctx: ParserRuleContext): string {
  const start = ctx.start;
  const stop = ctx.stop;
  if (start === null || stop === null) return ctx.getText();
  const input = start.inputStream;
  if (input === null) return ctx.getText();
  return input.getText(start.start, stop.stop);
}
