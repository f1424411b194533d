/**
 * A cache in front of a GroupKeyTable whose keys are one int (or date) column and at most one
 * string (or binary) column, with or without a window: (window start, tag, key value) → group id + 1
 * in one typed array per (window, tag), indexed by the key's offset from a base. The tag is the
 * string's id in the table's dictionary of that column (−1 when there is no string key). A lookup
 * is one access into an array of at most MAX_SPAN words, which stays in the caches, instead of
 * hashing the key row and probing the table's index and key rows.
 *
 *   per window, tag Int32Array(span): entry k = 1 + group id of key value base + k, 0 = not known
 *   base, span      from the first rows seen: span = the keys' range and a quarter more each side,
 *                   a power of two ≤ MAX_SPAN; keys seen later outside [base, base + span) are
 *                   never cached (the table finds them)
 *   windows         at most maxArrays arrays over all windows and tags (1 MiB each at MAX_SPAN):
 *                   DIRECT_ARRAYS_MAP_SIDE for a map task's table (cleared every task),
 *                   DIRECT_ARRAYS_STATE for a shuffle partition's state table (a few live windows;
 *                   its arrays are made again after each eviction); rows of other (window, tag)
 *                   pairs are left to the table. A sliding window of 10 minutes every minute puts a batch of
 *                   ten seconds of events in 11 windows: 8 left a quarter of its rows to the table
 *
 * A window's array, once made, knows every group of that window whose key is in range: the rows
 * that made it were all resolved by the table and remembered, every later row of the window in
 * range is looked up here first, and a compacted table's groups are all recorded again
 * (rememberGroup). A window gets an array only while fewer than maxArrays have one, so a window
 * whose groups were made without one never gets one later (the same holds per tag). Arrays are
 * only added until the next forget(), so while fewer than maxArrays exist none was ever refused:
 * a (window, tag) without an array then has no group of an in-range key, and lookup() makes its
 * array on the spot (empty, and right) instead of leaving its first rows to the table. So a miss in
 * an existing array is a new group, which lookup() adds itself through `groups.appendDirect` (the
 * table appends the key row without probing its index) and records; a row the cache cannot answer
 * (a null key or tag, a key out of range, a window and tag without an array) is left for the
 * table, and remember() records the table's answer. Group ids and dictionary ids change only when
 * the table is cleared or compacted: then forget() empties the cache. A first range wider than
 * MAX_SPAN turns the cache off for good (lookup() answers no row).
 */
import { TWO_32 } from './key-columns';

const MAX_SPAN = 1 << 18;
/** Arrays of a map task's cache (≤ 32 MiB); of a state table's (≤ 8 MiB per shuffle partition). */
export const DIRECT_ARRAYS_MAP_SIDE = 32;
export const DIRECT_ARRAYS_STATE = 8;
/** The row is not known to the cache (groupOf value written by lookup()). */
export const UNKNOWN = -2;

/** Where lookup() adds the new groups it is sure of (GroupKeyTable.appendDirect). */
export interface DirectGroups {
  /** Adds the group (window start, tag, key), known to be absent, and returns its id. */
  appendDirect(windowStart: number, tag: number, key: number): number;
}

export class DirectIntKeys {
  private base = 0;
  private span = 0;
  private off = false;
  /** Per window start: the arrays by tag (index tag + 1; index 0 when there is no string key). */
  private readonly windows = new Map<number, (Int32Array | undefined)[]>();
  private arrays = 0;
  private readonly free: Int32Array[] = [];
  /** For tables without a window: the one array. */
  private single: Int32Array | null = null;

  constructor(private readonly hasWindow: boolean, private readonly groups: DirectGroups | null = null, private readonly maxArrays = DIRECT_ARRAYS_MAP_SIDE) {}

  /** Bytes of the arrays held (free ones included). */
  get memoryBytes(): number {
    return (this.arrays + this.free.length) * this.span * 4 + (this.single === null ? 0 : this.single.byteLength);
  }

  /** Whether lookups can answer (a range is set and the cache is not off). */
  get active(): boolean {
    return this.span > 0 && !this.off;
  }

  /**
   * Writes groupOf[i] for rows 0..n−1: −1 when skip[i] = 1, the group id when the cache knows it or
   * adds it (a miss in a window's array, with `groups`), UNKNOWN otherwise. `tags`: each row's
   * string id, −1 for a null string (such rows are left to the table), or null without a string
   * key. Returns how many rows are UNKNOWN.
   */
  lookup(n: number, windowStart: Float64Array | null, keys: Int32Array, validity: Uint8Array | null, tags: Int32Array | null, skip: Uint8Array | null, groupOf: Int32Array): number {
    if (this.span === 0 && !this.off) this.setRange(n, keys, validity, skip);
    if (this.off) {
      for (let i = 0; i < n; i++) groupOf[i] = skip !== null && skip[i] === 1 ? -1 : UNKNOWN;
      return skip === null ? n : countUnknown(groupOf, n);
    }
    const base = this.base;
    const span = this.span;
    const groups = this.groups;
    let unknown = 0;
    let lastWindow = NaN;
    let lastTag = -2;
    let w = 0;
    let tag = -1;
    let byTag: (Int32Array | undefined)[] | null = null;
    let array: Int32Array | null = tags === null ? this.single : null;
    for (let i = 0; i < n; i++) {
      if (skip !== null && skip[i] === 1) {
        groupOf[i] = -1;
        continue;
      }
      if (tags !== null) {
        tag = tags[i];
        if (windowStart !== null) w = windowStart[i];
        if (w !== lastWindow || tag !== lastTag) {
          if (w !== lastWindow) byTag = this.windows.get(w) ?? null;
          lastWindow = w;
          lastTag = tag;
          array = tag < 0 ? null : (byTag === null ? null : byTag[tag + 1] ?? null) ?? this.fresh(w, tag);
          if (array !== null && byTag === null) byTag = this.windows.get(w) ?? null;
        }
      } else if (windowStart !== null) {
        w = windowStart[i];
        if (w !== lastWindow) {
          lastWindow = w;
          byTag = this.windows.get(w) ?? null;
          array = (byTag === null ? null : byTag[0] ?? null) ?? this.fresh(w, -1);
        }
      }
      const k = keys[i] - base;
      if (array === null || k < 0 || k >= span || (validity !== null && validity[i] === 0)) {
        groupOf[i] = UNKNOWN;
        unknown++;
        continue;
      }
      const v = array[k];
      if (v !== 0) groupOf[i] = v - 1;
      else if (groups !== null) {
        const g = groups.appendDirect(w, tag, keys[i]);
        array[k] = g + 1;
        groupOf[i] = g;
      } else {
        groupOf[i] = UNKNOWN;
        unknown++;
      }
    }
    return unknown;
  }

  /** Records the table's group ids of the rows lookup() left UNKNOWN (those with settled[i] = 0). */
  remember(n: number, windowStart: Float64Array | null, keys: Int32Array, validity: Uint8Array | null, tags: Int32Array | null, settled: Uint8Array, groupOf: Int32Array): void {
    if (this.off || this.span === 0) return;
    const base = this.base;
    const span = this.span;
    let lastWindow = NaN;
    let lastTag = -2;
    let array: Int32Array | null = this.hasWindow || tags !== null ? null : (this.single ??= new Int32Array(span));
    for (let i = 0; i < n; i++) {
      if (settled[i] === 1) continue;
      const k = keys[i] - base;
      if (k < 0 || k >= span || (validity !== null && validity[i] === 0)) continue;
      if (tags !== null) {
        const tag = tags[i];
        if (tag < 0) continue;
        const w = windowStart === null ? 0 : windowStart[i];
        if (w !== lastWindow || tag !== lastTag) {
          lastWindow = w;
          lastTag = tag;
          array = this.arrayOf(w, tag);
        }
      } else if (windowStart !== null) {
        const w = windowStart[i];
        if (w !== lastWindow) {
          lastWindow = w;
          array = this.arrayOf(w, -1);
        }
      }
      if (array !== null) array[k] = groupOf[i] + 1;
    }
  }

  /**
   * Records group g of (window start, tag, key) (the table's groups after a compaction, after
   * forget()); tag −1 when there is no string key. Without a window, `windowStart` is 0.
   */
  rememberGroup(windowStart: number, tag: number, key: number, g: number): void {
    if (this.off || this.span === 0) return;
    const k = key - this.base;
    if (k < 0 || k >= this.span) return;
    const array = this.hasWindow || tag >= 0 ? this.arrayOf(windowStart, tag) : (this.single ??= new Int32Array(this.span));
    if (array !== null) array[k] = g + 1;
  }

  /** Drops every cached id (the table was cleared or its groups renumbered); keeps the range. */
  forget(): void {
    for (const byTag of this.windows.values()) for (const a of byTag) if (a !== undefined) this.free.push(a);
    this.windows.clear();
    this.arrays = 0;
    this.single?.fill(0);
  }

  /**
   * For lookup(), with `groups` and a range only: a new array for (window start, tag), which has
   * none (null when maxArrays exist, or while no key has set the range: an array made then would
   * have no room).
   */
  private fresh(w: number, tag: number): Int32Array | null {
    return this.groups === null || this.span === 0 ? null : this.arrayOf(w, tag);
  }

  /** The array of (window start, tag), made if fewer than maxArrays exist; else null. */
  private arrayOf(w: number, tag: number): Int32Array | null {
    let byTag = this.windows.get(w);
    const known = byTag?.[tag + 1];
    if (known !== undefined) return known;
    if (this.arrays >= this.maxArrays) return null;
    const reused = this.free.pop();
    if (reused !== undefined) reused.fill(0);
    const array = reused ?? new Int32Array(this.span);
    if (byTag === undefined) this.windows.set(w, (byTag = []));
    byTag[tag + 1] = array;
    this.arrays++;
    return array;
  }

  private setRange(n: number, keys: Int32Array, validity: Uint8Array | null, skip: Uint8Array | null): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      if ((skip !== null && skip[i] === 1) || (validity !== null && validity[i] === 0)) continue;
      const k = keys[i];
      if (k < min) min = k;
      if (k > max) max = k;
    }
    if (min === Infinity) return; // no key seen yet: decide on later rows
    const range = max - min + 1;
    let span = 1024;
    while (span < range * 1.5 && span < MAX_SPAN) span *= 2;
    if (range > span) {
      this.off = true;
      return;
    }
    this.span = span;
    // centred, so that keys a little below the first rows' minimum are cached too
    this.base = Math.max(-TWO_32 / 2, Math.floor(min - (span - range) / 2));
  }
}

function countUnknown(groupOf: Int32Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (groupOf[i] === UNKNOWN) c++;
  return c;
}
