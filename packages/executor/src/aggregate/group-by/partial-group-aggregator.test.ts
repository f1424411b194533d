import assert from 'node:assert/strict';
import { ColumnBatch, INT, LONG, STRING, TIMESTAMP, decimalType, sqlField } from '@tributary/common';
import { randomInt, refWindowStart, seededRandom } from '../reference-model.test-support';
import { Cell, batch, rowsOf, show, sortedLines } from './group-by.test-support';
import { decodeGroupChanges, decodeGroupPartials, encodeGroupChanges, encodeGroupPartials } from './group-codec';
import { groupLayout } from './group-layout';
import { groupPartitions } from './group-partition';
import { GroupStateTable } from './group-state-table';
import { PartialGroupAggregator } from './partial-group-aggregator';

const W = 300_000_000;
const T = 1_714_565_100_000_000;
const P = 5;

const input = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('s', STRING), sqlField('amount', decimalType(18, 2))];
const layout = groupLayout(
  {
    window: { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 },
    keys: [
      { column: 1, field: input[1] },
      { column: 2, field: input[2] },
    ],
    aggregates: [
      { fn: 'count', column: null, field: sqlField('n', LONG, false) },
      { fn: 'sum', column: 3, field: sqlField('total', decimalType(28, 2)) },
    ],
    schema: [],
  },
  input,
);

const WORDS = ['a', 'é', '日本語', '🙂', '', 'long string with spaces'];

function randomRows(seed: number, n: number): Cell[][] {
  const rand = seededRandom(seed);
  const rows: Cell[][] = [];
  for (let i = 0; i < n; i++) {
    const big = rand() < 0.05;
    rows.push([
      BigInt(T + randomInt(rand, -2 * W, 3 * W)),
      rand() < 0.1 ? null : randomInt(rand, -3, 3),
      rand() < 0.1 ? null : WORDS[randomInt(rand, 0, WORDS.length - 1)],
      rand() < 0.1 ? null : big ? BigInt(randomInt(rand, -1, 1)) * (10n ** 17n - 1n) : BigInt(randomInt(rand, -100000, 100000)),
    ]);
  }
  return rows;
}

/** The obvious aggregation: string keys, BigInt sums. */
function reference(rows: readonly Cell[][]): Map<string, { n: bigint; total: bigint | null }> {
  const m = new Map<string, { n: bigint; total: bigint | null }>();
  for (const [t, k, s, amount] of rows) {
    const key = [`${refWindowStart(t as bigint, BigInt(W))}n`, show(k), show(s)].join(' | ');
    const e = m.get(key) ?? { n: 0n, total: null };
    e.n += 1n;
    if (amount !== null) e.total = (e.total ?? 0n) + (amount as bigint);
    m.set(key, e);
  }
  return m;
}

function referenceLines(rows: readonly Cell[][]): string[] {
  return [...reference(rows)].map(([k, v]) => `${k} | ${v.n}n | ${v.total === null ? 'NULL' : `${v.total}n`}`).sort();
}

describe('PartialGroupAggregator and GroupStateTable together', () => {
  it('merging the partials of two executors gives the one-pass result, each group in its own partition', () => {
    const rows = randomRows(1, 6000);
    // 2,000 hot rows on one group push its sum past 2^53
    for (let i = 0; i < 2000; i++) rows.push([BigInt(T), 1, 'é', 10n ** 17n - 1n]);
    const executors = [new PartialGroupAggregator(layout, 16), new PartialGroupAggregator(layout, 16)];
    const state = Array.from({ length: P }, () => new GroupStateTable(layout, 16));
    // batches of 700 rows, alternating executors; partials travel through the codec
    for (let from = 0, b = 0; from < rows.length; from += 700, b++) {
      const agg = executors[b % 2];
      agg.add(batch(input, rows.slice(from, from + 700)), -Infinity);
      if (b % 3 === 2 || from + 700 >= rows.length) {
        for (const e of executors) {
          const drained = e.drainPartitions(P);
          drained.partitions.forEach((part, p) => {
            const partition = groupPartitions(part, layout, P);
            assert.ok(partition.every((x) => x === p), `partials of partition ${p} belong there`);
            state[p].merge(decodeGroupPartials(layout, encodeGroupPartials(layout, part)));
          });
        }
      }
    }
    const merged = state.flatMap((s) => rowsOf(s.allRows()));
    assert.deepEqual(sortedLines(merged), referenceLines(rows));

    const one = new PartialGroupAggregator(layout, 16);
    one.add(batch(input, rows), -Infinity);
    const onePass = one.drainPartitions(1).partitions[0];
    assert.deepEqual(sortedLines(rowsOf(onePass)), referenceLines(rows));
  });

  it('reports input, late and null-time rows and the max event time, and starts empty after a drain', () => {
    const agg = new PartialGroupAggregator(layout);
    const late = agg.add(batch(input, [[BigInt(T - 1), 1, 'a', 1n], [BigInt(T), 1, 'a', 2n], [null, 1, 'a', 3n]]), T);
    assert.equal(late, 1);
    const drained = agg.drainPartitions(3);
    assert.equal(drained.inputRows, 3);
    assert.equal(drained.lateRows, 1);
    assert.equal(drained.nullTimeRows, 1);
    assert.equal(drained.maxEventTimeMicros, T);
    const all: ColumnBatch[] = drained.partitions;
    assert.deepEqual(sortedLines(all.flatMap(rowsOf)), sortedLines([[BigInt(T), 1, 'a', 1n, 2n]]));
    const again = agg.drainPartitions(3);
    assert.equal(again.inputRows, 0);
    assert.equal(again.maxEventTimeMicros, -Infinity);
    assert.equal(again.partitions.reduce((a, p) => a + p.count, 0), 0);
  });

  it('append mode over many batches: every window is emitted once, complete, when the watermark passes its end', () => {
    const rand = seededRandom(7);
    const agg = new PartialGroupAggregator(layout, 16);
    const state = Array.from({ length: P }, () => new GroupStateTable(layout, 16));
    const rebuilt = Array.from({ length: P }, () => new GroupStateTable(layout, 16));
    const delay = W; // watermark = max event time − 5 minutes
    let maxTime = -Infinity;
    const kept: Cell[][] = [];
    const emitted: Cell[][] = [];
    let lateRows = 0;
    for (let b = 0; b < 40; b++) {
      // event time moves forward ~1 window every 4 batches, with disorder of up to 2 windows
      const base = T + Math.floor((b * W) / 4);
      const rows = randomRows(100 + b, 150).map((r) => [BigInt(base - randomInt(rand, 0, 2 * W)), ...r.slice(1)]);
      const watermark = maxTime === -Infinity ? -Infinity : maxTime - delay;
      for (const r of rows) {
        const end = refWindowStart(r[0] as bigint, BigInt(W)) + BigInt(W);
        if (watermark !== -Infinity && end <= BigInt(watermark)) lateRows++;
        else kept.push(r);
      }
      agg.add(batch(input, rows), watermark);
      const drained = agg.drainPartitions(P);
      maxTime = Math.max(maxTime, drained.maxEventTimeMicros);
      const next = maxTime - delay;
      drained.partitions.forEach((part, p) => {
        state[p].merge(part);
        emitted.push(...rowsOf(state[p].evictClosed(next)));
        // durable copy: each version's change set, applied to a second table
        rebuilt[p].applyChanges(decodeGroupChanges(layout, encodeGroupChanges(layout, state[p].changesSinceMark())));
        state[p].mark();
      });
      assert.equal(drained.lateRows, lateRows);
      lateRows = 0;
    }
    const open = state.flatMap((s) => rowsOf(s.allRows()));
    // everything kept is either emitted or still open; no window is both, none twice
    assert.deepEqual(sortedLines([...emitted, ...open]), referenceLines(kept));
    const emittedWindows = new Set(emitted.map((r) => String(r[0])));
    assert.ok(open.every((r) => !emittedWindows.has(String(r[0]))));
    assert.ok(emitted.every((r) => (r[0] as bigint) + BigInt(W) <= BigInt(maxTime - delay)));
    assert.ok(emitted.length > 0 && open.length > 0);
    for (let p = 0; p < P; p++) assert.deepEqual(sortedLines(rowsOf(rebuilt[p].allRows())), sortedLines(rowsOf(state[p].allRows())));
  });
});
