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
import { BytesVector, ExactVector, SqlField, SqlType, Vector, exactBigInt, formatUnscaled } from '@tributary/common';
import { BytesDictionary } from './bytes-dictionary';
import { SPARK_HASH_SEED, hashBytes, hashDecimal, hashInt, hashLong, hashLongBig, hashLongWords } from './spark-hash';

const TWO_32 = 4294967296;
const BIG_EXACT_LIMIT = 2n ** 53n;

type KeyKind = 'i32' | 'exact' | 'double' | 'bytes';

function keyKind(t: SqlType): KeyKind {
  switch (t.kind) {
    case 'boolean':
    case 'int':
    case 'date':
      return 'i32';
    case 'long':
    case 'timestamp':
    case 'decimal':
      return 'exact';
    case 'double':
      return 'double';
    case 'string':
    case 'binary':
      return 'bytes';
    default:
      throw new RangeError(`${t.kind} cannot be a group key`);
  }
}

interface KeyColumn {
  readonly field: SqlField;
  readonly kind: KeyKind;
  /** Offset of the column's first word in a key row. */
  readonly offset: number;
  readonly dictionary: BytesDictionary | null;
  /** Whether some group has a null in this column (decoding skips the validity scan otherwise). */
  hasNull: boolean;
  /** Wide exact values, by index, and their index by value. */
  wide: bigint[];
  wideIndex: Map<bigint, number>;
}

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

export class GroupKeyTable {
  /** Number of groups. */
  size = 0;
  readonly width: number;
  readonly hasWindow: boolean;
  private readonly flagWords: number;
  private readonly columns: KeyColumn[];
  private keyWords: Int32Array;
  private hashes: Int32Array;
  /** Linear-probing index, two words per slot: group id + 1 (0 = empty), then the group's hash. */
  private slots: Int32Array;
  private mask: number;
  private rowWords = new Int32Array(0);

  constructor(hasWindow: boolean, keyFields: readonly SqlField[], initialGroups = 1024) {
    this.hasWindow = hasWindow;
    this.flagWords = Math.ceil((2 * keyFields.length) / 32);
    let offset = this.flagWords + (hasWindow ? 2 : 0);
    this.columns = keyFields.map((field) => {
      const kind = keyKind(field.type);
      const col: KeyColumn = {
        field,
        kind,
        offset,
        dictionary: kind === 'bytes' ? new BytesDictionary() : null,
        hasNull: false,
        wide: [],
        wideIndex: new Map(),
      };
      offset += kind === 'exact' || kind === 'double' ? 2 : 1;
      return col;
    });
    this.width = offset;
    let slotCount = 16;
    while (slotCount < initialGroups * 2) slotCount *= 2;
    this.slots = new Int32Array(2 * slotCount);
    this.mask = slotCount - 1;
    this.keyWords = new Int32Array((slotCount / 2) * Math.max(1, this.width));
    this.hashes = new Int32Array(slotCount / 2);
  }

  /** Capacity in groups before the next growth (accumulators size their arrays to it). */
  get capacity(): number {
    return this.hashes.length;
  }

  /**
   * Writes the group id of rows 0..n−1 into groupOf (−1 for rows with skip[i] = 1), adding groups
   * as needed. `windowStart` (µs, integers) is read when the table has a window; `keys` are the key
   * columns in key order. Returns how many groups were added.
   */
  findOrInsert(n: number, windowStart: Float64Array | null, keys: readonly Vector[], skip: Uint8Array | null, groupOf: Int32Array): number {
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
    for (let c = 0; c < this.columns.length; c++) this.encodeColumn(c, keys[c], n, words, skip);

    const before = this.size;
    let slots = this.slots;
    let keyWords = this.keyWords;
    let mask = this.mask;
    for (let i = 0; i < n; i++) {
      if (skip !== null && skip[i] === 1) {
        groupOf[i] = -1;
        continue;
      }
      const base = i * W;
      let h = 0x9747b28c | 0; // an int32, as the stored hashes are (also when there are no key words)
      for (let k = 0; k < W; k++) {
        h = Math.imul(h ^ words[base + k], 0x9e3779b1);
        h ^= h >>> 15;
      }
      let slot = h & mask;
      let g = -1;
      for (;;) {
        const v = slots[2 * slot];
        if (v === 0) break;
        const cand = v - 1;
        if (slots[2 * slot + 1] === h) {
          const cb = cand * W;
          let k = 0;
          while (k < W && keyWords[cb + k] === words[base + k]) k++;
          if (k === W) {
            g = cand;
            break;
          }
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
    return this.size - before;
  }

  /** Empties the table for reuse, keeping its arrays. */
  clear(): void {
    if (this.size > 0) this.slots.fill(0);
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
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c];
      const o = col.offset;
      const flagWord = c >> 4;
      const nullBit = 1 << ((2 * c) & 31);
      const wideBit = 1 << ((2 * c + 1) & 31);
      const t = col.field.type;
      switch (col.kind) {
        case 'i32':
          for (let g = 0; g < n; g++) if ((kw[g * W + flagWord] & nullBit) === 0) out[g] = hashInt(kw[g * W + o], out[g]);
          break;
        case 'double':
          for (let g = 0; g < n; g++) if ((kw[g * W + flagWord] & nullBit) === 0) out[g] = hashLongWords(kw[g * W + o], kw[g * W + o + 1], out[g]);
          break;
        case 'exact':
          for (let g = 0; g < n; g++) {
            const b = g * W;
            const flags = kw[b + flagWord];
            if ((flags & nullBit) !== 0) continue;
            const wide = (flags & wideBit) !== 0;
            if (t.kind === 'decimal' && t.precision > 18) {
              out[g] = hashDecimal(wide ? col.wide[kw[b + o]] : kw[b + o + 1] * TWO_32 + (kw[b + o] >>> 0), t.precision, out[g]);
            } else if (wide) out[g] = hashLongBig(col.wide[kw[b + o]], out[g]);
            else out[g] = hashLongWords(kw[b + o], kw[b + o + 1], out[g]);
          }
          break;
        case 'bytes': {
          const d = col.dictionary as BytesDictionary;
          const data = d.data;
          const offsets = d.offsets;
          for (let g = 0; g < n; g++) {
            if ((kw[g * W + flagWord] & nullBit) !== 0) continue;
            const id = kw[g * W + o];
            out[g] = hashBytes(data, offsets[id], offsets[id + 1], out[g]);
          }
          break;
        }
      }
    }
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
    return this.columns.map((_, c) => this.decodeColumn(c, groups, count, dest));
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
    for (let c = 0; c < this.columns.length; c++) this.compactColumnValues(c, words, kept);
    this.size = 0;
    this.slots.fill(0);
    for (let r = 0; r < kept; r++) {
      const h = hashWords(words, r * W, W);
      let slot = h & this.mask;
      while (this.slots[2 * slot] !== 0) slot = (slot + 1) & this.mask;
      this.insert(words, r * W, h, slot);
    }
    return remap;
  }

  private insert(words: Int32Array, base: number, h: number, slot: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      slot = h & this.mask;
      while (this.slots[2 * slot] !== 0) slot = (slot + 1) & this.mask;
    }
    const g = this.size++;
    const W = this.width;
    const keyWords = this.keyWords;
    for (let k = 0; k < W; k++) keyWords[g * W + k] = words[base + k];
    this.hashes[g] = h;
    this.slots[2 * slot] = g + 1;
    this.slots[2 * slot + 1] = h;
    return g;
  }

  private grow(): void {
    const slotCount = (this.mask + 1) * 2;
    this.slots = new Int32Array(2 * slotCount);
    this.mask = slotCount - 1;
    const keyWords = new Int32Array((slotCount / 2) * Math.max(1, this.width));
    keyWords.set(this.keyWords);
    this.keyWords = keyWords;
    const hashes = new Int32Array(slotCount / 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    for (let g = 0; g < this.size; g++) {
      let slot = hashes[g] & this.mask;
      while (this.slots[2 * slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[2 * slot] = g + 1;
      this.slots[2 * slot + 1] = hashes[g];
    }
  }

  private encodeColumn(c: number, v: Vector, n: number, words: Int32Array, skip: Uint8Array | null): void {
    const col = this.columns[c];
    const W = this.width;
    const o = col.offset;
    const flagWord = c >> 4;
    const nullBit = 1 << ((2 * c) & 31);
    const wideBit = 1 << ((2 * c + 1) & 31);
    const validity = v.validity;
    if (validity !== null) col.hasNull = true;
    switch (col.kind) {
      case 'i32': {
        const values = (v as { values: Int32Array | Uint8Array }).values;
        for (let i = 0; i < n; i++) {
          if (validity !== null && validity[i] === 0) {
            words[i * W + o] = 0;
            words[i * W + flagWord] |= nullBit;
          } else words[i * W + o] = values[i];
        }
        return;
      }
      case 'double': {
        const values = (v as { values: Float64Array }).values;
        for (let i = 0; i < n; i++) {
          const b = i * W + o;
          if (validity !== null && validity[i] === 0) {
            words[b] = 0;
            words[b + 1] = 0;
            words[i * W + flagWord] |= nullBit;
            continue;
          }
          const x = values[i];
          if (x !== x) {
            words[b] = 0;
            words[b + 1] = 0x7ff80000;
          } else {
            f64[0] = x === 0 ? 0 : x;
            words[b] = f64Words[0];
            words[b + 1] = f64Words[1];
          }
        }
        return;
      }
      case 'exact': {
        const ev = v as ExactVector;
        const values = ev.values;
        for (let i = 0; i < n; i++) {
          const b = i * W + o;
          if (validity !== null && validity[i] === 0) {
            words[b] = 0;
            words[b + 1] = 0;
            words[i * W + flagWord] |= nullBit;
            continue;
          }
          const x = values[i];
          if (x === x) {
            const high = Math.floor(x / TWO_32);
            words[b] = x - high * TWO_32;
            words[b + 1] = high;
            continue;
          }
          if (skip !== null && skip[i] === 1) continue;
          const big = exactBigInt(ev, i);
          if (big < BIG_EXACT_LIMIT && big > -BIG_EXACT_LIMIT) {
            const y = Number(big);
            const high = Math.floor(y / TWO_32);
            words[b] = y - high * TWO_32;
            words[b + 1] = high;
            continue;
          }
          let id = col.wideIndex.get(big);
          if (id === undefined) {
            id = col.wide.length;
            col.wide.push(big);
            col.wideIndex.set(big, id);
          }
          words[b] = id;
          words[b + 1] = 0;
          words[i * W + flagWord] |= wideBit;
        }
        return;
      }
      case 'bytes': {
        const bv = v as BytesVector;
        const offsets = bv.offsets;
        const data = bv.data;
        const dict = col.dictionary as BytesDictionary;
        for (let i = 0; i < n; i++) {
          if (validity !== null && validity[i] === 0) {
            words[i * W + o] = 0;
            words[i * W + flagWord] |= nullBit;
          } else if (skip !== null && skip[i] === 1) {
            words[i * W + o] = 0;
          } else words[i * W + o] = dict.idOf(data, offsets[i], offsets[i + 1]);
        }
        return;
      }
    }
  }

  private decodeColumn(c: number, groups: Int32Array | null, count: number, dest: Int32Array | null): Vector {
    const col = this.columns[c];
    const W = this.width;
    const o = col.offset;
    const flagWord = c >> 4;
    const nullBit = 1 << ((2 * c) & 31);
    const wideBit = 1 << ((2 * c + 1) & 31);
    const kw = this.keyWords;
    let validity: Uint8Array | null = null;
    if (col.hasNull) for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      if ((kw[g * W + flagWord] & nullBit) !== 0) {
        if (validity === null) validity = new Uint8Array(count).fill(1);
        validity[r] = 0;
      }
    }
    const type = col.field.type as never;
    switch (col.kind) {
      case 'i32': {
        const values = col.field.type.kind === 'boolean' ? new Uint8Array(count) : new Int32Array(count);
        for (let i = 0; i < count; i++) values[dest === null ? i : dest[i]] = kw[(groups === null ? i : groups[i]) * W + o];
        return { type, validity, values } as Vector;
      }
      case 'double': {
        const values = new Float64Array(count);
        for (let i = 0; i < count; i++) {
          const b = (groups === null ? i : groups[i]) * W + o;
          f64Words[0] = kw[b];
          f64Words[1] = kw[b + 1];
          values[dest === null ? i : dest[i]] = f64[0];
        }
        return { type, validity, values } as Vector;
      }
      case 'exact': {
        const values = new Float64Array(count);
        let wide: Map<number, bigint> | null = null;
        for (let i = 0; i < count; i++) {
          const g = groups === null ? i : groups[i];
          const r = dest === null ? i : dest[i];
          const b = g * W + o;
          if ((kw[g * W + flagWord] & wideBit) !== 0) {
            values[r] = NaN;
            (wide ??= new Map()).set(r, col.wide[kw[b]]);
          } else values[r] = kw[b + 1] * TWO_32 + (kw[b] >>> 0);
        }
        return { type, validity, values, wide } as Vector;
      }
      case 'bytes': {
        const dict = col.dictionary as BytesDictionary;
        // lengths at offsets[r + 1], then their prefix sums, then the bytes
        const offsets = new Int32Array(count + 1);
        for (let i = 0; i < count; i++) {
          const g = groups === null ? i : groups[i];
          if ((kw[g * W + flagWord] & nullBit) === 0) offsets[(dest === null ? i : dest[i]) + 1] = dict.byteLength(kw[g * W + o]);
        }
        for (let r = 0; r < count; r++) offsets[r + 1] += offsets[r];
        const data = new Uint8Array(offsets[count]);
        for (let i = 0; i < count; i++) {
          const g = groups === null ? i : groups[i];
          const r = dest === null ? i : dest[i];
          if ((kw[g * W + flagWord] & nullBit) !== 0) continue;
          const id = kw[g * W + o];
          const src = dict.data;
          let at = offsets[r];
          for (let k = dict.offsets[id], end = dict.offsets[id + 1]; k < end; k++) data[at++] = src[k];
        }
        return { type, validity, offsets, data } as Vector;
      }
    }
  }

  /** Rebuilds column c's dictionary or wide list from the `count` kept key rows in `words`. */
  private compactColumnValues(c: number, words: Int32Array, count: number): void {
    const col = this.columns[c];
    const W = this.width;
    const o = col.offset;
    const flagWord = c >> 4;
    const nullBit = 1 << ((2 * c) & 31);
    const wideBit = 1 << ((2 * c + 1) & 31);
    if (col.kind === 'bytes') {
      const old = col.dictionary as BytesDictionary;
      const fresh = new BytesDictionary(Math.max(16, Math.min(old.size, count)));
      const remap = new Int32Array(old.size).fill(-1);
      for (let r = 0; r < count; r++) {
        if ((words[r * W + flagWord] & nullBit) !== 0) continue;
        const id = words[r * W + o];
        if (remap[id] < 0) remap[id] = fresh.idOf(old.data, old.offsets[id], old.offsets[id + 1]);
        words[r * W + o] = remap[id];
      }
      (col as { dictionary: BytesDictionary }).dictionary = fresh;
    } else if (col.kind === 'exact' && col.wide.length > 0) {
      const oldWide = col.wide;
      col.wide = [];
      col.wideIndex = new Map();
      for (let r = 0; r < count; r++) {
        if ((words[r * W + flagWord] & wideBit) === 0) continue;
        const big = oldWide[words[r * W + o]];
        let id = col.wideIndex.get(big);
        if (id === undefined) {
          id = col.wide.length;
          col.wide.push(big);
          col.wideIndex.set(big, id);
        }
        words[r * W + o] = id;
      }
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

function describeValue(v: Vector): string {
  if (v.validity !== null && v.validity[0] === 0) return 'NULL';
  switch (v.type.kind) {
    case 'string':
      return JSON.stringify(new TextDecoder().decode((v as BytesVector).data));
    case 'binary':
      return `0x${Buffer.from((v as BytesVector).data).toString('hex')}`;
    case 'long':
    case 'timestamp':
    case 'decimal': {
      const big = exactBigInt(v as ExactVector, 0);
      return v.type.kind === 'decimal' ? formatUnscaled(big, v.type.scale) : String(big);
    }
    default:
      return String((v as { values: ArrayLike<number> }).values[0]);
  }
}
