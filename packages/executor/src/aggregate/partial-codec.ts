import {
  Data,
  Field,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';
import { CorruptAggregateDataError } from './errors';
import { DECIMAL_20_2_LIMIT_CENTS, FLOAT_EXACT_LIMIT, FLOAT_EXACT_LIMIT_BIG } from './exact-sum';
import { PartialSet } from './partial-set';

/**
 * Arrow IPC (stream format, one record batch) for partial aggregates, used for the shuffle
 * (executor ⇄ executor) and for state storage. Format v1:
 *
 *   window_start_micros  float64 not null   exact integer epoch µs (UTC) of the window start
 *   customer_id          int32   not null
 *   count                float64 not null   exact integer
 *   sum_cents            float64 not null   the exact sum in cents when |sum| < 2^53, else NaN
 *   sum_cents_exact      utf8    nullable   decimal digits of the sum in cents ("-123…"), set
 *                                           exactly on the rows whose sum_cents is NaN
 *
 * Schema metadata: `tributary.format` = `aggregate-partials/v1` (a PartialSet) or
 * `aggregate-changes/v1` (a state change set, below). Float64 columns are zero-copy both ways; the
 * utf8 column costs an offsets array and is empty in the common case.
 *
 * Change set (state version N): the upserted entries as rows, plus
 * `tributary.deleted_window_starts_micros` = comma-separated integer window starts removed since the
 * previous version. State leaves only by whole windows (eviction), so deletions are per window, not
 * per key. Applying a change set: delete those windows first, then set every upserted row.
 */
export const PARTIALS_FORMAT = 'aggregate-partials/v1';
export const CHANGES_FORMAT = 'aggregate-changes/v1';
const FORMAT_KEY = 'tributary.format';
const DELETED_WINDOWS_KEY = 'tributary.deleted_window_starts_micros';

/** Entries changed since the previous state version, and windows deleted since then. */
export interface ChangeSet {
  readonly upserts: PartialSet;
  readonly deletedWindowStartsMicros: Float64Array;
}

const FIELDS = [
  new Field('window_start_micros', new Float64(), false),
  new Field('customer_id', new Int32(), false),
  new Field('count', new Float64(), false),
  new Field('sum_cents', new Float64(), false),
  new Field('sum_cents_exact', new Utf8(), true),
];

export function encodePartialSet(set: PartialSet): Uint8Array {
  return encode(set, new Map([[FORMAT_KEY, PARTIALS_FORMAT]]));
}

export function decodePartialSet(bytes: Uint8Array): PartialSet {
  return decode(bytes, PARTIALS_FORMAT).set;
}

export function encodeChangeSet(changes: ChangeSet): Uint8Array {
  const deleted: string[] = [];
  for (const w of changes.deletedWindowStartsMicros) {
    if (!Number.isSafeInteger(w)) throw new RangeError(`deleted window start ${w} is not an integer`);
    deleted.push(String(w));
  }
  return encode(
    changes.upserts,
    new Map([
      [FORMAT_KEY, CHANGES_FORMAT],
      [DELETED_WINDOWS_KEY, deleted.join(',')],
    ]),
  );
}

export function decodeChangeSet(bytes: Uint8Array): ChangeSet {
  const { set, metadata } = decode(bytes, CHANGES_FORMAT);
  const text = metadata.get(DELETED_WINDOWS_KEY);
  if (text === undefined) throw new CorruptAggregateDataError(`change set without ${DELETED_WINDOWS_KEY}`);
  const parts = text === '' ? [] : text.split(',');
  const deleted = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const w = Number(parts[i]);
    if (!/^-?\d+$/.test(parts[i]) || !Number.isSafeInteger(w)) {
      throw new CorruptAggregateDataError(`bad deleted window start "${parts[i]}"`);
    }
    deleted[i] = w;
  }
  return { upserts: set, deletedWindowStartsMicros: deleted };
}

function encode(set: PartialSet, metadata: Map<string, string>): Uint8Array {
  const n = set.length;
  const exactRows = [...set.exactSums.keys()].sort((a, b) => a - b);
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  const digits: string[] = [];
  let chars = 0;
  let next = 0;
  for (const row of exactRows) {
    if (!(row >= 0 && row < n) || set.sumCents[row] === set.sumCents[row]) {
      throw new RangeError(`exact sum given for row ${row}, which has a finite sum_cents or is out of range`);
    }
    const text = (set.exactSums.get(row) as bigint).toString();
    while (next <= row) offsets[next++] = chars;
    chars += text.length;
    digits.push(text);
    validity[row >> 3] |= 1 << (row & 7);
  }
  while (next <= n) offsets[next++] = chars;
  const utf8 = Buffer.from(digits.join(''), 'latin1');

  const children: Data[] = [
    makeData({ type: new Float64(), length: n, nullCount: 0, data: set.windowStartMicros.subarray(0, n) }),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: set.customerId.subarray(0, n) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: set.count.subarray(0, n) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: set.sumCents.subarray(0, n) }),
    makeData({
      type: new Utf8(),
      length: n,
      nullCount: n - exactRows.length,
      nullBitmap: validity,
      valueOffsets: offsets,
      data: new Uint8Array(utf8.buffer, utf8.byteOffset, utf8.byteLength),
    }),
  ];
  const schema = new Schema(FIELDS, metadata);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(FIELDS), length: n, nullCount: 0, children }));
  return tableToIPC(new Table(schema, batch), 'stream');
}

function decode(bytes: Uint8Array, format: string): { set: PartialSet; metadata: Map<string, string> } {
  // Arrow views Float64 buffers in place: they need 8-byte alignment (a pooled Buffer may lack it).
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  let table: Table;
  try {
    table = tableFromIPC(aligned);
  } catch (err) {
    throw new CorruptAggregateDataError(`not Arrow IPC: ${(err as Error).message}`);
  }
  const metadata = table.schema.metadata;
  if (metadata.get(FORMAT_KEY) !== format) {
    throw new CorruptAggregateDataError(`expected format ${format}, got ${metadata.get(FORMAT_KEY)}`);
  }
  const names = table.schema.fields.map((f) => `${f.name}:${f.type}`).join(',');
  const expected = FIELDS.map((f) => `${f.name}:${f.type}`).join(',');
  if (names !== expected) throw new CorruptAggregateDataError(`unexpected columns ${names}`);

  const n = table.numRows;
  const windowStart = column(table, 0, n, Float64Array);
  const customerId = column(table, 1, n, Int32Array);
  const count = column(table, 2, n, Float64Array);
  const sumCents = column(table, 3, n, Float64Array);

  const exactSums = new Map<number, bigint>();
  const exact = table.getChildAt(4);
  if (exact !== null && exact.nullCount < n) {
    for (let i = 0; i < n; i++) {
      const text = exact.get(i) as string | null;
      if (text === null) continue;
      exactSums.set(i, parseExactCents(text, i));
    }
  }
  let nanRows = 0;
  for (let i = 0; i < n; i++) {
    const s = sumCents[i];
    if (s !== s) {
      nanRows++;
      if (!exactSums.has(i)) throw new CorruptAggregateDataError(`row ${i}: sum_cents is NaN without sum_cents_exact`);
    } else if (s >= FLOAT_EXACT_LIMIT || s <= -FLOAT_EXACT_LIMIT) {
      throw new CorruptAggregateDataError(`row ${i}: sum_cents ${s} is beyond 2^53 (must be in sum_cents_exact)`);
    }
  }
  if (nanRows !== exactSums.size) {
    throw new CorruptAggregateDataError('sum_cents_exact is set on rows whose sum_cents is not NaN');
  }
  return { set: { length: n, windowStartMicros: windowStart, customerId, count, sumCents, exactSums }, metadata };
}

/** A non-null fixed-width column: zero-copy for one chunk, concatenated otherwise. */
function column<A extends Float64Array | Int32Array>(
  table: Table,
  index: number,
  n: number,
  ctor: { new (length: number): A },
): A {
  const chunks = (table.getChildAt(index) as unknown as { data: Data[] }).data;
  const name = table.schema.fields[index].name;
  if (chunks.length === 1) {
    requireNoNulls(chunks[0], name);
    return (chunks[0].values as A).subarray(chunks[0].offset, chunks[0].offset + n) as A;
  }
  const out = new ctor(n);
  let at = 0;
  for (const chunk of chunks) {
    requireNoNulls(chunk, name);
    out.set((chunk.values as A).subarray(chunk.offset, chunk.offset + chunk.length), at);
    at += chunk.length;
  }
  return out;
}

function requireNoNulls(chunk: Data, name: string): void {
  if (chunk.nullCount > 0) throw new CorruptAggregateDataError(`column ${name} has nulls`);
}

function parseExactCents(text: string, row: number): bigint {
  if (!/^-?\d{1,21}$/.test(text)) throw new CorruptAggregateDataError(`row ${row}: bad exact sum "${text}"`);
  const v = BigInt(text);
  const mag = v < 0n ? -v : v;
  if (mag < FLOAT_EXACT_LIMIT_BIG || mag >= DECIMAL_20_2_LIMIT_CENTS) {
    throw new CorruptAggregateDataError(`row ${row}: exact sum ${text} is outside [2^53, 10^20)`);
  }
  return v;
}
