import assert from 'node:assert/strict';
import { DIRECT_ARRAYS_MAP_SIDE } from './direct-int-keys';
import { AggregateSpec, INT, LONG, SqlField, TIMESTAMP, sqlField } from '@tributary/common';
import { int32LittleEndian, randomInt, refMurmur3Bytes, seededRandom } from '../reference-model.test-support';
import { Cell, batch, rowsOf, sortedLines } from './group-by.test-support';
import { WindowLayout, groupLayout } from './group-layout';
import { groupHashes } from './group-partition';
import { GroupTable } from './group-table';
import { latestStarts, tumblingPass, windowPass, windowsPerRow } from './window-assignment';

const MIN = 60_000_000;
const T = 1_714_565_100_000_000; // 2024-05-01T12:05:00Z

/**
 * The windows holding t, enumerated from the definition alone: every start = startTime + j·slide
 * (j any integer) with start ≤ t < start + size, in BigInt.
 */
function refWindows(t: bigint, size: bigint, slide: bigint, startTime: bigint): bigint[] {
  const out: bigint[] = [];
  // a j surely below the first window holding t, then walk up while the start is ≤ t
  let j = (t - startTime - size) / slide - 2n;
  for (; startTime + j * slide <= t; j++) {
    const s = startTime + j * slide;
    if (t < s + size) out.push(s);
  }
  return out;
}

/** The windows window-assignment.ts gives each time, as sorted lists of starts. */
function assigned(times: number[], w: WindowLayout, lateWatermark = -Infinity): bigint[][] {
  const n = times.length;
  const t = Float64Array.from(times);
  const last = new Float64Array(n);
  const nullTime = new Uint8Array(n);
  latestStarts(n, t, null, w, last, nullTime);
  const out: bigint[][] = times.map(() => []);
  const starts = new Float64Array(n);
  const skip = new Uint8Array(n);
  for (let k = 0; k < windowsPerRow(w); k++) {
    windowPass(k, n, t, last, nullTime, w, lateWatermark, starts, skip);
    for (let i = 0; i < n; i++) if (skip[i] === 0) out[i].push(BigInt(starts[i]));
  }
  return out.map((l) => l.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

const layout = (size: number, slide: number, start = 0): WindowLayout => ({ column: 0, sizeMicros: size, slideMicros: slide, startMicros: start });

describe('window assignment (Spark TimeWindowing: sliding and tumbling windows)', () => {
  it('puts a row in the 10 windows of 10 minutes every minute that hold it, end exclusive', () => {
    const w = layout(10 * MIN, MIN);
    const [onStart, inside] = assigned([T, T + 30_000_000], w);
    // T is a window start: windows [T − 9 min, T + 1 min) … [T, T + 10 min); [T − 10 min, T) ends at T and does not hold it
    assert.deepEqual(onStart, Array.from({ length: 10 }, (_, k) => BigInt(T - (9 - k) * MIN)));
    assert.deepEqual(inside, onStart);
  });

  it('matches an independent enumeration: before the epoch, with startTime offsets, with slides that do not divide the size', () => {
    const rand = seededRandom(8);
    const cases: [size: number, slide: number, start: number][] = [
      [10 * MIN, MIN, 0],
      [10 * MIN, MIN, 15_000_000],
      [10 * MIN, MIN, -15_000_000],
      [12 * MIN, 5 * MIN, 0], // ⌈12/5⌉ = 3 candidates, sometimes only 2 hold the time
      [12 * MIN, 5 * MIN, 2 * MIN],
      [12 * MIN, 5 * MIN, -4 * MIN],
      [7, 3, 1], // tiny µs windows: every residue is hit
      [7, 3, -2],
      [5 * MIN, 5 * MIN, 0], // tumbling
      [5 * MIN, 5 * MIN, MIN],
    ];
    for (const [size, slide, start] of cases) {
      const w = layout(size, slide, start);
      const times: number[] = [];
      for (let i = 0; i < 400; i++) {
        const around = [0, T, -T, -1, 1][i % 5];
        times.push(around + randomInt(rand, -3 * size, 3 * size));
      }
      times.push(start, start - 1, start + slide, start + size, start + size - 1);
      const got = assigned(times, w);
      times.forEach((t, i) => {
        const want = refWindows(BigInt(t), BigInt(size), BigInt(slide), BigInt(start));
        assert.deepEqual(got[i], want, `t=${t} size=${size} slide=${slide} start=${start}`);
        assert.ok(want.length >= Math.floor(size / slide) && want.length <= windowsPerRow(w));
      });
    }
  });

  it('tumblingPass: the windows, skips, late rows (in row order), null times and max time of latestStarts + windowPass(0)', () => {
    const rand = seededRandom(11);
    for (const [size, start] of [[5 * MIN, 0], [5 * MIN, MIN], [7, -3], [10 * MIN, -4 * MIN]]) {
      const w = layout(size, size, start);
      const n = 600;
      const times = new Float64Array(n);
      const validity = new Uint8Array(n).fill(1);
      for (let i = 0; i < n; i++) {
        const around = [0, T, -T, T + 3 * size][i % 4];
        // runs of rows in one window (the loop's cached window), then jumps back and forth
        times[i] = i % 50 < 30 ? around + (i % 50) : around + randomInt(rand, -3 * size, 3 * size);
        if (i % 17 === 5) validity[i] = 0;
      }
      for (const watermark of [-Infinity, T + size, T + 2 * size]) {
        const last = new Float64Array(n);
        const nullTime = new Uint8Array(n);
        const ref = latestStarts(n, times, validity, w, last, nullTime);
        const refStarts = new Float64Array(n);
        const refSkip = new Uint8Array(n);
        const refPass = windowPass(0, n, times, last, nullTime, w, watermark, refStarts, refSkip);
        const starts = new Float64Array(n);
        const skip = new Uint8Array(n);
        const lateRows: number[] = [];
        const got = tumblingPass(n, times, validity, w, watermark, starts, skip, (i) => lateRows.push(i));
        assert.deepEqual(skip, refSkip);
        for (let i = 0; i < n; i++) if (skip[i] === 0) assert.equal(starts[i], refStarts[i], `row ${i}`);
        assert.deepEqual(got, { kept: refPass.kept, late: refPass.late, nullTimeRows: ref.nullTimeRows, maxTimeMicros: ref.maxTimeMicros });
        const wantLate: number[] = [];
        for (let i = 0; i < n; i++) if (nullTime[i] === 0 && last[i] + size <= watermark) wantLate.push(i);
        assert.deepEqual(lateRows, wantLate);
        if (watermark !== -Infinity) assert.ok(lateRows.length > 0 && got.kept > 0, 'some rows late, some kept');
      }
    }
    assert.throws(() => tumblingPass(1, Float64Array.of(0.5), null, layout(5 * MIN, 5 * MIN), -Infinity, new Float64Array(1), new Uint8Array(1)), /not an integer/);
    // a fractional time inside the window of the row before it is refused too (not only at a window change)
    assert.throws(() => tumblingPass(2, Float64Array.of(T, T + 0.5), null, layout(5 * MIN, 5 * MIN), -Infinity, new Float64Array(2), new Uint8Array(2)), /row 1: event time .* not an integer/);
    assert.throws(() => tumblingPass(1, Float64Array.of(0), null, layout(10 * MIN, MIN), -Infinity, new Float64Array(1), new Uint8Array(1)), /sliding/);
  });

  it('drops only the windows whose end ≤ the late watermark: a row can be late for its older windows only', () => {
    const w = layout(10 * MIN, MIN);
    const t = T + 30_000_000; // windows end at T + 1 min … T + 10 min
    const [kept] = assigned([t], w, T + 3 * MIN);
    assert.deepEqual(kept, Array.from({ length: 7 }, (_, k) => BigInt(T - 6 * MIN + k * MIN)));
    assert.deepEqual(assigned([t], w, T + 10 * MIN), [[]]);
  });
});

describe('GroupTable with a sliding window', () => {
  const input: SqlField[] = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('v', LONG)];
  const spec = (size: number, slide: number, start: number): AggregateSpec => ({
    window: { column: 0, sizeMicros: size, slideMicros: slide, startMicros: start },
    keys: [{ column: 1, field: input[1] }],
    aggregates: [
      { fn: 'count', column: null, field: sqlField('n', LONG, false) },
      { fn: 'sum', column: 2, field: sqlField('total', LONG) },
    ],
    schema: [],
  });

  it('counts and sums every (window, key) as the enumeration does, late rows and null times included', () => {
    const rand = seededRandom(12);
    for (const [size, slide, start] of [[10 * MIN, MIN, 0], [12 * MIN, 5 * MIN, -MIN]] as const) {
      const rows: Cell[][] = [];
      for (let i = 0; i < 3000; i++) {
        const t = i % 97 === 0 ? null : BigInt(T + randomInt(rand, -30 * MIN, 30 * MIN));
        rows.push([t, randomInt(rand, 0, 4), BigInt(randomInt(rand, -100, 100))]);
      }
      const watermark = T - 5 * MIN;
      const table = new GroupTable(groupLayout(spec(size, slide, start), input), 16, DIRECT_ARRAYS_MAP_SIDE);
      const late: number[] = [];
      const result = table.addRows(batch(input, rows.slice(0, 1700)), watermark, (r) => late.push(r));
      const result2 = table.addRows(batch(input, rows.slice(1700)), watermark, (r) => late.push(1700 + r));
      // the reference: each row into every window holding its time whose end > watermark
      const groups = new Map<string, [bigint, number, bigint, bigint]>();
      const refLate: number[] = [];
      let refLateWindows = 0;
      rows.forEach(([t, k, v], i) => {
        if (t === null) return;
        const holding = refWindows(t as bigint, BigInt(size), BigInt(slide), BigInt(start));
        const open = holding.filter((s) => s + BigInt(size) > BigInt(watermark));
        refLateWindows += holding.length - open.length;
        if (open.length === 0) refLate.push(i);
        for (const s of open) {
          const key = `${s}|${k}`;
          const g = groups.get(key) ?? [s, k as number, 0n, 0n];
          g[2] += 1n;
          g[3] += v as bigint;
          groups.set(key, g);
        }
      });
      assert.deepEqual(sortedLines(rowsOf(table.rows())), sortedLines([...groups.values()]));
      assert.deepEqual(late, refLate);
      assert.equal(result.lateRows + result2.lateRows, refLate.length);
      assert.equal(result.lateWindowRows + result2.lateWindowRows, refLateWindows);
      assert.ok(refLateWindows > refLate.length * Math.floor(size / slide), 'some rows are late for some of their windows only');
      assert.equal(result.nullTimeRows + result2.nullTimeRows, rows.filter((r) => r[0] === null).length);
      assert.ok(refLate.length > 100 && groups.size > 40, `the data has late rows (${refLate.length}) and many groups (${groups.size})`);
    }
  });

  it("hashes a sliding window's group as Spark's struct<start, start + size> (not start + slide)", () => {
    const layout = groupLayout(spec(10 * MIN, MIN, 0), input);
    const table = new GroupTable(layout);
    table.addRows(batch(input, [[BigInt(T), 7, 1n]]), -Infinity);
    const rows = table.rows();
    const le64 = (v: number): Uint8Array => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
      return b;
    };
    const starts = rowsOf(rows).map((r) => Number(r[0]));
    const want = starts.map((s) => refMurmur3Bytes(int32LittleEndian(7), refMurmur3Bytes(le64(s + 10 * MIN), refMurmur3Bytes(le64(s), 42) | 0) | 0) | 0);
    assert.equal(starts.length, 10);
    assert.deepEqual([...groupHashes(rows, layout)], want);
    assert.deepEqual([...table.groupHashes()], want);
  });

  it('refuses a slide longer than the window and a startTime as long as the slide', () => {
    assert.throws(() => groupLayout(spec(MIN, 2 * MIN, 0), input), /slide/);
    assert.throws(() => groupLayout(spec(10 * MIN, MIN, -MIN), input), /start/);
  });
});
