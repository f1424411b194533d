/**
 * What a general group-by keeps per group, derived once from the resolved AggregateSpec and the
 * schema of the rows it reads (pre's output). Every partial, state row and change set of a query
 * has the layout's `stateSchema`:
 *
 *   window_start   timestamp not null   when the query has a window: the window's start (µs); its end
 *                                       is start + sizeMicros (tumbling or sliding alike)
 *   <keys…>        the grouping keys, with their own names, types and nullability
 *   <parts…>       the aggregates' state columns (StatePart), one per aggregate except avg (two):
 *                  count → long not null; sum(int|long) → long; sum(decimal(p,s)) →
 *                  decimal(min(38,p+10),s); sum(double) → double; min/max(x) → x's type (any
 *                  scalar; strings and binaries by unsigned byte order, as Spark's UTF-8 order);
 *                  avg(x) → `<name>.sum` (decimal(min(38,p+10),s) for decimals, decimal(38,0) for
 *                  int/long: an exact sum where Spark sums doubles; double for doubles) and
 *                  `<name>.count` (long not null, the non-null inputs);
 *                  approx_count_distinct(x, rsd) → binary not null, every value exactly 2^p bytes:
 *                  the HyperLogLog++ registers, one byte each (hyperloglog.ts).
 *                  Sums, min and max are null until a non-null value was added, as Spark's.
 * The output (output-rows.ts) finishes each aggregate from its parts: avg divides, the sketch
 * estimates; the others are their state column.
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
  DEFAULT_RELATIVE_SD,
  hllPrecision,
  relativeSDProblem,
  sameType,
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

/** What one state column accumulates (an accumulator in accumulators.ts). */
export type StateKind = 'count' | 'sum' | 'min' | 'max' | 'hll';

export interface StatePart {
  readonly kind: StateKind;
  /** Input column, null for count('*'). */
  readonly column: number | null;
  /** Type of the input column (null for count('*')). */
  readonly inputType: SqlType | null;
  /** The state column. */
  readonly stateField: SqlField;
  /** The aggregate as error messages name it, e.g. avg(amount). */
  readonly label: string;
  /** hll only: index bits p (2^p one-byte registers per group); 0 otherwise. */
  readonly precision: number;
}

export interface AggregateLayout {
  readonly fn: AggregateFn;
  /** Input column, null for count('*'). */
  readonly column: number | null;
  /** Type of the input column (null for count('*')). */
  readonly inputType: SqlType | null;
  /** The aggregate's output field (Spark's result type). */
  readonly outputField: SqlField;
  /** Its state parts (avg: sum, then count; the others: one), at GroupLayout.parts[firstPart …]. */
  readonly parts: readonly StatePart[];
  readonly firstPart: number;
}

export interface GroupLayout {
  readonly window: WindowLayout | null;
  readonly keys: readonly KeyLayout[];
  readonly aggregates: readonly AggregateLayout[];
  /** The aggregates' state parts in order: part i is state column groupColumns + i. */
  readonly parts: readonly StatePart[];
  /** [window_start] + key fields + one state field per part. */
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
  const parts: StatePart[] = [];
  const aggregates = spec.aggregates.map((a) => {
    const layout = aggregateLayout(a, input, parts.length);
    parts.push(...layout.parts);
    return layout;
  });
  const stateSchema = [...(window ? [WINDOW_START_FIELD] : []), ...keys.map((k) => k.field), ...parts.map((p) => p.stateField)];
  return { window, keys, aggregates, parts, stateSchema, groupColumns: (window ? 1 : 0) + keys.length, outputSchema: spec.schema };
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

/** The exact sum avg keeps for integers: decimal(38,0) (Spark sums them as doubles). */
const AVG_INTEGER_SUM: SqlType = { kind: 'decimal', precision: 38, scale: 0 };

function aggregateLayout(a: AggregateSpec['aggregates'][number], input: readonly SqlField[], firstPart: number): AggregateLayout {
  const { fn, column, field } = a;
  const inputType = column === null ? null : input[column]?.type;
  if (inputType === undefined) throw new InvalidArgumentError(`aggregate ${field.name} reads column ${column}, which is not in the input`);
  const shown = inputType ? simpleString(inputType) : '*';
  const label = `${fn}(${column === null ? '*' : input[column].name})`;
  const part = (kind: StateKind, stateField: SqlField, precision = 0): StatePart => ({ kind, column, inputType, stateField, label, precision });
  const layout = (...parts: StatePart[]): AggregateLayout => ({ fn, column, inputType, outputField: field, parts, firstPart });
  switch (fn) {
    case 'count':
      return layout(part('count', sqlField(field.name, { kind: 'long' }, false)));
    case 'sum': {
      const result = inputType === null ? null : sumResultType(inputType);
      if (result === null) throw new InvalidArgumentError(`sum(${shown}) is not supported`);
      return layout(part('sum', sqlField(field.name, result, true)));
    }
    case 'avg': {
      const t = inputType;
      const sumType = t === null ? null : t.kind === 'int' || t.kind === 'long' ? AVG_INTEGER_SUM : sumResultType(t);
      if (t === null || sumType === null) throw new InvalidArgumentError(`avg(${shown}) is not supported`);
      const expected: SqlType = t.kind === 'decimal'
        ? { kind: 'decimal', precision: Math.min(38, t.precision + 4), scale: Math.min(38, t.scale + 4) }
        : { kind: 'double' };
      if (!sameType(field.type, expected)) throw new InvalidArgumentError(`avg(${shown}) is ${simpleString(expected)}, the query says ${simpleString(field.type)}`);
      return layout(part('sum', sqlField(`${field.name}.sum`, sumType, true)), part('count', sqlField(`${field.name}.count`, { kind: 'long' }, false)));
    }
    case 'min':
    case 'max':
      if (inputType === null || !isScalar(inputType)) throw new InvalidArgumentError(`${fn}(${shown}) is not supported`);
      return layout(part(fn, sqlField(field.name, inputType, true)));
    case 'approx_count_distinct': {
      if (inputType === null || !isScalar(inputType)) throw new InvalidArgumentError(`approx_count_distinct(${shown}) is not supported`);
      const problem = relativeSDProblem(a.relativeSD ?? DEFAULT_RELATIVE_SD);
      if (problem !== null) throw new InvalidArgumentError(`${label}: ${problem}`);
      const p = hllPrecision(a.relativeSD ?? DEFAULT_RELATIVE_SD);
      return layout(part('hll', sqlField(field.name, { kind: 'binary' }, false), p));
    }
    default:
      throw new InvalidArgumentError(`aggregate ${String(fn)} is not supported by the group-by state`);
  }
}
