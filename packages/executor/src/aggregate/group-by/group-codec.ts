/**
 * Arrow IPC (stream format, one record batch) for the general group-by: shuffle partials, state
 * snapshots and state change sets. The columns are the layout's stateSchema (group-layout.ts),
 * each with its Arrow type (arrow-columns.ts): window_start (when windowed), the keys with their
 * own types (strings as Utf8), then one state column per aggregate. Self-describing schema metadata:
 *
 *   tributary.format         group-partials/v1   partial rows (shuffle) or a whole state (snapshot)
 *                            group-changes/v1    a state change set (below)
 *   tributary.group_columns  how many leading columns identify a group (window_start + keys)
 *   tributary.window         "size=<µs>,start=<µs>" of a tumbling window, "size=<µs>,slide=<µs>,start=<µs>"
 *                            of a sliding one, or "none"
 *   tributary.aggregates     what each state column accumulates, comma-separated: count, sum, min,
 *                            max, hll(p=<index bits>) (group-layout.ts StatePart)
 *   tributary.deleted_window_starts_micros   (change sets only) comma-separated window starts
 *                            removed since the previous state version
 *
 * A snapshot (group-partials/v1 of a whole state) holds each group once, in any order; the
 * snapshot worker writes groups in the order they entered state (group-image.ts), so a load makes
 * the same group ids.
 *
 * Change set (state version N): the groups changed since version N−1, with their current values,
 * plus the windows that left state. Applying one: delete those windows, then set every row's group
 * to the row's values. State leaves only by whole windows (append-mode eviction), so deletions are
 * per window, never per key. A reader refuses bytes whose format, columns, window or aggregates
 * differ from the query's layout.
 */
import * as arrow from 'apache-arrow';
import { ColumnBatch, Vector, sameType, simpleString } from '@tributary/common';
import { CorruptAggregateDataError } from '../errors';
import { fromArrowData, sqlTypeOf, toArrowData, arrowType } from './arrow-columns';
import { GroupLayout } from './group-layout';

export const GROUP_PARTIALS_FORMAT = 'group-partials/v1';
export const GROUP_CHANGES_FORMAT = 'group-changes/v1';

const FORMAT_KEY = 'tributary.format';
const GROUP_COLUMNS_KEY = 'tributary.group_columns';
const WINDOW_KEY = 'tributary.window';
const AGGREGATES_KEY = 'tributary.aggregates';
const DELETED_WINDOWS_KEY = 'tributary.deleted_window_starts_micros';

/** Groups changed since the previous state version, and windows deleted since then. */
export interface GroupChangeSet {
  readonly upserts: ColumnBatch;
  readonly deletedWindowStartsMicros: Float64Array;
}

export function encodeGroupPartials(layout: GroupLayout, rows: ColumnBatch): Uint8Array {
  return encode(layout, rows, new Map([[FORMAT_KEY, GROUP_PARTIALS_FORMAT]]));
}

/**
 * encodeGroupPartials() of rows already in Arrow's layout: `children` are the stateSchema's columns
 * (arrowType of each), `count` rows each (the snapshot worker's path: group-image.ts).
 */
export function encodeGroupPartialsData(layout: GroupLayout, count: number, children: arrow.Data[]): Uint8Array {
  return encodeData(layout, count, children, new Map([[FORMAT_KEY, GROUP_PARTIALS_FORMAT]]));
}

export function decodeGroupPartials(layout: GroupLayout, bytes: Uint8Array): ColumnBatch {
  return decode(layout, bytes, GROUP_PARTIALS_FORMAT).rows;
}

export function encodeGroupChanges(layout: GroupLayout, changes: GroupChangeSet): Uint8Array {
  const deleted: string[] = [];
  for (const w of changes.deletedWindowStartsMicros) {
    if (!Number.isSafeInteger(w)) throw new RangeError(`deleted window start ${w} is not an integer`);
    deleted.push(String(w));
  }
  return encode(layout, changes.upserts, new Map([[FORMAT_KEY, GROUP_CHANGES_FORMAT], [DELETED_WINDOWS_KEY, deleted.join(',')]]));
}

export function decodeGroupChanges(layout: GroupLayout, bytes: Uint8Array): GroupChangeSet {
  const { rows, metadata } = decode(layout, bytes, GROUP_CHANGES_FORMAT);
  const text = metadata.get(DELETED_WINDOWS_KEY);
  if (text === undefined) throw new CorruptAggregateDataError(`change set without ${DELETED_WINDOWS_KEY}`);
  const parts = text === '' ? [] : text.split(',');
  const deleted = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const w = Number(parts[i]);
    if (!/^-?\d+$/.test(parts[i]) || !Number.isSafeInteger(w)) throw new CorruptAggregateDataError(`bad deleted window start "${parts[i]}"`);
    deleted[i] = w;
  }
  return { upserts: rows, deletedWindowStartsMicros: deleted };
}

function layoutMetadata(layout: GroupLayout): [string, string][] {
  const w = layout.window;
  return [
    [GROUP_COLUMNS_KEY, String(layout.groupColumns)],
    // a tumbling window's text predates sliding windows: slide is written only when it differs
    [WINDOW_KEY, w === null ? 'none' : `size=${w.sizeMicros},${w.slideMicros === w.sizeMicros ? '' : `slide=${w.slideMicros},`}start=${w.startMicros}`],
    [AGGREGATES_KEY, layout.parts.map((p) => (p.kind === 'hll' ? `hll(p=${p.precision})` : p.kind)).join(',')],
  ];
}

function encode(layout: GroupLayout, rows: ColumnBatch, metadata: Map<string, string>): Uint8Array {
  const n = rows.count;
  const schemaFields = layout.stateSchema;
  if (rows.columns.length !== schemaFields.length) {
    throw new RangeError(`rows have ${rows.columns.length} columns, the layout ${schemaFields.length}`);
  }
  return encodeData(layout, n, rows.columns.map((v: Vector) => toArrowData(v, n)), metadata);
}

function encodeData(layout: GroupLayout, n: number, children: arrow.Data[], metadata: Map<string, string>): Uint8Array {
  const schemaFields = layout.stateSchema;
  if (children.length !== schemaFields.length) throw new RangeError(`${children.length} columns, the layout has ${schemaFields.length}`);
  for (const [k, v] of layoutMetadata(layout)) metadata.set(k, v);
  const fields = schemaFields.map((f) => new arrow.Field(f.name, arrowType(f.type), f.nullable));
  const schema = new arrow.Schema(fields, metadata);
  const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children }));
  return arrow.tableToIPC(new arrow.Table(schema, batch), 'stream');
}

function decode(layout: GroupLayout, bytes: Uint8Array, format: string): { rows: ColumnBatch; metadata: Map<string, string> } {
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
      throw new CorruptAggregateDataError(
        `column ${c} is ${fields[c].name}: ${fields[c].type}${fields[c].nullable ? '' : ' not null'}, expected ${e.name}: ${simpleString(e.type)}${e.nullable ? '' : ' not null'}`,
      );
    }
  }
  if (table.batches.length > 1) throw new CorruptAggregateDataError(`${table.batches.length} record batches, expected one`);
  const n = table.numRows;
  const columns: Vector[] = expected.map((f, c) => {
    if (table.batches.length === 0) return fromArrowData(arrow.makeData({ type: arrowType(f.type) as arrow.Int32, length: 0 }), f.type, f.name);
    const data = table.batches[0].data.children[c];
    if (!f.nullable && data.nullCount > 0) throw new CorruptAggregateDataError(`column ${f.name} has nulls`);
    return fromArrowData(data, f.type, f.name);
  });
  return { rows: { count: n, schema: expected, columns }, metadata };
}
