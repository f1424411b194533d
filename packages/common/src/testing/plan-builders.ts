/**
 * For resolver tests only: plans written as the job API writes them, resolved with the fake
 * catalog, and compact views of the result (schemas as 'name type [not null]', expressions as
 * #i for a column, e[i] for field i of a struct, fn(args), 'text':type for a literal).
 */
import type { ExprSpec, LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import type { RExpr, ResolvedQuery, Step } from '../plan/resolved-query';
import { simpleString, STRING, type SqlField, type SqlType } from '../schema/sql-type';
import { resolveQuery } from '../resolve/resolve-query';
import { FAKE_CATALOG } from './fake-catalog';

export const col = (name: string): ExprSpec => ({ kind: 'col', name });
export const lit = (value: string | number | boolean | null, type?: SqlType): ExprSpec => (type === undefined ? { kind: 'lit', value } : { kind: 'lit', value, type });
export const call = (fn: string, ...args: ExprSpec[]): ExprSpec => ({ kind: 'call', fn, args });
export const alias = (expr: ExprSpec, name: string): ExprSpec => ({ kind: 'alias', expr, name });
export const window = (column: string, duration: string): ExprSpec => ({ kind: 'window', column: col(column), duration });
export const parse = (fields: SqlField[], as = 'data'): ExprSpec =>
  alias({ kind: 'fromJson', expr: { kind: 'cast', expr: col('value'), to: STRING }, schema: fields }, as);

export function specOf(plan: LogicalOp[], sink: Partial<QuerySpecV2['sink']> = {}, options: QuerySpecV2['options'] = {}): QuerySpecV2 {
  return {
    version: 2,
    source: { format: 'kafka', bootstrapServers: 'localhost:9092', topic: 'events', startingOffsets: 'earliest', failOnDataLoss: true },
    plan,
    sink: { format: 'delta', path: '/tables/out', outputMode: 'append', checkpointLocation: '/checkpoints/out', ...sink },
    trigger: { kind: 'processingTime', interval: '10 seconds' },
    options,
  };
}

export const resolve = (spec: QuerySpecV2): ResolvedQuery => resolveQuery(spec, { catalog: FAKE_CATALOG });

/** A schema as 'name type [not null]' lines. */
export const fields = (schema: readonly SqlField[]): string[] => schema.map((f) => `${f.name} ${simpleString(f.type)}${f.nullable ? '' : ' not null'}`);

/** An expression in a compact form: #i column, e[i] field i of e, fn(args), 'text':type literal, cast(e as type). */
export function show(e: RExpr): string {
  switch (e.kind) {
    case 'column': return `#${e.index}`;
    case 'field': return `${show(e.of)}[${e.index}]`;
    case 'literal': return `${e.value === null ? 'null' : `'${e.value}'`}:${simpleString(e.type)}`;
    case 'cast': return `cast(${show(e.arg)} as ${simpleString(e.type)})`;
    case 'call': return `${e.fn}(${e.args.map(show).join(', ')})`;
    case 'case': return `case(${e.branches.map((b) => `${show(b.when)} -> ${show(b.then)}`).join(', ')}${e.otherwise === null ? '' : `, else ${show(e.otherwise)}`})`;
  }
}

export const steps = (list: readonly Step[]): string[] =>
  list.map((s) => (s.kind === 'filter' ? `filter ${show(s.condition)}` : `project ${s.exprs.map(show).join(', ')}`));

