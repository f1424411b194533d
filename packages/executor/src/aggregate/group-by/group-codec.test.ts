import assert from 'node:assert/strict';
import { AggregateSpec, BINARY, BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, TIMESTAMP, decimalType, sqlField } from '@tributary/common';
import { CorruptAggregateDataError } from '../errors';
import { sliceRows } from './column-slices';
import { Cell, batch, rowsOf, sortedLines } from './group-by.test-support';
import { GROUP_CHANGES_FORMAT, GROUP_PARTIALS_FORMAT, decodeGroupChanges, decodeGroupPartials, encodeGroupChanges, encodeGroupPartials } from './group-codec';
import { groupLayout } from './group-layout';
import * as arrow from 'apache-arrow';

const W = 300_000_000;
const T = 1_714_565_100_000_000;

const input = [
  sqlField('ts', TIMESTAMP),
  sqlField('s', STRING),
  sqlField('b', BOOLEAN),
  sqlField('d', DOUBLE),
  sqlField('day', DATE),
  sqlField('bin', BINARY),
  sqlField('big', LONG),
  sqlField('k', INT),
  sqlField('x', decimalType(30, 3)),
  sqlField('f', DOUBLE),
];
function makeSpec(windowSize = W, aggregates: AggregateSpec['aggregates'] | null = null): AggregateSpec {
  return {
    window: { column: 0, sizeMicros: windowSize, slideMicros: windowSize, startMicros: 0 },
    keys: [1, 2, 3, 4, 5, 6, 7].map((c) => ({ column: c, field: input[c] })),
    aggregates: aggregates ?? [
      { fn: 'count', column: null, field: sqlField('n', LONG, false) },
      { fn: 'sum', column: 8, field: sqlField('total', decimalType(38, 3)) },
      { fn: 'sum', column: 9, field: sqlField('fsum', DOUBLE) },
      { fn: 'sum', column: 7, field: sqlField('ksum', LONG) },
    ],
    schema: [],
  };
}
const layout = groupLayout(makeSpec(), input);

const rows: Cell[][] = [
  [BigInt(T), 'héllo 日本 🙂', true, -1.5, 19844, Uint8Array.of(0, 1, 255), 2n ** 62n, 7, 3n, 10n ** 37n + 12345n, 0.1, 7n],
  [BigInt(T + W), null, null, null, null, null, null, null, 1n, null, null, null],
  [BigInt(-W), '', false, NaN, -719162, Uint8Array.of(), -(2n ** 63n), -2147483648, 2n, -(10n ** 38n) + 1n, -0, -(2n ** 62n)],
  [BigInt(T), 'plain', true, 1e300, 0, Uint8Array.of(9), 5n, 2147483647, 4n, -(2n ** 53n), Infinity, 0n],
];

describe('group-by codecs (Arrow IPC, self-describing)', () => {
  it('round-trips partials of every key type with nulls, wide values and multi-byte strings', () => {
    const b = batch(layout.stateSchema, rows);
    const bytes = encodeGroupPartials(layout, b);
    const back = decodeGroupPartials(layout, bytes);
    assert.equal(back.count, rows.length);
    assert.deepEqual(sortedLines(rowsOf(back)), sortedLines(rows));
    // an unaligned copy of the bytes decodes the same
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    assert.deepEqual(sortedLines(rowsOf(decodeGroupPartials(layout, shifted))), sortedLines(rows));
  });

  it("names a sliding window's slide in the layout, and refuses partials of another slide", () => {
    const slidingSpec = (slide: number): AggregateSpec => ({ ...makeSpec(), window: { column: 0, sizeMicros: W, slideMicros: slide, startMicros: -1_000_000 } });
    const sliding = groupLayout(slidingSpec(W / 5), input);
    const aligned = rows.map((r) => [BigInt(T - 1_000_000), ...r.slice(1)]);
    const bytes = encodeGroupPartials(sliding, batch(sliding.stateSchema, aligned));
    assert.equal(arrow.tableFromIPC(bytes).schema.metadata.get('tributary.window'), `size=${W},slide=${W / 5},start=-1000000`);
    assert.deepEqual(sortedLines(rowsOf(decodeGroupPartials(sliding, bytes))), sortedLines(aligned));
    assert.throws(() => decodeGroupPartials(groupLayout(slidingSpec(W / 3), input), bytes), CorruptAggregateDataError);
    assert.throws(() => decodeGroupPartials(layout, bytes), CorruptAggregateDataError);
  });

  it('writes the format, layout and Arrow types into the schema', () => {
    const table = arrow.tableFromIPC(encodeGroupPartials(layout, batch(layout.stateSchema, rows)));
    const md = table.schema.metadata;
    assert.equal(md.get('tributary.format'), GROUP_PARTIALS_FORMAT);
    assert.equal(md.get('tributary.group_columns'), '8');
    assert.equal(md.get('tributary.window'), `size=${W},start=0`);
    assert.equal(md.get('tributary.aggregates'), 'count,sum,sum,sum');
    assert.deepEqual(
      table.schema.fields.map((f) => `${f.name}:${f.type}`),
      ['window_start:Timestamp<MICROSECOND, UTC>', 's:Utf8', 'b:Bool', 'd:Float64', 'day:Date32<DAY>', 'bin:Binary', 'big:Int64', 'k:Int32',
        'n:Int64', 'total:Decimal[38e+3]', 'fsum:Float64', 'ksum:Int64'],
    );
    const decType = table.schema.fields[9].type as arrow.Decimal;
    assert.equal(decType.precision, 38);
    assert.equal(decType.scale, 3);
    // values as Arrow has them: strings as text, decimals as 128-bit
    assert.equal(table.getChild('s')?.get(0), 'héllo 日本 🙂');
    assert.equal(table.getChild('big')?.get(0), 2n ** 62n);
    assert.equal(table.getChild('window_start')?.get(2), -W / 1000); // Arrow reads timestamps as ms
    // decimal128: four little-endian 32-bit words of the two's complement unscaled value
    const words = table.getChild('total')?.data[0].values as Uint32Array;
    const unscaled = (r: number): bigint => {
      let u = 0n;
      for (let w = 3; w >= 0; w--) u = (u << 32n) | BigInt(words[4 * r + w]);
      return BigInt.asIntN(128, u);
    };
    assert.equal(unscaled(0), 10n ** 37n + 12345n);
    assert.equal(unscaled(2), -(10n ** 38n) + 1n);
    assert.equal(unscaled(3), -(2n ** 53n));
    assert.equal(table.getChild('b')?.get(2), false);
    assert.equal(table.getChild('b')?.get(1), null);
  });

  it('encodes slices of a batch (offsets not starting at 0) and empty batches', () => {
    const b = batch(layout.stateSchema, rows);
    const slice = sliceRows(b, 2, 4);
    assert.deepEqual(sortedLines(rowsOf(decodeGroupPartials(layout, encodeGroupPartials(layout, slice)))), sortedLines(rows.slice(2, 4)));
    const empty = decodeGroupPartials(layout, encodeGroupPartials(layout, batch(layout.stateSchema, [])));
    assert.equal(empty.count, 0);
    assert.equal(empty.columns.length, layout.stateSchema.length);
  });

  it('round-trips change sets with their deleted windows', () => {
    const changes = { upserts: batch(layout.stateSchema, rows.slice(0, 2)), deletedWindowStartsMicros: Float64Array.of(-W, T - W) };
    const bytes = encodeGroupChanges(layout, changes);
    const back = decodeGroupChanges(layout, bytes);
    assert.deepEqual([...back.deletedWindowStartsMicros], [-W, T - W]);
    assert.deepEqual(sortedLines(rowsOf(back.upserts)), sortedLines(rows.slice(0, 2)));
    assert.equal(arrow.tableFromIPC(bytes).schema.metadata.get('tributary.format'), GROUP_CHANGES_FORMAT);
  });

  it('refuses bytes of another format, window or aggregate list', () => {
    const partials = encodeGroupPartials(layout, batch(layout.stateSchema, rows));
    assert.throws(() => decodeGroupChanges(layout, partials), CorruptAggregateDataError);
    assert.throws(() => decodeGroupPartials(groupLayout(makeSpec(60_000_000), input), partials), /tributary\.window/);
    const fewer = groupLayout(makeSpec(W, [{ fn: 'count', column: null, field: sqlField('n', LONG, false) }]), input);
    assert.throws(() => decodeGroupPartials(fewer, partials), CorruptAggregateDataError);
    assert.throws(() => decodeGroupPartials(layout, Uint8Array.of(1, 2, 3)), CorruptAggregateDataError);
  });
});
