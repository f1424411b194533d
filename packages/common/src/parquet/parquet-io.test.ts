import { strict as assert } from 'node:assert';
import * as arrow from 'apache-arrow';
import { readParquet, writeParquet } from './parquet-io';
import { CODEC, DICTIONARY_ENCODINGS, PHYSICAL, columnCodecs, columnEncodings, readFooter, schemaElements } from './thrift-footer.testkit';

function sampleTable(): arrow.Table {
  const ts = new arrow.TimestampMicrosecond('UTC');
  const start = arrow.makeData({ type: ts, length: 2, nullCount: 0, data: new BigInt64Array([1700000000123456n, -1n]) });
  const end = arrow.makeData({ type: ts, length: 2, nullCount: 0, data: new BigInt64Array([1700000300123456n, 299999999n]) });
  const windowType = new arrow.Struct([new arrow.Field('start', ts, true), new arrow.Field('end', ts, true)]);
  // 12345678901234567.89 and -0.05 as Decimal128 words (little-endian two's complement).
  const dec = new Uint32Array([0x7de98115, 0x112210f4, 0, 0, 0xfffffffb, 0xffffffff, 0xffffffff, 0xffffffff]);
  return new arrow.Table({
    window: arrow.makeVector(arrow.makeData({ type: windowType, length: 2, nullCount: 0, children: [start, end] })),
    total_amount: arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(2, 20, 128), length: 2, nullCount: 0, data: dec })),
  });
}

describe('Parquet through parquet-wasm', () => {
  it('writes µs UTC timestamps as INT64 TIMESTAMP(MICROS, UTC) and decimal(20,2) as DECIMAL, snappy by default (as Spark)', () => {
    const footer = readFooter(writeParquet(sampleTable()));
    const byName = new Map(schemaElements(footer).map((e) => [e.name, e]));
    for (const name of ['start', 'end']) {
      const e = byName.get(name)!;
      assert.equal(e.physicalType, PHYSICAL.INT64);
      // LogicalType union field 8 = TIMESTAMP {1: isAdjustedToUTC, 2: unit union {2: MICROS}}.
      const timestamp = e.logicalType![8] as Record<number, unknown>;
      assert.equal(timestamp[1], true);
      assert.ok((timestamp[2] as Record<number, unknown>)[2] !== undefined, 'unit is MICROS');
    }
    const amount = byName.get('total_amount')!;
    assert.equal(amount.physicalType, PHYSICAL.FIXED_LEN_BYTE_ARRAY);
    // LogicalType union field 5 = DECIMAL {1: scale, 2: precision}.
    assert.deepEqual(amount.logicalType![5], { 1: 2, 2: 20 });
    assert.deepEqual(columnCodecs(footer), [CODEC.SNAPPY, CODEC.SNAPPY, CODEC.SNAPPY]);
  });

  it('honours another codec when asked', () => {
    assert.deepEqual(columnCodecs(readFooter(writeParquet(sampleTable(), { compression: 'zstd' }))), [CODEC.ZSTD, CODEC.ZSTD, CODEC.ZSTD]);
  });

  it('dictionary-encodes top-level strings only; repeated numbers are written plain', () => {
    const n = 1000;
    const words = ['view', 'purchase', 'refund'];
    const table = new arrow.Table({
      kind: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => words[i % 3]), new arrow.Utf8()),
      code: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i % 3)), new arrow.Int64()),
    });
    const [kind, code] = columnEncodings(readFooter(writeParquet(table)));
    assert.ok(kind.some((e) => (DICTIONARY_ENCODINGS as readonly number[]).includes(e)), `string column encodings ${kind}`);
    assert.ok(!code.some((e) => (DICTIONARY_ENCODINGS as readonly number[]).includes(e)), `long column encodings ${code}`);
    const back = readParquet(writeParquet(table));
    assert.deepEqual(back.getChild('kind')!.toArray().slice(0, 4), ['view', 'purchase', 'refund', 'view']);
    assert.deepEqual([...back.getChild('code')!.toArray()].slice(0, 4), [0n, 1n, 2n, 0n]);
  });

  it('writes top-level INT32/INT64 columns DELTA_BINARY_PACKED and no column statistics, and reads them back', () => {
    const n = 3000;
    const ids = Array.from({ length: n }, (_, i) => BigInt(1_000_000_007 * i) - 5n);
    const days = Array.from({ length: n }, (_, i) => 19000 + (i % 7) - 3);
    const cents = Array.from({ length: n }, (_, i) => (i % 5 === 1 ? -(i * 37) : i * 101));
    const table = new arrow.Table({
      id: arrow.vectorFromArray(ids, new arrow.Int64()),
      day: arrow.vectorFromArray(days.map((d) => new Date(d * 86_400_000)), new arrow.DateDay()),
      price: arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(2, 10, 128), length: n, nullCount: 0, data: new Uint32Array(cents.flatMap((c) => [c >>> 0, c < 0 ? 0xffffffff : 0, c < 0 ? 0xffffffff : 0, c < 0 ? 0xffffffff : 0])) })),
      ratio: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => i / 3), new arrow.Float64()),
    });
    const file = writeParquet(table);
    const footer = readFooter(file);
    const DELTA_BINARY_PACKED = 5;
    const [id, day, price, ratio] = columnEncodings(footer);
    for (const [name, encodings] of [['id', id], ['day', day], ['price', price]] as const) assert.ok(encodings.includes(DELTA_BINARY_PACKED), `${name} encodings ${encodings}`);
    assert.ok(!ratio.includes(DELTA_BINARY_PACKED), `ratio encodings ${ratio}`);
    // ColumnChunk field 3 = ColumnMetaData, whose field 12 is the optional Statistics.
    const chunks = (footer[4] as Record<number, unknown>[]).flatMap((rg) => rg[1] as Record<number, Record<number, unknown>>[]);
    for (const chunk of chunks) assert.equal(chunk[3][12], undefined);
    const back = readParquet(file);
    assert.deepEqual([...(back.getChild('id')!.data[0].values as BigInt64Array)], ids);
    assert.deepEqual([...(back.getChild('day')!.data[0].values as Int32Array)], days);
    const words = back.getChild('price')!.data[0].values as Uint32Array;
    assert.deepEqual(cents.map((_, i) => words[4 * i] | 0), cents);
    assert.deepEqual([...(back.getChild('ratio')!.data[0].values as Float64Array)], Array.from({ length: n }, (_, i) => i / 3));
  });

  it('reads back the same microseconds and decimal words', () => {
    const back = readParquet(writeParquet(sampleTable()));
    const window = back.getChild('window')!;
    assert.deepEqual([...(window.getChildAt(0)!.data[0].values as BigInt64Array)], [1700000000123456n, -1n]);
    assert.deepEqual([...(window.getChildAt(1)!.data[0].values as BigInt64Array)], [1700000300123456n, 299999999n]);
    assert.deepEqual([...(back.getChild('total_amount')!.data[0].values as Uint32Array)], [0x7de98115, 0x112210f4, 0, 0, 0xfffffffb, 0xffffffff, 0xffffffff, 0xffffffff]);
  });

  it('says its dates and timestamps are proleptic Gregorian the way Spark 3 reads it, beside the Arrow schema', () => {
    const footer = readFooter(writeParquet(sampleTable()));
    // FileMetaData field 5: key_value_metadata, a list of KeyValue {1: key, 2: value}.
    const kv = new Map((footer[5] as Record<number, Uint8Array>[]).map((e) => [new TextDecoder().decode(e[1]), new TextDecoder().decode(e[2])]));
    assert.equal(kv.get('org.apache.spark.version'), '3.5.0');
    assert.equal(kv.has('org.apache.spark.legacyDateTime'), false);
    assert.ok(kv.has('ARROW:schema'));
  });
});
