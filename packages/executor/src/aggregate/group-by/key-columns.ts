/**
 * One key column of a GroupKeyTable: how its values become key words and back (the word layout is
 * documented in group-keys.ts), how its values hash for the shuffle (Spark's hash, from the words
 * and the dictionary's bytes), and how its dictionary or wide list is compacted.
 */
import { BytesVector, ExactVector, SqlField, SqlType, Vector, exactBigInt, formatUnscaled } from '@tributary/common';
import { BytesDictionary } from './bytes-dictionary';
import { hashBytes, hashDecimal, hashInt, hashLongBig, hashLongWords } from './spark-hash';

export const TWO_32 = 4294967296;
const BIG_EXACT_LIMIT = 2n ** 53n;

export type KeyKind = 'i32' | 'exact' | 'double' | 'bytes';

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

export interface KeyColumn {
  readonly field: SqlField;
  readonly kind: KeyKind;
  /** Offset of the column's first word in a key row. */
  readonly offset: number;
  /** The flags word of this column and its null and wide bits (bits 2c and 2c+1 for column c). */
  readonly flagWord: number;
  readonly nullBit: number;
  readonly wideBit: number;
  readonly dictionary: BytesDictionary | null;
  /** Whether some group has a null in this column (decoding skips the validity scan otherwise). */
  hasNull: boolean;
  /** Wide exact values, by index, and their index by value. */
  wide: bigint[];
  wideIndex: Map<bigint, number>;
}

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

export function makeKeyColumn(field: SqlField, c: number, offset: number): KeyColumn {
  const kind = keyKind(field.type);
  return {
    field,
    kind,
    offset,
    flagWord: c >> 4,
    nullBit: 1 << ((2 * c) & 31),
    wideBit: 1 << ((2 * c + 1) & 31),
    dictionary: kind === 'bytes' ? new BytesDictionary() : null,
    hasNull: false,
    wide: [],
    wideIndex: new Map(),
  };
}

/** Words the column takes in a key row. */
export function keyColumnWidth(kind: KeyKind): number {
  return kind === 'exact' || kind === 'double' ? 2 : 1;
}

/** Writes the column's words (and null/wide flags) of rows 0..n−1 into the key rows `words` of width W. */
export function encodeKeyColumn(col: KeyColumn, v: Vector, n: number, words: Int32Array, W: number, skip: Uint8Array | null): void {
  const o = col.offset;
  const flagWord = col.flagWord;
  const nullBit = col.nullBit;
  const wideBit = col.wideBit;
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

/** The column's values of `count` groups of the key rows `kw` (width W): step i reads group groups[i] (i when null) into row dest[i] (i when null). */
export function decodeKeyColumn(col: KeyColumn, kw: Int32Array, W: number, groups: Int32Array | null, count: number, dest: Int32Array | null): Vector {
  const o = col.offset;
  const flagWord = col.flagWord;
  const nullBit = col.nullBit;
  const wideBit = col.wideBit;
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

/** out[g] = Spark's hash of group g's value in this column, seeded with out[g] (nulls leave it), groups 0..n−1. */
export function hashKeyColumn(col: KeyColumn, kw: Int32Array, W: number, n: number, out: Int32Array): void {
  const o = col.offset;
  const flagWord = col.flagWord;
  const nullBit = col.nullBit;
  const wideBit = col.wideBit;
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

/** Rebuilds the column's dictionary or wide list from the `count` kept key rows in `words`, renumbering their words. */
export function compactKeyColumn(col: KeyColumn, words: Int32Array, W: number, count: number): void {
  const o = col.offset;
  const flagWord = col.flagWord;
  const nullBit = col.nullBit;
  const wideBit = col.wideBit;
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

export function describeValue(v: Vector): string {
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
