/**
 * What a general group-by keeps per group, derived once from the resolved AggregateSpec and the
 * schema of the rows it reads (pre's output). Every partial, state row and change set of a query
 * has the layout's `stateSchema`:
 *
 *   window_start   timestamp not null   when the query has a window: the window's start (µs); its end
 *                                       is start + sizeMicros (tumbling or sliding alike)
 *   <keys…>        the grouping keys, with their own names, types and nullability
 *   <aggregates…>  one state column per aggregate: count → long not null; sum(int|long) → long;
 *                  sum(decimal(p,s)) → decimal(min(38,p+10),s); sum(double) → double;
 *                  min/max(x) → x's type (boolean, int, long, double, decimal, date, timestamp).
 *                  Sums, min and max are null until a non-null value was added, as Spark's.
 *
 * A sliding window (slide < size) puts a row in several windows (window-assignment.ts); each is a
 * group of its own, keyed by its start.
 */
import {
  ResolvedAggregateFn as AggregateFn,
  AggregateSpec,
  InvalidArgumentError,
  SqlField,
  SqlType,
  TIMESTAMP,
  isScalar,
  simpleString,
  sqlField,
} from '@tributary/common';

export interface WindowLayout {
  /** Index of the timestamp column in the input rows. */
  readonly column: number;
  readonly sizeMicros: number;
  /** Windows start every slideMicros (= sizeMicros for a tumbling window; 0 < slide ≤ size). */
  readonly slideMicros: number;
  /** Spark's window startTime: windows start at startMicros + k·slideMicros (|startMicros| < slideMicros). */
  readonly startMicros: number;
}

export interface KeyLayout {
  readonly column: number;
  readonly field: SqlField;
}

/** The aggregate functions this layer computes; the others are refused by groupLayout(). */
export type SupportedAggregate = 'count' | 'sum' | 'min' | 'max';

export interface AggregateLayout {
  readonly fn: SupportedAggregate;
  /** Input column, null for count('*'). */
  readonly column: number | null;
  /** Type of the input column (null for count('*')). */
  readonly inputType: SqlType | null;
  /** The state column (its name is the aggregate's output name). */
  readonly stateField: SqlField;
}

export interface GroupLayout {
  readonly window: WindowLayout | null;
  readonly keys: readonly KeyLayout[];
  readonly aggregates: readonly AggregateLayout[];
  /** [window_start] + key fields + one state field per aggregate. */
  readonly stateSchema: readonly SqlField[];
  /** Columns of stateSchema that identify a group: the window start (if any) and the keys. */
  readonly groupColumns: number;
  /** The aggregate's output (AggregateSpec.schema): [window struct<start,end>] + keys + aggregates. */
  readonly outputSchema: readonly SqlField[];
}

export const WINDOW_START_FIELD: SqlField = sqlField('window_start', TIMESTAMP, false);

export function groupLayout(spec: AggregateSpec, input: readonly SqlField[]): GroupLayout {
  let window: WindowLayout | null = null;
  if (spec.window !== null) {
    const w = spec.window;
    const t = input[w.column];
    if (t === undefined || t.type.kind !== 'timestamp') {
      throw new InvalidArgumentError(`window column ${w.column} is not a timestamp column`);
    }
    if (!Number.isSafeInteger(w.sizeMicros) || w.sizeMicros <= 0) {
      throw new InvalidArgumentError(`window size must be a positive number of µs, got ${w.sizeMicros}`);
    }
    if (!Number.isSafeInteger(w.slideMicros) || w.slideMicros <= 0 || w.slideMicros > w.sizeMicros) {
      throw new InvalidArgumentError(`window slide must be a positive number of µs at most the size ${w.sizeMicros}, got ${w.slideMicros}`);
    }
    if (!Number.isSafeInteger(w.startMicros) || Math.abs(w.startMicros) >= w.slideMicros) {
      throw new InvalidArgumentError(`window start ${w.startMicros} must be an integer of µs smaller in magnitude than the slide ${w.slideMicros}`);
    }
    window = { column: w.column, sizeMicros: w.sizeMicros, slideMicros: w.slideMicros, startMicros: w.startMicros };
  }
  const keys = spec.keys.map((k) => {
    if (input[k.column] === undefined) throw new InvalidArgumentError(`key column ${k.column} is not in the input`);
    if (!isScalar(k.field.type)) throw new InvalidArgumentError(`key ${k.field.name} has type ${simpleString(k.field.type)}, not a scalar`);
    if (input[k.column].type.kind !== k.field.type.kind) {
      throw new InvalidArgumentError(`key ${k.field.name} is ${simpleString(k.field.type)} but its column is ${simpleString(input[k.column].type)}`);
    }
    return { column: k.column, field: k.field };
  });
  const aggregates = spec.aggregates.map((a) => aggregateLayout(a.fn, a.column, a.field, input));
  const stateSchema = [...(window ? [WINDOW_START_FIELD] : []), ...keys.map((k) => k.field), ...aggregates.map((a) => a.stateField)];
  return { window, keys, aggregates, stateSchema, groupColumns: (window ? 1 : 0) + keys.length, outputSchema: spec.schema };
}

/** Spark's result type of sum over `t`, or null when sum does not take it. */
export function sumResultType(t: SqlType): SqlType | null {
  switch (t.kind) {
    case 'int':
    case 'long':
      return { kind: 'long' };
    case 'double':
      return { kind: 'double' };
    case 'decimal':
      return { kind: 'decimal', precision: Math.min(38, t.precision + 10), scale: t.scale };
    default:
      return null;
  }
}

function aggregateLayout(fn: AggregateFn, column: number | null, field: SqlField, input: readonly SqlField[]): AggregateLayout {
  const inputType = column === null ? null : input[column]?.type;
  if (inputType === undefined) throw new InvalidArgumentError(`aggregate ${field.name} reads column ${column}, which is not in the input`);
  if (fn === 'count') return { fn, column, inputType, stateField: sqlField(field.name, { kind: 'long' }, false) };
  if (fn === 'sum') {
    const result = inputType === null ? null : sumResultType(inputType);
    if (result === null) throw new InvalidArgumentError(`sum(${inputType ? simpleString(inputType) : '*'}) is not supported`);
    return { fn, column, inputType, stateField: sqlField(field.name, result, true) };
  }
  if (fn === 'min' || fn === 'max') {
    const ordered = ['boolean', 'int', 'long', 'double', 'decimal', 'date', 'timestamp'];
    if (inputType === null || !ordered.includes(inputType.kind)) {
      throw new InvalidArgumentError(`${fn}(${inputType ? simpleString(inputType) : '*'}) is not supported by the group-by state yet`);
    }
    return { fn, column, inputType, stateField: sqlField(field.name, inputType, true) };
  }
  throw new InvalidArgumentError(`aggregate ${fn} is not supported by the group-by state yet`);
}
