/**
 * Table schemas and their Spark StructType JSON form (PROTOCOL.md, "Schema Serialization Format").
 *
 *   {"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{}}, ...]}
 *
 * Primitive types are strings (`"long"`, `"timestamp"`, `"decimal(20,2)"`); struct, array and map
 * types are objects. Field order and metadata are kept as written.
 */
import { InvalidArgumentError } from '../errors';

export type PrimitiveName =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz';

export interface PrimitiveType {
  kind: 'primitive';
  name: PrimitiveName;
}
export interface DecimalType {
  kind: 'decimal';
  precision: number;
  scale: number;
}
export interface StructType {
  kind: 'struct';
  fields: StructField[];
}
export interface ArrayType {
  kind: 'array';
  elementType: DataType;
  containsNull: boolean;
}
export interface MapType {
  kind: 'map';
  keyType: DataType;
  valueType: DataType;
  valueContainsNull: boolean;
}
export type DataType = PrimitiveType | DecimalType | StructType | ArrayType | MapType;

export interface StructField {
  name: string;
  type: DataType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveName>([
  'string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp',
  'timestamp_ntz',
]);

export const primitive = (name: PrimitiveName): PrimitiveType => ({ kind: 'primitive', name });
export const decimal = (precision: number, scale: number): DecimalType => {
  if (!Number.isInteger(precision) || precision < 1 || precision > 38 || !Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new InvalidArgumentError(`decimal(${precision},${scale}) is not a valid decimal type`);
  }
  return { kind: 'decimal', precision, scale };
};
export const struct = (fields: StructField[]): StructType => ({ kind: 'struct', fields });
export const field = (name: string, type: DataType, nullable = true, metadata: Record<string, unknown> = {}): StructField => ({
  name,
  type,
  nullable,
  metadata,
});

export function toSchemaString(schema: StructType): string {
  return JSON.stringify(typeToJson(schema));
}

export function parseSchemaString(schemaString: string): StructType {
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (cause) {
    throw new InvalidArgumentError('schemaString is not JSON', { code: 'DELTA_SCHEMA_INVALID', cause });
  }
  const type = typeFromJson(json, 'schema');
  if (type.kind !== 'struct') throw new InvalidArgumentError('schemaString must be a struct', { code: 'DELTA_SCHEMA_INVALID' });
  return type;
}

/** Spark's type name, e.g. `decimal(20,2)` or `struct<start:timestamp,end:timestamp>`. */
export function typeName(type: DataType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name;
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${typeName(f.type)}`).join(',')}>`;
    case 'array':
      return `array<${typeName(type.elementType)}>`;
    case 'map':
      return `map<${typeName(type.keyType)},${typeName(type.valueType)}>`;
  }
}

/** Same columns, types and nullability in the same order (metadata is ignored). */
export function sameSchema(a: DataType, b: DataType): boolean {
  return JSON.stringify(stripMetadata(typeToJson(a))) === JSON.stringify(stripMetadata(typeToJson(b)));
}

function stripMetadata(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(stripMetadata);
  if (json !== null && typeof json === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) if (k !== 'metadata') out[k] = stripMetadata(v);
    return out;
  }
  return json;
}

function typeToJson(type: DataType): unknown {
  switch (type.kind) {
    case 'primitive':
    case 'decimal':
      return typeName(type);
    case 'struct':
      return {
        type: 'struct',
        fields: type.fields.map((f) => ({ name: f.name, type: typeToJson(f.type), nullable: f.nullable, metadata: f.metadata })),
      };
    case 'array':
      return { type: 'array', elementType: typeToJson(type.elementType), containsNull: type.containsNull };
    case 'map':
      return {
        type: 'map',
        keyType: typeToJson(type.keyType),
        valueType: typeToJson(type.valueType),
        valueContainsNull: type.valueContainsNull,
      };
  }
}

const DECIMAL_RE = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/;

function typeFromJson(json: unknown, where: string): DataType {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`${where}: ${what}`, { code: 'DELTA_SCHEMA_INVALID' });
  };
  if (typeof json === 'string') {
    if (PRIMITIVES.has(json)) return primitive(json as PrimitiveName);
    if (json === 'decimal') return decimal(10, 0);
    const m = DECIMAL_RE.exec(json);
    if (m) return decimal(Number(m[1]), Number(m[2]));
    return bad(`unsupported type '${json}'`);
  }
  if (json === null || typeof json !== 'object') return bad('type must be a string or an object');
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'struct': {
      if (!Array.isArray(o.fields)) return bad('struct without fields');
      return struct(
        o.fields.map((f: unknown, i: number) => {
          const fo = f as Record<string, unknown> | null;
          if (fo === null || typeof fo !== 'object' || typeof fo.name !== 'string') return bad(`field ${i} has no name`);
          return field(
            fo.name,
            typeFromJson(fo.type, `${where}.${fo.name}`),
            fo.nullable !== false,
            (fo.metadata as Record<string, unknown> | undefined) ?? {},
          );
        }),
      );
    }
    case 'array':
      return { kind: 'array', elementType: typeFromJson(o.elementType, `${where}[]`), containsNull: o.containsNull !== false };
    case 'map':
      return {
        kind: 'map',
        keyType: typeFromJson(o.keyType, `${where}.key`),
        valueType: typeFromJson(o.valueType, `${where}.value`),
        valueContainsNull: o.valueContainsNull !== false,
      };
    default:
      return bad(`unsupported type ${JSON.stringify(o.type)}`);
  }
}
