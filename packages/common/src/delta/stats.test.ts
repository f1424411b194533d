import { strict as assert } from 'node:assert';
import * as arrow from 'apache-arrow';
import { buildAggregateTable } from './aggregate-table';
import { computeStats, decimalText } from './stats';

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

  it('writes decimal text exactly', () => {
    assert.equal(decimalText(-5n, 2), '-0.05');
    assert.equal(decimalText(99999999999999999999n, 2), '999999999999999999.99');
    assert.equal(decimalText(120n, 0), '120');
  });
});
