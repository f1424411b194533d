/**
 * A query's SqlFields as a Delta table schema and back (PROTOCOL.md, "Schema Serialization
 * Format"). One type name each way:
 *
 *   SqlType         Delta type
 *   boolean         "boolean"
 *   int             "integer"
 *   long            "long"
 *   double          "double"
 *   string          "string"
 *   binary          "binary"
 *   decimal(p,s)    "decimal(p,s)"            (1 ≤ p ≤ 38)
 *   timestamp       "timestamp"               (µs, UTC)
 *   date            "date"
 *   struct<…>       {"type":"struct","fields":[…]}
 *   array<e>        {"type":"array","elementType":e,"containsNull":…}
 *
 * Delta types with no SqlType (byte, short, float, timestamp_ntz, map) are refused by name when a
 * table is read as SqlFields; Tributary never writes them.
 */
import { InvalidArgumentError } from '../errors';
import type { SqlField, SqlType } from '../schema/sql-type';
import { DataType, StructType, decimal, field, primitive, struct } from './schema';

/** The table schema of these fields; names must be unique at each level regardless of case (PROTOCOL.md). */
export function deltaSchemaOf(fields: readonly SqlField[]): StructType {
  const seen = new Map<string, string>();
  for (const f of fields) {
    const other = seen.get(f.name.toLowerCase());
    if (other !== undefined) {
      throw new InvalidArgumentError(`columns '${other}' and '${f.name}' differ only in case; Delta column names must be unique regardless of case`, { code: 'DELTA_SCHEMA_INVALID' });
    }
    seen.set(f.name.toLowerCase(), f.name);
  }
  return struct(fields.map((f) => field(f.name, deltaTypeOf(f.type), f.nullable)));
}

export function deltaTypeOf(type: SqlType): DataType {
  switch (type.kind) {
    case 'boolean': return primitive('boolean');
    case 'int': return primitive('integer');
    case 'long': return primitive('long');
    case 'double': return primitive('double');
    case 'string': return primitive('string');
    case 'binary': return primitive('binary');
    case 'timestamp': return primitive('timestamp');
    case 'date': return primitive('date');
    case 'decimal': return decimal(type.precision, type.scale);
    case 'struct': return deltaSchemaOf(type.fields);
    case 'array': return { kind: 'array', elementType: deltaTypeOf(type.element), containsNull: type.containsNull };
  }
}

/** The SqlFields of a Delta schema (field metadata is dropped). */
export function sqlFieldsOf(schema: StructType): SqlField[] {
  return schema.fields.map((f) => ({ name: f.name, type: sqlTypeOf(f.type, f.name), nullable: f.nullable }));
}

export function sqlTypeOf(type: DataType, where: string): SqlType {
  switch (type.kind) {
    case 'decimal': return { kind: 'decimal', precision: type.precision, scale: type.scale };
    case 'struct': return { kind: 'struct', fields: type.fields.map((f) => ({ name: f.name, type: sqlTypeOf(f.type, `${where}.${f.name}`), nullable: f.nullable })) };
    case 'array': return { kind: 'array', element: sqlTypeOf(type.elementType, `${where}[]`), containsNull: type.containsNull };
    case 'map': break;
    case 'primitive':
      switch (type.name) {
        case 'boolean': return { kind: 'boolean' };
        case 'integer': return { kind: 'int' };
        case 'long': return { kind: 'long' };
        case 'double': return { kind: 'double' };
        case 'string': return { kind: 'string' };
        case 'binary': return { kind: 'binary' };
        case 'timestamp': return { kind: 'timestamp' };
        case 'date': return { kind: 'date' };
        default: break;
      }
  }
  const name = type.kind === 'primitive' ? type.name : type.kind;
  throw new InvalidArgumentError(`column '${where}' has Delta type ${name}, which Tributary has no SQL type for`, { code: 'DELTA_SCHEMA_UNSUPPORTED' });
}
