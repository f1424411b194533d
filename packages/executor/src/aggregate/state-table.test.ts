import assert from 'node:assert/strict';
import { DecimalOverflowError } from './errors';
import { ChangeSet, decodeChangeSet, decodePartialSet, encodeChangeSet, encodePartialSet } from './partial-codec';
import { PartialSet } from './partial-set';
import { RefAgg, mapRows, partialSetToMap, randomInt, refKey, seededRandom } from './reference-model.test-support';
import { WindowStateTable } from './state-table';

const W = 300_000_000;
const T0 = 1714565100_000_000;

/** A partial set with possibly repeated keys; sums sometimes far past 2^53. */
function randomPartials(rand: () => number, n: number, firstWindow: number, windows: number, keys: number): PartialSet {
  const windowStartMicros = new Float64Array(n);
  const customerId = new Int32Array(n);
  const count = new Float64Array(n);
  const sumCents = new Float64Array(n);
  const exactSums = new Map<number, bigint>();
  for (let i = 0; i < n; i++) {
    windowStartMicros[i] = firstWindow + W * randomInt(rand, 0, windows - 1);
    customerId[i] = randomInt(rand, 0, keys);
    count[i] = randomInt(rand, 1, 1000);
    if (rand() < 0.05) {
      sumCents[i] = NaN;
      const mag = 2n ** 53n + BigInt(randomInt(rand, 0, 3e9)) * 1_000_000_000n; // up to ~3e18
      exactSums.set(i, rand() < 0.5 ? -mag : mag);
    } else {
      sumCents[i] = randomInt(rand, -(2 ** 52), 2 ** 52);
    }
  }
  return { length: n, windowStartMicros, customerId, count, sumCents, exactSums };
}

function refMerge(model: Map<string, RefAgg>, set: PartialSet): void {
  for (let i = 0; i < set.length; i++) {
    const k = refKey(set.windowStartMicros[i], set.customerId[i]);
    const a = model.get(k) ?? { count: 0n, sum: 0n };
    a.count += BigInt(set.count[i]);
    a.sum += Number.isNaN(set.sumCents[i]) ? (set.exactSums.get(i) as bigint) : BigInt(set.sumCents[i]);
    model.set(k, a);
  }
}

function refEvict(model: Map<string, RefAgg>, watermark: number): Map<string, RefAgg> {
  const out = new Map<string, RefAgg>();
  for (const [k, v] of model) {
    if (Number(k.split('|')[0]) + W <= watermark) {
      out.set(k, v);
      model.delete(k);
    }
  }
  return out;
}

const roundTripChanges = (c: ChangeSet): ChangeSet => decodeChangeSet(encodeChangeSet(c));

describe('WindowStateTable', () => {
  it('merges batches, evicts closed windows and replays changes onto a snapshot to the live state', () => {
    const rand = seededRandom(2024);
    const live = new WindowStateTable({ windowMicros: W, initialKeysPerWindow: 4 });
    const model = new Map<string, RefAgg>();
    const changeLog: Uint8Array[] = [];
    let snapshotAtVersion2: Uint8Array | null = null;
    let emittedTotal = 0;

    for (let batch = 0; batch < 10; batch++) {
      // watermark trails the newest window by two windows; partials cover still-open windows
      const watermark = T0 + (batch - 2) * W;
      for (let sender = 0; sender < 3; sender++) {
        const set = randomPartials(rand, 400, T0 + (batch - 2) * W, 4, 300);
        live.merge(decodePartialSet(encodePartialSet(set)));
        refMerge(model, set);
      }
      const emitted = live.evict(watermark);
      const expected = refEvict(model, watermark);
      assert.deepEqual(mapRows(partialSetToMap(emitted)), mapRows(expected), `batch ${batch} emitted`);
      for (let i = 1; i < emitted.length; i++) {
        assert.ok(emitted.windowStartMicros[i - 1] <= emitted.windowStartMicros[i], 'emitted in window order');
      }
      emittedTotal += emitted.length;
      assert.equal(live.numRowsTotal, model.size);
      assert.deepEqual(mapRows(partialSetToMap(live.snapshot())), mapRows(model), `batch ${batch} state`);

      changeLog.push(encodeChangeSet(live.changesSinceMark()));
      live.mark();
      if (batch === 2) snapshotAtVersion2 = encodePartialSet(live.snapshot());
    }
    assert.ok(emittedTotal > 1000);
    assert.ok([...model.values()].some((a) => a.sum > 2n ** 53n || a.sum < -(2n ** 53n)), 'sums past 2^53 occur');

    const replica = new WindowStateTable({ windowMicros: W, initialKeysPerWindow: 4 });
    replica.loadSnapshot(decodePartialSet(snapshotAtVersion2 as Uint8Array));
    for (let v = 3; v < changeLog.length; v++) replica.applyChanges(decodeChangeSet(changeLog[v]));
    assert.deepEqual(mapRows(partialSetToMap(replica.snapshot())), mapRows(model));

    const fromScratch = new WindowStateTable({ windowMicros: W });
    for (const c of changeLog) fromScratch.applyChanges(decodeChangeSet(c));
    assert.deepEqual(mapRows(partialSetToMap(fromScratch.snapshot())), mapRows(model));
  });

  it('records only what changed since mark(): touched keys and deleted windows', () => {
    const live = new WindowStateTable({ windowMicros: W });
    const set = (ws: number[], keys: number[], sums: number[]): PartialSet => ({
      length: ws.length,
      windowStartMicros: Float64Array.from(ws),
      customerId: Int32Array.from(keys),
      count: Float64Array.from(ws.map(() => 1)),
      sumCents: Float64Array.from(sums),
      exactSums: new Map(),
    });
    live.merge(set([T0, T0, T0 + W], [1, 2, 3], [10, 20, 30]));
    live.mark();
    assert.equal(live.changesSinceMark().upserts.length, 0);

    live.merge(set([T0 + W, T0 + 2 * W], [3, 4], [5, 6]));
    live.evict(T0 + W); // closes [T0, T0+W)
    const changes = roundTripChanges(live.changesSinceMark());
    assert.deepEqual(mapRows(partialSetToMap(changes.upserts)), [
      [`${T0 + W}|3`, '2', '35'],
      [`${T0 + 2 * W}|4`, '1', '6'],
    ]);
    assert.deepEqual([...changes.deletedWindowStartsMicros], [T0]);
  });

  it('replays a window that was evicted and re-created within one change set', () => {
    const live = new WindowStateTable({ windowMicros: W });
    const one = (ws: number, key: number, sum: number): PartialSet => ({
      length: 1,
      windowStartMicros: Float64Array.of(ws),
      customerId: Int32Array.of(key),
      count: Float64Array.of(1),
      sumCents: Float64Array.of(sum),
      exactSums: new Map(),
    });
    live.merge(one(T0, 1, 100));
    live.mark();
    const replica = new WindowStateTable({ windowMicros: W });
    replica.loadSnapshot(live.snapshot());

    live.merge(one(T0, 2, 5)); // touched, then evicted: must not come back
    assert.equal(live.evict(T0 + W).length, 2);
    live.merge(one(T0, 3, 7)); // the window again (complete-mode style state)
    replica.applyChanges(roundTripChanges(live.changesSinceMark()));
    assert.deepEqual(mapRows(partialSetToMap(replica.snapshot())), [[`${T0}|3`, '1', '7']]);
    assert.deepEqual(mapRows(partialSetToMap(replica.snapshot())), mapRows(partialSetToMap(live.snapshot())));
  });

  it('keeps merged sums exact past 2^53 and fails naming window and key at 10^20 cents', () => {
    const live = new WindowStateTable({ windowMicros: W });
    const exact = (ws: number, key: number, sum: bigint): PartialSet => ({
      length: 1,
      windowStartMicros: Float64Array.of(ws),
      customerId: Int32Array.of(key),
      count: Float64Array.of(1),
      sumCents: Float64Array.of(NaN),
      exactSums: new Map([[0, sum]]),
    });
    live.merge(exact(T0, 8, 6n * 10n ** 19n));
    live.merge({ ...exact(T0, 8, 0n), sumCents: Float64Array.of(2 ** 53 - 1), exactSums: new Map() });
    assert.deepEqual(mapRows(partialSetToMap(live.snapshot())), [
      [`${T0}|8`, '2', (6n * 10n ** 19n + 2n ** 53n - 1n).toString()],
    ]);
    assert.throws(
      () => live.merge(exact(T0, 8, 4n * 10n ** 19n)),
      (err: unknown) =>
        err instanceof DecimalOverflowError &&
        /\[2024-05-01T12:05:00\.000000Z, 2024-05-01T12:10:00\.000000Z\)/.test(err.message) &&
        /customer_id 8/.test(err.message),
    );
  });

  it('refuses window starts not aligned to the window size', () => {
    const live = new WindowStateTable({ windowMicros: W });
    const bad: PartialSet = {
      length: 1,
      windowStartMicros: Float64Array.of(T0 + 1),
      customerId: Int32Array.of(1),
      count: Float64Array.of(1),
      sumCents: Float64Array.of(1),
      exactSums: new Map(),
    };
    assert.throws(() => live.merge(bad), /not aligned/);
  });
});
