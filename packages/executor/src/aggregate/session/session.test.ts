import assert from 'node:assert/strict';
import { AggregateSpec, DOUBLE, INT, LONG, STRING, TIMESTAMP, decimalType, sqlField, structType } from '@tributary/common';
import { randomInt, seededRandom } from '../reference-model.test-support';
import { makeAccumulator } from '../group-by/accumulators';
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

// ---- avg and approx_count_distinct over sessions

const aggInput = [
  sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('amount', decimalType(12, 2)), sqlField('qty', INT), sqlField('x', DOUBLE), sqlField('v', STRING),
];
const aggSpec: AggregateSpec = {
  window: null,
  session: { column: 0, gapMicros: GAP },
  keys: [{ column: 1, field: aggInput[1] }],
  aggregates: [
    { fn: 'avg', column: 2, field: sqlField('avg_amount', decimalType(16, 6)) },
    { fn: 'avg', column: 3, field: sqlField('avg_qty', DOUBLE) },
    { fn: 'avg', column: 4, field: sqlField('avg_x', DOUBLE) },
    { fn: 'approx_count_distinct', column: 5, field: sqlField('distinct_v', LONG, false), relativeSD: 0.05 },
    { fn: 'approx_count_distinct', column: 3, field: sqlField('distinct_qty', LONG, false), relativeSD: 0.02 },
    { fn: 'count', column: null, field: sqlField('n', LONG, false) },
  ],
  schema: [
    sqlField('session_window', WINDOW_STRUCT, false), aggInput[1], sqlField('avg_amount', decimalType(16, 6)), sqlField('avg_qty', DOUBLE),
    sqlField('avg_x', DOUBLE), sqlField('distinct_v', LONG, false), sqlField('distinct_qty', LONG, false), sqlField('n', LONG, false),
  ],
};
const aggLayout = sessionLayout(aggSpec, aggInput);

/** Exact decimal average at 4 more digits of scale, HALF_UP (away from zero on ties), unscaled. */
function halfUpAvg(sum: bigint, n: bigint): bigint {
  const a = sum * 10_000n;
  const q = a / n;
  const r = a - q * n;
  const twice = 2n * (r < 0n ? -r : r);
  return twice >= n ? q + (a < 0n ? -1n : 1n) : q;
}

interface AggSession { start: bigint; end: bigint; key: string; rows: Cell[][] }

/** Sessions of all rows by sort and sweep, per key. */
function refAggSessions(rows: readonly Cell[][]): AggSession[] {
  const byKey = new Map<string, Cell[][]>();
  for (const r of rows) {
    const list = byKey.get(show(r[1]));
    if (list === undefined) byKey.set(show(r[1]), [r]);
    else list.push(r);
  }
  const out: AggSession[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => ((a[0] as bigint) < (b[0] as bigint) ? -1 : (a[0] as bigint) > (b[0] as bigint) ? 1 : 0));
    let cur: AggSession | null = null;
    for (const r of list) {
      const t = r[0] as bigint;
      if (cur !== null && t <= cur.end) {
        if (t + BigInt(GAP) > cur.end) cur.end = t + BigInt(GAP);
        cur.rows.push(r);
      } else {
        cur = { start: t, end: t + BigInt(GAP), key, rows: [r] };
        out.push(cur);
      }
    }
  }
  return out;
}

/** Runs rows through map tasks (random chunks), shuffle bytes, partition states; state reloaded from its bytes. */
function aggEngineBatch(states: SessionStateTable[], rows: Cell[][], rand: () => number): SessionStateTable[] {
  const inbox: Uint8Array[][] = states.map(() => []);
  const maps = randomInt(rand, 1, 3);
  let at = 0;
  for (let m = 0; m < maps; m++) {
    const to = m === maps - 1 ? rows.length : at + randomInt(rand, 0, rows.length - at);
    const agg = new PartialSessionAggregator(aggLayout, 4);
    for (let c = at; c < to;) {
      const size = randomInt(rand, 1, 400);
      agg.add(batch(aggInput, rows.slice(c, Math.min(to, c + size))), -Infinity);
      c += size;
    }
    at = to;
    agg.drainPartitions(states.length).partitions.forEach((p, i) => inbox[i].push(encodeSessionPartials(aggLayout, p)));
  }
  return states.map((table, p) => {
    for (const bytes of inbox[p]) table.merge(decodeSessionPartials(aggLayout, bytes));
    const fresh = new SessionStateTable(aggLayout, 4);
    fresh.load(decodeSessionState(aggLayout, encodeSessionState(aggLayout, table.stateRows())));
    return fresh;
  });
}

/** Output rows as [start, end, key, avg_amount, avg_qty, avg_x, distinct_v, distinct_qty, n]. */
function aggOutput(rows: ReturnType<SessionStateTable['allRows']>): Cell[][] {
  const out = sessionOutputRows(aggLayout, rows);
  assert.deepEqual(out.schema, aggSpec.schema);
  const w = out.columns[0] as { children: { values: Float64Array }[] };
  return rowsOf({ ...out, columns: out.columns.slice(1), schema: out.schema.slice(1) })
    .map((r, i) => [BigInt(w.children[0].values[i]), BigInt(w.children[1].values[i]), ...r]);
}

function expectExact(got: Cell[][], expected: AggSession[], what: string): Map<string, Cell[]> {
  const byBounds = new Map<string, Cell[]>();
  for (const r of got) byBounds.set(`${r[0]} ${r[1]} ${show(r[2])}`, r);
  assert.equal(got.length, expected.length, `${what}: sessions`);
  for (const s of expected) {
    const id = `${s.start} ${s.end} ${s.key}`;
    const r = byBounds.get(id);
    assert.ok(r !== undefined, `${what}: session ${id} missing`);
    const amounts = s.rows.map((x) => x[2]).filter((a) => a !== null) as bigint[];
    const qtys = s.rows.map((x) => x[3]).filter((a) => a !== null) as number[];
    const xs = s.rows.map((x) => x[4]).filter((a) => a !== null) as number[];
    const avgAmount = amounts.length === 0 ? null : halfUpAvg(amounts.reduce((a, b) => a + b, 0n), BigInt(amounts.length));
    const avgQty = qtys.length === 0 ? null : Number(qtys.reduce((a, b) => a + BigInt(b), 0n)) / qtys.length;
    const avgX = xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.deepEqual(r.slice(3, 6), [avgAmount, avgQty, avgX], `${what}: averages of ${id}`);
    assert.equal(r[8], BigInt(s.rows.length), `${what}: count of ${id}`);
    const distinct: [Cell, number][] = [
      [r[6], new Set(s.rows.map((x) => x[5]).filter((a) => a !== null)).size],
      [r[7], new Set(qtys).size],
    ];
    for (const [[est, exact], rsd] of [[distinct[0], 0.05], [distinct[1], 0.02]] as [[Cell, number], number][]) {
      assert.ok(Math.abs(Number(est) - exact) <= 3 * rsd * exact + 1, `${what}: approx_count_distinct of ${id} is ${est}, exact ${exact}`);
    }
  }
  return byBounds;
}

describe('session windows: avg and approx_count_distinct', () => {
  it('lays out avg as a sum and a count, approx_count_distinct as registers, and says the sketch width in the state', () => {
    assert.deepEqual(aggLayout.stateSchema.slice(3).map((f) => `${f.name}: ${f.type.kind}`), [
      'avg_amount.sum: decimal', 'avg_amount.count: long', 'avg_qty.sum: decimal', 'avg_qty.count: long', 'avg_x.sum: double', 'avg_x.count: long',
      'distinct_v: binary', 'distinct_qty: binary', 'n: long',
    ]);
    const other = sessionLayout({ ...aggSpec, aggregates: aggSpec.aggregates.map((a) => (a.fn === 'approx_count_distinct' ? { ...a, relativeSD: 0.01 } : a)) }, aggInput);
    const bytes = encodeSessionState(other, batch(other.stateSchema, []));
    assert.throws(() => decodeSessionState(aggLayout, bytes), /approx_count_distinct\(p=14\)/);
  });

  it('an average beyond its decimal type fails naming the session and the key (avg(decimal(38,18)) is decimal(38,22))', () => {
    const wideInput = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('d', decimalType(38, 18))];
    const wide = sessionLayout({
      window: null, session: { column: 0, gapMicros: GAP }, keys: [{ column: 1, field: wideInput[1] }],
      aggregates: [{ fn: 'avg', column: 2, field: sqlField('a', decimalType(38, 22)) }],
      schema: [sqlField('session_window', WINDOW_STRUCT, false), wideInput[1], sqlField('a', decimalType(38, 22))],
    }, wideInput);
    const agg = new PartialSessionAggregator(wide);
    // 10^17 as decimal(38,18): the average 10^17 needs 18 integer digits, decimal(38,22) has 16
    agg.add(batch(wideInput, [[BigInt(T), 7, 10n ** 35n], [BigInt(T + 1), 7, 10n ** 35n]]), -Infinity);
    const table = new SessionStateTable(wide);
    for (const p of agg.drainPartitions(1).partitions) table.merge(p);
    assert.throws(() => sessionOutputRows(wide, table.allRows()), (err: Error) => {
      assert.equal(err.name, 'DecimalOverflowError');
      assert.match(err.message, /avg\(d\) overflows decimal\(38,22\) for session \[2024-05-01T12:05:00\.000000Z, 2024-05-01T12:06:00\.000001Z\), k=7/);
      return true;
    });
  });

  for (const seed of [41, 42, 43]) {
    it(`avg (decimal HALF_UP, int, double; nulls skipped) and approx_count_distinct of sessions merged within map tasks, across map tasks, partitions and batches, state reloaded (seed ${seed})`, () => {
      const rand = seededRandom(seed);
      const all: Cell[][] = [];
      let states = Array.from({ length: P }, () => new SessionStateTable(aggLayout, 4));
      for (let b = 0; b < 6; b++) {
        const rows: Cell[][] = [];
        for (let i = 0, n = randomInt(rand, 0, 300); i < n; i++) {
          rows.push([
            BigInt(T + randomInt(rand, 0, 30 * GAP)),
            randomInt(rand, 0, 4),
            rand() < 0.2 ? null : BigInt(randomInt(rand, -1_000_000, 1_000_000)),
            rand() < 0.2 ? null : randomInt(rand, -2_000_000_000, 2_000_000_000),
            rand() < 0.2 ? null : randomInt(rand, -4000, 4000) / 4,
            rand() < 0.2 ? null : WORDS[randomInt(rand, 0, WORDS.length - 1)] + String(randomInt(rand, 0, 30)),
          ]);
        }
        // a key whose only values are null: its averages are null, its distinct counts 0
        if (b === 2) rows.push([BigInt(T + 3 * GAP), 99, null, null, null, null]);
        all.push(...rows);
        states = aggEngineBatch(states, rows, rand);
        expectExact(states.flatMap((t) => aggOutput(t.allRows())), refAggSessions(all), `complete, batch ${b}`);
      }
      const nulls = states.flatMap((t) => aggOutput(t.allRows())).filter((r) => r[2] === 99);
      assert.deepEqual(nulls.map((r) => r.slice(3)), [[null, null, null, 0n, 0n, 1n]]);
      // append: every session closes at once, emitted through eviction
      expectExact(states.flatMap((t) => aggOutput(t.evictClosed(Number.MAX_SAFE_INTEGER))), refAggSessions(all), 'evicted');
      assert.equal(states.reduce((a, t) => a + t.numSessions, 0), 0);
    });
  }

  it('approx_count_distinct of large sessions assembled from fragments of many batches and map tasks: the sketch of a one-pass read, within 3·rsd', () => {
    const rand = seededRandom(77);
    const keys = 3;
    const perKey = 10_000;
    // half a gap apart: one session per key over all rows, many fragments over a batch's eighth of them
    const rows: Cell[][] = [];
    for (let k = 0; k < keys; k++) {
      for (let i = 0; i < perKey; i++) rows.push([BigInt(T + i * (GAP / 2)), k, BigInt(i), k * 1_000_000 + i, 0.5, `v${k}:${i % 5000}`]);
    }
    // shuffled: each batch holds scattered pieces of each session, joined only by later batches
    for (let i = rows.length - 1; i > 0; i--) {
      const j = randomInt(rand, 0, i);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    let states = Array.from({ length: P }, () => new SessionStateTable(aggLayout, 4));
    const batches = 8;
    for (let b = 0; b < batches; b++) {
      states = aggEngineBatch(states, rows.slice((b * rows.length) / batches, ((b + 1) * rows.length) / batches), rand);
      if (b === 0) assert.ok(states.reduce((a, t) => a + t.numSessions, 0) > keys, 'the first batch leaves several fragments per key');
    }
    const expected = refAggSessions(rows);
    assert.equal(expected.length, keys);
    const got = expectExact(states.flatMap((t) => aggOutput(t.allRows())), expected, 'large');
    // the merged registers are those of one pass over all the session's values (register-wise max is order-free)
    const qtyPart = aggLayout.parts.findIndex((p) => p.stateField.name === 'distinct_qty');
    const state = states.flatMap((t) => rowsOf(t.allRows()));
    for (let k = 0; k < keys; k++) {
      const one = makeAccumulator(aggLayout.parts[qtyPart], () => 'k');
      one.ensureCapacity(1);
      one.initGroups(0, 1);
      const values = rows.filter((r) => r[1] === k);
      one.update(new Int32Array(values.length), values.length, batch(aggInput, values).columns[3]);
      const registers = rowsOf({ count: 1, schema: [aggLayout.parts[qtyPart].stateField], columns: [one.output(null, 1)] })[0][0];
      const row = state.find((r) => r[2] === k) as Cell[];
      assert.deepEqual(row[3 + qtyPart], registers, `key ${k}: registers`);
      const est = Number(got.get(`${T} ${T + (perKey - 1) * (GAP / 2) + GAP} ${show(k)}`)?.[7]);
      assert.ok(Math.abs(est - perKey) <= 3 * 0.02 * perKey, `key ${k}: estimate ${est} of ${perKey}`);
    }
  });
});
