import { strict as assert } from 'node:assert';
import * as arrow from 'apache-arrow';
import { buildAggregateTable } from '../testing/aggregate-table';
import { DOUBLE, STRING, sqlField } from '../schema/sql-type';
import { ALL_TYPES, ALL_TYPES_ROWS, batchOf } from '../testing/column-batches';
import { columnBatchToArrow } from './column-batch-arrow';
import { computeStats, decimalText, truncateMaxString, truncateMinString } from './stats';

describe('Delta file statistics', () => {
  it('computes aggregate-table stats with nested window bounds truncated to milliseconds', () => {
    const data = buildAggregateTable(
      {
        length: 3,
        // 2023-11-14T22:13:20.000999Z, 2023-11-14T22:08:20.000001Z, 2023-11-14T22:18:20.5Z
        windowStartMicros: new Float64Array([1700000000000999, 1699999700000001, 1700000300500000]),
        customerId: new Int32Array([5, -3, 12]),
        count: new Float64Array([2, 9007199254740991, 1]),
        sumCents: new Float64Array([-5, 100, 0]),
        sumCentsExact: new Map([[2, 1234567890123456789n]]),
      },
      300_000_000,
    );
    const stats = computeStats(data);
    assert.equal(
      stats,
      '{"numRecords":3,' +
        '"minValues":{"window":{"start":"2023-11-14T22:08:20.000Z","end":"2023-11-14T22:13:20.000Z"},"customer_id":-3,"event_count":1,"total_amount":-0.05},' +
        '"maxValues":{"window":{"start":"2023-11-14T22:18:20.500Z","end":"2023-11-14T22:23:20.500Z"},"customer_id":12,"event_count":9007199254740991,"total_amount":12345678901234567.89},' +
        '"nullCount":{"window":{"start":0,"end":0},"customer_id":0,"event_count":0,"total_amount":0}}',
    );
  });

  it('counts nulls, skips partition columns, cuts long strings and floors pre-1970 timestamps', () => {
    const table = new arrow.Table({
      id: arrow.vectorFromArray([4, 1, 9], new arrow.Int32()),
      name: arrow.vectorFromArray(['b', 'a'.repeat(40), 'c'], new arrow.Utf8()),
      part: arrow.vectorFromArray(['x', 'x', 'x'], new arrow.Utf8()),
    });
    const withNulls = new arrow.Table({ v: arrow.vectorFromArray([null, 2.5, -1.25], new arrow.Float64()) });
    assert.equal(
      computeStats(table, { skipColumns: ['part'] }),
      `{"numRecords":3,"minValues":{"id":1,"name":"${'a'.repeat(32)}"},"maxValues":{"id":9,"name":"c"},"nullCount":{"id":0,"name":0}}`,
    );
    assert.equal(computeStats(withNulls), '{"numRecords":3,"minValues":{"v":-1.25},"maxValues":{"v":2.5},"nullCount":{"v":1}}');
    const ts = arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: 1, nullCount: 0, data: new BigInt64Array([-1n]) });
    const t = new arrow.Table({ t: arrow.makeVector(ts) });
    // -1 µs is 1969-12-31T23:59:59.999999Z, truncated down to .999.
    assert.equal(computeStats(t), '{"numRecords":1,"minValues":{"t":"1969-12-31T23:59:59.999Z"},"maxValues":{"t":"1969-12-31T23:59:59.999Z"},"nullCount":{"t":0}}');
  });

  it('finds the min and max of longs and decimals exactly, near and beyond 2^53, with nulls', () => {
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const edges = [2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 0n, -1n];
    for (let round = 0; round < 40; round++) {
      const n = 1 + (next() % 50);
      const values = Array.from({ length: n }, () => {
        const r = next() % 4;
        if (r === 0) return edges[next() % edges.length];
        if (r === 1) return BigInt(next()) * BigInt(next() % 4096) - (1n << 43n); // within 2^53
        return BigInt(next() % 2000) - 1000n;
      }).map((v) => (round >= 20 ? BigInt.asIntN(60, v) : v)); // decimal(18,2) rounds hold < 10^18
      const valid = values.map(() => next() % 5 !== 0);
      const kept = values.filter((_, i) => valid[i]);
      const bitmap = new Uint8Array((n + 7) >> 3);
      valid.forEach((v, i) => { if (v) bitmap[i >> 3] |= 1 << (i & 7); });
      const nulls = n - kept.length;
      const asLong = arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: new BigInt64Array(values) });
      const words = new Uint32Array(4 * n);
      values.forEach((v, i) => { for (let k = 0; k < 4; k++) words[4 * i + k] = Number((BigInt.asUintN(128, v) >> BigInt(32 * k)) & 0xffffffffn); });
      const asDecimal = arrow.makeData({ type: new arrow.Decimal(0, 38, 128), length: n, nullCount: nulls, nullBitmap: bitmap, data: words });
      const table = new arrow.Table({ l: arrow.makeVector(asLong), d: arrow.makeVector(asDecimal) });
      const stats = computeStats(table);
      if (kept.length === 0) {
        assert.ok(!stats.includes('"l":') || stats.includes('"nullCount":{"l"'), stats);
        continue;
      }
      const min = kept.reduce((a, b) => (b < a ? b : a));
      const max = kept.reduce((a, b) => (b > a ? b : a));
      assert.ok(stats.includes(`"minValues":{"l":${min},"d":${min}}`), `${stats} min ${min}`);
      assert.ok(stats.includes(`"maxValues":{"l":${max},"d":${max}}`), `${stats} max ${max}`);
    }
  });

  it('finds the least and greatest strings by bytes among many, empty strings and nulls included', () => {
    let seed = 11;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const alphabet = ['a', 'b', 'é', 'z', '~', '0'];
    for (let round = 0; round < 40; round++) {
      const n = 1 + (next() % 60);
      const values = Array.from({ length: n }, () => (next() % 7 === 0 ? null : Array.from({ length: next() % 4 }, () => alphabet[next() % alphabet.length]).join('')));
      const table = new arrow.Table({ s: arrow.vectorFromArray(values, new arrow.Utf8()) });
      const kept = values.filter((v): v is string => v !== null).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const stats = JSON.parse(computeStats(table));
      assert.equal(stats.minValues.s, kept[0], `round ${round}`);
      assert.equal(stats.maxValues.s, kept[kept.length - 1], `round ${round}`);
    }
  });

  it('writes decimal text exactly', () => {
    assert.equal(decimalText(-5n, 2), '-0.05');
    assert.equal(decimalText(99999999999999999999n, 2), '999999999999999999.99');
    assert.equal(decimalText(120n, 0), '120');
  });
});

describe('Delta file statistics of any schema', () => {
  it('gives min, max and null counts of every scalar type, nested struct leaves included', () => {
    const nines = '9'.repeat(38);
    // Hand-computed from ALL_TYPES_ROWS; decimals and longs compared as the exact JSON text below.
    const text = computeStats(columnBatchToArrow(batchOf(ALL_TYPES, ALL_TYPES_ROWS)));
    assert.equal(
      text,
      '{"numRecords":4,' +
        `"minValues":{"n":-2147483648,"big":-9223372036854775808,"x":"-Infinity","name":"","price":-0.05,"huge":-${nines},` +
        '"fine":-0.000000000000000001,"ts":"0001-01-01T00:00:00.000Z","day":"0001-01-01","user":{"id":-1}},' +
        `"maxValues":{"n":2147483647,"big":9223372036854775807,"x":"NaN","name":"héllo ✓ 𝄞","price":9999999999.99,"huge":${nines},` +
        '"fine":123456789.123456789012345678,"ts":"2023-11-14T22:13:20.123Z","day":"1970-01-01","user":{"id":7}},' +
        '"nullCount":{"flag":1,"n":0,"big":1,"x":1,"name":1,"raw":1,"price":1,"huge":1,"fine":1,"ts":1,"day":1,"user":{"id":1,"tags":2},"points":1}}',
    );
  });

  it('orders strings by code point (UTF-8 bytes), not UTF-16 units', () => {
    const s = [sqlField('s', STRING)];
    // U+FFC2 sorts above U+1D11E in UTF-16 units (0xFFC2 > 0xD834) and below it by code point.
    const stats = JSON.parse(computeStats(columnBatchToArrow(batchOf(s, [{ s: '𝄞' }, { s: '\uffc2' }, { s: null }]))));
    assert.deepEqual(stats, { numRecords: 3, minValues: { s: '\uffc2' }, maxValues: { s: '𝄞' }, nullCount: { s: 1 } });
  });

  it('without finite values, doubles keep Spark order: only NaN, only +Infinity', () => {
    const d = [sqlField('d', DOUBLE)];
    assert.deepEqual(JSON.parse(computeStats(columnBatchToArrow(batchOf(d, [{ d: Number.NaN }])))).minValues, { d: 'NaN' });
    const inf = JSON.parse(computeStats(columnBatchToArrow(batchOf(d, [{ d: Infinity }, { d: 2 }]))));
    assert.deepEqual([inf.minValues, inf.maxValues], [{ d: 2 }, { d: 'Infinity' }]);
  });

  it('truncates long strings as Delta does: 32 code points for min, a tie-breaker after the max prefix', () => {
    const b32 = 'b'.repeat(32);
    assert.equal(truncateMinString('a'.repeat(40)), 'a'.repeat(32));
    assert.equal(truncateMinString('𝄞'.repeat(40)), '𝄞'.repeat(32)); // 32 code points, 64 UTF-16 units
    assert.equal(truncateMaxString(b32), b32);
    assert.equal(truncateMaxString(b32 + 'bbbb'), b32 + '\u007f');
    assert.equal(truncateMaxString(b32 + 'éx'), b32 + '\u{10ffff}');
    // Units 31 and 32 are one surrogate pair: the prefix keeps it whole.
    assert.equal(truncateMaxString('b'.repeat(31) + '𝄞zz'), 'b'.repeat(31) + '𝄞\u007f');
    // The prefix grows over U+10FFFF characters, to 64 units at most.
    assert.equal(truncateMaxString(b32 + '\u{10ffff}'.repeat(16) + 'c'), b32 + '\u{10ffff}'.repeat(16) + '\u007f');
    assert.equal(truncateMaxString(b32 + '\u{10ffff}'.repeat(17) + 'c'), undefined);
    assert.equal(truncateMaxString('𝄞'.repeat(40)), '𝄞'.repeat(16) + '\u{10ffff}');
    const s = [sqlField('s', STRING)];
    const stats = JSON.parse(computeStats(columnBatchToArrow(batchOf(s, [{ s: 'a'.repeat(40) }, { s: 'c'.repeat(33) }]))));
    assert.deepEqual([stats.minValues, stats.maxValues], [{ s: 'a'.repeat(32) }, { s: 'c'.repeat(32) + '\u007f' }]);
  });
});
