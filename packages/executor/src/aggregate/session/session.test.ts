import assert from 'node:assert/strict';
import { AggregateSpec, INT, LONG, STRING, TIMESTAMP, decimalType, sqlField, structType } from '@tributary/common';
import { randomInt, seededRandom } from '../reference-model.test-support';
import { Cell, batch, rowsOf, show } from '../group-by/group-by.test-support';
import {
  PartialSessionAggregator, SessionStateTable, SessionSweep, decodeSessionPartials, decodeSessionState, encodeSessionPartials, encodeSessionState,
  sessionLayout, sessionOutputRows,
} from '.';

const GAP = 60_000_000; // one minute
const T = 1_714_565_100_000_000;
const P = 3;
const WINDOW_STRUCT = structType([sqlField('start', TIMESTAMP), sqlField('end', TIMESTAMP)]);

const input = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('s', STRING), sqlField('amount', decimalType(12, 2))];
const spec: AggregateSpec = {
  window: null,
  session: { column: 0, gapMicros: GAP },
  keys: [
    { column: 1, field: input[1] },
    { column: 2, field: input[2] },
  ],
  aggregates: [
    { fn: 'count', column: null, field: sqlField('n', LONG, false) },
    { fn: 'count', column: 3, field: sqlField('n_amount', LONG, false) },
    { fn: 'sum', column: 3, field: sqlField('total', decimalType(22, 2)) },
    { fn: 'min', column: 3, field: sqlField('smallest', decimalType(12, 2)) },
  ],
  schema: [
    sqlField('session_window', WINDOW_STRUCT, false), input[1], input[2],
    sqlField('n', LONG, false), sqlField('n_amount', LONG, false), sqlField('total', decimalType(22, 2)), sqlField('smallest', decimalType(12, 2)),
  ],
};
const layout = sessionLayout(spec, input);

// ---- the reference: per key, a list of sessions, merged by sorting and sweeping after each batch

interface RefSession { start: bigint; end: bigint; n: bigint; nAmount: bigint; total: bigint | null; smallest: bigint | null }

class ReferenceSessions {
  readonly byKey = new Map<string, RefSession[]>();
  late = 0;

  /** One batch: drop rows whose t + gap ≤ lateWatermark, merge, evict sessions whose end ≤ watermark. */
  batch(rows: readonly Cell[][], lateWatermark: bigint | null, watermark: bigint | null): string[] {
    const gap = BigInt(GAP);
    for (const r of rows) {
      const t = r[0] as bigint;
      if (lateWatermark !== null && t + gap <= lateWatermark) {
        this.late++;
        continue;
      }
      const key = `${show(r[1])} | ${show(r[2])}`;
      const amount = r[3] as bigint | null;
      const list = this.byKey.get(key) ?? [];
      list.push({ start: t, end: t + gap, n: 1n, nAmount: amount === null ? 0n : 1n, total: amount, smallest: amount });
      this.byKey.set(key, list);
    }
    for (const [key, list] of this.byKey) {
      list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      const merged: RefSession[] = [];
      for (const s of list) {
        const last = merged[merged.length - 1];
        if (last !== undefined && s.start <= last.end) {
          if (s.end > last.end) last.end = s.end;
          last.n += s.n;
          last.nAmount += s.nAmount;
          last.total = s.total === null ? last.total : (last.total ?? 0n) + s.total;
          last.smallest = s.smallest === null ? last.smallest : last.smallest === null || s.smallest < last.smallest ? s.smallest : last.smallest;
        } else merged.push({ ...s });
      }
      this.byKey.set(key, merged);
    }
    const out: string[] = [];
    for (const [key, list] of this.byKey) {
      const open = list.filter((s) => watermark === null || s.end > watermark);
      for (const s of list) if (!open.includes(s)) out.push(line(key, s));
      if (open.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, open);
    }
    return out.sort();
  }

  all(): string[] {
    const out: string[] = [];
    for (const [key, list] of this.byKey) for (const s of list) out.push(line(key, s));
    return out.sort();
  }
}

function line(key: string, s: RefSession): string {
  return [`${s.start}n`, `${s.end}n`, key, `${s.n}n`, `${s.nAmount}n`, show(s.total), show(s.smallest)].join(' | ');
}

function lines(rows: Cell[][]): string[] {
  return rows.map((r) => r.map(show).join(' | ')).sort();
}

const WORDS = ['a', 'é', '日本語', ''];

function randomEvents(rand: () => number, n: number, from: number, span: number): Cell[][] {
  const rows: Cell[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push([
      BigInt(from + randomInt(rand, 0, span)),
      rand() < 0.1 ? null : randomInt(rand, 0, 3),
      rand() < 0.1 ? null : WORDS[randomInt(rand, 0, WORDS.length - 1)],
      rand() < 0.15 ? null : BigInt(randomInt(rand, -100000, 100000)),
    ]);
  }
  return rows;
}

/** The engine's path for one batch: map tasks over chunks, shuffle bytes by partition, per-partition state. */
function engineBatch(
  states: SessionStateTable[], rows: Cell[][], rand: () => number, lateWatermark: number, watermark: number | null,
): { emitted: string[]; late: number; lateRows: number[] } {
  const maps = randomInt(rand, 1, 3);
  const inbox: Uint8Array[][] = states.map(() => []);
  let late = 0;
  const lateRows: number[] = [];
  let at = 0;
  for (let m = 0; m < maps; m++) {
    const to = m === maps - 1 ? rows.length : at + randomInt(rand, 0, rows.length - at);
    const mine = rows.slice(at, to);
    at = to;
    const agg = new PartialSessionAggregator(layout, 4);
    for (let c = 0; c < mine.length;) {
      const chunk = mine.slice(c, c + randomInt(rand, 1, 40));
      const base = rows.indexOf(chunk[0]);
      late += agg.add(batch(input, chunk), lateWatermark, (i) => lateRows.push(base + i));
      c += chunk.length;
    }
    const drained = agg.drainPartitions(P);
    drained.partitions.forEach((p, i) => inbox[i].push(encodeSessionPartials(layout, p)));
  }
  const emitted: string[] = [];
  states.forEach((table, p) => {
    for (const bytes of inbox[p]) table.merge(decodeSessionPartials(layout, bytes));
    const out = watermark === null ? table.allRows() : table.evictClosed(watermark);
    emitted.push(...lines(rowsOf(out)));
  });
  return { emitted: emitted.sort(), late, lateRows };
}

describe('session windows (executor)', () => {
  it('SessionSweep merges overlapping and touching intervals of a key, never across keys', () => {
    const sweep = new SessionSweep();
    const keyOf = Int32Array.of(1, 0, 1, 1, -1, 0, 1);
    const start = Float64Array.of(10, 5, 0, 30, 0, 8, 20);
    const end = Float64Array.of(20, 9, 10, 40, 100, 12, 25);
    const m = sweep.run(7, keyOf, start, end, 2);
    assert.equal(m, 3);
    const sessions = [...Array(m).keys()].map((s) => [sweep.key[s], sweep.start[s], sweep.end[s]]);
    // key 0: [5,9) and [8,12) overlap; key 1: [0,10) touches [10,20), [20,25) touches it, [30,40) apart
    assert.deepEqual(sessions, [[0, 5, 12], [1, 0, 25], [1, 30, 40]]);
    assert.deepEqual([...sweep.target.subarray(0, 7)], [1, 0, 1, 2, -1, 0, 1]);
  });

  it('sorts a key with many items by start (beyond insertion sort)', () => {
    const n = 500;
    const rand = seededRandom(7);
    const keyOf = new Int32Array(n);
    const start = Float64Array.from({ length: n }, () => randomInt(rand, 0, 100_000));
    const end = Float64Array.from(start, (s) => s + 10);
    const sweep = new SessionSweep();
    const m = sweep.run(n, keyOf, start, end, 1);
    const sorted = [...start].sort((a, b) => a - b);
    let expected = 0;
    let curEnd = -Infinity;
    for (const s of sorted) {
      if (s > curEnd) expected++;
      curEnd = Math.max(curEnd, s + 10);
    }
    assert.equal(m, expected);
    for (let s = 1; s < m; s++) assert.ok(sweep.start[s] > sweep.end[s - 1]);
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`matches a sort-and-sweep reference over random batches, map tasks and partitions, with watermarks (seed ${seed})`, () => {
      const rand = seededRandom(seed);
      const ref = new ReferenceSessions();
      let states = Array.from({ length: P }, () => new SessionStateTable(layout, 4));
      let maxSeen = -Infinity;
      let lateWatermark = -Infinity;
      let lateSeen = 0;
      const delay = randomInt(rand, 0, 3) * GAP;
      for (let b = 0; b < 8; b++) {
        const rows = randomEvents(rand, randomInt(rand, 0, 120), T + b * 2 * GAP - 3 * GAP, 6 * GAP);
        for (const r of rows) maxSeen = Math.max(maxSeen, Number(r[0] as bigint));
        // Tributary's rule: late rows by WM(N−1), eviction by WM(N) = max event time so far − delay
        const watermark = maxSeen === -Infinity ? -Infinity : maxSeen - delay;
        const expected = ref.batch(rows, lateWatermark === -Infinity ? null : BigInt(lateWatermark), watermark === -Infinity ? null : BigInt(watermark));
        const got = engineBatch(states, rows, rand, lateWatermark, watermark);
        assert.deepEqual(got.emitted, expected, `batch ${b}`);
        lateSeen += got.late;
        assert.equal(lateSeen, ref.late, `late rows after batch ${b}`);
        for (const i of got.lateRows) assert.ok((rows[i][0] as bigint) + BigInt(GAP) <= BigInt(lateWatermark), `row ${i} named late`);
        lateWatermark = watermark;
        if (rand() < 0.5) {
          // restart: every partition's state from its stored bytes
          states = states.map((t) => {
            const fresh = new SessionStateTable(layout, 4);
            fresh.load(decodeSessionState(layout, encodeSessionState(layout, t.stateRows())));
            return fresh;
          });
        }
      }
      const open = states.flatMap((t) => lines(rowsOf(t.allRows()))).sort();
      assert.deepEqual(open, ref.all());
    });
  }

  it('complete mode: every session after every batch, events of one session spread over batches and map tasks', () => {
    const rand = seededRandom(11);
    const ref = new ReferenceSessions();
    const states = Array.from({ length: P }, () => new SessionStateTable(layout, 4));
    for (let b = 0; b < 5; b++) {
      const rows = randomEvents(rand, 80, T, 20 * GAP);
      ref.batch(rows, null, null);
      const got = engineBatch(states, rows, rand, -Infinity, null);
      assert.deepEqual(got.emitted, ref.all(), `batch ${b}`);
    }
  });

  it('a map task whose sessions pass the compaction threshold mid-task (merged as it goes) matches the reference', () => {
    const rand = seededRandom(21);
    const ref = new ReferenceSessions();
    const rows: Cell[][] = [];
    for (let i = 0; i < 60_000; i++) rows.push([BigInt(T + randomInt(rand, 0, 20 * GAP)), randomInt(rand, 0, 999), WORDS[i % 2], BigInt(randomInt(rand, -50, 50))]);
    ref.batch(rows, null, null);
    const agg = new PartialSessionAggregator(layout, 4);
    let peak = 0;
    for (let c = 0; c < rows.length; c += 5_000) {
      agg.add(batch(input, rows.slice(c, c + 5_000)), -Infinity);
      peak = Math.max(peak, agg.numSessions);
    }
    assert.ok(peak < 30_000, `sessions kept near the distinct sessions, peak ${peak}`);
    const table = new SessionStateTable(layout);
    for (const p of agg.drainPartitions(2).partitions) table.merge(p);
    assert.deepEqual(lines(rowsOf(table.allRows())), ref.all());
  });

  it('a lone int key (the map side caches its key ids) merges as the reference does, nulls and keys out of the cached range included', () => {
    const intSpec: AggregateSpec = {
      ...spec, keys: [{ column: 1, field: input[1] }], aggregates: [spec.aggregates[0]],
      schema: [spec.schema[0], input[1], spec.schema[3]],
    };
    const intLayout = sessionLayout(intSpec, input);
    const rand = seededRandom(33);
    const rows: Cell[][] = [];
    for (let i = 0; i < 30_000; i++) {
      // the first chunk's keys set the cached range; later chunks also hold keys far outside it
      const k = rand() < 0.05 ? null : i >= 3_000 && rand() < 0.05 ? randomInt(rand, -2_000_000_000, 2_000_000_000) : randomInt(rand, 0, 500);
      rows.push([BigInt(T + randomInt(rand, 0, 30 * GAP)), k, 'a', 1n]);
    }
    const agg = new PartialSessionAggregator(intLayout, 4);
    for (let c = 0; c < rows.length; c += 3_000) agg.add(batch(input, rows.slice(c, c + 3_000)), -Infinity);
    const table = new SessionStateTable(intLayout);
    for (const p of agg.drainPartitions(3).partitions) table.merge(p);
    const got = lines(rowsOf(table.allRows()));
    // reference: per key, times sorted, a time ≤ the session's end joins it
    const byKey = new Map<string, bigint[]>();
    for (const r of rows) byKey.set(show(r[1]), [...(byKey.get(show(r[1])) ?? []), r[0] as bigint]);
    const expected: string[] = [];
    for (const [key, times] of byKey) {
      times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let start = times[0];
      let end = start + BigInt(GAP);
      let n = 0n;
      for (const t of times) {
        if (t > end) {
          expected.push([`${start}n`, `${end}n`, key, `${n}n`].join(' | '));
          start = t;
          n = 0n;
        }
        end = t + BigInt(GAP) > end ? t + BigInt(GAP) : end;
        n++;
      }
      expected.push([`${start}n`, `${end}n`, key, `${n}n`].join(' | '));
    }
    assert.deepEqual(got, expected.sort());
  });

  it('a row is late when its session end t + gap ≤ the watermark (Spark), not when t ≤ the watermark', () => {
    const agg = new PartialSessionAggregator(layout);
    const wm = T + GAP;
    const late: number[] = [];
    const rows = [[BigInt(T), 1, 'a', 100n], [BigInt(T + 1), 1, 'a', 200n], [BigInt(T + GAP), 1, 'a', 300n], [null, 1, 'a', 1n]];
    assert.equal(agg.add(batch(input, rows), wm, (i) => late.push(i)), 1);
    assert.deepEqual(late, [0]);
    const drained = agg.drainPartitions(1);
    assert.equal(drained.nullTimeRows, 1);
    assert.deepEqual(rowsOf(drained.partitions[0]), [[BigInt(T + 1), BigInt(T + 2 * GAP), 1, 'a', 2n, 2n, 500n, 200n]]);
  });

  it('gives Spark\'s output row: session_window struct<start,end>, keys, aggregates', () => {
    const table = new SessionStateTable(layout);
    table.merge(batch(layout.stateSchema, [[BigInt(T), BigInt(T + GAP), 2, 'x', 3n, 2n, 700n, 100n]]));
    table.merge(batch(layout.stateSchema, [[BigInt(T + GAP), BigInt(T + 3 * GAP), 2, 'x', 1n, 0n, null, null]]));
    const out = sessionOutputRows(layout, table.evictClosed(T + 3 * GAP));
    assert.deepEqual(out.schema, spec.schema);
    assert.equal(out.count, 1);
    const w = out.columns[0] as { children: { values: Float64Array }[] };
    assert.deepEqual([w.children[0].values[0], w.children[1].values[0]], [T, T + 3 * GAP]);
    assert.deepEqual(rowsOf({ ...out, columns: out.columns.slice(1) }), [[2, 'x', 4n, 2n, 700n, 100n]]);
    assert.equal(table.numSessions, 0);
  });

  it('partitions partial sessions by their keys only, so one key always meets at one partition', () => {
    const agg = new PartialSessionAggregator(layout);
    const rows: Cell[][] = [];
    for (let i = 0; i < 50; i++) rows.push([BigInt(T + i * 10 * GAP), i % 7, 'k', 1n]);
    agg.add(batch(input, rows), -Infinity);
    const drained = agg.drainPartitions(4);
    const partitionOfKey = new Map<number, number>();
    drained.partitions.forEach((p, i) => {
      for (const r of rowsOf(p)) {
        const k = r[2] as number;
        assert.equal(partitionOfKey.get(k) ?? i, i, `key ${k} in two partitions`);
        partitionOfKey.set(k, i);
      }
    });
    assert.equal(partitionOfKey.size, 7);
    assert.equal(drained.partitions.reduce((a, p) => a + p.count, 0), 50);
  });

  it('refuses state bytes of another gap', () => {
    const other = sessionLayout({ ...spec, session: { column: 0, gapMicros: 2 * GAP } }, input);
    const bytes = encodeSessionState(other, batch(other.stateSchema, []));
    assert.throws(() => decodeSessionState(layout, bytes), /session_gap_micros/);
  });
});
