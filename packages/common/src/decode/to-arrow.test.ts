import assert from 'node:assert/strict';
import { Table, tableFromIPC, tableToIPC, type RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { createEventColumns, type EventColumns } from './event-columns';
import { toArrow } from './to-arrow';

function columnsOf(rows: Array<{ id: number; cents: number; us: number; type: number; offset?: number; kts?: number }>): EventColumns {
  const cols = createEventColumns(1);
  cols.customerId = Int32Array.from(rows, (r) => r.id);
  cols.amountCents = Float64Array.from(rows, (r) => r.cents);
  cols.eventTimeMicros = Float64Array.from(rows, (r) => r.us);
  cols.eventType = Int32Array.from(rows, (r) => r.type);
  cols.kafkaOffset = Float64Array.from(rows, (r) => r.offset ?? 0);
  cols.kafkaTimestampMs = Float64Array.from(rows, (r) => r.kts ?? 0);
  cols.count = rows.length;
  cols.partition = 0;
  return cols;
}

/** Independent reading of a Decimal128 column: four little-endian 32-bit words per value. */
function decimals(batch: RecordBatch, name: string): bigint[] {
  const data = batch.getChild(name)!.data[0];
  const words = data.values as Uint32Array;
  return Array.from({ length: data.length }, (_, i) => {
    let v = 0n;
    for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[4 * i + w]);
    return BigInt.asIntN(128, v);
  });
}

function int64s(batch: RecordBatch, name: string): bigint[] {
  return Array.from(batch.getChild(name)!.data[0].values as BigInt64Array);
}

describe('toArrow', () => {
  const rows = [
    { id: 7, cents: 1234, us: 1710506096789123, type: 0, offset: 1000, kts: 1710506096789 },
    { id: -2147483648, cents: -5, us: -1, type: -1, offset: 2 ** 53 - 1, kts: 0 },
    { id: 2147483647, cents: 9999999999, us: -(2 ** 53 - 1), type: 1, offset: 0, kts: -1 },
    { id: 0, cents: -9999999999, us: 2 ** 53 - 1, type: 0 },
  ];
  const dictionary = ['view', 'purchase'];

  it('declares the Spark types of the event schema', () => {
    const batch = toArrow(columnsOf(rows), dictionary, { kafkaColumns: true });
    const shown = batch.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable ? 'null' : 'not null'}`);
    assert.deepEqual(shown, [
      'customer_id:Int32:not null',
      'event_type:Dictionary<Int32, Utf8>:null',
      'amount:Decimal[10e+2]:not null',
      'timestamp:Timestamp<MICROSECOND, UTC>:not null',
      'kafka_offset:Int64:not null',
      'kafka_timestamp:Timestamp<MILLISECOND, UTC>:not null',
    ]);
  });

  it('holds exactly the column values, with null event types', () => {
    const batch = toArrow(columnsOf(rows), dictionary, { kafkaColumns: true });
    assert.equal(batch.numRows, 4);
    assert.deepEqual(Array.from(batch.getChild('customer_id')!.toArray() as Int32Array), rows.map((r) => r.id));
    assert.deepEqual(decimals(batch, 'amount'), [1234n, -5n, 9999999999n, -9999999999n]);
    assert.deepEqual(int64s(batch, 'timestamp'), [1710506096789123n, -1n, -(2n ** 53n - 1n), 2n ** 53n - 1n]);
    assert.deepEqual(int64s(batch, 'kafka_offset'), [1000n, 2n ** 53n - 1n, 0n, 0n]);
    assert.deepEqual(int64s(batch, 'kafka_timestamp'), [1710506096789n, 0n, -1n, 0n]);
    const types = batch.getChild('event_type')!;
    assert.deepEqual([0, 1, 2, 3].map((i) => types.get(i)), ['view', null, 'purchase', 'view']);
    assert.equal(types.nullCount, 1);
  });

  it('keeps amount as Int64 cents on request', () => {
    const batch = toArrow(columnsOf(rows), dictionary, { amount: 'cents' });
    assert.equal(String(batch.schema.fields[2].type), 'Int64');
    assert.deepEqual(int64s(batch, 'amount'), [1234n, -5n, 9999999999n, -9999999999n]);
    assert.equal(batch.schema.fields.length, 4);
  });

  it('owns its data, so the columns can be reused at once', () => {
    const cols = columnsOf(rows);
    const batch = toArrow(cols, dictionary);
    cols.customerId.fill(99);
    cols.amountCents.fill(1);
    cols.eventTimeMicros.fill(1);
    cols.eventType.fill(-1);
    assert.equal(batch.getChild('customer_id')!.get(0), 7);
    assert.deepEqual(decimals(batch, 'amount')[0], 1234n);
    assert.deepEqual(int64s(batch, 'timestamp')[0], 1710506096789123n);
    assert.equal(batch.getChild('event_type')!.get(0), 'view');
  });

  it('survives an Arrow IPC round trip with types and values intact', () => {
    const table = tableFromIPC(tableToIPC(new Table(toArrow(columnsOf(rows), dictionary))));
    const batch = table.batches[0];
    assert.equal(String(table.schema.fields[2].type), 'Decimal[10e+2]');
    assert.deepEqual(decimals(batch, 'amount'), [1234n, -5n, 9999999999n, -9999999999n]);
    assert.deepEqual(int64s(batch, 'timestamp'), [1710506096789123n, -1n, -(2n ** 53n - 1n), 2n ** 53n - 1n]);
    assert.deepEqual([0, 1, 2, 3].map((i) => batch.getChild('event_type')!.get(i)), ['view', null, 'purchase', 'view']);
  });

  it('converts any exact cents and microseconds without loss', () => {
    const row = fc.record({
      id: fc.integer({ min: -2147483648, max: 2147483647 }),
      cents: fc.integer({ min: -9999999999, max: 9999999999 }),
      us: fc.maxSafeInteger(),
      type: fc.constantFrom(-1, 0, 1),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (rs) => {
        const batch = toArrow(columnsOf(rs), dictionary);
        assert.deepEqual(decimals(batch, 'amount'), rs.map((r) => BigInt(r.cents)));
        assert.deepEqual(int64s(batch, 'timestamp'), rs.map((r) => BigInt(r.us)));
        assert.deepEqual(
          rs.map((_, i) => batch.getChild('event_type')!.get(i)),
          rs.map((r) => (r.type < 0 ? null : dictionary[r.type])),
        );
      }),
    );
  });

  it('makes an empty batch from empty columns', () => {
    const batch = toArrow(createEventColumns(4), []);
    assert.equal(batch.numRows, 0);
    assert.equal(batch.schema.fields.length, 4);
  });
});
