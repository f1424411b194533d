/**
 * Arrow IPC (stream format, one record batch) for deduplication, scalar columns only (arrow-columns.ts
 * of the group-by gives each SqlType its Arrow type). Self-describing schema metadata:
 *
 *   tributary.format          dedup-rows/v1      shuffled rows (layout.shuffleSchema)
 *                             dedup-keys/v1      a whole state: every live key once (layout.stateSchema)
 *                             dedup-changes/v1   a state change set (layout.stateSchema, below)
 *   tributary.dedup           "within=<bool>,delay=<µs>,keys=<n>" of the query's dropDuplicates
 *   tributary.evicted_through_micros   (change sets only) the watermark the batch evicted with
 *                             (every key with expires_at ≤ it left), or "none"
 *
 * Change set (state version N): the keys added by batch N−1 that are still live, with their
 * expiry, and the watermark keys were evicted by. Applying one: evict by that watermark, then add
 * the keys (eviction is a predicate on expires_at, so the order gives the same set; keys stay in
 * the order they entered state). A reader refuses bytes whose format, metadata or columns differ
 * from the query's layout.
 */
import * as arrow from 'apache-arrow';
import { ColumnBatch, SqlField, Vector, sameType, simpleString } from '@tributary/common';
import { arrowType, fromArrowData, sqlTypeOf, toArrowData } from '../aggregate/group-by/arrow-columns';
import { CorruptAggregateDataError } from '../aggregate/errors';
import { DedupLayout } from './dedup-layout';

export const DEDUP_ROWS_FORMAT = 'dedup-rows/v1';
export const DEDUP_KEYS_FORMAT = 'dedup-keys/v1';
export const DEDUP_CHANGES_FORMAT = 'dedup-changes/v1';

const FORMAT_KEY = 'tributary.format';
const DEDUP_KEY = 'tributary.dedup';
const EVICTED_KEY = 'tributary.evicted_through_micros';

/** Keys added since the previous state version (still live) and the watermark of the eviction, if any. */
export interface DedupChangeSet {
  readonly added: ColumnBatch;
  readonly evictedThroughMicros: number | null;
}

export function encodeDedupRows(layout: DedupLayout, rows: ColumnBatch): Uint8Array {
  return encode(layout, layout.shuffleSchema, rows, new Map([[FORMAT_KEY, DEDUP_ROWS_FORMAT]]));
}

export function decodeDedupRows(layout: DedupLayout, bytes: Uint8Array): ColumnBatch {
  return decode(layout, layout.shuffleSchema, bytes, DEDUP_ROWS_FORMAT).rows;
}

export function encodeDedupKeys(layout: DedupLayout, rows: ColumnBatch): Uint8Array {
  return encode(layout, layout.stateSchema, rows, new Map([[FORMAT_KEY, DEDUP_KEYS_FORMAT]]));
}

export function decodeDedupKeys(layout: DedupLayout, bytes: Uint8Array): ColumnBatch {
  return decode(layout, layout.stateSchema, bytes, DEDUP_KEYS_FORMAT).rows;
}

export function encodeDedupChanges(layout: DedupLayout, changes: DedupChangeSet): Uint8Array {
  const w = changes.evictedThroughMicros;
  if (w !== null && !Number.isSafeInteger(w)) throw new RangeError(`eviction watermark ${w} is not an integer`);
  return encode(layout, layout.stateSchema, changes.added, new Map([[FORMAT_KEY, DEDUP_CHANGES_FORMAT], [EVICTED_KEY, w === null ? 'none' : String(w)]]));
}

export function decodeDedupChanges(layout: DedupLayout, bytes: Uint8Array): DedupChangeSet {
  const { rows, metadata } = decode(layout, layout.stateSchema, bytes, DEDUP_CHANGES_FORMAT);
  const text = metadata.get(EVICTED_KEY);
  if (text === undefined) throw new CorruptAggregateDataError(`dedup change set without ${EVICTED_KEY}`);
  if (text === 'none') return { added: rows, evictedThroughMicros: null };
  const w = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(w)) throw new CorruptAggregateDataError(`bad eviction watermark "${text}"`);
  return { added: rows, evictedThroughMicros: w };
}

function layoutText(layout: DedupLayout): string {
  return `within=${layout.withinWatermark},delay=${layout.expiryDelayMicros},keys=${layout.keys.length}`;
}

function encode(layout: DedupLayout, schema: readonly SqlField[], rows: ColumnBatch, metadata: Map<string, string>): Uint8Array {
  if (rows.columns.length !== schema.length) throw new RangeError(`rows have ${rows.columns.length} columns, the layout ${schema.length}`);
  metadata.set(DEDUP_KEY, layoutText(layout));
  const n = rows.count;
  const fields = schema.map((f) => new arrow.Field(f.name, arrowType(f.type), f.nullable));
  const arrowSchema = new arrow.Schema(fields, metadata);
  const children = rows.columns.map((v: Vector) => toArrowData(v, n));
  const batch = new arrow.RecordBatch(arrowSchema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children }));
  return arrow.tableToIPC(new arrow.Table(arrowSchema, batch), 'stream');
}

function decode(layout: DedupLayout, expected: readonly SqlField[], bytes: Uint8Array, format: string): { rows: ColumnBatch; metadata: Map<string, string> } {
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
  if (metadata.get(DEDUP_KEY) !== layoutText(layout)) {
    throw new CorruptAggregateDataError(`${DEDUP_KEY} is "${metadata.get(DEDUP_KEY)}", the query's dropDuplicates is "${layoutText(layout)}"`);
  }
  const fields = table.schema.fields;
  if (fields.length !== expected.length) throw new CorruptAggregateDataError(`${fields.length} columns, expected ${expected.length}`);
  for (let c = 0; c < expected.length; c++) {
    const t = sqlTypeOf(fields[c].type);
    const e = expected[c];
    if (fields[c].name !== e.name || t === null || !sameType(t, e.type) || fields[c].nullable !== e.nullable) {
      throw new CorruptAggregateDataError(`column ${c} is ${fields[c].name}: ${fields[c].type}, expected ${e.name}: ${simpleString(e.type)}${e.nullable ? '' : ' not null'}`);
    }
  }
  if (table.batches.length > 1) throw new CorruptAggregateDataError(`${table.batches.length} record batches, expected one`);
  const columns: Vector[] = expected.map((f, c) => {
    if (table.batches.length === 0) return fromArrowData(arrow.makeData({ type: arrowType(f.type) as arrow.Int32, length: 0 }), f.type, f.name);
    const data = table.batches[0].data.children[c];
    if (!f.nullable && data.nullCount > 0) throw new CorruptAggregateDataError(`column ${f.name} has nulls`);
    return fromArrowData(data, f.type, f.name);
  });
  return { rows: { count: table.numRows, schema: expected, columns }, metadata };
}
