import { dataTypeFromName, DataType, type StructType } from './types';
import { invalid } from './unsupported';

/**
 * The expressions a Column can hold. Only the shapes the reference job needs exist; the DataFrame
 * methods decide which are allowed where and refuse the rest by name.
 */
export type Expr =
  | { kind: 'col'; name: string }
  | { kind: 'cast'; child: Expr; to: DataType }
  | { kind: 'alias'; child: Expr; name: string }
  | { kind: 'fromJson'; child: Expr; schema: StructType; options: Record<string, string> }
  | { kind: 'window'; child: Expr; duration: string; slide?: string }
  | { kind: 'count'; star: true }
  | { kind: 'sum'; child: Expr }
  | { kind: 'datetime'; fn: 'to_date' | 'hour'; child: Expr }
  | { kind: 'datetime'; fn: 'date_format'; child: Expr; format: string };

export class Column {
  constructor(readonly expr: Expr) {}

  cast(to: string | DataType): Column {
    const type = typeof to === 'string' ? dataTypeFromName(to) : to;
    if (type === undefined) throw invalid(`cannot cast to unknown type '${to as string}'`);
    return new Column({ kind: 'cast', child: this.expr, to: type });
  }

  alias(name: string): Column {
    if (typeof name !== 'string' || name === '') throw invalid('alias needs a non-empty name');
    return new Column({ kind: 'alias', child: this.expr, name });
  }

  /** Same as alias (Scala's `as`). */
  as(name: string): Column {
    return this.alias(name);
  }

  /** The name Spark would give the column: its alias, its column name, or its SQL text ('count(1)', 'sum(amount)'). */
  outputName(): string {
    return outputName(this.expr);
  }

  toString(): string {
    return sqlText(this.expr);
  }
}

export function outputName(e: Expr): string {
  if (e.kind === 'alias') return e.name;
  if (e.kind === 'col') return e.name.includes('.') ? e.name.slice(e.name.lastIndexOf('.') + 1) : e.name;
  return sqlText(e);
}

/** Spark's SQL text of an expression, used in names and error messages. */
export function sqlText(e: Expr): string {
  switch (e.kind) {
    case 'col': return e.name;
    case 'cast': return `CAST(${sqlText(e.child)} AS ${e.to.simpleString().toUpperCase()})`;
    case 'alias': return `${sqlText(e.child)} AS ${e.name}`;
    case 'fromJson': return `from_json(${sqlText(e.child)})`;
    case 'window': return `window(${sqlText(e.child)}, ${e.duration}${e.slide === undefined ? '' : `, ${e.slide}`})`;
    case 'count': return 'count(1)';
    case 'sum': return `sum(${sqlText(e.child)})`;
    case 'datetime': return e.fn === 'date_format' ? `date_format(${sqlText(e.child)}, ${e.format})` : `${e.fn}(${sqlText(e.child)})`;
  }
}

/** The expression under any aliases. */
export function unalias(e: Expr): Expr {
  return e.kind === 'alias' ? unalias(e.child) : e;
}

export function toColumn(c: Column | string): Column {
  return typeof c === 'string' ? new Column({ kind: 'col', name: c }) : c;
}
