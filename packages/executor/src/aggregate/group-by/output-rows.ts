/**
 * State rows → the aggregate's output rows (layout.outputSchema, AggregateSpec.schema): the window
 * start becomes Spark's `window` struct<start timestamp, end timestamp> (end = start + size,
 * exclusive), keys pass through, and each aggregate's state column is its value (count, sum, min
 * and max need no finishing step). Values are shared with the state rows, not copied.
 */
import { ColumnBatch, ExactVector, InvalidArgumentError, Vector, sameType, simpleString } from '@tributary/common';
import { GroupLayout } from './group-layout';

export function outputRows(layout: GroupLayout, rows: ColumnBatch): ColumnBatch {
  const out = layout.outputSchema;
  const expectedColumns = rows.columns.length;
  if (out.length !== expectedColumns) {
    throw new InvalidArgumentError(`the output schema has ${out.length} columns, the state rows ${expectedColumns}`);
  }
  const columns: Vector[] = [...rows.columns];
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
  for (let c = layout.window === null ? 0 : 1; c < out.length; c++) {
    if (!sameType(out[c].type, layout.stateSchema[c].type)) {
      throw new InvalidArgumentError(`output column ${out[c].name} is ${simpleString(out[c].type)}, the state has ${simpleString(layout.stateSchema[c].type)}`);
    }
  }
  return { count: rows.count, schema: out, columns };
}
