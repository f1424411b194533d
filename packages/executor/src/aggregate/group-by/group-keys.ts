/**
 * The groups of one table: composite key (window start?, key values…) → dense group id 0, 1, 2, …
 * in order of first appearance, as an open-addressing hash table on typed arrays.
 *
 * Each group's key is a fixed-width row of int32 words, so finding a group costs one hash and a
 * word-by-word comparison whatever the key types are:
 *
 *   flags          ⌈2·keys / 32⌉ words: bit 2c = key c is null, bit 2c+1 = key c is a wide exact
 *                  integer (|v| ≥ 2^53, held in the column's wide list; its word is the list index)
 *   window start   2 words, the int64 µs (low, high)
 *   per key        boolean, int, date: 1 word, the value
 *                  long, timestamp, decimal: 2 words, the int64 (low, high) of the unscaled value
 *                  double: 2 words, the IEEE bits with −0.0 → 0.0 and every NaN → one NaN (Spark's
 *                  NormalizeFloatingNumbers: such values group together)
 *                  string, binary: 1 word, the id in the table's BytesDictionary of that column
 *   a null key has zero words and its null bit set, so NULL is one group of its own.
 *
 * Rows are encoded column at a time into a scratch word matrix, then inserted in one loop; nothing
 * is allocated per row. Groups are never deleted one by one: retain() compacts the table (and its
 * dictionaries) to the groups kept, which is how closed windows leave state.
 */
import { BytesVector, Int32Vector, SqlField, Vector } from '@tributary/common';
import { BytesDictionary } from './bytes-dictionary';
import { DirectIntKeys, UNKNOWN } from './direct-int-keys';
import {
  KeyColumn, TWO_32, compactKeyColumn, decodeKeyColumn, describeValue, encodeKeyColumn, hashKeyColumn, keyColumnWidth, makeKeyColumn,
} from './key-columns';
import { SPARK_HASH_SEED, hashLong, hashLongWords } from './spark-hash';

/** How many rows ahead findOrInsert starts loading a row's index slot (twice that) and key words. */
const AHEAD = 8;

export class GroupKeyTable {
  /** Number of groups. */
  size = 0;
  readonly width: number;
  readonly hasWindow: boolean;
  private readonly flagWords: number;
  private readonly columns: KeyColumn[];
  private keyWords: Int32Array;
  private hashes: Int32Array;
  /**
   * Linear-probing index, one word per slot: group id + 1 (0 = empty). A probe compares the key
   * words at once (no hash kept in the slot: on a hit the key words are read anyway, and half the
   * index's memory keeps more of it in cache).
   */
  private slots: Int32Array;
  private mask: number;
  private rowWords = new Int32Array(0);
  private rowHashes = new Int32Array(0);
  /** The row index of each entry of rowHashes (probe()). */
  private todo = new Int32Array(0);
  /** The loads started ahead (findOrInsert) are kept here, so that they are not optimised away. */
  private touched = 0;
  /**
   * A cache of the groups of an int or date key, alone or beside one string or binary key
   * (direct-int-keys.ts), when asked for; the key column indexes it reads.
   */
  private readonly direct: DirectIntKeys | null;
  private readonly directInt: number;
  private readonly directTag: number;
  private settled = new Uint8Array(0);
  /** appendDirect()'s last window start and its words (rows come window by window). */
  private appendWindow = NaN;
  private appendLow = 0;
  private appendHigh = 0;
  private tags = new Int32Array(0);

  /**
   * `directArrays` > 0: keep a DirectIntKeys cache of at most that many arrays (1 MiB each at
   * most) in front of the table when its keys are one int or date and at most one string or
   * binary (direct-int-keys.ts: DIRECT_ARRAYS_MAP_SIDE, DIRECT_ARRAYS_STATE); 0: no cache.
   */
  constructor(hasWindow: boolean, keyFields: readonly SqlField[], initialGroups = 1024, directArrays = 0) {
    this.hasWindow = hasWindow;
    this.flagWords = Math.ceil((2 * keyFields.length) / 32);
    let offset = this.flagWords + (hasWindow ? 2 : 0);
    this.columns = keyFields.map((field, c) => {
      const col = makeKeyColumn(field, c, offset);
      offset += keyColumnWidth(col.kind);
      return col;
    });
    this.width = offset;
    let slotCount = 16;
    while (slotCount < initialGroups * 2) slotCount *= 2;
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    this.keyWords = new Int32Array((slotCount / 2) * Math.max(1, this.width));
    this.hashes = new Int32Array(slotCount / 2);
    const isInt = (c: number): boolean => keyFields[c].type.kind === 'int' || keyFields[c].type.kind === 'date';
    const isBytes = (c: number): boolean => this.columns[c].kind === 'bytes';
    let int = -1;
    let tag = -1;
    if (keyFields.length === 1 && isInt(0)) int = 0;
    else if (keyFields.length === 2 && isInt(0) && isBytes(1)) [int, tag] = [0, 1];
    else if (keyFields.length === 2 && isBytes(0) && isInt(1)) [int, tag] = [1, 0];
    this.directInt = int;
    this.directTag = tag;
    this.direct = directArrays > 0 && int >= 0 ? new DirectIntKeys(hasWindow, this, directArrays) : null;
  }

  /**
   * The key rows of groups 0..size−1 (`width` words each, layout above), the key columns and the
   * flag words a row starts with: read-only, for copies of the whole table (group-image.ts).
   */
  get rowWordsOfGroups(): Int32Array {
    return this.keyWords;
  }

  get keyColumns(): readonly KeyColumn[] {
    return this.columns;
  }

  get flagWordCount(): number {
    return this.flagWords;
  }

  /** Bytes of the typed arrays the table holds (index, key rows, hashes, dictionaries; capacity included). */
  get memoryBytes(): number {
    let bytes = this.slots.byteLength + this.keyWords.byteLength + this.hashes.byteLength;
    for (const col of this.columns) bytes += col.dictionary?.memoryBytes ?? 0;
    return bytes + (this.direct?.memoryBytes ?? 0);
  }

  /** Whether a DirectIntKeys cache answers lookups (for tests and logs). */
  get directKeysActive(): boolean {
    return this.direct?.active ?? false;
  }

  /** Capacity in groups before the next growth (accumulators size their arrays to it). */
  get capacity(): number {
    return (this.mask + 1) / 2;
  }

  /**
   * Writes the group id of rows 0..n−1 into groupOf (−1 for rows with skip[i] = 1), adding groups
   * as needed. `windowStart` (µs, integers) is read when the table has a window; `keys` are the key
   * columns in key order. Returns how many groups were added.
   */
  findOrInsert(n: number, windowStart: Float64Array | null, keys: readonly Vector[], skip: Uint8Array | null, groupOf: Int32Array): number {
    const direct = this.direct;
    if (direct === null) {
      if (skip !== null) for (let i = 0; i < n; i++) if (skip[i] === 1) groupOf[i] = -1;
      return this.probe(n, windowStart, keys, skip, groupOf);
    }
    const key = keys[this.directInt] as Int32Vector;
    const tags = this.directTag < 0 ? null : this.tagsOf(n, keys[this.directTag] as BytesVector, skip);
    const before = this.size;
    if (direct.lookup(n, windowStart, key.values, key.validity, tags, skip, groupOf) === 0) return this.size - before;
    if (this.settled.length < n) this.settled = new Uint8Array(Math.max(n, this.settled.length * 2));
    const settled = this.settled;
    for (let i = 0; i < n; i++) settled[i] = groupOf[i] === UNKNOWN ? 0 : 1;
    this.probe(n, windowStart, keys, settled, groupOf);
    direct.remember(n, windowStart, key.values, key.validity, tags, settled, groupOf);
    return this.size - before;
  }

  /** The dictionary id of each row's string key (−1 for a null or skipped row), for the cache. */
  private tagsOf(n: number, v: BytesVector, skip: Uint8Array | null): Int32Array {
    if (this.tags.length < n) this.tags = new Int32Array(Math.max(n, this.tags.length * 2));
    const tags = this.tags;
    const dict = this.columns[this.directTag].dictionary as BytesDictionary;
    const { offsets, data, validity } = v;
    for (let i = 0; i < n; i++) {
      tags[i] = (skip !== null && skip[i] === 1) || (validity !== null && validity[i] === 0) ? -1 : dict.idOf(data, offsets[i], offsets[i + 1]);
    }
    return tags;
  }

  /**
   * Adds the group (window start, string id `tag` (−1: none), int key), which the DirectIntKeys
   * cache knows to be absent: its key row and hash, without a probe of the index. The index does
   * not hold it until the next growth (which indexes every group); no probe looks for it before,
   * because the cache answers every row of its window, tag and key range until the table is
   * cleared or compacted.
   */
  appendDirect(windowStart: number, tag: number, key: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const g = this.size++;
    const W = this.width;
    const b = g * W;
    const kw = this.keyWords;
    for (let f = 0; f < this.flagWords; f++) kw[b + f] = 0;
    const o = this.flagWords;
    if (this.hasWindow) {
      if (windowStart !== this.appendWindow) {
        this.appendWindow = windowStart;
        this.appendHigh = Math.floor(windowStart / TWO_32);
        this.appendLow = windowStart - this.appendHigh * TWO_32;
      }
      kw[b + o] = this.appendLow;
      kw[b + o + 1] = this.appendHigh;
    }
    kw[b + this.columns[this.directInt].offset] = key;
    if (tag >= 0) kw[b + this.columns[this.directTag].offset] = tag;
    this.hashes[g] = hashWords(kw, b, W);
    return g;
  }

  /** findOrInsert() of the rows with skip[i] ≠ 1; the others' groupOf is left as it is. */
  private probe(n: number, windowStart: Float64Array | null, keys: readonly Vector[], skip: Uint8Array | null, groupOf: Int32Array): number {
    const W = this.width;
    if (this.rowWords.length < n * W) this.rowWords = new Int32Array(Math.max(n * W, this.rowWords.length * 2));
    const words = this.rowWords;
    if (this.flagWords > 0) for (let i = 0; i < n; i++) for (let f = 0; f < this.flagWords; f++) words[i * W + f] = 0;
    if (this.hasWindow) {
      const ws = windowStart as Float64Array;
      const o = this.flagWords;
      let last = NaN;
      let low = 0;
      let high = 0;
      for (let i = 0; i < n; i++) {
        const v = ws[i];
        if (v !== last) {
          last = v;
          high = Math.floor(v / TWO_32);
          low = v - high * TWO_32;
        }
        words[i * W + o] = low;
        words[i * W + o + 1] = high;
      }
    }
    for (let c = 0; c < this.columns.length; c++) encodeKeyColumn(this.columns[c], keys[c], n, words, W, skip);

    // Hashes first, in a pass of their own; the probe loop then starts each row's loads of the index
    // and of its candidate's key words AHEAD rows early, so that the cache misses of a table larger
    // than the caches overlap instead of following one another.
    // The rows to probe, in order: all of them, or those not skipped (after a DirectIntKeys lookup
    // or with a sliding window's pass, most rows may be skipped; their stale hashes must not be
    // prefetched, each would cost a cache miss for nothing).
    if (this.rowHashes.length < n) {
      this.rowHashes = new Int32Array(Math.max(n, this.rowHashes.length * 2));
      this.todo = new Int32Array(this.rowHashes.length);
    }
    const rowHashes = this.rowHashes;
    const todo = this.todo;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (skip !== null && skip[i] === 1) continue;
      rowHashes[m] = hashWords(words, i * W, W);
      todo[m++] = i;
    }
    const before = this.size;
    let slots = this.slots;
    let keyWords = this.keyWords;
    let mask = this.mask;
    let touched = 0;
    for (let j = 0; j < m; j++) {
      if (j + 2 * AHEAD < m) touched ^= slots[rowHashes[j + 2 * AHEAD] & mask];
      if (j + AHEAD < m) {
        const v = slots[rowHashes[j + AHEAD] & mask];
        if (v !== 0) touched ^= keyWords[(v - 1) * W];
      }
      const i = todo[j];
      const base = i * W;
      const h = rowHashes[j];
      let slot = h & mask;
      let g = -1;
      for (;;) {
        const v = slots[slot];
        if (v === 0) break;
        const cb = (v - 1) * W;
        let k = 0;
        while (k < W && keyWords[cb + k] === words[base + k]) k++;
        if (k === W) {
          g = v - 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
      if (g < 0) {
        g = this.insert(words, base, h, slot);
        slots = this.slots;
        keyWords = this.keyWords;
        mask = this.mask;
      }
      groupOf[i] = g;
    }
    this.touched = touched;
    return this.size - before;
  }

  /** Empties the table for reuse, keeping its arrays. */
  clear(): void {
    if (this.size > 0) this.slots.fill(0);
    this.direct?.forget();
    this.size = 0;
    for (const col of this.columns) {
      col.dictionary?.clear();
      col.hasNull = false;
      if (col.wide.length > 0) {
        col.wide = [];
        col.wideIndex = new Map();
      }
    }
  }

  /**
   * Spark's hash of each group's window and keys (the definition in group-partition.ts), computed
   * from the key words and the dictionaries' bytes: equal to groupHashes() over the decoded rows.
   * Groups 0..size−1 into `out`.
   */
  sparkHashes(windowSizeMicros: number, out: Int32Array): void {
    const W = this.width;
    const kw = this.keyWords;
    const n = this.size;
    for (let g = 0; g < n; g++) out[g] = SPARK_HASH_SEED;
    if (this.hasWindow) {
      const o = this.flagWords;
      // every group of a window starts from the same hash: groups come mostly window by window
      let lastLow = 0;
      let lastHigh = 0;
      let lastHash = 0;
      let known = false;
      for (let g = 0; g < n; g++) {
        const low = kw[g * W + o];
        const high = kw[g * W + o + 1];
        if (!known || low !== lastLow || high !== lastHigh) {
          const start = high * TWO_32 + (low >>> 0);
          lastHash = hashLong(start + windowSizeMicros, hashLongWords(low, high, SPARK_HASH_SEED));
          lastLow = low;
          lastHigh = high;
          known = true;
        }
        out[g] = lastHash;
      }
    }
    for (const col of this.columns) hashKeyColumn(col, kw, W, n, out);
  }

  /** Window start (µs) of group g (the table must have a window). */
  windowStartOf(g: number): number {
    const b = g * this.width + this.flagWords;
    return this.keyWords[b + 1] * TWO_32 + (this.keyWords[b] >>> 0);
  }

  /**
   * The window starts of `count` groups into a new array. Step i reads group groups[i] (i when
   * null) and writes row dest[i] (i when null): a gather, or a scatter when dest is set.
   */
  windowStarts(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[dest === null ? i : dest[i]] = this.windowStartOf(groups === null ? i : groups[i]);
    return out;
  }

  /** The key columns of `count` groups, as new vectors (groups and dest as for windowStarts). */
  keyVectors(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector[] {
    return this.columns.map((col) => decodeKeyColumn(col, this.keyWords, this.width, groups, count, dest));
  }

  /** Key values of group g as text, for error messages. */
  describe(g: number): string {
    const vs = this.keyVectors(Int32Array.of(g), 1);
    return this.columns
      .map((col, c) => `${col.field.name}=${describeValue(vs[c])}`)
      .join(', ');
  }

  /**
   * Keeps the groups with keep[g] = 1, renumbered densely in their old order, and rebuilds the
   * dictionaries from them. Returns old id → new id (−1 for dropped groups).
   */
  retain(keep: Uint8Array): Int32Array {
    const W = this.width;
    const remap = new Int32Array(this.size).fill(-1);
    const old = this.keyWords;
    const oldSize = this.size;
    let kept = 0;
    for (let g = 0; g < oldSize; g++) if (keep[g] === 1) remap[g] = kept++;
    const words = new Int32Array(Math.max(kept, 1) * W);
    for (let g = 0; g < oldSize; g++) {
      const r = remap[g];
      if (r >= 0) for (let k = 0; k < W; k++) words[r * W + k] = old[g * W + k];
    }
    for (const col of this.columns) compactKeyColumn(col, words, W, kept);
    this.direct?.forget();
    this.size = 0;
    this.slots.fill(0);
    for (let r = 0; r < kept; r++) {
      const h = hashWords(words, r * W, W);
      let slot = h & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.insert(words, r * W, h, slot);
    }
    if (this.direct !== null) {
      // The cache must know every kept group of the windows it keeps (it adds the groups it misses).
      const col = this.columns[this.directInt];
      const tagCol = this.directTag < 0 ? null : this.columns[this.directTag];
      for (let r = 0; r < kept; r++) {
        if ((words[r * W + col.flagWord] & col.nullBit) !== 0) continue;
        if (tagCol !== null && (words[r * W + tagCol.flagWord] & tagCol.nullBit) !== 0) continue;
        const tag = tagCol === null ? -1 : words[r * W + tagCol.offset];
        this.direct.rememberGroup(this.hasWindow ? this.windowStartOf(r) : 0, tag, words[r * W + col.offset], r);
      }
    }
    return remap;
  }

  private insert(words: Int32Array, base: number, h: number, slot: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      slot = h & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    }
    const g = this.size++;
    const W = this.width;
    const keyWords = this.keyWords;
    for (let k = 0; k < W; k++) keyWords[g * W + k] = words[base + k];
    this.hashes[g] = h;
    this.slots[slot] = g + 1;
    return g;
  }

  private grow(): void {
    const slotCount = (this.mask + 1) * 2;
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    const keyWords = new Int32Array((slotCount / 2) * Math.max(1, this.width));
    keyWords.set(this.keyWords);
    this.keyWords = keyWords;
    const hashes = new Int32Array(slotCount / 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    for (let g = 0; g < this.size; g++) {
      let slot = hashes[g] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = g + 1;
    }
  }
}

function hashWords(words: Int32Array, base: number, W: number): number {
  let h = 0x9747b28c | 0; // an int32, as the stored hashes are (also when there are no key words)
  for (let k = 0; k < W; k++) {
    h = Math.imul(h ^ words[base + k], 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h;
}
