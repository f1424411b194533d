import assert from 'node:assert/strict';
import { tableFromIPC } from 'apache-arrow';
import { CorruptAggregateDataError } from './errors';
import { decodeChangeSet, decodePartialSet, encodeChangeSet, encodePartialSet } from './partial-codec';
import { PartialSet } from './partial-set';
import { mapRows, partialSetToMap, randomInt, seededRandom } from './reference-model.test-support';

const W = 300_000_000;
const T0 = 1714565100_000_000;

function randomSet(seed: number, n: number, exactEvery: number): PartialSet {
  const rand = seededRandom(seed);
  const windowStartMicros = new Float64Array(n);
  const customerId = new Int32Array(n);
  const count = new Float64Array(n);
  const sumCents = new Float64Array(n);
  const exactSums = new Map<number, bigint>();
  for (let i = 0; i < n; i++) {
    windowStartMicros[i] = T0 + W * randomInt(rand, -3, 3);
    customerId[i] = i - 50; // distinct keys per row
    count[i] = randomInt(rand, 1, 1e6);
    if (exactEvery > 0 && i % exactEvery === 3) {
      sumCents[i] = NaN;
      const sign = rand() < 0.5 ? -1n : 1n;
      exactSums.set(i, sign * (2n ** 53n + BigInt(randomInt(rand, 0, 2 ** 52)) * 10_000n));
    } else {
      sumCents[i] = randomInt(rand, -(2 ** 53 - 1), 2 ** 53 - 1);
    }
  }
  return { length: n, windowStartMicros, customerId, count, sumCents, exactSums };
}

function assertSameSet(actual: PartialSet, expected: PartialSet): void {
  assert.equal(actual.length, expected.length);
  assert.deepEqual([...actual.windowStartMicros], [...expected.windowStartMicros]);
  assert.deepEqual([...actual.customerId], [...expected.customerId]);
  assert.deepEqual([...actual.count], [...expected.count]);
  assert.deepEqual(mapRows(partialSetToMap(actual)), mapRows(partialSetToMap(expected)));
}

describe('partial codec (Arrow IPC)', () => {
  it('round-trips partial sets with float and exact sums', () => {
    for (const [seed, n, exactEvery] of [[1, 1000, 7], [2, 5, 0], [3, 64, 1]]) {
      const set = randomSet(seed, n, exactEvery);
      assertSameSet(decodePartialSet(encodePartialSet(set)), set);
    }
  });

  it('round-trips an empty set', () => {
    const empty = randomSet(1, 0, 0);
    const back = decodePartialSet(encodePartialSet(empty));
    assert.equal(back.length, 0);
    assert.equal(back.exactSums.size, 0);
  });

  it('encodes column views at an offset into a larger buffer', () => {
    const whole = randomSet(4, 300, 5);
    const from = 100;
    const to = 250;
    const view: PartialSet = {
      length: to - from,
      windowStartMicros: whole.windowStartMicros.subarray(from, to),
      customerId: whole.customerId.subarray(from, to),
      count: whole.count.subarray(from, to),
      sumCents: whole.sumCents.subarray(from, to),
      exactSums: new Map([...whole.exactSums].filter(([r]) => r >= from && r < to).map(([r, v]) => [r - from, v])),
    };
    assert.ok(view.exactSums.size > 0);
    assertSameSet(decodePartialSet(encodePartialSet(view)), view);
  });

  it('decodes from a buffer at an unaligned byte offset', () => {
    const set = randomSet(5, 200, 9);
    const bytes = encodePartialSet(set);
    const host = Buffer.alloc(bytes.length + 3);
    host.set(bytes, 3);
    assertSameSet(decodePartialSet(host.subarray(3)), set);
  });

  it('writes the documented schema, readable by any Arrow reader', () => {
    const set = randomSet(6, 20, 4);
    const table = tableFromIPC(encodePartialSet(set));
    assert.deepEqual(
      table.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`),
      [
        'window_start_micros:Float64:false',
        'customer_id:Int32:false',
        'count:Float64:false',
        'sum_cents:Float64:false',
        'sum_cents_exact:Utf8:true',
      ],
    );
    assert.equal(table.schema.metadata.get('tributary.format'), 'aggregate-partials/v1');
    const exact = table.getChild('sum_cents_exact');
    assert.ok(exact !== null);
    for (let i = 0; i < set.length; i++) {
      const e = set.exactSums.get(i);
      assert.equal(exact.get(i), e === undefined ? null : e.toString());
    }
  });

  it('round-trips change sets with deleted windows', () => {
    const upserts = randomSet(7, 100, 10);
    const deleted = Float64Array.from([T0 - 2 * W, -W, T0]);
    const back = decodeChangeSet(encodeChangeSet({ upserts, deletedWindowStartsMicros: deleted }));
    assertSameSet(back.upserts, upserts);
    assert.deepEqual([...back.deletedWindowStartsMicros], [...deleted]);
    const none = decodeChangeSet(encodeChangeSet({ upserts: randomSet(8, 0, 0), deletedWindowStartsMicros: new Float64Array(0) }));
    assert.equal(none.deletedWindowStartsMicros.length, 0);
    assert.equal(none.upserts.length, 0);
  });

  it('refuses bytes of the other format and bytes that are not Arrow', () => {
    const partials = encodePartialSet(randomSet(9, 3, 0));
    assert.throws(() => decodeChangeSet(partials), CorruptAggregateDataError);
    assert.throws(() => decodePartialSet(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), CorruptAggregateDataError);
  });

  it('refuses a float sum of 2^53 or more on decode', () => {
    const set = randomSet(11, 3, 0);
    const bad: PartialSet = { ...set, sumCents: Float64Array.of(1, 2 ** 53, 3) };
    assert.throws(() => decodePartialSet(encodePartialSet(bad)), CorruptAggregateDataError);
  });

  it('refuses an exact sum on a row whose float sum is set', () => {
    const set = randomSet(10, 4, 0);
    const bad: PartialSet = { ...set, exactSums: new Map([[1, 2n ** 60n]]) };
    assert.throws(() => encodePartialSet(bad), RangeError);
  });
});
