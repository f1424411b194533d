/**
 * Per-file statistics for `add.stats` (PROTOCOL.md, "Per-file Statistics"), computed from the Arrow
 * data written to the file:
 *
 *   {"numRecords":N,"minValues":{...},"maxValues":{...},"nullCount":{...}}
 *
 * Nested structs nest (`{"window":{"start":...,"end":...}}`); nullCount counts a leaf null when it
 * or any enclosing struct is null. Values: integers and decimals as exact JSON numbers (decimal
 * text such as `-0.05`, never a float), timestamps as ISO-8601 UTC strings truncated down to
 * milliseconds (PROTOCOL.md: "Timestamp columns are truncated down to milliseconds"; Delta Kernel
 * writes `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` too), dates as `yyyy-MM-dd`, strings ordered by UTF-8 bytes
 * and cut as Delta cuts them (truncateMinString, truncateMaxString), doubles in Spark's order
 * (NaN greatest) with NaN and infinities as strings. Booleans, binaries and arrays get nullCount
 * only. Partition columns are not in the file and get no stats.
 */
import * as arrow from 'apache-arrow';

const STRING_PREFIX = 32;

/** A JSON number written as given (exact decimals and longs beyond 2^53). */
class RawNumber {
  constructor(readonly text: string) {}
}
type StatValue = number | string | RawNumber | StatObject;
interface StatObject {
  [k: string]: StatValue;
}

export function computeStats(data: arrow.Table | arrow.RecordBatch, opts: { skipColumns?: readonly string[] } = {}): string {
  const skip = new Set(opts.skipColumns ?? []);
  const minValues: StatObject = {};
  const maxValues: StatObject = {};
  const nullCount: StatObject = {};
  const batches = data instanceof arrow.Table ? data.batches : [data];
  data.schema.fields.forEach((f, col) => {
    if (skip.has(f.name)) return;
    const chunks = batches.map((b) => b.data.children[col]);
    const stats = columnStats(f.type, chunks.map((d) => ({ data: d, parentValid: null })));
    if (stats.min !== undefined) minValues[f.name] = stats.min;
    if (stats.max !== undefined) maxValues[f.name] = stats.max;
    nullCount[f.name] = stats.nulls;
  });
  return toJson({ numRecords: data.numRows, minValues, maxValues, nullCount });
}

interface Chunk {
  data: arrow.Data;
  /** Per-row validity of enclosing structs (1 valid), or null when none of them has nulls. */
  parentValid: Uint8Array | null;
}
interface ColumnStats {
  min?: StatValue;
  max?: StatValue;
  nulls: StatValue;
}

function columnStats(type: arrow.DataType, chunks: Chunk[]): ColumnStats {
  if (arrow.DataType.isStruct(type)) {
    const min: StatObject = {};
    const max: StatObject = {};
    const nulls: StatObject = {};
    const inner = chunks.map((c) => ({ data: c.data, parentValid: combinedValidity(c) }));
    type.children.forEach((f, i) => {
      const s = columnStats(f.type, inner.map((c) => ({ data: c.data.children[i], parentValid: c.parentValid })));
      if (s.min !== undefined) min[f.name] = s.min;
      if (s.max !== undefined) max[f.name] = s.max;
      nulls[f.name] = s.nulls;
    });
    return {
      min: Object.keys(min).length > 0 ? min : undefined,
      max: Object.keys(max).length > 0 ? max : undefined,
      nulls,
    };
  }
  const acc = leafAccumulator(type);
  let nulls = 0;
  for (const chunk of chunks) {
    const valid = combinedValidity(chunk);
    if (valid !== null) for (let i = 0; i < valid.length; i++) nulls += 1 - valid[i];
    acc?.addChunk(chunk.data, valid);
  }
  return { min: acc?.min(), max: acc?.max(), nulls };
}

/** Validity of a struct's rows combined with its parents', or null if every row is valid. */
function combinedValidity(chunk: Chunk): Uint8Array | null {
  if (chunk.data.nullCount === 0) return chunk.parentValid;
  const out = new Uint8Array(chunk.data.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = (chunk.parentValid === null || chunk.parentValid[i] === 1) && chunk.data.getValid(i) ? 1 : 0;
  }
  return out;
}

interface LeafAccumulator {
  /** Folds the rows of one chunk in; `valid` (1 = value present) is null when every row is. */
  addChunk(data: arrow.Data, valid: Uint8Array | null): void;
  min(): StatValue | undefined;
  max(): StatValue | undefined;
}

function leafAccumulator(type: arrow.DataType): LeafAccumulator | undefined {
  if (arrow.DataType.isInt(type)) {
    if (type.bitWidth === 64) return new WideIntAccumulator(2, (v) => new RawNumber(v.toString()));
    return new NumberAccumulator((v) => v);
  }
  if (arrow.DataType.isFloat(type)) return new FloatAccumulator();
  if (arrow.DataType.isDecimal(type)) {
    const scale = type.scale;
    return new WideIntAccumulator(type.bitWidth / 32, (v) => new RawNumber(decimalText(v, scale)));
  }
  if (arrow.DataType.isTimestamp(type)) {
    const unitsPerMs = [0n, 1n, 1000n, 1000000n][type.unit];
    return new WideIntAccumulator(2, (v) => timestampText(type.unit === arrow.TimeUnit.SECOND ? v * 1000n : floorDiv(v, unitsPerMs)));
  }
  if (arrow.DataType.isDate(type)) {
    if (type.unit === arrow.DateUnit.DAY) return new NumberAccumulator((days) => new Date(days * 86_400_000).toISOString().slice(0, 10));
    return new WideIntAccumulator(2, (ms) => new Date(Number(ms)).toISOString().slice(0, 10));
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return new StringAccumulator();
  return undefined;
}

class NumberAccumulator implements LeafAccumulator {
  private lo = Infinity;
  private hi = -Infinity;
  private seen = false;
  constructor(private readonly out: (v: number) => StatValue | undefined) {}
  addChunk(data: arrow.Data, valid: Uint8Array | null): void {
    const values = data.values as ArrayLike<number>;
    let lo = this.lo;
    let hi = this.hi;
    let seen = this.seen;
    for (let i = 0; i < data.length; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const v = values[i];
      if (v !== v) continue; // NaN: FloatAccumulator's business
      seen = true;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.lo = lo;
    this.hi = hi;
    this.seen = seen;
  }
  min(): StatValue | undefined {
    return this.seen ? this.out(this.lo) : undefined;
  }
  max(): StatValue | undefined {
    return this.seen ? this.out(this.hi) : undefined;
  }
}

/**
 * Min/max of floats in Spark's order, where NaN is above every number: max is NaN when any row is.
 * NaN and ±Infinity are written as the strings "NaN", "Infinity", "-Infinity" (Delta Kernel's
 * DataFileStatistics; Spark's JSON reader takes them back as doubles).
 */
class FloatAccumulator implements LeafAccumulator {
  private readonly numbers = new NumberAccumulator(floatStat);
  private nan = false;
  private any = false;
  addChunk(data: arrow.Data, valid: Uint8Array | null): void {
    this.numbers.addChunk(data, valid);
    const values = data.values as ArrayLike<number>;
    for (let i = 0; i < data.length; i++) {
      if (valid !== null && valid[i] === 0) continue;
      this.any = true;
      if (values[i] !== values[i]) this.nan = true;
    }
  }
  min(): StatValue | undefined {
    return this.numbers.min() ?? (this.any ? 'NaN' : undefined);
  }
  max(): StatValue | undefined {
    return this.nan ? 'NaN' : this.numbers.max();
  }
}

function floatStat(v: number): StatValue {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/**
 * Min/max of two's-complement integers of `words` 32-bit little-endian words (Int64, Decimal128)
 * compared word by word, so no BigInt is made per row.
 */
class WideIntAccumulator implements LeafAccumulator {
  private lo: Uint32Array | null = null;
  private hi: Uint32Array | null = null;
  constructor(
    private readonly words: number,
    private readonly out: (v: bigint) => StatValue,
  ) {}
  addChunk(data: arrow.Data, valid: Uint8Array | null): void {
    const values = data.values as ArrayBufferView;
    const w = new Uint32Array(values.buffer, values.byteOffset, values.byteLength >>> 2);
    const n = this.words;
    let found = extremesAsDoubles(w, n, data.length, valid);
    if (found === null) {
      let loAt = -1;
      let hiAt = -1;
      for (let i = 0; i < data.length; i++) {
        if (valid !== null && valid[i] === 0) continue;
        const at = i * n;
        if (loAt < 0) {
          loAt = hiAt = at;
          continue;
        }
        if (compareWords(w, at, w, loAt, n) < 0) loAt = at;
        else if (compareWords(w, at, w, hiAt, n) > 0) hiAt = at;
      }
      found = { loAt, hiAt };
    }
    const { loAt, hiAt } = found;
    if (loAt < 0) return;
    if (this.lo === null || compareWords(w, loAt, this.lo, 0, n) < 0) this.lo = w.slice(loAt, loAt + n);
    if (this.hi === null || compareWords(w, hiAt, this.hi, 0, n) > 0) this.hi = w.slice(hiAt, hiAt + n);
  }
  min(): StatValue | undefined {
    return this.lo === null ? undefined : this.out(wordsToBigInt(this.lo));
  }
  max(): StatValue | undefined {
    return this.hi === null ? undefined : this.out(wordsToBigInt(this.hi));
  }
}

const TWO_32 = 4294967296;
const TOP_LIMIT = 1 << 21; // |top word| < 2^21: the value is below 2^53 and exact as a double

/**
 * Word offsets of the least and greatest valid values (−1 when none), found by comparing the
 * values as doubles, which is exact while every value is below 2^53 in magnitude (the usual case:
 * ids, timestamps, amounts); null as soon as one is not, and the caller compares words instead.
 */
function extremesAsDoubles(w: Uint32Array, n: number, length: number, valid: Uint8Array | null): { loAt: number; hiAt: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  let loAt = -1;
  let hiAt = -1;
  if (n !== 2 && n !== 4) return null;
  for (let i = 0; i < length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const at = i * n;
    const top = w[at + 1] | 0;
    if (top >= TOP_LIMIT || top < -TOP_LIMIT) return null;
    // Decimal128: the words above the second must only extend its sign.
    if (n === 4 && ((w[at + 2] | 0) !== top >> 31 || (w[at + 3] | 0) !== top >> 31)) return null;
    const x = top * TWO_32 + w[at];
    if (x < lo) {
      lo = x;
      loAt = at;
    }
    if (x > hi) {
      hi = x;
      hiAt = at;
    }
  }
  return { loAt, hiAt };
}

/**
 * Min/max of UTF-8 strings compared byte by byte (code point order, as Spark orders strings), read
 * from the column's offsets and bytes with no string made per row; only the two results are decoded.
 */
class StringAccumulator implements LeafAccumulator {
  private lo: Uint8Array | null = null;
  private hi: Uint8Array | null = null;
  addChunk(data: arrow.Data, valid: Uint8Array | null): void {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    let loAt = -1;
    let hiAt = -1;
    // First bytes of the least and greatest so far (−1 for ""): a string whose first byte lies
    // strictly between them is neither, without a comparison.
    let loFirst = -1;
    let hiFirst = -1;
    for (let i = 0; i < data.length; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const from = offsets[i];
      const to = offsets[i + 1];
      const first = from < to ? bytes[from] : -1;
      if (first > loFirst && first < hiFirst) continue;
      if (loAt < 0) {
        loAt = hiAt = i;
        loFirst = hiFirst = first;
        continue;
      }
      if (compareBytes(bytes, from, to, bytes, offsets[loAt], offsets[loAt + 1]) < 0) {
        loAt = i;
        loFirst = first;
      } else if (compareBytes(bytes, from, to, bytes, offsets[hiAt], offsets[hiAt + 1]) > 0) {
        hiAt = i;
        hiFirst = first;
      }
    }
    if (loAt < 0) return;
    const lo = bytes.subarray(offsets[loAt], offsets[loAt + 1]);
    const hi = bytes.subarray(offsets[hiAt], offsets[hiAt + 1]);
    if (this.lo === null || compareBytes(lo, 0, lo.length, this.lo, 0, this.lo.length) < 0) this.lo = lo.slice();
    if (this.hi === null || compareBytes(hi, 0, hi.length, this.hi, 0, this.hi.length) > 0) this.hi = hi.slice();
  }
  min(): StatValue | undefined {
    return this.lo === null ? undefined : truncateMinString(utf8.decode(this.lo));
  }
  max(): StatValue | undefined {
    return this.hi === null ? undefined : truncateMaxString(utf8.decode(this.hi));
  }
}

const utf8 = new TextDecoder();

function compareBytes(a: Uint8Array, aFrom: number, aTo: number, b: Uint8Array, bFrom: number, bTo: number): number {
  const n = Math.min(aTo - aFrom, bTo - bFrom);
  for (let k = 0; k < n; k++) {
    const d = a[aFrom + k] - b[bFrom + k];
    if (d !== 0) return d;
  }
  return aTo - aFrom - (bTo - bFrom);
}

/** Delta's min string: the first 32 characters (code points), as Spark's `substring(min(c), 0, 32)`. */
export function truncateMinString(s: string): string {
  if (s.length <= STRING_PREFIX) return s;
  const cut = [...s.slice(0, 2 * STRING_PREFIX)];
  return cut.length <= STRING_PREFIX ? cut.join('') : cut.slice(0, STRING_PREFIX).join('');
}

const ASCII_MAX = '\u007f';
const UTF8_MAX = '\u{10ffff}';

/**
 * Delta's max string (StatisticsCollection.truncateMaxStringAgg, lengths in UTF-16 units as in
 * Java): a string of at most 32 units is kept; otherwise a prefix of at least 32 units (not
 * splitting a surrogate pair) followed by a tie-breaker greater than the character cut there:
 * U+007F when that character is below it, else U+10FFFF (the prefix grows past U+10FFFF
 * characters, which nothing exceeds). Past 64 units there is no max (undefined).
 */
export function truncateMaxString(s: string): string | undefined {
  if (s.length <= STRING_PREFIX) return s;
  const maxLen = 2 * STRING_PREFIX;
  let len = isSurrogatePair(s, STRING_PREFIX - 1) ? STRING_PREFIX + 1 : STRING_PREFIX;
  while (len <= maxLen) {
    if (len >= s.length) return s;
    if (len + 1 < s.length && s.slice(len, len + 2) === UTF8_MAX) len += 2;
    else if (s.charCodeAt(len) < 0x7f) return s.slice(0, len) + ASCII_MAX;
    else return s.slice(0, len) + UTF8_MAX;
  }
  return undefined;
}

function isSurrogatePair(s: string, i: number): boolean {
  const hi = s.charCodeAt(i);
  const lo = s.charCodeAt(i + 1);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

export function compareWords(a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): number {
  const top = (a[ai + n - 1] | 0) - (b[bi + n - 1] | 0);
  if (top !== 0) return top;
  for (let k = n - 2; k >= 0; k--) {
    const d = a[ai + k] - b[bi + k];
    if (d !== 0) return d;
  }
  return 0;
}

export function wordsToBigInt(w: Uint32Array): bigint {
  let v = 0n;
  for (let k = w.length - 1; k >= 0; k--) v = (v << 32n) | BigInt(w[k]);
  return BigInt.asIntN(32 * w.length, v);
}

/** Unscaled integer → decimal text with `scale` fraction digits: (-5, 2) → `-0.05`. */
export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString();
  if (scale === 0) return (neg ? '-' : '') + digits;
  const padded = digits.padStart(scale + 1, '0');
  return (neg ? '-' : '') + padded.slice(0, -scale) + '.' + padded.slice(-scale);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function timestampText(ms: bigint): string {
  return new Date(Number(ms)).toISOString();
}

function toJson(v: StatValue): string {
  if (v instanceof RawNumber) return v.text;
  if (typeof v === 'number' || typeof v === 'string') return JSON.stringify(v);
  return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + toJson(x)).join(',') + '}';
}
