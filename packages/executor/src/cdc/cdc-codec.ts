/**
 * Arrow IPC (stream format, one record batch) for CDC queries, with self-describing schema metadata:
 *
 *   tributary.format   cdc-changes/v1   change rows shuffled to a partition's owner (changeSchema):
 *                                       op (int: INSERT 0, UPDATE 1, DELETE 2, TRUNCATE 3),
 *                                       pos_major, pos_minor (long), op_time (timestamp, null
 *                                       when unknown), tie (long: the Kafka offset, order at one
 *                                       position), one `present.<column>` boolean per output
 *                                       column, then the output columns
 *                      cdc-keys/v1      a partition's key state or a change set of it
 *                                       (keyStateSchema): key (binary: keyStrings' latin1 bytes),
 *                                       pos_major, pos_minor, deleted (boolean), time (timestamp),
 *                                       removed (boolean: the key left the state; other columns 0)
 *   tributary.cdc.truncated     (cdc-keys) "major:minor" of the latest truncate, or "none"
 *   tributary.cdc.max_op_time   (cdc-keys) the latest source commit time seen (µs), or "none"
 *
 * A reader refuses bytes whose format or columns differ from what it expects.
 */
import * as arrow from 'apache-arrow';
import { BOOLEAN, ColumnBatch, INT, LONG, sameType, simpleString, SqlField, sqlField, BINARY, TIMESTAMP, Vector } from '@tributary/common';
import { arrowType, fromArrowData, sqlTypeOf, toArrowData } from '../aggregate/group-by/arrow-columns';
import { CorruptAggregateDataError } from '../aggregate/errors';
import type { CdcRows } from './apply-changes';
import type { KeyChanges } from './cdc-key-state';

export const CDC_CHANGES_FORMAT = 'cdc-changes/v1';
export const CDC_KEYS_FORMAT = 'cdc-keys/v1';
const FORMAT_KEY = 'tributary.format';
const TRUNCATED_KEY = 'tributary.cdc.truncated';
const MAX_OP_TIME_KEY = 'tributary.cdc.max_op_time';
const HEAD = 5;

export function changeSchema(output: readonly SqlField[]): SqlField[] {
  return [
    sqlField('op', INT, false), sqlField('pos_major', LONG, false), sqlField('pos_minor', LONG, false), sqlField('op_time', TIMESTAMP, true),
    sqlField('tie', LONG, false), ...output.map((f) => sqlField(`present.${f.name}`, BOOLEAN, false)), ...output,
  ];
}

const KEY_STATE_SCHEMA: SqlField[] = [
  sqlField('key', BINARY, false), sqlField('pos_major', LONG, false), sqlField('pos_minor', LONG, false),
  sqlField('deleted', BOOLEAN, false), sqlField('time', TIMESTAMP, false), sqlField('removed', BOOLEAN, false),
];

export function encodeChanges(output: readonly SqlField[], rows: CdcRows): Uint8Array {
  const n = rows.count;
  const timeValid = new Uint8Array(n);
  const time = new Float64Array(n);
  for (let i = 0; i < n; i++) if (!Number.isNaN(rows.opTime[i])) { timeValid[i] = 1; time[i] = rows.opTime[i]; }
  const columns: Vector[] = [
    { type: { kind: 'int' }, validity: null, values: Int32Array.from(rows.op) },
    { type: { kind: 'long' }, validity: null, values: rows.posMajor, wide: null },
    { type: { kind: 'long' }, validity: null, values: rows.posMinor, wide: null },
    { type: { kind: 'timestamp' }, validity: timeValid, values: time, wide: null },
    { type: { kind: 'long' }, validity: null, values: rows.tie, wide: null },
    ...rows.present.map((p): Vector => ({ type: { kind: 'boolean' }, validity: null, values: p })),
    ...rows.row.columns,
  ];
  return encode(changeSchema(output), { count: n, schema: changeSchema(output), columns }, new Map([[FORMAT_KEY, CDC_CHANGES_FORMAT]]));
}

export function decodeChanges(output: readonly SqlField[], bytes: Uint8Array): CdcRows {
  const { rows } = decode(changeSchema(output), bytes, CDC_CHANGES_FORMAT);
  const c = rows.columns;
  const C = output.length;
  const t = c[3] as { validity: Uint8Array | null; values: Float64Array };
  const opTime = Float64Array.from(t.values.subarray(0, rows.count));
  if (t.validity !== null) for (let i = 0; i < rows.count; i++) if (t.validity[i] === 0) opTime[i] = NaN;
  return {
    count: rows.count,
    op: Uint8Array.from((c[0] as { values: Int32Array }).values.subarray(0, rows.count)),
    posMajor: (c[1] as { values: Float64Array }).values,
    posMinor: (c[2] as { values: Float64Array }).values,
    opTime,
    tie: (c[4] as { values: Float64Array }).values,
    present: c.slice(HEAD, HEAD + C).map((v) => (v as { values: Uint8Array }).values),
    row: { count: rows.count, schema: output, columns: c.slice(HEAD + C) },
  };
}

export function encodeKeyChanges(changes: KeyChanges): Uint8Array {
  const set = changes.set;
  const m = set.keys.length;
  const n = m + changes.removed.length;
  // Keys are latin1 strings (keyStrings): one byte per character.
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) offsets[i + 1] = offsets[i] + set.keys[i].length;
  for (let i = m; i < n; i++) offsets[i + 1] = offsets[i] + changes.removed[i - m].length;
  const data = Buffer.allocUnsafe(offsets[n]);
  for (let i = 0; i < m; i++) data.write(set.keys[i], offsets[i], 'latin1');
  for (let i = m; i < n; i++) data.write(changes.removed[i - m], offsets[i], 'latin1');
  const padded = (a: Float64Array) => {
    const b = new Float64Array(n);
    b.set(a.subarray(0, m));
    return b;
  };
  const deleted = new Uint8Array(n);
  deleted.set(set.deleted.subarray(0, m));
  const time = padded(set.time);
  for (let i = 0; i < m; i++) if (!Number.isFinite(time[i])) time[i] = 0;
  const columns: Vector[] = [
    { type: { kind: 'binary' }, validity: null, offsets, data },
    { type: { kind: 'long' }, validity: null, values: padded(set.major), wide: null },
    { type: { kind: 'long' }, validity: null, values: padded(set.minor), wide: null },
    { type: { kind: 'boolean' }, validity: null, values: deleted },
    { type: { kind: 'timestamp' }, validity: null, values: time, wide: null },
    { type: { kind: 'boolean' }, validity: null, values: new Uint8Array(n).fill(1, m) },
  ];
  const truncated = changes.truncMajor < 0 ? 'none' : `${changes.truncMajor}:${changes.truncMinor}`;
  const maxOpTime = Number.isFinite(changes.maxOpTime) ? String(changes.maxOpTime) : 'none';
  return encode(KEY_STATE_SCHEMA, { count: n, schema: KEY_STATE_SCHEMA, columns }, new Map([[FORMAT_KEY, CDC_KEYS_FORMAT], [TRUNCATED_KEY, truncated], [MAX_OP_TIME_KEY, maxOpTime]]));
}

export function decodeKeyChanges(bytes: Uint8Array): KeyChanges {
  const { rows, metadata } = decode(KEY_STATE_SCHEMA, bytes, CDC_KEYS_FORMAT);
  const [key, major, minor, deleted, time, removed] = rows.columns as unknown as [
    { offsets: Int32Array; data: Uint8Array }, { values: Float64Array }, { values: Float64Array }, { values: Uint8Array }, { values: Float64Array }, { values: Uint8Array },
  ];
  const n = rows.count;
  let m = 0;
  for (let i = 0; i < n; i++) if (removed.values[i] === 0) m++;
  const set = { keys: new Array<string>(m), major: new Float64Array(m), minor: new Float64Array(m), deleted: new Uint8Array(m), time: new Float64Array(m) };
  const out: KeyChanges = { set, removed: [], truncMajor: -1, truncMinor: -1, maxOpTime: -Infinity };
  const buf = Buffer.from(key.data.buffer, key.data.byteOffset, key.data.byteLength);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const k = buf.toString('latin1', key.offsets[i], key.offsets[i + 1]);
    if (removed.values[i] === 1) {
      out.removed.push(k);
      continue;
    }
    set.keys[j] = k;
    set.major[j] = major.values[i];
    set.minor[j] = minor.values[i];
    set.deleted[j] = deleted.values[i] === 1 ? 1 : 0;
    set.time[j] = time.values[i];
    j++;
  }
  const t = metadata.get(TRUNCATED_KEY);
  if (t === undefined || (t !== 'none' && !/^\d+:\d+$/.test(t))) throw new CorruptAggregateDataError(`cdc key state: bad ${TRUNCATED_KEY} ${JSON.stringify(t)}`);
  if (t !== 'none') [out.truncMajor, out.truncMinor] = t.split(':').map(Number);
  const mt = metadata.get(MAX_OP_TIME_KEY);
  if (mt === undefined || (mt !== 'none' && !/^-?\d+$/.test(mt))) throw new CorruptAggregateDataError(`cdc key state: bad ${MAX_OP_TIME_KEY} ${JSON.stringify(mt)}`);
  if (mt !== 'none') out.maxOpTime = Number(mt);
  return out;
}

function encode(schema: readonly SqlField[], rows: ColumnBatch, metadata: Map<string, string>): Uint8Array {
  const n = rows.count;
  const fields = schema.map((f) => new arrow.Field(f.name, arrowType(f.type), f.nullable));
  const arrowSchema = new arrow.Schema(fields, metadata);
  const children = rows.columns.map((v: Vector) => toArrowData(v, n));
  const batch = new arrow.RecordBatch(arrowSchema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children }));
  return arrow.tableToIPC(new arrow.Table(arrowSchema, batch), 'stream');
}

function decode(expected: readonly SqlField[], bytes: Uint8Array, format: string): { rows: ColumnBatch; metadata: Map<string, string> } {
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(aligned);
  } catch (err) {
    throw new CorruptAggregateDataError(`not Arrow IPC: ${(err as Error).message}`);
  }
  const metadata = table.schema.metadata;
  if (metadata.get(FORMAT_KEY) !== format) throw new CorruptAggregateDataError(`expected format ${format}, got ${metadata.get(FORMAT_KEY)}`);
  const fields = table.schema.fields;
  if (fields.length !== expected.length) throw new CorruptAggregateDataError(`${fields.length} columns, expected ${expected.length}`);
  for (let c = 0; c < expected.length; c++) {
    const t = sqlTypeOf(fields[c].type);
    const e = expected[c];
    if (fields[c].name !== e.name || t === null || !sameType(t, e.type)) {
      throw new CorruptAggregateDataError(`column ${c} is ${fields[c].name}: ${fields[c].type}, expected ${e.name}: ${simpleString(e.type)}`);
    }
  }
  if (table.batches.length > 1) throw new CorruptAggregateDataError(`${table.batches.length} record batches, expected one`);
  const columns: Vector[] = expected.map((f, c) => {
    if (table.batches.length === 0) return fromArrowData(arrow.makeData({ type: arrowType(f.type) as arrow.Int32, length: 0 }), f.type, f.name);
    return fromArrowData(table.batches[0].data.children[c], f.type, f.name);
  });
  return { rows: { count: table.numRows, schema: expected, columns }, metadata };
}
