/**
 * Spark's Murmur3 hash (`Murmur3_x86_32` and the SQL function `hash(...)`, seed 42), value by value.
 * The shuffle partition of a group is defined on it (group-partition.ts), so these functions must
 * give the same result in every process and every version: fixed vectors in spark-hash.test.ts.
 *
 *   hashInt(v, seed)    one round over the int32 (boolean as 0/1, int, date)
 *   hashLong(v, seed)   two rounds, low 32 bits then high 32 bits (long, timestamp, decimal p ≤ 18
 *                       as its unscaled value, double as its IEEE bits after −0.0 → 0.0 and
 *                       NaN → 0x7ff8000000000000, i.e. Java's doubleToLongBits)
 *   hashBytes(b, seed)  Spark's hashUnsafeBytes: whole little-endian int32 words, then each trailing
 *                       byte as a sign-extended int32 round (this tail differs from standard
 *                       Murmur3), finalised with the byte length (string: UTF-8 bytes, binary,
 *                       decimal p > 18: Java's BigInteger.toByteArray of the unscaled value, i.e.
 *                       minimal big-endian two's complement)
 *
 * Several values hash by chaining: each value's hash is the seed of the next; a null leaves the
 * running hash unchanged (Spark's `Murmur3Hash` over several expressions and over struct fields).
 */

export const SPARK_HASH_SEED = 42;

function mixK1(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixH1(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export function hashInt(v: number, seed: number): number {
  return fmix(mixH1(seed | 0, mixK1(v | 0)), 4);
}

/** hashLong of a 64-bit value given as its two 32-bit halves. */
export function hashLongWords(low: number, high: number, seed: number): number {
  return fmix(mixH1(mixH1(seed | 0, mixK1(low | 0)), mixK1(high | 0)), 8);
}

const TWO_32 = 4294967296;

/** hashLong of an exact integer held in a double (|v| < 2^53). */
export function hashLong(v: number, seed: number): number {
  const high = Math.floor(v / TWO_32);
  return hashLongWords(v - high * TWO_32, high, seed);
}

/** hashLong of a bigint within the int64 range. */
export function hashLongBig(v: bigint, seed: number): number {
  return hashLongWords(Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)), seed);
}

const doubleScratch = new Float64Array(1);
const doubleWords = new Int32Array(doubleScratch.buffer);

/** Spark's hash of a double: −0.0 as 0.0, every NaN as Java's canonical NaN. */
export function hashDouble(v: number, seed: number): number {
  if (v !== v) return hashLongWords(0, 0x7ff80000, seed);
  doubleScratch[0] = v === 0 ? 0 : v;
  return hashLongWords(doubleWords[0], doubleWords[1], seed);
}

/** Spark's hashUnsafeBytes over bytes[from, to). */
export function hashBytes(bytes: Uint8Array, from: number, to: number, seed: number): number {
  let h = seed | 0;
  const aligned = from + ((to - from) & ~3);
  let i = from;
  for (; i < aligned; i += 4) {
    h = mixH1(h, mixK1(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)));
  }
  for (; i < to; i++) h = mixH1(h, mixK1((bytes[i] << 24) >> 24));
  return fmix(h, to - from);
}

/** Java's BigInteger.toByteArray: minimal big-endian two's complement, at least one byte. */
export function bigIntegerBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let n = v;
  for (;;) {
    const b = Number(n & 0xffn);
    out.push(b);
    n >>= 8n;
    if ((n === 0n && (b & 0x80) === 0) || (n === -1n && (b & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out.reverse());
}

/** Spark's hash of a decimal's unscaled value for a column of `precision`. */
export function hashDecimal(unscaled: number | bigint, precision: number, seed: number): number {
  if (precision <= 18) return typeof unscaled === 'number' ? hashLong(unscaled, seed) : hashLongBig(unscaled, seed);
  const bytes = bigIntegerBytes(BigInt(unscaled));
  return hashBytes(bytes, 0, bytes.length, seed);
}
