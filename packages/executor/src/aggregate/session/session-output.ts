/**
 * Session state rows → the aggregate's output rows (layout.outputSchema): session_start and
 * session_end become Spark's `session_window` struct<start timestamp, end timestamp> (end
 * exclusive: the last event time + gap), keys pass through, and each aggregate is finished from its
 * state parts as in the group-by (finish-aggregates.ts): avg divides its sum by its count (decimal
 * HALF_UP at scale s+4, integers and doubles to double, null without values), approx_count_distinct
 * estimates from its registers; count, sum, min and max are their state column, shared with the
 * state rows, not copied.
 */
import { ColumnBatch, ExactVector, InvalidArgumentError, Vector, sameType, simpleString } from '@tributary/common';
import { sliceRows } from '../group-by/column-slices';
import { finishAggregate } from '../group-by/finish-aggregates';
import { describeValue } from '../group-by/key-columns';
import { formatMicrosIso } from '../window';
import { SESSION_BOUNDS_COLUMNS, SessionLayout } from './session-layout';

export function sessionOutputRows(layout: SessionLayout, rows: ColumnBatch): ColumnBatch {
  const out = layout.outputSchema;
  const keys = layout.keys.length;
  if (rows.columns.length !== layout.stateSchema.length) {
    throw new InvalidArgumentError(`the session rows have ${rows.columns.length} columns, the layout ${layout.stateSchema.length}`);
  }
  if (out.length !== 1 + keys + layout.aggregates.length) {
    throw new InvalidArgumentError(`the output schema has ${out.length} columns, the layout ${1 + keys + layout.aggregates.length}`);
  }
  const windowField = out[0];
  if (windowField.type.kind !== 'struct' || windowField.type.fields.length !== 2) {
    throw new InvalidArgumentError(`output column ${windowField.name} is ${simpleString(windowField.type)}, not struct<start,end>`);
  }
  const starts = rows.columns[0] as ExactVector;
  const ends = rows.columns[1] as ExactVector;
  const columns: Vector[] = [{ type: windowField.type, validity: null, children: [starts, ends] }];
  for (let k = 0; k < keys; k++) columns.push(rows.columns[SESSION_BOUNDS_COLUMNS + k]);
  const describe = (i: number): string => describeSession(layout, rows, i);
  const firstPart = SESSION_BOUNDS_COLUMNS + keys;
  for (const a of layout.aggregates) {
    const parts = rows.columns.slice(firstPart + a.firstPart, firstPart + a.firstPart + a.parts.length);
    columns.push(finishAggregate(a, parts, rows.count, describe));
  }
  for (let c = 1; c < out.length; c++) {
    if (!sameType(out[c].type, columns[c].type)) {
      throw new InvalidArgumentError(`output column ${out[c].name} is ${simpleString(out[c].type)}, the aggregation gives ${simpleString(columns[c].type)}`);
    }
  }
  return { count: rows.count, schema: out, columns };
}

/** State row i's session and keys as text, for error messages (a decimal average that overflows). */
function describeSession(layout: SessionLayout, rows: ColumnBatch, i: number): string {
  const keys = layout.keys.length;
  const row = sliceRows({ count: rows.count, schema: rows.schema, columns: rows.columns.slice(0, SESSION_BOUNDS_COLUMNS + keys) }, i, i + 1);
  const start = (row.columns[0] as ExactVector).values[0];
  const end = (row.columns[1] as ExactVector).values[0];
  const parts = [`session [${formatMicrosIso(start)}, ${formatMicrosIso(end)})`];
  if (keys > 0) parts.push(layout.keys.map((k, j) => `${k.field.name}=${describeValue(row.columns[SESSION_BOUNDS_COLUMNS + j])}`).join(', '));
  return parts.join(', ');
}
