import assert from 'node:assert/strict';
import { SqlType, hllPrecision, sqlField, seededRandom } from '@tributary/common';
import { vector } from './group-by.test-support';
import { addHashes, estimate, hashColumn } from './hyperloglog';
import { SketchAccumulator } from './sketch-accumulator';
import { out, xxhashBytes, xxhashInt, xxhashLong } from './xxhash64';

// ---- An independent XXH64 (the xxHash specification, on BigInt) ------------------------------
const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const le = (b: Uint8Array, at: number, n: number): bigint => {
  let v = 0n;
  for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[at + k]);
  return v;
};
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
const mergeRound = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) + P4) & M64;

function referenceXxh64(b: Uint8Array, seed: bigint): bigint {
  const len = b.length;
  let at = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed;
    let v4 = (seed - P1) & M64;
    while (at + 32 <= len) {
      v1 = round(v1, le(b, at, 8));
      v2 = round(v2, le(b, at + 8, 8));
      v3 = round(v3, le(b, at + 16, 8));
      v4 = round(v4, le(b, at + 24, 8));
      at += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else h = (seed + P5) & M64;
  h = (h + BigInt(len)) & M64;
  for (; at + 8 <= len; at += 8) h = ((rotl(h ^ round(0n, le(b, at, 8)), 27n) * P1) + P4) & M64;
  if (at + 4 <= len) {
    h = ((rotl(h ^ ((le(b, at, 4) * P1) & M64), 23n) * P2) + P3) & M64;
    at += 4;
  }
  for (; at < len; at++) h = (rotl(h ^ ((BigInt(b[at]) * P5) & M64), 11n) * P1) & M64;
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

const outBig = (): bigint => (BigInt(out.hi) << 32n) | BigInt(out.lo);

function bytesOfLong(v: bigint, n: number): Uint8Array {
  const u = BigInt.asUintN(8 * n, v);
  return Uint8Array.from({ length: n }, (_, k) => Number((u >> BigInt(8 * k)) & 0xffn));
}

/** A deterministic pseudo-random generator (mulberry32) for test data. */

describe('XXH64 as Spark computes it (xxhash64.ts)', () => {
  it('matches the published vectors of the xxHash specification', () => {
    xxhashBytes(new Uint8Array(0), 0, 0, 0, 0);
    assert.equal(outBig(), 0xef46db3751d8e999n);
    assert.equal(referenceXxh64(new Uint8Array(0), 0n), 0xef46db3751d8e999n);
    const abc = new TextEncoder().encode('abc');
    xxhashBytes(abc, 0, 3, 0, 0);
    assert.equal(outBig(), 0x44bc2cf5ad770999n);
  });

  it('hashes bytes of every length 0..100 and two seeds as the BigInt reference does', () => {
    const next = seededRandom(7);
    const data = Uint8Array.from({ length: 140 }, () => Math.floor(next() * 256));
    for (const seed of [42n, 0xfedcba9876543210n]) {
      for (let len = 0; len <= 100; len++) {
        const from = len % 7;
        xxhashBytes(data, from, len, Number(seed >> 32n), Number(seed & 0xffffffffn));
        assert.equal(outBig(), referenceXxh64(data.subarray(from, from + len), seed), `length ${len}, seed ${seed}`);
      }
    }
  });

  it('hashInt and hashLong are XXH64 of the value\'s 4 and 8 little-endian bytes', () => {
    const ints = [0, 1, -1, 42, 2147483647, -2147483648, 123456789];
    for (const v of ints) {
      xxhashInt(v, 0, 42);
      assert.equal(outBig(), referenceXxh64(bytesOfLong(BigInt(v), 4), 42n), `int ${v}`);
    }
    const longs = [0n, 1n, -1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 1_714_565_100_000_000n];
    for (const v of longs) {
      const u = BigInt.asUintN(64, v);
      xxhashLong(Number(u >> 32n), Number(u & 0xffffffffn), 0, 42);
      assert.equal(outBig(), referenceXxh64(bytesOfLong(v, 8), 42n), `long ${v}`);
    }
  });
});

describe('HyperLogLog++ (hyperloglog.ts)', () => {
  const hashOf = (type: Parameters<typeof vector>[0], cells: Parameters<typeof vector>[1]): bigint[] => {
    const v = vector(type, cells);
    const hi = new Uint32Array(cells.length);
    const lo = new Uint32Array(cells.length);
    hashColumn(v, cells.length, hi, lo);
    return Array.from(hi, (h, i) => (BigInt(h) << 32n) | BigInt(lo[i]));
  };

  it("hashes each type's Spark representation with seed 42", () => {
    const seed = 42n;
    assert.deepEqual(hashOf({ kind: 'int' }, [7, -3]), [referenceXxh64(bytesOfLong(7n, 4), seed), referenceXxh64(bytesOfLong(-3n, 4), seed)]);
    assert.deepEqual(hashOf({ kind: 'boolean' }, [true, false]), [referenceXxh64(bytesOfLong(1n, 4), seed), referenceXxh64(bytesOfLong(0n, 4), seed)]);
    assert.deepEqual(hashOf({ kind: 'long' }, [-5n, 2n ** 60n]), [referenceXxh64(bytesOfLong(-5n, 8), seed), referenceXxh64(bytesOfLong(2n ** 60n, 8), seed)]);
    // doubles: doubleToLongBits, −0.0 as 0.0, NaN canonical
    const bits = (x: number): bigint => new BigInt64Array(Float64Array.of(x).buffer)[0];
    assert.deepEqual(hashOf({ kind: 'double' }, [1.5, -0, 0, NaN]), [
      referenceXxh64(bytesOfLong(bits(1.5), 8), seed), referenceXxh64(bytesOfLong(0n, 8), seed),
      referenceXxh64(bytesOfLong(0n, 8), seed), referenceXxh64(bytesOfLong(0x7ff8000000000000n, 8), seed),
    ]);
    // decimal(p ≤ 18): the unscaled long; decimal(p > 18): BigInteger.toByteArray (minimal, big-endian)
    assert.deepEqual(hashOf({ kind: 'decimal', precision: 10, scale: 2 }, [12345n]), [referenceXxh64(bytesOfLong(12345n, 8), seed)]);
    const javaBytes = (v: bigint): Uint8Array => {
      let n = 1;
      while (!(v >= -(1n << BigInt(8 * n - 1)) && v < 1n << BigInt(8 * n - 1))) n++;
      return bytesOfLong(v, n).reverse();
    };
    const wideDecimals = [0n, 127n, 128n, -128n, -129n, 255n, 2n ** 52n, -(2n ** 60n), 10n ** 37n, -(10n ** 37n) - 1n];
    const wide: SqlType = { kind: 'decimal', precision: 38, scale: 6 };
    assert.deepEqual(hashOf(wide, wideDecimals), wideDecimals.map((v) => referenceXxh64(javaBytes(v), seed)));
    assert.deepEqual(hashOf({ kind: 'string' }, ['', 'ü€ a longer string of more than thirty-two bytes']), ['', 'ü€ a longer string of more than thirty-two bytes']
      .map((s) => referenceXxh64(new TextEncoder().encode(s), seed)));
  });

  /** Estimate of `n` distinct values (longs from `start`, or strings) in one group's sketch. */
  function estimateOf(n: number, rsd: number, start: number, strings: boolean): number {
    const p = hllPrecision(rsd);
    const registers = new Uint8Array(1 << p);
    const chunk = 65536;
    const groupOf = new Int32Array(chunk);
    const hi = new Uint32Array(chunk);
    const lo = new Uint32Array(chunk);
    for (let from = 0; from < n; from += chunk) {
      const k = Math.min(chunk, n - from);
      const cells = Array.from({ length: k }, (_, i) => (strings ? `user-${start + from + i}` : BigInt(start + from + i)));
      hashColumn(vector(strings ? { kind: 'string' } : { kind: 'long' }, cells), k, hi, lo);
      addHashes(registers, p, groupOf, k, null, hi, lo);
    }
    return estimate(registers, 0, p);
  }

  it('estimates 1,000,000 distinct values within 3·rsd, for several value sets and rsd 0.05, 0.02 and 0.01', function () {
    this.timeout(600_000);
    const errors: string[] = [];
    for (const rsd of [0.05, 0.02, 0.01]) {
      for (const [start, strings] of [[0, false], [7_000_000_000, false], [-123_456_789, false], [0, true], [55_555, true]] as const) {
        const est = estimateOf(1_000_000, rsd, start, strings);
        const error = Math.abs(est - 1_000_000) / 1_000_000;
        errors.push(`rsd ${rsd} ${strings ? 'strings' : 'longs'} from ${start}: ${est} (${(100 * error).toFixed(2)}%)`);
        assert.ok(error <= 3 * rsd, errors[errors.length - 1]);
      }
    }
    console.log(`      ${errors.join('\n      ')}`);
  });

  it('counts small sets almost exactly (linear counting) and merges by register max', () => {
    assert.equal(estimateOf(0, 0.05, 0, false), 0);
    assert.equal(estimateOf(1, 0.05, 10, false), 1);
    const hundred = estimateOf(100, 0.05, 10, false); // linear counting over 512 registers
    assert.ok(Math.abs(hundred - 100) <= 5, `estimate of 100: ${hundred}`);
    // the union of two sketches is the register-wise max: equal to the sketch of the union
    const p = hllPrecision(0.05);
    const m = 1 << p;
    const registers = new Uint8Array(3 * m);
    const cells = Array.from({ length: 30_000 }, (_, i) => BigInt(i));
    const hi = new Uint32Array(cells.length);
    const lo = new Uint32Array(cells.length);
    hashColumn(vector({ kind: 'long' }, cells), cells.length, hi, lo);
    const groupOf = Int32Array.from(cells, (_, i) => (i < 20_000 ? 0 : 1));
    addHashes(registers, p, groupOf, cells.length, null, hi, lo);
    addHashes(registers, p, new Int32Array(cells.length).fill(2), cells.length, null, hi, lo);
    const union = Uint8Array.from({ length: m }, (_, k) => Math.max(registers[k], registers[m + k]));
    assert.deepEqual(union, registers.subarray(2 * m));
    const e = estimate(union, 0, p);
    assert.ok(Math.abs(e - 30_000) / 30_000 < 0.15, `estimate ${e}`);
  });
});

describe('SketchAccumulator merge (sketch-accumulator.ts)', () => {
  it('merges sketches into fresh and filled groups, aligned or not, as the byte-wise max of every sketch merged or added', () => {
    for (const p of [4, 9]) {
      const w = 1 << p;
      const acc = new SketchAccumulator(sqlField('d', { kind: 'binary' }, false), p);
      const groups = 5;
      acc.ensureCapacity(groups);
      acc.initGroups(0, groups);
      const expected = Array.from({ length: groups }, () => new Uint8Array(w));
      let seed = 3;
      const rand = (m: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return Math.floor((seed / 2147483648) * m);
      };
      // values added by hashing first (group 4 only), then partial sketches merged in rounds
      acc.update(Int32Array.of(4, 4, 4), 3, vector({ kind: 'int' }, [1, 2, 3]));
      expected[4].set((acc.output(Int32Array.of(4), 1) as { data: Uint8Array }).data);
      for (let round = 0; round < 6; round++) {
        const n = 4;
        const shift = round % 3; // sketches at offsets 0, 1 and 2 bytes into their buffer
        const buffer = new Uint8Array(shift + n * w);
        const data = buffer.subarray(shift);
        const groupOf = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          groupOf[i] = round === 5 && i === 0 ? -1 : rand(groups);
          for (let k = 0; k < w; k++) data[i * w + k] = rand(3) === 0 ? rand(62) : 0;
          if (groupOf[i] >= 0) for (let k = 0; k < w; k++) expected[groupOf[i]][k] = Math.max(expected[groupOf[i]][k], data[i * w + k]);
        }
        const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * w);
        acc.merge(groupOf, n, { type: { kind: 'binary' }, validity: null, offsets, data });
      }
      const got = acc.output(null, groups) as { data: Uint8Array };
      for (let g = 0; g < groups; g++) assert.deepEqual(got.data.subarray(g * w, (g + 1) * w), expected[g], `p ${p}, group ${g}`);
      // compaction keeps each group's registers; a group initialised again takes its next sketch as is
      acc.compact(Int32Array.of(4, 3, 2, 1, 0));
      acc.initGroups(0, 1);
      acc.merge(Int32Array.of(0, 1), 2, { type: { kind: 'binary' }, validity: null, offsets: Int32Array.of(0, w, 2 * w), data: new Uint8Array(2 * w).fill(1) });
      const after = acc.output(null, groups) as { data: Uint8Array };
      assert.deepEqual(after.data.subarray(0, w), new Uint8Array(w).fill(1));
      assert.deepEqual(after.data.subarray(w, 2 * w), expected[3].map((r) => Math.max(r, 1)));
      assert.deepEqual(after.data.subarray(4 * w, 5 * w), expected[0]);
    }
  });
});
