/**
 * A test fixture: a table of the seed job's shape, built directly (not by the engine), for tests of
 * the Delta machinery and of readers. The table as Spark writes it for
 * `groupBy(window(timestamp, '5 minutes'), customer_id).agg(count(*), sum(amount))`:
 *
 *   window        struct<start: timestamp, end: timestamp>   nullable
 *   customer_id   integer                                   nullable
 *   event_count   long                                      not null
 *   total_amount  decimal(20,2)                             nullable (SUM of decimal(10,2))
 *
 * Built from typed columns with no per-row objects. Money arrives as integer cents: a Float64Array
 * (exact below 2^53) or a BigInt64Array, plus an optional map of exact BigInt sums for the rare
 * rows beyond either; every value DECIMAL(20,2) allows (|cents| ≤ 10^20 − 1) is written exactly.
 */
import * as arrow from 'apache-arrow';
import { setDecimal128Words, setInt64Words } from '../arrow/int-words';
import { InvalidArgumentError } from '../errors';
import { toArrowSchema } from '../delta/arrow-schema';
import { StructType, decimal, field, primitive, struct } from '../delta/schema';

export const AGGREGATE_TABLE_SCHEMA: StructType = struct([
  field('window', struct([field('start', primitive('timestamp')), field('end', primitive('timestamp'))]), true),
  field('customer_id', primitive('integer'), true),
  field('event_count', primitive('long'), false),
  field('total_amount', decimal(20, 2), true),
]);

export interface AggregateColumns {
  /** Number of rows; every column has at least this many entries. */
  length: number;
  /** Window start, µs since the epoch (UTC). */
  windowStartMicros: Float64Array;
  customerId: Int32Array;
  count: Float64Array;
  /** SUM(amount) in cents. Float64 entries must be integers with |v| < 2^53 unless overridden. */
  sumCents: Float64Array | BigInt64Array;
  /** Exact sums (cents) by row index, overriding `sumCents` for rows that do not fit it. */
  sumCentsExact?: ReadonlyMap<number, bigint>;
}

const MAX_DECIMAL_20 = 10n ** 20n - 1n;
const MAX_SAFE = 2 ** 53;

export function buildAggregateTable(cols: AggregateColumns, windowLengthMicros: number): arrow.Table {
  const n = cols.length;
  if (!Number.isSafeInteger(windowLengthMicros) || windowLengthMicros <= 0) {
    throw new InvalidArgumentError(`window length must be a positive whole number of µs, got ${windowLengthMicros}`);
  }
  const schema = toArrowSchema(AGGREGATE_TABLE_SCHEMA);
  const windowType = schema.fields[0].type as arrow.Struct;
  const tsType = windowType.children[0].type;

  const starts = new BigInt64Array(n);
  const ends = new BigInt64Array(n);
  const counts = new BigInt64Array(n);
  const startWords = new Uint32Array(starts.buffer);
  const endWords = new Uint32Array(ends.buffer);
  const countWords = new Uint32Array(counts.buffer);
  for (let i = 0; i < n; i++) {
    const start = cols.windowStartMicros[i];
    setInt64Words(startWords, i, start);
    setInt64Words(endWords, i, start + windowLengthMicros);
    setInt64Words(countWords, i, cols.count[i]);
  }
  const sums = decimalWords(cols, windowLengthMicros);

  const startData = arrow.makeData({ type: tsType, length: n, nullCount: 0, data: starts });
  const endData = arrow.makeData({ type: tsType, length: n, nullCount: 0, data: ends });
  const children = [
    arrow.makeData({ type: windowType, length: n, nullCount: 0, children: [startData, endData] }),
    arrow.makeData({ type: new arrow.Int32(), length: n, nullCount: 0, data: cols.customerId.subarray(0, n) }),
    arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: counts }),
    arrow.makeData({ type: schema.fields[3].type as arrow.Decimal, length: n, nullCount: 0, data: sums }),
  ];
  const rows = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, rows)]);
}

/** Decimal128 little-endian words, four per row. */
function decimalWords(cols: AggregateColumns, windowLengthMicros: number): Uint32Array {
  const n = cols.length;
  const out = new Uint32Array(4 * n);
  const sums = cols.sumCents;
  const exact = cols.sumCentsExact;
  const where = (i: number): string =>
    `window [${new Date(cols.windowStartMicros[i] / 1000).toISOString()}, +${windowLengthMicros} µs) customer_id ${cols.customerId[i]}`;
  if (sums instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const v = sums[i];
      if (!(Math.abs(v) < MAX_SAFE) || !Number.isInteger(v)) {
        if (exact?.has(i)) continue;
        throw new InvalidArgumentError(`sum ${v} cents is not an exact integer below 2^53 for ${where(i)}`, { code: 'DECIMAL_INEXACT' });
      }
      setDecimal128Words(out, i, v);
    }
  } else {
    const words = new Uint32Array(sums.buffer, sums.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      out[4 * i] = words[2 * i];
      out[4 * i + 1] = words[2 * i + 1];
      const ext = (words[2 * i + 1] & 0x80000000) !== 0 ? 0xffffffff : 0;
      out[4 * i + 2] = ext;
      out[4 * i + 3] = ext;
    }
  }
  if (exact) {
    for (const [i, v] of exact) {
      if (i < 0 || i >= n) throw new InvalidArgumentError(`sumCentsExact row ${i} is outside 0..${n - 1}`);
      if (v > MAX_DECIMAL_20 || v < -MAX_DECIMAL_20) {
        throw new InvalidArgumentError(`sum ${v} cents exceeds DECIMAL(20,2) for ${where(i)}`, { code: 'DECIMAL_OVERFLOW' });
      }
      const u = BigInt.asUintN(128, v);
      for (let w = 0; w < 4; w++) out[4 * i + w] = Number((u >> BigInt(32 * w)) & 0xffffffffn);
    }
  }
  return out;
}
