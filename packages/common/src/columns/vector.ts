/**
 * Columns at run time: what the decoder writes, expressions read and write, the aggregation groups
 * by and the sink turns into Arrow/Parquet. One representation per SqlType, on typed arrays, with
 * no object per row. Rows 0..count−1 of a batch are valid; arrays may be longer (capacity, reused).
 *
 *   type                     values
 *   boolean                  Uint8Array, 0 or 1
 *   int                      Int32Array
 *   date                     Int32Array, days since 1970-01-01
 *   double                   Float64Array (any double, NaN and ±Infinity included)
 *   long, decimal(p,s),      Float64Array of exact integers (decimal: the unscaled value, e.g.
 *   timestamp                12.34 in decimal(12,2) is 1234; timestamp: µs since the epoch).
 *                            A value with |v| ≥ 2^53 is held as NaN in `values` and exactly in
 *                            `wide` (row → bigint). Timestamps and decimals with p ≤ 15 are never
 *                            wide; `wide` is null when no row is wide.
 *   string, binary           Arrow layout: `offsets` (count + 1 entries) into `data` (UTF-8 bytes
 *                            for strings); row i is data[offsets[i], offsets[i+1]).
 *   struct                   one child vector per field, each with the batch's row count
 *   array                    `offsets` (count + 1) into the rows of `element`
 *
 * Nulls: `validity[i]` is 1 when row i has a value, 0 when it is null; `validity` null means no
 * row is null. A null row's value slot holds 0 (or an empty span) and is never read.
 */
import type { SqlField, SqlType } from '../schema/sql-type';

export type Validity = Uint8Array | null;

export type Vector =
  | BooleanVector
  | Int32Vector
  | DoubleVector
  | ExactVector
  | BytesVector
  | StructVector
  | ArrayVector;

interface VectorBase<K> {
  readonly type: Extract<SqlType, { kind: K }>;
  validity: Validity;
}
export interface BooleanVector extends VectorBase<'boolean'> { values: Uint8Array }
export interface Int32Vector extends VectorBase<'int' | 'date'> { values: Int32Array }
export interface DoubleVector extends VectorBase<'double'> { values: Float64Array }
export interface ExactVector extends VectorBase<'long' | 'decimal' | 'timestamp'> {
  values: Float64Array;
  wide: Map<number, bigint> | null;
}
export interface BytesVector extends VectorBase<'string' | 'binary'> {
  offsets: Int32Array;
  data: Uint8Array;
}
export interface StructVector extends VectorBase<'struct'> { children: Vector[] }
export interface ArrayVector extends VectorBase<'array'> {
  offsets: Int32Array;
  element: Vector;
}

/**
 * Rows of one schema as columns. `recordIndex`, when set, gives for each row the index of the Kafka
 * record it came from in the chunk being processed (decoder output, kept through filters), so late
 * rows, quarantined rows and the event-time guard can name topic, partition and offset.
 */
export interface ColumnBatch {
  count: number;
  readonly schema: readonly SqlField[];
  columns: Vector[];
  recordIndex?: Int32Array;
}

/** 2^53: exact-integer columns hold values below this in `values`, larger ones in `wide`. */
export const EXACT_LIMIT = 2 ** 53;

/** True when row i of a vector holds a value. */
export function isValid(v: Vector, i: number): boolean {
  return v.validity === null || v.validity[i] === 1;
}

/** The exact integer of row i of a long/decimal/timestamp vector (unscaled for decimals). */
export function exactBigInt(v: ExactVector, i: number): bigint {
  const x = v.values[i];
  if (x === x) return BigInt(x);
  const w = v.wide?.get(i);
  if (w === undefined) throw new RangeError(`row ${i} of a ${v.type.kind} column is NaN without a wide value`);
  return w;
}
