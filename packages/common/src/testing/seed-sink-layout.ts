/**
 * A test fixture (the former seed sink's layout, for tests that write seed-shaped tables with
 * derived partition columns directly): how the seed query's output rows map onto its Delta table: the table schema (the aggregate columns plus
 * the query's derived columns) and, per partition column, how its value is computed.
 *
 * The table itself is the contract between the driver, which creates it from the query, and the
 * executors, which write its files: a derived column carries its expression in the field's
 * metadata, key `tributary.withColumn` (an object {fn, column, format?, timeZone}); other engines
 * ignore unknown field metadata and see an ordinary partition column.
 */
import { InvalidArgumentError } from '../errors';
import { derivedColumnType, evaluateDerived } from './seed-derived-columns';
import type { DerivedExpr, QuerySpec } from '../plan/query-spec';
import { AGGREGATE_TABLE_SCHEMA } from './aggregate-table';
import { Metadata } from '../delta/actions';
import { DataType, StructType, field, parseSchemaString, primitive, struct } from '../delta/schema';

export const DERIVED_METADATA_KEY = 'tributary.withColumn';

export function sinkTableSchema(spec: QuerySpec): StructType {
  const derived = (spec.withColumns ?? []).map((d) =>
    field(d.name, deltaTypeOf(derivedColumnType(d.expr)), true, { [DERIVED_METADATA_KEY]: { ...d.expr, timeZone: spec.parse.timeZone } }),
  );
  return struct([...AGGREGATE_TABLE_SCHEMA.fields, ...derived]);
}

function deltaTypeOf(t: 'date' | 'string' | 'int'): DataType {
  return primitive(t === 'int' ? 'integer' : t);
}

/** One row of the aggregate output, as the partition value functions see it. */
export interface AggregateRowView {
  windowStartMicros: number;
  windowEndMicros: number;
  customerId: number;
  count: number;
  /** SUM in cents, exact. */
  sumCents: bigint;
}

export type PartitionValueFn = (row: AggregateRowView) => string | null;

export interface SinkLayout {
  partitionColumns: string[];
  /** Per partition column, in order. */
  partitionValue: PartitionValueFn[];
}

/** The layout the table's metadata describes (partition columns must be aggregate or derived columns). */
export function sinkLayout(metadata: Metadata): SinkLayout {
  const schema = parseSchemaString(metadata.schemaString);
  const partitionValue = metadata.partitionColumns.map((name): PartitionValueFn => {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) throw new InvalidArgumentError(`partition column '${name}' is not in the table schema`);
    const derived = f.metadata[DERIVED_METADATA_KEY] as (DerivedExpr & { timeZone: string }) | undefined;
    if (derived !== undefined) return (r) => evaluateDerived(derived, r.windowStartMicros, r.windowEndMicros, derived.timeZone);
    switch (name) {
      case 'customer_id': return (r) => String(r.customerId);
      case 'event_count': return (r) => String(r.count);
      case 'total_amount': return (r) => formatCents(r.sumCents);
    }
    throw new InvalidArgumentError(`cannot compute partition column '${name}' of the aggregate table`);
  });
  return { partitionColumns: [...metadata.partitionColumns], partitionValue };
}

function formatCents(c: bigint): string {
  const neg = c < 0n;
  const digits = (neg ? -c : c).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
