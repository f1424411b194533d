/**
 * Arrow IPC (stream format, one record batch) for session-window aggregation: shuffle partials and
 * state. The columns are the layout's stateSchema (session-layout.ts): session_start, session_end,
 * the keys with their own types (strings as Utf8), then the aggregates' state parts (avg: its sum
 * and its count; approx_count_distinct: its registers as binary), each with its Arrow type
 * (group-by/arrow-columns.ts). Self-describing schema metadata:
 *
 *   tributary.format             session-partials/v1   partial sessions of one map task (shuffle)
 *                                session-state/v1      every session of a shuffle partition
 *   tributary.session_gap_micros the gap, µs
 *   tributary.key_columns        how many key columns follow session_end
 *   tributary.aggregates         the aggregate functions, comma-separated, approx_count_distinct with its
 *                                index bits: approx_count_distinct(p=<bits>) (its registers' width);
 *                                blobs of count, sum, min and max only read as before these two came
 *
 * A state blob holds the whole state of its partition at its version (sessions merged, each once),
 * not a change set: a session's start and end change as it merges, so a per-key diff would carry
 * about as much, and the state is only the open sessions (append mode) or the result the batch
 * writes anyway (complete mode). A reader refuses bytes whose format, columns, gap or aggregates
 * differ from the query's layout.
 */
import * as arrow from 'apache-arrow';
import { ColumnBatch, Vector, sameType, simpleString } from '@tributary/common';
import { CorruptAggregateDataError } from '../errors';
import { arrowType, fromArrowData, sqlTypeOf, toArrowData } from '../group-by/arrow-columns';
import { SessionLayout } from './session-layout';

export const SESSION_PARTIALS_FORMAT = 'session-partials/v1';
export const SESSION_STATE_FORMAT = 'session-state/v1';

const FORMAT_KEY = 'tributary.format';
const GAP_KEY = 'tributary.session_gap_micros';
const KEY_COLUMNS_KEY = 'tributary.key_columns';
const AGGREGATES_KEY = 'tributary.aggregates';

export function encodeSessionPartials(layout: SessionLayout, rows: ColumnBatch): Uint8Array {
  return encode(layout, rows, SESSION_PARTIALS_FORMAT);
}

export function decodeSessionPartials(layout: SessionLayout, bytes: Uint8Array): ColumnBatch {
  return decode(layout, bytes, SESSION_PARTIALS_FORMAT);
}

export function encodeSessionState(layout: SessionLayout, rows: ColumnBatch): Uint8Array {
  return encode(layout, rows, SESSION_STATE_FORMAT);
}

export function decodeSessionState(layout: SessionLayout, bytes: Uint8Array): ColumnBatch {
  return decode(layout, bytes, SESSION_STATE_FORMAT);
}

function layoutMetadata(layout: SessionLayout): [string, string][] {
  return [
    [GAP_KEY, String(layout.gapMicros)],
    [KEY_COLUMNS_KEY, String(layout.keys.length)],
    [AGGREGATES_KEY, layout.aggregates.map((a) => (a.fn === 'approx_count_distinct' ? `${a.fn}(p=${a.parts[0].precision})` : a.fn)).join(',')],
  ];
}

function encode(layout: SessionLayout, rows: ColumnBatch, format: string): Uint8Array {
  const n = rows.count;
  const schemaFields = layout.stateSchema;
  if (rows.columns.length !== schemaFields.length) throw new RangeError(`rows have ${rows.columns.length} columns, the layout ${schemaFields.length}`);
  const metadata = new Map<string, string>([[FORMAT_KEY, format], ...layoutMetadata(layout)]);
  const fields = schemaFields.map((f) => new arrow.Field(f.name, arrowType(f.type), f.nullable));
  const schema = new arrow.Schema(fields, metadata);
  const children = rows.columns.map((v: Vector) => toArrowData(v, n));
  const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children }));
  return arrow.tableToIPC(new arrow.Table(schema, batch), 'stream');
}

function decode(layout: SessionLayout, bytes: Uint8Array, format: string): ColumnBatch {
  // Arrow views fixed-width buffers in place: they need 8-byte alignment (a pooled Buffer may lack it).
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(aligned);
  } catch (err) {
    throw new CorruptAggregateDataError(`not Arrow IPC: ${(err as Error).message}`);
  }
  const metadata = table.schema.metadata;
  if (metadata.get(FORMAT_KEY) !== format) throw new CorruptAggregateDataError(`expected format ${format}, got ${metadata.get(FORMAT_KEY)}`);
  for (const [k, v] of layoutMetadata(layout)) {
    if (metadata.get(k) !== v) throw new CorruptAggregateDataError(`${k} is "${metadata.get(k)}", the query's layout has "${v}"`);
  }
  const expected = layout.stateSchema;
  const fields = table.schema.fields;
  if (fields.length !== expected.length) throw new CorruptAggregateDataError(`${fields.length} columns, expected ${expected.length}`);
  for (let c = 0; c < expected.length; c++) {
    const t = sqlTypeOf(fields[c].type);
    const e = expected[c];
    if (fields[c].name !== e.name || t === null || !sameType(t, e.type) || fields[c].nullable !== e.nullable) {
      throw new CorruptAggregateDataError(`column ${c} is ${fields[c].name}: ${fields[c].type}, expected ${e.name}: ${simpleString(e.type)}`);
    }
  }
  if (table.batches.length > 1) throw new CorruptAggregateDataError(`${table.batches.length} record batches, expected one`);
  const columns: Vector[] = expected.map((f, c) => {
    if (table.batches.length === 0) return fromArrowData(arrow.makeData({ type: arrowType(f.type) as arrow.Int32, length: 0 }), f.type, f.name);
    const data = table.batches[0].data.children[c];
    if (!f.nullable && data.nullCount > 0) throw new CorruptAggregateDataError(`column ${f.name} has nulls`);
    return fromArrowData(data, f.type, f.name);
  });
  return { count: table.numRows, schema: expected, columns };
}
