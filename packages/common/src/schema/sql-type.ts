/**
 * Column types of the engine, as Spark SQL has them (Spark 3.5 names in `simpleString`). Every
 * schema in a resolved query — the parsed value, each step's output, the aggregation state, the
 * sink table — is a list of SqlFields over these types.
 *
 *   boolean, int (32-bit), long (64-bit, Spark's bigint), double, string (UTF-8), binary,
 *   decimal(p, s) with 1 ≤ p ≤ 38 and 0 ≤ s ≤ p, timestamp (µs since the epoch, UTC),
 *   date (days since the epoch), struct<…>, array<…>.
 *
 * How values of each type are held in columns at run time: columns/vector.ts.
 */
export type SqlType =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int' }
  | { readonly kind: 'long' }
  | { readonly kind: 'double' }
  | { readonly kind: 'string' }
  | { readonly kind: 'binary' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'date' }
  | { readonly kind: 'struct'; readonly fields: readonly SqlField[] }
  | { readonly kind: 'array'; readonly element: SqlType; readonly containsNull: boolean };

export interface SqlField {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

export type SqlTypeKind = SqlType['kind'];
export type DecimalType = Extract<SqlType, { kind: 'decimal' }>;
export type StructSqlType = Extract<SqlType, { kind: 'struct' }>;
export type ArraySqlType = Extract<SqlType, { kind: 'array' }>;

export const MAX_DECIMAL_PRECISION = 38;

export const BOOLEAN: SqlType = { kind: 'boolean' };
export const INT: SqlType = { kind: 'int' };
export const LONG: SqlType = { kind: 'long' };
export const DOUBLE: SqlType = { kind: 'double' };
export const STRING: SqlType = { kind: 'string' };
export const BINARY: SqlType = { kind: 'binary' };
export const TIMESTAMP: SqlType = { kind: 'timestamp' };
export const DATE: SqlType = { kind: 'date' };

export function decimalType(precision: number, scale: number): DecimalType {
  return { kind: 'decimal', precision, scale };
}
export function structType(fields: readonly SqlField[]): StructSqlType {
  return { kind: 'struct', fields };
}
export function arrayType(element: SqlType, containsNull = true): ArraySqlType {
  return { kind: 'array', element, containsNull };
}
export function sqlField(name: string, type: SqlType, nullable = true): SqlField {
  return { name, type, nullable };
}

/** Spark's simpleString: 'int', 'bigint', 'decimal(12,2)', 'struct<a:int,b:array<string>>'. */
export function simpleString(t: SqlType): string {
  switch (t.kind) {
    case 'long': return 'bigint';
    case 'decimal': return `decimal(${t.precision},${t.scale})`;
    case 'struct': return `struct<${t.fields.map((f) => `${f.name}:${simpleString(f.type)}`).join(',')}>`;
    case 'array': return `array<${simpleString(t.element)}>`;
    default: return t.kind;
  }
}

/** Structural equality of types (field names, nullability and element nullability included). */
export function sameType(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'decimal': {
      const d = b as DecimalType;
      return a.precision === d.precision && a.scale === d.scale;
    }
    case 'struct': {
      const s = b as StructSqlType;
      return a.fields.length === s.fields.length && a.fields.every((f, i) => sameField(f, s.fields[i]));
    }
    case 'array': {
      const r = b as ArraySqlType;
      return a.containsNull === r.containsNull && sameType(a.element, r.element);
    }
    default: return true;
  }
}

export function sameField(a: SqlField, b: SqlField): boolean {
  return a.name === b.name && a.nullable === b.nullable && sameType(a.type, b.type);
}

export function isNumeric(t: SqlType): boolean {
  return t.kind === 'int' || t.kind === 'long' || t.kind === 'double' || t.kind === 'decimal';
}

/** Types a group key or a comparison may use (orderable scalars). */
export function isScalar(t: SqlType): boolean {
  return t.kind !== 'struct' && t.kind !== 'array';
}
