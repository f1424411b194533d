/**
 * Independent reference calculations for the tests: BigInt arithmetic, string-keyed Maps, a generic
 * byte-wise Murmur3. Deliberately slow and obvious; shares no code with the kernels.
 */
import { PartialSet } from './partial-set';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi], inclusive. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function refWindowStart(t: bigint, w: bigint): bigint {
  let q = t / w; // truncates towards zero
  if (t < 0n && q * w !== t) q -= 1n;
  return q * w;
}

export interface RefAgg {
  count: bigint;
  sum: bigint;
}

export const refKey = (windowStart: number | bigint, customerId: number): string => `${windowStart}|${customerId}`;

/** Aggregates rows the obvious way; returns the aggregates and the late row indices. */
export function refAggregate(
  times: readonly number[],
  customers: readonly number[],
  amounts: readonly number[],
  windowMicros: number,
  lateWatermark: number,
  into: Map<string, RefAgg> = new Map(),
): { aggs: Map<string, RefAgg>; late: number[] } {
  const late: number[] = [];
  const w = BigInt(windowMicros);
  for (let i = 0; i < times.length; i++) {
    const start = refWindowStart(BigInt(times[i]), w);
    if (lateWatermark !== -Infinity && start + w <= BigInt(lateWatermark)) {
      late.push(i);
      continue;
    }
    const k = refKey(start, customers[i]);
    const a = into.get(k) ?? { count: 0n, sum: 0n };
    a.count += 1n;
    a.sum += BigInt(amounts[i]);
    into.set(k, a);
  }
  return { aggs: into, late };
}

/** A PartialSet as key → exact values, failing on duplicate keys. */
export function partialSetToMap(set: PartialSet, into: Map<string, RefAgg> = new Map()): Map<string, RefAgg> {
  for (let i = 0; i < set.length; i++) {
    const k = refKey(set.windowStartMicros[i], set.customerId[i]);
    if (into.has(k)) throw new Error(`duplicate key ${k}`);
    const s = set.sumCents[i];
    let sum: bigint;
    if (Number.isNaN(s)) {
      const exact = set.exactSums.get(i);
      if (exact === undefined) throw new Error(`row ${i}: NaN sum without exact sum`);
      if (exact < 2n ** 53n && exact > -(2n ** 53n)) throw new Error(`row ${i}: exact sum ${exact} is not canonical`);
      sum = exact;
    } else {
      if (!Number.isSafeInteger(s)) throw new Error(`row ${i}: float sum ${s} is not exact`);
      if (set.exactSums.has(i)) throw new Error(`row ${i}: both float and exact sum`);
      sum = BigInt(s);
    }
    into.set(k, { count: BigInt(set.count[i]), sum });
  }
  return into;
}

/** Sorted [key, count, sum] triples, for deepEqual with readable diffs. */
export function mapRows(m: Map<string, RefAgg>): [string, string, string][] {
  return [...m.entries()]
    .map(([k, v]): [string, string, string] => [k, v.count.toString(), v.sum.toString()])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Murmur3_x86_32 over arbitrary bytes (the textbook algorithm), as an unsigned int. */
export function refMurmur3Bytes(bytes: Uint8Array, seed: number): number {
  const mul = (a: number, b: number): number => Number((BigInt(a) * BigInt(b)) & 0xffffffffn);
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length >> 2;
  for (let b = 0; b < blocks; b++) {
    const i = b * 4;
    let k = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
    k = mul(rotl(mul(k, c1), 15), c2);
    h = (rotl((h ^ k) >>> 0, 13) * 5 + 0xe6546b64) % 4294967296;
  }
  const tail = blocks * 4;
  let k1 = 0;
  switch (bytes.length & 3) {
    case 3:
      k1 ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      k1 ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      k1 ^= bytes[tail];
      k1 = mul(rotl(mul(k1 >>> 0, c1), 15), c2);
      h = (h ^ k1) >>> 0;
  }
  h = (h ^ bytes.length) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = mul(h, 0x85ebca6b);
  h = (h ^ (h >>> 13)) >>> 0;
  h = mul(h, 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h;
}

export function int32LittleEndian(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}
