import { derivedColumnType } from './derived-columns';
import type { FieldType, QuerySpec } from './query-spec';

/**
 * The columns of the sink table, named and typed as Spark names them for
 * groupBy(window(ts, d), key).agg(count('*'), sum(amount)):
 *   window struct<start timestamp, end timestamp> (not null), key as in the input schema,
 *   count → long (not null), sum of decimal(p,s) → decimal(min(38, p+10), s), sum of int/long → long.
 */
export type OutputType = FieldType | 'date' | { struct: OutputColumn[] };
export interface OutputColumn { name: string; type: OutputType; nullable: boolean }

export const WINDOW_COLUMN = 'window';

/** The Delta output columns of a query; columns the input schema lacks are typed 'string' (validation reports them). */
export function outputSchema(spec: QuerySpec): OutputColumn[] {
  const inputType = (name: string): { type: FieldType; nullable: boolean } => {
    const field = spec.parse.schema.find((f) => f.name === name);
    return field === undefined ? { type: 'string', nullable: true } : { type: field.type, nullable: field.nullable };
  };
  const columns: OutputColumn[] = [
    {
      name: WINDOW_COLUMN,
      type: { struct: [{ name: 'start', type: 'timestamp', nullable: true }, { name: 'end', type: 'timestamp', nullable: true }] },
      nullable: false,
    },
  ];
  for (const key of spec.aggregation.keys) columns.push({ name: key, ...inputType(key) });
  for (const agg of spec.aggregation.aggregates) {
    if (agg.fn === 'count') columns.push({ name: agg.alias, type: 'long', nullable: false });
    else columns.push({ name: agg.alias, type: sumType(inputType(agg.column).type), nullable: true });
  }
  for (const d of spec.withColumns ?? []) columns.push({ name: d.name, type: derivedColumnType(d.expr), nullable: true });
  return columns;
}

/** Spark's result type of sum(): decimal(p,s) → decimal(min(38, p + 10), s); integers → long; others → double. */
export function sumType(input: FieldType): FieldType {
  if (typeof input === 'object') return { decimal: [Math.min(38, input.decimal[0] + 10), input.decimal[1]] };
  if (input === 'int' || input === 'long') return 'long';
  return 'double';
}

/** A type as Spark's simpleString names it: int → 'int', decimal → 'decimal(20,2)', struct → 'struct<start:timestamp,end:timestamp>'. */
export function typeName(type: OutputType): string {
  if (typeof type === 'string') return type;
  if ('decimal' in type) return `decimal(${type.decimal[0]},${type.decimal[1]})`;
  return `struct<${type.struct.map((c) => `${c.name}:${typeName(c.type)}`).join(',')}>`;
}

/**
 * The schema in Spark's StructType JSON, as Delta's metaData.schemaString holds it:
 * {"type":"struct","fields":[{"name":…,"type":…,"nullable":…,"metadata":{}}]}, with Spark's JSON type
 * names ('integer', 'long', 'string', 'timestamp', 'decimal(20,2)', 'double', 'boolean').
 */
export function sparkSchemaJson(columns: OutputColumn[]): string {
  return JSON.stringify(structJson(columns));
}

function structJson(columns: OutputColumn[]): object {
  return {
    type: 'struct',
    fields: columns.map((c) => ({ name: c.name, type: typeJson(c.type), nullable: c.nullable, metadata: {} })),
  };
}

function typeJson(type: OutputType): unknown {
  if (type === 'int') return 'integer';
  if (typeof type === 'string') return type;
  if ('decimal' in type) return typeName(type);
  return structJson(type.struct);
}
