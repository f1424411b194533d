/**
 * Shuffle partitioning of customer_id. Every process and every version must agree on it, because
 * state is owned by shuffle partition: changing it would send keys to a partition that does not hold
 * their state. The definition is Spark's `HashPartitioning` for one int column:
 *
 *   hash = Murmur3_x86_32 of the key's 4 bytes (little-endian int32), seed 42
 *          (Spark's `Murmur3HashFunction.hashInt`, the SQL function `hash(int)`)
 *   partition = pmod(hash as signed int32, P)
 *
 * Fixed vectors live in hash-partition.test.ts and must never change.
 */

export const SHUFFLE_HASH_SEED = 42;

/** Murmur3_x86_32 of one little-endian int32 with `seed`, as a signed int32 (Spark's `hash(int)`). */
export function murmur3HashInt(key: number, seed: number = SHUFFLE_HASH_SEED): number {
  let k1 = Math.imul(key | 0, 0xcc9e2d51);
  k1 = (k1 << 15) | (k1 >>> 17);
  k1 = Math.imul(k1, 0x1b873593);
  let h1 = (seed | 0) ^ k1;
  h1 = (h1 << 13) | (h1 >>> 19);
  h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  h1 ^= 4; // length in bytes
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 | 0;
}

/** The shuffle partition in [0, numPartitions) that owns `customerId`. */
export function shufflePartition(customerId: number, numPartitions: number): number {
  return new ShufflePartitioner(numPartitions).partitionOf(customerId);
}

/**
 * shufflePartition for a fixed P, fast in loops. Integer `%` costs ~10 ns here (and a signed `%` that
 * may yield −0 drops V8 to floating-point modulus), so pmod(h, P) is computed as h − ⌊h·(1/P)⌋·P
 * with one correction step: |h| < 2^31 keeps the quotient's rounding error below 2^−21, so the floor
 * is off by at most one, and every product is an exact double.
 */
export class ShufflePartitioner {
  private readonly inverse: number;

  constructor(readonly numPartitions: number) {
    if (!Number.isSafeInteger(numPartitions) || numPartitions <= 0 || numPartitions > 0x7fffffff) {
      throw new RangeError(`numPartitions must be a positive int32, got ${numPartitions}`);
    }
    this.inverse = 1 / numPartitions;
  }

  partitionOf(customerId: number): number {
    const p = this.numPartitions;
    const h = murmur3HashInt(customerId);
    let r = h - Math.floor(h * this.inverse) * p;
    if (r < 0) r += p;
    else if (r >= p) r -= p;
    return r;
  }
}
