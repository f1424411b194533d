/**
 * Merging session intervals, Spark's MergingSessionsIterator on typed arrays: items (key id, start,
 * end) are sorted by key, then by start, and swept once; an item whose start ≤ the current
 * session's end (same key) joins it and extends its end, any other item starts a new session. So
 * sessions that overlap or touch (end = next start) merge, as in Spark.
 *
 * The sort is a counting sort by key id (ids are dense, 0 … numKeys−1), then a sort by start within
 * each key: insertion sort for the usual few items of a key, the typed-array sort beyond that.
 * Nothing is allocated per item; the output arrays are reused by the next run.
 */

/** Keys with more items than this are sorted by the typed-array sort instead of by insertion. */
const INSERTION_SORT_MAX = 32;

export class SessionSweep {
  /** Item i → its merged session (0 … count−1), −1 for skipped items (key id < 0). */
  target = new Int32Array(0);
  /** The merged sessions, ordered by key id then start: key id, start and end (µs). */
  key = new Int32Array(0);
  start = new Float64Array(0);
  end = new Float64Array(0);
  /** How many merged sessions the last run made. */
  count = 0;
  private order = new Int32Array(0);
  private counts = new Int32Array(0);

  /**
   * Merges items 0 … n−1 (keyOf[i] < 0: skipped). Returns the number of merged sessions; the
   * results are in `target`, `key`, `start` and `end` until the next run.
   */
  run(n: number, keyOf: Int32Array, start: Float64Array, end: Float64Array, numKeys: number): number {
    this.ensure(n, numKeys);
    const order = this.order;
    const counts = this.counts;
    counts.fill(0, 0, numKeys + 1);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const k = keyOf[i];
      if (k >= 0) {
        counts[k + 1]++;
        kept++;
      }
    }
    for (let k = 0; k < numKeys; k++) counts[k + 1] += counts[k];
    // counts[k] is now where key k's items begin; fill, advancing counts[k] to where they end
    for (let i = 0; i < n; i++) {
      const k = keyOf[i];
      if (k >= 0) order[counts[k]++] = i;
    }
    let from = 0;
    for (let k = 0; k < numKeys; k++) {
      const to = counts[k];
      if (to - from > 1) sortByStart(order, from, to, start);
      from = to;
    }
    const target = this.target;
    const mk = this.key;
    const ms = this.start;
    const me = this.end;
    let count = 0;
    let curKey = -1;
    let curEnd = -Infinity;
    for (let j = 0; j < kept; j++) {
      const i = order[j];
      const k = keyOf[i];
      const s = start[i];
      const e = end[i];
      if (k === curKey && s <= curEnd) {
        if (e > curEnd) {
          curEnd = e;
          me[count - 1] = e;
        }
      } else {
        curKey = k;
        curEnd = e;
        mk[count] = k;
        ms[count] = s;
        me[count] = e;
        count++;
      }
      target[i] = count - 1;
    }
    for (let i = 0; i < n; i++) if (keyOf[i] < 0) target[i] = -1;
    this.count = count;
    return count;
  }

  private ensure(n: number, numKeys: number): void {
    if (this.target.length < n) {
      const cap = Math.max(n, this.target.length * 2);
      this.target = new Int32Array(cap);
      this.key = new Int32Array(cap);
      this.start = new Float64Array(cap);
      this.end = new Float64Array(cap);
      this.order = new Int32Array(cap);
    }
    if (this.counts.length < numKeys + 1) this.counts = new Int32Array(Math.max(numKeys + 1, this.counts.length * 2));
  }
}

/** Sorts order[from, to) by start[order[j]] ascending. */
function sortByStart(order: Int32Array, from: number, to: number, start: Float64Array): void {
  if (to - from <= INSERTION_SORT_MAX) {
    for (let j = from + 1; j < to; j++) {
      const item = order[j];
      const s = start[item];
      let p = j - 1;
      while (p >= from && start[order[p]] > s) {
        order[p + 1] = order[p];
        p--;
      }
      order[p + 1] = item;
    }
    return;
  }
  order.subarray(from, to).sort((a, b) => start[a] - start[b]);
}
