/**
 * Which time windows a row belongs to: Spark's TimeWindowing rule (ResolveTimeWindows.scala) for
 * window(time, size, slide, startTime), exact on integer µs held in Float64 (also before the epoch).
 *
 *   latest start     last = t − pmod(t − startTime, slide)       (the last window start ≤ t)
 *   window k         [last − k·slide, last − k·slide + size),     k = 0 … ⌈size / slide⌉ − 1
 *   kept             only the windows that hold t: start ≤ t < end (end exclusive). When slide
 *                    divides size every k holds t; otherwise the largest k may not (Spark's Filter
 *                    after its Expand drops it the same way)
 *
 * A tumbling window is the case slide = size: one window per row. Window k = 0 holds t and has the
 * latest end of the row's windows, so a row is late for all its windows exactly when window 0's
 * end ≤ the watermark; a row can be late for its older windows only (they closed and were emitted)
 * and still count in its newer ones, as in Spark.
 *
 * The map side runs one pass per k over a batch's columns (GroupTable.addRows): latestStarts() once,
 * then windowPass(k) fills the k-th window start of every row and which rows it skips. A tumbling
 * window has one pass, so tumblingPass() does all of it in one loop over the rows.
 */
import { EXACT_LIMIT } from '@tributary/common';
import { WindowLayout } from './group-layout';

/** 2^53, held in a module constant: the package's export is a getter, costly in row loops. */
const EXACT = EXACT_LIMIT;

/** ⌈size / slide⌉: the windows per row that the passes enumerate (some may be skipped). */
export function windowsPerRow(w: WindowLayout): number {
  return Math.ceil(w.sizeMicros / w.slideMicros);
}

export interface LatestStartsResult {
  /** Rows whose time is null (skip[i] = 1, no window). */
  readonly nullTimeRows: number;
  /** Max non-null time (−Infinity if none). */
  readonly maxTimeMicros: number;
}

/**
 * For rows 0..n−1 of the time column: last[i] = the latest window start ≤ times[i] (see above) and
 * nullTime[i] = 1 when the time is null (last[i] is then left as it was). Throws on a time that is
 * not an integer below 2^53 in magnitude.
 */
export function latestStarts(
  n: number, times: Float64Array, validity: Uint8Array | null, w: WindowLayout, last: Float64Array, nullTime: Uint8Array,
): LatestStartsResult {
  const slide = w.slideMicros;
  const origin = w.startMicros;
  let nullTimeRows = 0;
  let maxT = -Infinity;
  // the current slide step [curStart, curEnd): in-order times skip the (slow) floating-point %
  let curStart = 0;
  let curEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) {
      nullTime[i] = 1;
      nullTimeRows++;
      continue;
    }
    nullTime[i] = 0;
    const t = times[i];
    if (t > maxT) maxT = t;
    if (!(t - Math.floor(t) === 0 && t < EXACT && t > -EXACT)) {
      throw new RangeError(`row ${i}: event time ${t} is not an integer of µs below 2^53`);
    }
    if (!(t >= curStart && t < curEnd)) {
      let rem = (t - origin) % slide;
      if (rem < 0) rem += slide;
      curStart = t - rem;
      curEnd = curStart + slide;
    }
    last[i] = curStart;
  }
  return { nullTimeRows, maxTimeMicros: maxT };
}

export interface WindowPassResult {
  /** Rows window k keeps (skip[i] = 0). */
  readonly kept: number;
  /** Rows whose window k holds their time but had closed (end ≤ the late watermark). */
  readonly late: number;
}

/**
 * Window k of every row: starts[i] = last[i] − k·slide, and skip[i] = 1 when the row has no window
 * (nullTime[i] = 1), when window k does not hold times[i], or when it is late (end ≤
 * lateWatermarkMicros).
 */
export function windowPass(
  k: number, n: number, times: Float64Array, last: Float64Array, nullTime: Uint8Array, w: WindowLayout, lateWatermarkMicros: number,
  starts: Float64Array, skip: Uint8Array,
): WindowPassResult {
  const offset = k * w.slideMicros;
  const size = w.sizeMicros;
  let kept = 0;
  let late = 0;
  for (let i = 0; i < n; i++) {
    if (nullTime[i] === 1) {
      skip[i] = 1;
      continue;
    }
    const s = last[i] - offset;
    const end = s + size;
    starts[i] = s;
    if (end <= times[i]) skip[i] = 1;
    else if (end <= lateWatermarkMicros) {
      skip[i] = 1;
      late++;
    } else {
      skip[i] = 0;
      kept++;
    }
  }
  return { kept, late };
}

export interface TumblingPassResult {
  /** Rows kept (skip[i] = 0): a non-null time in a window not closed. */
  readonly kept: number;
  /** Rows whose window had closed (end ≤ the late watermark): skipped, and handed to onLate. */
  readonly late: number;
  readonly nullTimeRows: number;
  /** Max non-null time, late rows included (−Infinity if none). */
  readonly maxTimeMicros: number;
}

/**
 * latestStarts() and windowPass(0) of a tumbling window (slide = size) in one loop: starts[i] = the
 * row's window start, skip[i] = 1 when its time is null or its window is late (end ≤
 * lateWatermarkMicros; onLate(i) is then called, in row order). Throws as latestStarts() does.
 */
export function tumblingPass(
  n: number, times: Float64Array, validity: Uint8Array | null, w: WindowLayout, lateWatermarkMicros: number,
  starts: Float64Array, skip: Uint8Array, onLate?: (row: number) => void,
): TumblingPassResult {
  if (w.slideMicros !== w.sizeMicros) throw new RangeError(`tumblingPass() of a sliding window (${w.sizeMicros} µs every ${w.slideMicros} µs)`);
  const size = w.sizeMicros;
  const origin = w.startMicros;
  let nullTimeRows = 0;
  let late = 0;
  let maxT = -Infinity;
  // the current window [curStart, curEnd) and whether it is late: in-order times skip the % and the test
  let curStart = 0;
  let curEnd = -Infinity;
  let curLate = 0;
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) {
      skip[i] = 1;
      nullTimeRows++;
      continue;
    }
    const t = times[i];
    if (t > maxT) maxT = t;
    if (!(t - Math.floor(t) === 0 && t < EXACT && t > -EXACT)) {
      throw new RangeError(`row ${i}: event time ${t} is not an integer of µs below 2^53`);
    }
    if (!(t >= curStart && t < curEnd)) {
      let rem = (t - origin) % size;
      if (rem < 0) rem += size;
      curStart = t - rem;
      curEnd = curStart + size;
      curLate = curEnd <= lateWatermarkMicros ? 1 : 0;
    }
    starts[i] = curStart;
    skip[i] = curLate;
    if (curLate === 1) {
      late++;
      if (onLate !== undefined) onLate(i);
    }
  }
  return { kept: n - late - nullTimeRows, late, nullTimeRows, maxTimeMicros: maxT };
}
