/**
 * State rows → the aggregate's output rows (layout.outputSchema, AggregateSpec.schema): the window
 * start becomes Spark's `window` struct<start timestamp, end timestamp> (end = start + size,
 * exclusive), keys pass through, and each aggregate is finished from its state parts
 * (finish-aggregates.ts: avg divides, approx_count_distinct estimates; count, sum, min and max are
 * their state column, shared with the state rows, not copied).
 */
import { ColumnBatch, ExactVector, InvalidArgumentError, Vector, sameType, simpleString } from '@tributary/common';
import { formatMicrosIso } from '../window';
import { finishAggregate } from './finish-aggregates';
import { GroupLayout } from './group-layout';
import { sliceRows } from './column-slices';
import { describeValue } from './key-columns';

export function outputRows(layout: GroupLayout, rows: ColumnBatch): ColumnBatch {
  const out = layout.outputSchema;
  const groupColumns = layout.groupColumns;
  if (rows.columns.length !== layout.stateSchema.length) {
    throw new InvalidArgumentError(`the state rows have ${rows.columns.length} columns, the layout ${layout.stateSchema.length}`);
  }
  if (out.length !== groupColumns + layout.aggregates.length) {
    throw new InvalidArgumentError(`the output schema has ${out.length} columns, the layout ${groupColumns + layout.aggregates.length}`);
  }
  const columns: Vector[] = rows.columns.slice(0, groupColumns);
  if (layout.window !== null) {
    const windowField = out[0];
    if (windowField.type.kind !== 'struct' || windowField.type.fields.length !== 2) {
      throw new InvalidArgumentError(`output column ${windowField.name} is ${simpleString(windowField.type)}, not struct<start,end>`);
    }
    const starts = (rows.columns[0] as ExactVector).values;
    const ends = new Float64Array(rows.count);
    for (let i = 0; i < rows.count; i++) ends[i] = starts[i] + layout.window.sizeMicros;
    columns[0] = {
      type: windowField.type,
      validity: null,
      children: [
        { type: { kind: 'timestamp' }, validity: null, values: starts.subarray(0, rows.count), wide: null },
        { type: { kind: 'timestamp' }, validity: null, values: ends, wide: null },
      ],
    };
  }
  const describe = (i: number): string => describeRow(layout, rows, i);
  for (const a of layout.aggregates) {
    const parts = rows.columns.slice(groupColumns + a.firstPart, groupColumns + a.firstPart + a.parts.length);
    columns.push(finishAggregate(a, parts, rows.count, describe));
  }
  for (let c = layout.window === null ? 0 : 1; c < out.length; c++) {
    if (!sameType(out[c].type, columns[c].type)) {
      throw new InvalidArgumentError(`output column ${out[c].name} is ${simpleString(out[c].type)}, the aggregation gives ${simpleString(columns[c].type)}`);
    }
  }
  return { count: rows.count, schema: out, columns };
}

/** State row i's window and keys as text, for error messages. */
function describeRow(layout: GroupLayout, rows: ColumnBatch, i: number): string {
  const row = sliceRows({ count: rows.count, schema: rows.schema, columns: rows.columns.slice(0, layout.groupColumns) }, i, i + 1);
  const parts: string[] = [];
  let c = 0;
  if (layout.window !== null) {
    const s = (row.columns[0] as ExactVector).values[0];
    parts.push(`window [${formatMicrosIso(s)}, ${formatMicrosIso(s + layout.window.sizeMicros)})`);
    c = 1;
  }
  const keys = layout.keys.map((k, j) => `${k.field.name}=${describeValue(row.columns[c + j])}`);
  if (keys.length > 0) parts.push(keys.join(', '));
  return parts.length === 0 ? 'the whole input' : parts.join(', ');
}
