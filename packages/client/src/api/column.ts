import { LONG, DOUBLE, type ExprSpec } from '@tributary/common';
import { columnName, exprSql } from './column-name';
import { DataType, parseTypeName } from './types';
import { invalid, unsupported } from './unsupported';

/** A JavaScript value a Column method takes as a literal, as PySpark's Column operators do. */
export type LiteralValue = string | number | boolean | bigint | null;
/** A Column, or a value taken as a literal (Column methods: `col('a').equalTo('x')` compares with the text 'x'). */
export type ColumnOrLiteral = Column | LiteralValue;
/** A Column, or a column name (functions: `lower('name')` is lower(col('name'))). */
export type ColumnOrName = Column | string;

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * A column expression, as Spark's Column: methods build a new Column around the logical plan's
 * ExprSpec (plan/logical-plan.ts), with Spark SQL's operator and function names. Nothing is
 * resolved here: names and types are checked by the driver when the query is submitted.
 */
export class Column {
  /**
   * @param jsonTimeZone the timeZone option of a fromJson inside this expression, carried to the
   *   query's time zone (the plan's from_json has no options).
   */
  constructor(readonly expr: ExprSpec, readonly jsonTimeZone?: string) {}

  // comparison (Spark: ===, =!=, <=>, >, >=, <, <=)
  equalTo(other: ColumnOrLiteral): Column {
    return this.binary('=', other);
  }
  notEqual(other: ColumnOrLiteral): Column {
    return this.binary('!=', other);
  }
  eqNullSafe(other: ColumnOrLiteral): Column {
    return this.binary('<=>', other);
  }
  gt(other: ColumnOrLiteral): Column {
    return this.binary('>', other);
  }
  geq(other: ColumnOrLiteral): Column {
    return this.binary('>=', other);
  }
  lt(other: ColumnOrLiteral): Column {
    return this.binary('<', other);
  }
  leq(other: ColumnOrLiteral): Column {
    return this.binary('<=', other);
  }

  // boolean logic
  and(other: ColumnOrLiteral): Column {
    return this.binary('and', other);
  }
  or(other: ColumnOrLiteral): Column {
    return this.binary('or', other);
  }
  not(): Column {
    return derived({ kind: 'call', fn: 'not', args: [this.expr] }, [this]);
  }

  // predicates
  isNull(): Column {
    return derived({ kind: 'call', fn: 'isnull', args: [this.expr] }, [this]);
  }
  isNotNull(): Column {
    return derived({ kind: 'call', fn: 'isnotnull', args: [this.expr] }, [this]);
  }
  /** isin(1, 2, 3) or isin([1, 2, 3]). */
  isin(...values: (ColumnOrLiteral | ColumnOrLiteral[])[]): Column {
    const list = values.flat().map(toOperand);
    return derived({ kind: 'call', fn: 'in', args: [this.expr, ...list.map((c) => c.expr)] }, [this, ...list]);
  }
  /** SQL LIKE: '_' matches one character, '%' any sequence; '\' escapes. */
  like(pattern: ColumnOrLiteral): Column {
    return this.binary('like', pattern);
  }
  /** lowerBound <= this <= upperBound, both inclusive. */
  between(lowerBound: ColumnOrLiteral, upperBound: ColumnOrLiteral): Column {
    const lo = toOperand(lowerBound);
    const hi = toOperand(upperBound);
    return derived({ kind: 'call', fn: 'between', args: [this.expr, lo.expr, hi.expr] }, [this, lo, hi]);
  }

  // arithmetic
  plus(other: ColumnOrLiteral): Column {
    return this.binary('+', other);
  }
  minus(other: ColumnOrLiteral): Column {
    return this.binary('-', other);
  }
  multiply(other: ColumnOrLiteral): Column {
    return this.binary('*', other);
  }
  divide(other: ColumnOrLiteral): Column {
    return this.binary('/', other);
  }
  mod(other: ColumnOrLiteral): Column {
    return this.binary('%', other);
  }

  /** cast(IntegerType()) or cast('int'), 'bigint', 'decimal(12,2)', 'string', 'timestamp', 'date', 'array<int>', … */
  cast(to: DataType | string): Column {
    if (typeof to !== 'string' && !(to instanceof DataType)) throw invalid(`cast needs a DataType or a type name, got ${String(to)}`);
    const type = typeof to === 'string' ? parseTypeName(to) : to;
    return derived({ kind: 'cast', expr: this.expr, to: type.sqlType }, [this]);
  }
  /** Same as cast (PySpark's astype). */
  astype(to: DataType | string): Column {
    return this.cast(to);
  }

  alias(name: string): Column {
    if (typeof name !== 'string' || name === '') throw invalid('alias needs a non-empty name');
    return derived({ kind: 'alias', expr: this.expr, name }, [this]);
  }
  /** Same as alias (Scala's `as`). */
  as(name: string): Column {
    return this.alias(name);
  }
  /** Same as alias (PySpark's name). */
  name(name: string): Column {
    return this.alias(name);
  }

  /** The field `name` of a struct column: col('data').getField('a') is col('data.a'). */
  getField(name: string): Column {
    if (typeof name !== 'string' || name === '') throw invalid('getField needs a field name');
    if (this.expr.kind !== 'col' || this.expr.name.endsWith('*')) {
      throw unsupported(`getField('${name}') on an expression (${exprSql(this.expr)})`, `alias the expression, then col('<alias>.${name}')`);
    }
    return derived({ kind: 'col', name: `${this.expr.name}.${name}` }, [this]);
  }
  /** getItem('a') on a struct is getField('a'); array elements by index are not supported yet. */
  getItem(key: string | number): Column {
    if (typeof key === 'number') throw unsupported(`getItem(${key}) (an array element)`, 'arrays are parsed and kept whole for now');
    return this.getField(key);
  }

  /** CASE WHEN … : adds a branch to a Column made by functions.when(). */
  when(condition: Column, value: ColumnOrLiteral): Column {
    if (this.expr.kind !== 'case' || this.expr.otherwise !== undefined) {
      throw invalid('when() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied');
    }
    const cond = asColumn(condition, 'when');
    const then = toOperand(value);
    return derived({ kind: 'case', branches: [...this.expr.branches, { when: cond.expr, then: then.expr }] }, [this, cond, then]);
  }
  /** ELSE of a Column made by functions.when(). */
  otherwise(value: ColumnOrLiteral): Column {
    if (this.expr.kind !== 'case' || this.expr.otherwise !== undefined) {
      throw invalid('otherwise() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied');
    }
    const other = toOperand(value);
    return derived({ kind: 'case', branches: this.expr.branches, otherwise: other.expr }, [this, other]);
  }

  /** The name Spark would give the column: its alias, its column name, or its SQL text ('count(1)', 'sum(price)'). */
  outputName(): string {
    return columnName(this.expr);
  }

  toString(): string {
    return exprSql(this.expr);
  }

  private binary(fn: string, other: ColumnOrLiteral): Column {
    const o = toOperand(other);
    return derived({ kind: 'call', fn, args: [this.expr, o.expr] }, [this, o]);
  }
}

/** A Column over `expr` built from `parts`, carrying their fromJson time zone. */
export function derived(expr: ExprSpec, parts: readonly Column[]): Column {
  return new Column(expr, oneTimeZone(parts.map((p) => p.jsonTimeZone)));
}

/** The one fromJson time zone among `zones`; refuses two different ones (a query has one time zone). */
export function oneTimeZone(zones: readonly (string | undefined)[]): string | undefined {
  const distinct = [...new Set(zones.filter((z): z is string => z !== undefined))];
  if (distinct.length > 1) throw unsupported(`fromJson with different timeZone options (${distinct.join(', ')})`, 'use one time zone');
  return distinct[0];
}

/** A Column method's argument: a Column as is, any other value as a literal. */
export function toOperand(v: ColumnOrLiteral): Column {
  return v instanceof Column ? v : new Column(literal(v));
}

/** A function's argument: a Column as is, a string as a column name. */
export function toColumn(c: ColumnOrName): Column {
  if (c instanceof Column) return c;
  if (typeof c !== 'string') throw invalid(`expected a Column or a column name, got ${String(c)}`);
  return new Column({ kind: 'col', name: c });
}

export function asColumn(c: unknown, where: string): Column {
  if (!(c instanceof Column)) throw invalid(`${where} needs a Column, got ${String(c)}`);
  return c;
}

/**
 * The literal of a JavaScript value, typed as PySpark types lit(): a boolean → boolean; an integral
 * number → int when it fits 32 bits, else bigint; any other number → double (NaN and ±Infinity as
 * text, which JSON cannot hold); a bigint → bigint; a string → string; null → null.
 */
export function literal(v: LiteralValue): ExprSpec {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return { kind: 'lit', value: v };
  if (typeof v === 'bigint') {
    if (v < LONG_MIN || v > LONG_MAX) throw invalid(`lit(${v}n) does not fit a bigint (64 bits); cast a string literal to a decimal instead`);
    return { kind: 'lit', value: v.toString(), type: LONG };
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { kind: 'lit', value: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity', type: DOUBLE };
    if (Number.isInteger(v) && (v < INT_MIN || v > INT_MAX) && !Number.isSafeInteger(v)) {
      throw invalid(`lit(${v}) is an integer beyond 2^53 and may have lost digits; pass a bigint, or lit('${v}').cast('double') for a double`);
    }
    return { kind: 'lit', value: v === 0 ? 0 : v };
  }
  throw invalid(`cannot make a literal of ${typeof v} ${String(v)}; use a string, number, boolean, bigint or null`);
}
