/**
 * What a session-window aggregation keeps per session, derived once from the resolved AggregateSpec
 * (its `session`) and the schema of the rows it reads (pre's output). Every partial and every state
 * blob of such a query has the layout's `stateSchema`:
 *
 *   session_start  timestamp not null   the session's first event time (µs)
 *   session_end    timestamp not null   exclusive: the last event time + gap
 *   <keys…>        the grouping keys besides the session window, with their own types
 *   <parts…>       the aggregates' state columns, as the group-by keeps them (group-layout.ts):
 *                  one per aggregate except avg (two: `<name>.sum`, exact for integers and
 *                  decimals, and `<name>.count`); approx_count_distinct's is its HyperLogLog++
 *                  registers (binary, 2^p bytes), merged register-wise by max when sessions merge
 *
 * The aggregate's output (outputSchema) is [session_window struct<start,end>] + keys + aggregates,
 * each finished from its parts as in the group-by (session-output.ts, finish-aggregates.ts).
 */
import { AggregateSpec, InvalidArgumentError, SqlField, TIMESTAMP, sqlField } from '@tributary/common';
import { AggregateLayout, KeyLayout, StatePart, groupLayout } from '../group-by';

export interface SessionLayout {
  /** Index of the event-time column in the input rows. */
  readonly timeColumn: number;
  readonly gapMicros: number;
  readonly keys: readonly KeyLayout[];
  readonly aggregates: readonly AggregateLayout[];
  /** The aggregates' state parts in order (avg has two, the others one): part i is state column SESSION_BOUNDS_COLUMNS + keys + i. */
  readonly parts: readonly StatePart[];
  /** session_start, session_end, key fields, one state field per aggregate. */
  readonly stateSchema: readonly SqlField[];
  /** [session_window struct<start,end>] + keys + aggregates (AggregateSpec.schema). */
  readonly outputSchema: readonly SqlField[];
}

export const SESSION_START_FIELD: SqlField = sqlField('session_start', TIMESTAMP, false);
export const SESSION_END_FIELD: SqlField = sqlField('session_end', TIMESTAMP, false);
/** Columns of stateSchema before the keys. */
export const SESSION_BOUNDS_COLUMNS = 2;

/** Aggregates a session window computes: every aggregate of the group-by. */
export const SESSION_AGGREGATES: readonly string[] = ['count', 'sum', 'avg', 'min', 'max', 'approx_count_distinct'];

export function sessionLayout(spec: AggregateSpec, input: readonly SqlField[]): SessionLayout {
  const session = spec.session ?? null;
  if (session === null) throw new InvalidArgumentError('a session layout needs an aggregation by session_window');
  if (spec.window !== null) throw new InvalidArgumentError('an aggregation has either a window or a session window, not both');
  const t = input[session.column];
  if (t === undefined || t.type.kind !== 'timestamp') throw new InvalidArgumentError(`session column ${session.column} is not a timestamp column`);
  if (!Number.isSafeInteger(session.gapMicros) || session.gapMicros <= 0) {
    throw new InvalidArgumentError(`session gap must be a positive number of µs, got ${session.gapMicros}`);
  }
  if (spec.keys.length === 0) throw new InvalidArgumentError('a session window needs at least one grouping key besides session_window');
  // keys and aggregates as the group-by lays them out (no window)
  const g = groupLayout({ window: null, keys: spec.keys, aggregates: spec.aggregates, schema: spec.schema }, input);
  for (const a of spec.aggregates) {
    if (!SESSION_AGGREGATES.includes(a.fn)) throw new InvalidArgumentError(`${a.fn} (${a.field.name}) over a session window is not supported yet; ${SESSION_AGGREGATES.join(', ')} are`);
  }
  return {
    timeColumn: session.column,
    gapMicros: session.gapMicros,
    keys: g.keys,
    aggregates: g.aggregates,
    parts: g.parts,
    stateSchema: [SESSION_START_FIELD, SESSION_END_FIELD, ...g.stateSchema],
    outputSchema: spec.schema,
  };
}
