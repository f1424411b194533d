/**
 * HyperLogLog++ as Spark's HyperLogLogPlusPlusHelper (approx_count_distinct): the same hash, register
 * index and rank, and the same estimate (raw estimate with bias correction below 5m, linear counting
 * under the precision's threshold), so a group's estimate equals Spark's for the same values.
 *
 *   hash   x = XXH64(value's Spark representation, seed 42) (xxhash64.ts; per type below)
 *   index  idx = x >>> (64 − p)                  (the top p bits)
 *   rank   pw = numberOfLeadingZeros((x << p) | 2^(p−1)) + 1     (1 … 65 − p)
 *   update M[idx] = max(M[idx], pw);  merge = register-wise max
 *
 * Registers: one byte each, m = 2^p per group, group g's at [g·m, (g+1)·m) of one Uint8Array
 * (Spark packs 10 six-bit registers per long; the registers' values are the same).
 *
 * The value hashed, per input type (Spark's XxHash64Function.hash after NormalizeFloatingNumbers):
 *   boolean → hashInt(0|1); int, date → hashInt; long, timestamp → hashLong;
 *   double → hashLong(doubleToLongBits) with −0.0 as 0.0 and every NaN as the canonical NaN;
 *   decimal(p ≤ 18) → hashLong(unscaled); decimal(p > 18) → hashBytes(unscaled as Java's
 *   BigInteger.toByteArray: minimal two's complement, big-endian); string, binary → hashBytes.
 */
import { BytesVector, ExactVector, Vector, exactBigInt } from '@tributary/common';
import { BIASES, RAW_ESTIMATES, THRESHOLDS } from './hyperloglog-bias';
import { out, xxhashBytes, xxhashInt, xxhashLong } from './xxhash64';

const SEED_HI = 0;
const SEED_LO = 42;
const TWO_32 = 4294967296;
const K = 6;

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);
const bytesScratch = new Uint8Array(17);

/** 2^−k for register values k = 0..64. */
const INVERSE_POWERS = Float64Array.from({ length: 65 }, (_, k) => 2 ** -k);

/**
 * Hashes rows 0..n−1 of `input` into hi[i], lo[i] (XXH64 words). Null rows get some hash (or keep
 * the old one); addHashes skips them by the input's validity.
 */
export function hashColumn(input: Vector, n: number, hi: Uint32Array, lo: Uint32Array): void {
  const t = input.type;
  switch (t.kind) {
    case 'boolean':
    case 'int':
    case 'date': {
      const values = (input as { values: Int32Array | Uint8Array }).values;
      for (let i = 0; i < n; i++) {
        xxhashInt(values[i], SEED_HI, SEED_LO);
        hi[i] = out.hi;
        lo[i] = out.lo;
      }
      return;
    }
    case 'long':
    case 'timestamp':
      hashExact(input as ExactVector, n, hi, lo, false);
      return;
    case 'decimal':
      hashExact(input as ExactVector, n, hi, lo, t.precision > 18);
      return;
    case 'double': {
      const values = (input as { values: Float64Array }).values;
      for (let i = 0; i < n; i++) {
        const x = values[i];
        if (x === 0) xxhashLong(0, 0, SEED_HI, SEED_LO); // −0.0 hashes as 0.0
        else if (x !== x) xxhashLong(0x7ff80000, 0, SEED_HI, SEED_LO); // every NaN as Java's canonical NaN
        else {
          f64[0] = x;
          xxhashLong(f64Words[1], f64Words[0], SEED_HI, SEED_LO);
        }
        hi[i] = out.hi;
        lo[i] = out.lo;
      }
      return;
    }
    case 'string':
    case 'binary': {
      const { offsets, data } = input as BytesVector;
      for (let i = 0; i < n; i++) {
        xxhashBytes(data, offsets[i], offsets[i + 1] - offsets[i], SEED_HI, SEED_LO);
        hi[i] = out.hi;
        lo[i] = out.lo;
      }
      return;
    }
    default:
      throw new RangeError(`approx_count_distinct over ${t.kind} is not supported`);
  }
}

/** long, timestamp, decimal: hashLong of the unscaled value, or (wide decimals) hashBytes of its minimal bytes. */
function hashExact(input: ExactVector, n: number, hi: Uint32Array, lo: Uint32Array, asBytes: boolean): void {
  const values = input.values;
  const valid = input.validity;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const x = values[i];
    if (asBytes) {
      const len = x === x ? numberBytes(x) : bigintBytes(exactBigInt(input, i));
      xxhashBytes(bytesScratch, 0, len, SEED_HI, SEED_LO);
    } else if (x === x) {
      const h = Math.floor(x / TWO_32);
      xxhashLong(h >>> 0, (x - h * TWO_32) >>> 0, SEED_HI, SEED_LO);
    } else {
      const u = BigInt.asUintN(64, exactBigInt(input, i));
      xxhashLong(Number(u >> 32n), Number(u & 0xffffffffn), SEED_HI, SEED_LO);
    }
    hi[i] = out.hi;
    lo[i] = out.lo;
  }
}

/** Java's BigInteger.toByteArray of an exact integer |x| < 2^53, into bytesScratch; returns its length. */
function numberBytes(x: number): number {
  // minimal length: the smallest n with −2^(8n−1) ≤ x < 2^(8n−1)
  let len = 1;
  while (len < 7 && !(x >= -(2 ** (8 * len - 1)) && x < 2 ** (8 * len - 1))) len++;
  let v = x < 0 ? x + 2 ** (8 * len) : x;
  for (let b = len - 1; b >= 0; b--) {
    const byte = v % 256;
    bytesScratch[b] = byte;
    v = (v - byte) / 256;
  }
  return len;
}

/** Java's BigInteger.toByteArray of v (|v| < 2^127), into bytesScratch; returns its length. */
function bigintBytes(v: bigint): number {
  let len = 1;
  while (!(v >= -(1n << BigInt(8 * len - 1)) && v < 1n << BigInt(8 * len - 1))) len++;
  let u = BigInt.asUintN(8 * len, v);
  for (let b = len - 1; b >= 0; b--) {
    bytesScratch[b] = Number(u & 0xffn);
    u >>= 8n;
  }
  return len;
}

/**
 * Adds hashed rows to the registers: row i (groupOf[i] ≥ 0, valid) goes to group groupOf[i]'s
 * registers at registers[g·2^p …].
 */
export function addHashes(
  registers: Uint8Array, p: number, groupOf: Int32Array, n: number, valid: Uint8Array | null, hi: Uint32Array, lo: Uint32Array,
): void {
  const idxShift = 32 - p;
  const m = 1 << p;
  const pad = 1 << (p - 1);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i];
    if (g < 0 || (valid !== null && valid[i] === 0)) continue;
    const h = hi[i];
    const l = lo[i];
    const idx = h >>> idxShift;
    // w = (x << p) | 2^(p−1): its high word, then its low word (never 0: the pad bit)
    const wh = ((h << p) | (l >>> idxShift)) >>> 0;
    const pw = wh !== 0 ? Math.clz32(wh) + 1 : 33 + Math.clz32(((l << p) | pad) >>> 0);
    const at = g * m + idx;
    if (pw > registers[at]) registers[at] = pw;
  }
}

/** Spark's estimate of one group's registers registers[from, from + 2^p). */
export function estimate(registers: Uint8Array, from: number, p: number): number {
  const m = 1 << p;
  let zInverse = 0.0;
  let V = 0.0;
  for (let i = from, end = from + m; i < end; i++) {
    const r = registers[i];
    zInverse += INVERSE_POWERS[r];
    if (r === 0) V += 1.0;
  }
  const alphaM2 = (p === 4 ? 0.673 : p === 5 ? 0.697 : p === 6 ? 0.709 : 0.7213 / (1.0 + 1.079 / m)) * m * m;
  const E = alphaM2 / zInverse;
  const biasCorrected = (): number => (p < 19 && E < 5.0 * m ? E - estimateBias(E, p) : E);
  let result: number;
  if (V > 0) {
    const H = m * Math.log(m / V);
    result = (p < 19 && H <= THRESHOLDS[p - 4]) || E <= 2.5 * m ? H : biasCorrected();
  } else result = biasCorrected();
  return javaRound(result);
}

/** Java's Math.round(double): ⌊x + 0.5⌋ (estimates are never negative). */
function javaRound(x: number): number {
  return Math.floor(x + 0.5);
}

/** Spark's k-nearest-neighbour bias of raw estimate e (K = 6 neighbours by squared distance). */
function estimateBias(e: number, p: number): number {
  const estimates = RAW_ESTIMATES[p - 4];
  const n = estimates.length;
  const found = javaBinarySearch(estimates, e);
  const nearest = found < 0 ? -(found + 1) : found;
  const distance = (i: number): number => (e - estimates[i]) * (e - estimates[i]);
  let low = Math.max(nearest - K + 1, 0);
  let high = Math.min(low + K, n);
  while (high < n && distance(high) < distance(low)) {
    low++;
    high++;
  }
  const biases = BIASES[p - 4];
  let sum = 0.0;
  for (let i = low; i < high; i++) sum += biases[i];
  return sum / (high - low);
}

/** java.util.Arrays.binarySearch(double[], key), step for step (the tables are not strictly sorted). */
function javaBinarySearch(a: Float64Array, key: number): number {
  let low = 0;
  let high = a.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const v = a[mid];
    if (v < key) low = mid + 1;
    else if (v > key) high = mid - 1;
    else return mid; // positive finite values: equal doubles have equal bits
  }
  return -(low + 1);
}

