/**
 * Session state rows → the aggregate's output rows (layout.outputSchema): session_start and
 * session_end become Spark's `session_window` struct<start timestamp, end timestamp> (end
 * exclusive: the last event time + gap), keys and aggregate state columns pass through (count,
 * sum, min and max need no finishing step). Values are shared with the state rows, not copied.
 */
import { ColumnBatch, ExactVector, InvalidArgumentError, Vector, sameType, simpleString } from '@tributary/common';
import { SESSION_BOUNDS_COLUMNS, SessionLayout } from './session-layout';

export function sessionOutputRows(layout: SessionLayout, rows: ColumnBatch): ColumnBatch {
  const out = layout.outputSchema;
  if (out.length !== rows.columns.length - 1) {
    throw new InvalidArgumentError(`the output schema has ${out.length} columns, the session rows ${rows.columns.length - 1} after the bounds`);
  }
  const windowField = out[0];
  if (windowField.type.kind !== 'struct' || windowField.type.fields.length !== 2) {
    throw new InvalidArgumentError(`output column ${windowField.name} is ${simpleString(windowField.type)}, not struct<start,end>`);
  }
  const starts = rows.columns[0] as ExactVector;
  const ends = rows.columns[1] as ExactVector;
  const columns: Vector[] = [{ type: windowField.type, validity: null, children: [starts, ends] }];
  for (let c = 1; c < out.length; c++) {
    const state = layout.stateSchema[SESSION_BOUNDS_COLUMNS + c - 1];
    if (!sameType(out[c].type, state.type)) {
      throw new InvalidArgumentError(`output column ${out[c].name} is ${simpleString(out[c].type)}, the state has ${simpleString(state.type)}`);
    }
    columns.push(rows.columns[SESSION_BOUNDS_COLUMNS + c - 1]);
  }
  return { count: rows.count, schema: out, columns };
}
