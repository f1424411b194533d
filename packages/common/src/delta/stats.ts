/**
 * Per-file statistics for `add.stats` (PROTOCOL.md, "Per-file Statistics"), computed from the Arrow
 * data written to the file:
 *
 *   {"numRecords":N,"minValues":{...},"maxValues":{...},"nullCount":{...}}
 *
 * Nested structs nest (`{"window":{"start":...,"end":...}}`); nullCount counts a leaf null when it
 * or any enclosing struct is null. Values: integers and decimals as exact JSON numbers (decimal
 * text such as `-0.05`, never a float), timestamps as ISO-8601 UTC strings truncated down to
 * milliseconds, dates as `yyyy-MM-dd`, strings cut to a 32-character prefix (max omitted when
 * cut). Booleans and binaries get nullCount only; floats skip NaN. Partition columns are not in
 * the file and get no stats.
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
  if (arrow.DataType.isFloat(type)) return new NumberAccumulator((v) => (Number.isFinite(v) ? v : undefined));
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
  constructor(private readonly out: (v: number) => StatValue | undefined) {}
  addChunk(data: arrow.Data, valid: Uint8Array | null): void {
    const values = data.values as ArrayLike<number>;
    let lo = this.lo;
    let hi = this.hi;
    for (let i = 0; i < data.length; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const v = values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.lo = lo;
    this.hi = hi;
  }
  min(): StatValue | undefined {
    return this.lo === Infinity ? undefined : this.out(this.lo);
  }
  max(): StatValue | undefined {
    return this.hi === -Infinity ? undefined : this.out(this.hi);
  }
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

class StringAccumulator implements LeafAccumulator {
  private lo: string | undefined;
  private hi: string | undefined;
  addChunk(data: arrow.Data, valid: Uint8Array | null): void {
    const vector = arrow.makeVector(data);
    for (let i = 0; i < data.length; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const v = vector.get(i) as string;
      if (this.lo === undefined || v < this.lo) this.lo = v;
      if (this.hi === undefined || v > this.hi) this.hi = v;
    }
  }
  min(): StatValue | undefined {
    return this.lo === undefined ? undefined : [...this.lo].slice(0, STRING_PREFIX).join('');
  }
  max(): StatValue | undefined {
    if (this.hi === undefined) return undefined;
    return [...this.hi].length > STRING_PREFIX ? undefined : this.hi;
  }
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
