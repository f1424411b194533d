import assert from 'node:assert/strict';
import { CustomerTable } from './customer-table';
import { DecimalOverflowError } from './errors';
import { EventColumns, PartialAggregator } from './partial-aggregator';
import {
  RefAgg,
  int32LittleEndian,
  mapRows,
  partialSetToMap,
  randomInt,
  refAggregate,
  refMurmur3Bytes,
  seededRandom,
} from './reference-model.test-support';

const W = 300_000_000;
const T0 = 1714565100_000_000; // 2024-05-01T12:05:00Z, a window start
const MAX_AMOUNT = 9_999_999_999; // 99,999,999.99 in cents

function columns(times: number[], customers: number[], amounts: number[]): EventColumns {
  return {
    count: times.length,
    eventTimeMicros: Float64Array.from(times),
    customerId: Int32Array.from(customers),
    amountCents: Float64Array.from(amounts),
  };
}

function randomBatch(rand: () => number, n: number, opts: { tMin: number; tMax: number; keys: number }) {
  const times: number[] = [];
  const customers: number[] = [];
  const amounts: number[] = [];
  for (let i = 0; i < n; i++) {
    times.push(randomInt(rand, opts.tMin, opts.tMax));
    customers.push(randomInt(rand, -opts.keys, opts.keys));
    amounts.push(randomInt(rand, -MAX_AMOUNT, MAX_AMOUNT));
  }
  return { times, customers, amounts };
}

function refPartition(customerId: number, p: number): number {
  const h = refMurmur3Bytes(int32LittleEndian(customerId), 42) | 0;
  return ((h % p) + p) % p;
}

describe('PartialAggregator', () => {
  it('aggregates random rows exactly as a naive BigInt calculation, split by shuffle partition', () => {
    const rand = seededRandom(1234);
    // tiny initial tables force collisions and many growths
    const agg = new PartialAggregator(2);
    for (let round = 0; round < 3; round++) {
      const n = 20_000;
      const b = randomBatch(rand, n, { tMin: T0 - 4 * W, tMax: T0 + 3 * W, keys: 3000 });
      const watermark = T0 - W; // windows ending ≤ T0 − W are late
      const lateSeen: number[] = [];
      const late = agg.add(columns(b.times, b.customers, b.amounts), {
        windowMicros: W,
        lateWatermarkMicros: watermark,
        onLate: (i) => lateSeen.push(i),
      });
      const ref = refAggregate(b.times, b.customers, b.amounts, W, watermark);
      assert.deepEqual(lateSeen, ref.late);
      assert.equal(late, ref.late.length);
      assert.ok(ref.late.length > 1000 && ref.late.length < n - 1000, 'the data has late and on-time rows');

      const P = 7;
      const result = agg.drainPartitions(P);
      assert.equal(result.partitions.length, P);
      assert.equal(result.inputRows, n);
      assert.equal(result.lateRows, ref.late.length);
      assert.equal(result.maxEventTimeMicros, Math.max(...b.times));
      const got = new Map<string, RefAgg>();
      result.partitions.forEach((part, p) => {
        for (let i = 0; i < part.length; i++) assert.equal(refPartition(part.customerId[i], P), p);
        partialSetToMap(part, got);
      });
      assert.deepEqual(mapRows(got), mapRows(ref.aggs));
    }
  });

  it('keeps keys apart whose hash slots collide', () => {
    const bits = 12;
    const home = CustomerTable.homeSlot(5, bits);
    const colliding: number[] = [];
    for (let k = 6; colliding.length < 50; k++) if (CustomerTable.homeSlot(k, bits) === home) colliding.push(k);
    const agg = new PartialAggregator(1 << (bits - 1)); // a table of exactly 2^bits slots
    const times: number[] = [];
    const customers: number[] = [];
    const amounts: number[] = [];
    colliding.forEach((k, j) => {
      for (let r = 0; r <= j; r++) {
        times.push(T0 + r);
        customers.push(k);
        amounts.push(k * 100 + r);
      }
    });
    agg.add(columns(times, customers, amounts), { windowMicros: W, lateWatermarkMicros: -Infinity });
    const got = partialSetToMap(agg.drainPartitions(1).partitions[0]);
    assert.deepEqual(mapRows(got), mapRows(refAggregate(times, customers, amounts, W, -Infinity).aggs));
  });

  it('accumulates several add() calls until drained, then starts afresh', () => {
    const rand = seededRandom(99);
    const agg = new PartialAggregator(16);
    const a = randomBatch(rand, 5000, { tMin: T0, tMax: T0 + 2 * W, keys: 100 });
    const b = randomBatch(rand, 5000, { tMin: T0, tMax: T0 + 2 * W, keys: 100 });
    agg.add(columns(a.times, a.customers, a.amounts), { windowMicros: W, lateWatermarkMicros: -Infinity });
    agg.add(columns(b.times, b.customers, b.amounts), { windowMicros: W, lateWatermarkMicros: -Infinity });
    const both = refAggregate(
      [...a.times, ...b.times],
      [...a.customers, ...b.customers],
      [...a.amounts, ...b.amounts],
      W,
      -Infinity,
    );
    const first = agg.drainPartitions(3);
    const got = new Map<string, RefAgg>();
    for (const part of first.partitions) partialSetToMap(part, got);
    assert.deepEqual(mapRows(got), mapRows(both.aggs));
    assert.equal(first.inputRows, 10_000);

    agg.add(columns(a.times, a.customers, a.amounts), { windowMicros: W, lateWatermarkMicros: -Infinity });
    const second = agg.drainPartitions(3, { reuseBuffers: true });
    const got2 = new Map<string, RefAgg>();
    for (const part of second.partitions) partialSetToMap(part, got2);
    assert.deepEqual(mapRows(got2), mapRows(refAggregate(a.times, a.customers, a.amounts, W, -Infinity).aggs));
    assert.equal(second.inputRows, 5000);
    agg.add(columns(b.times, b.customers, b.amounts), { windowMicros: W, lateWatermarkMicros: -Infinity });
    const third = agg.drainPartitions(2, { reuseBuffers: true });
    const got3 = new Map<string, RefAgg>();
    for (const part of third.partitions) partialSetToMap(part, got3);
    assert.deepEqual(mapRows(got3), mapRows(refAggregate(b.times, b.customers, b.amounts, W, -Infinity).aggs));
    assert.equal(agg.drainPartitions(3).maxEventTimeMicros, -Infinity);
  });

  it('applies the late predicate to the window end, not to the row time', () => {
    const agg = new PartialAggregator();
    const watermark = T0 + 60_000_000; // one minute into window [T0, T0+W)
    const lateRows: number[] = [];
    agg.add(
      columns(
        [T0 + 1, T0 - 1, T0 + W - 1, T0 - W],
        [1, 2, 3, 4],
        [100, 200, 300, 400],
      ),
      { windowMicros: W, lateWatermarkMicros: watermark, onLate: (i) => lateRows.push(i) },
    );
    // row 0 is older than the watermark but its window [T0, T0+W) is open: it counts
    assert.deepEqual(lateRows, [1, 3]);
    const result = agg.drainPartitions(1);
    assert.deepEqual(mapRows(partialSetToMap(result.partitions[0])), [
      [`${T0}|1`, '1', '100'],
      [`${T0}|3`, '1', '300'],
    ]);
    assert.equal(result.maxEventTimeMicros, T0 + W - 1);
    assert.equal(result.lateRows, 2);
  });

  it('counts the watermark exactly at a window end as closing it', () => {
    const agg = new PartialAggregator();
    const late = agg.add(columns([T0 - 1, T0], [1, 1], [5, 7]), { windowMicros: W, lateWatermarkMicros: T0 });
    assert.equal(late, 1);
    assert.deepEqual(mapRows(partialSetToMap(agg.drainPartitions(1).partitions[0])), [[`${T0}|1`, '1', '7']]);
  });

  it('includes late rows in the max event time, as Spark observes rows before the late filter', () => {
    const agg = new PartialAggregator();
    agg.add(columns([T0 - 2 * W], [1], [5]), { windowMicros: W, lateWatermarkMicros: T0 + 10 * W });
    assert.equal(agg.drainPartitions(2).maxEventTimeMicros, T0 - 2 * W);
  });

  it('sums past 2^53 cents exactly: 1,100,000 rows of 99,999,999.99', () => {
    const n = 1_100_000;
    const agg = new PartialAggregator();
    const times = new Float64Array(n).fill(T0 + 5);
    const customers = new Int32Array(n);
    customers.fill(77);
    for (let i = 0; i < n; i += 1000) customers[i] = 78; // a second, small key in the same window
    const amounts = new Float64Array(n).fill(MAX_AMOUNT);
    agg.add({ count: n, eventTimeMicros: times, customerId: customers, amountCents: amounts }, {
      windowMicros: W,
      lateWatermarkMicros: -Infinity,
    });
    const got = partialSetToMap(agg.drainPartitions(1).partitions[0]);
    const big = BigInt(n - n / 1000) * BigInt(MAX_AMOUNT);
    assert.ok(big > 2n ** 53n);
    assert.deepEqual(mapRows(got), [
      [`${T0}|77`, String(n - n / 1000), big.toString()],
      [`${T0}|78`, String(n / 1000), (BigInt(n / 1000) * BigInt(MAX_AMOUNT)).toString()],
    ]);
  });

  it('stays exact when negative amounts carry a sum across ±2^53 and back', () => {
    const agg = new PartialAggregator();
    const big = 2 ** 53 - 3; // amounts beyond DECIMAL(10,2) exercise the promotion boundary directly
    const amounts = [big, 1, 1, 1, 1, 1, -big, -5, -big, -big, 7, big];
    const times = amounts.map(() => T0);
    const customers = amounts.map(() => 9);
    agg.add(columns(times, customers, amounts), { windowMicros: W, lateWatermarkMicros: -Infinity });
    const got = partialSetToMap(agg.drainPartitions(1).partitions[0]);
    const expected = amounts.reduce((s, a) => s + BigInt(a), 0n);
    assert.deepEqual(mapRows(got), [[`${T0}|9`, String(amounts.length), expected.toString()]]);

    const down = [-big, -big, -10];
    agg.add(columns(down.map(() => T0), down.map(() => 9), down), { windowMicros: W, lateWatermarkMicros: -Infinity });
    const part = agg.drainPartitions(1).partitions[0];
    assert.equal(part.exactSums.get(0), -(2n * BigInt(big)) - 10n);
    assert.ok(Number.isNaN(part.sumCents[0]));
  });

  it('fails naming the window and customer when a sum reaches 10^20 cents', () => {
    const agg = new PartialAggregator();
    const amount = 2 ** 53 - 1; // far beyond DECIMAL(10,2), to reach 10^20 in ~11k rows
    const n = Math.ceil(1e20 / amount) + 10;
    const t = T0 + 2 * W + 17;
    agg.add(columns(new Array(n).fill(T0), new Array(n).fill(4), new Array(n).fill(1)), {
      windowMicros: W,
      lateWatermarkMicros: -Infinity,
    });
    assert.throws(
      () => {
        agg.add(columns(new Array(n).fill(t), new Array(n).fill(-31), new Array(n).fill(-amount)), {
          windowMicros: W,
          lateWatermarkMicros: -Infinity,
        });
        agg.drainPartitions(1);
      },
      (err: unknown) => {
        assert.ok(err instanceof DecimalOverflowError);
        assert.equal(err.code, 'DECIMAL_OVERFLOW');
        assert.match(err.message, /2024-05-01T12:15:00\.000000Z, 2024-05-01T12:20:00\.000000Z/);
        assert.match(err.message, /customer_id -31/);
        return true;
      },
    );
  });

  it('rejects event times that are not integers of microseconds', () => {
    const agg = new PartialAggregator();
    assert.throws(
      () => agg.add(columns([T0, NaN], [1, 1], [1, 1]), { windowMicros: W, lateWatermarkMicros: -Infinity }),
      /row 1/,
    );
  });
});
