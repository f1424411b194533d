/**
 * Which casts Spark 3.5 allows with spark.sql.ansi.enabled=false (Cast.canCast in Spark's
 * expressions/Cast.scala), whether a cast can make a null of a non-null value (Cast.forceNullable),
 * and the typed cast node. The cast kernels are in the executor (packages/executor/src/expr/cast.ts).
 */
import { InvalidArgumentError } from '../errors';
import { sameType, type SqlType } from '../schema/sql-type';
import type { RExpr } from '../plan/resolved-query';
import { isNullLiteral } from './literal';

const NUMERIC = new Set(['int', 'long', 'double', 'decimal']);

/** Spark's toSQLType spelling: INT, BIGINT, DECIMAL(10,2), STRUCT<a: INT>, ARRAY<STRING>. */
export function sqlTypeName(t: SqlType): string {
  switch (t.kind) {
    case 'long': return 'BIGINT';
    case 'decimal': return `DECIMAL(${t.precision},${t.scale})`;
    case 'struct': return `STRUCT<${t.fields.map((f) => `${f.name}: ${sqlTypeName(f.type)}`).join(', ')}>`;
    case 'array': return `ARRAY<${sqlTypeName(t.element)}>`;
    default: return t.kind.toUpperCase();
  }
}

/** Cast.canCast, non-ANSI. */
export function canCast(from: SqlType, to: SqlType): boolean {
  if (sameType(from, to)) return true;
  const f = from.kind;
  switch (to.kind) {
    case 'string': return true;
    case 'binary': return f === 'string' || f === 'int' || f === 'long';
    case 'boolean': return f === 'string' || f === 'date' || f === 'timestamp' || NUMERIC.has(f);
    case 'timestamp': return f === 'string' || f === 'boolean' || f === 'date' || NUMERIC.has(f);
    case 'date': return f === 'string' || f === 'timestamp';
    case 'int': case 'long': case 'double': case 'decimal':
      return f === 'string' || f === 'boolean' || f === 'date' || f === 'timestamp' || NUMERIC.has(f);
    case 'array':
      return from.kind === 'array' && canCast(from.element, to.element)
        && (to.containsNull || !(from.containsNull || castForcesNull(from.element, to.element)));
    case 'struct':
      return from.kind === 'struct' && from.fields.length === to.fields.length
        && from.fields.every((ff, i) => {
          const tf = to.fields[i];
          return canCast(ff.type, tf.type) && (tf.nullable || !(ff.nullable || castForcesNull(ff.type, tf.type)));
        });
  }
}

/** Cast.forceNullable: the cast may give null for a non-null input (a bad string, an overflowing decimal, …). */
export function castForcesNull(from: SqlType, to: SqlType): boolean {
  if (sameType(from, to)) return false;
  const f = from.kind;
  switch (to.kind) {
    case 'string': case 'binary': return false;
    case 'decimal':
      if (from.kind === 'decimal') return to.precision - to.scale < from.precision - from.scale || to.scale < from.scale;
      if (f === 'int') return to.precision - to.scale < 10;
      if (f === 'long') return to.precision - to.scale < 20;
      return f !== 'boolean' || to.precision - to.scale < 1;
    case 'timestamp': return f === 'string' || f === 'double';
    case 'array': return from.kind === 'array' && castForcesNull(from.element, to.element);
    case 'struct': return from.kind === 'struct' && from.fields.some((ff, i) => castForcesNull(ff.type, to.fields[i].type));
    default: return f === 'string' || f === 'date' || (f === 'timestamp' && to.kind !== 'date');
  }
}

/**
 * CAST(arg AS to). A null literal simply takes the type. Refuses the casts Spark refuses, in Spark's
 * words; casts Spark allows that Tributary does not run yet (struct/array to string) are refused as such.
 */
export function resolveCast(arg: RExpr, to: SqlType): RExpr {
  if (isNullLiteral(arg)) return { kind: 'literal', value: null, type: to, nullable: true };
  if (sameType(arg.type, to)) return arg;
  if (!canCast(arg.type, to)) {
    throw new InvalidArgumentError(
      `[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve "CAST(${describe(arg)} AS ${sqlTypeName(to)})" due to data type mismatch: cannot cast "${sqlTypeName(arg.type)}" to "${sqlTypeName(to)}".`,
      { code: 'DATATYPE_MISMATCH' },
    );
  }
  if (to.kind === 'string' && (arg.type.kind === 'struct' || arg.type.kind === 'array')) {
    throw new InvalidArgumentError(`casting ${sqlTypeName(arg.type)} to STRING is not supported by Tributary yet`, { code: 'UNSUPPORTED_CAST' });
  }
  return { kind: 'cast', arg, type: to, nullable: arg.nullable || castForcesNull(arg.type, to) };
}

/** A short SQL-ish rendering of an expression for messages. */
export function describe(e: RExpr): string {
  switch (e.kind) {
    case 'column': return `#${e.index}`;
    case 'field': return `${describe(e.of)}.#${e.index}`;
    case 'literal': return e.value === null ? 'NULL' : e.type.kind === 'string' ? `'${e.value}'` : e.value;
    case 'cast': return `CAST(${describe(e.arg)} AS ${sqlTypeName(e.type)})`;
    case 'call': return `${e.fn}(${e.args.map(describe).join(', ')})`;
    case 'case': return 'CASE WHEN …';
  }
}
