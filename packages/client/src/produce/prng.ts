/**
 * xoshiro128** (Blackman and Vigna), seeded through splitmix32 so that any 32-bit seed, 0 included,
 * gives a well-mixed state. Deterministic across platforms: all arithmetic is on uint32 via Math.imul.
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator with the given raw state (for reference test vectors); not all zero. */
  static fromState(a: number, b: number, c: number, d: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.a = a >>> 0;
    g.b = b >>> 0;
    g.c = c >>> 0;
    g.d = d >>> 0;
    return g;
  }

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n ≤ 2^32 (bias below 2^-32 · n, irrelevant here). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Uniform integer in [0, n) for n up to 2^53, from two draws. */
  nextBigRange(n: number): number {
    const x = this.nextUint32() * 2097152 + (this.nextUint32() >>> 11); // 53 random bits
    return Math.floor((x / 9007199254740992) * n);
  }

  chance(p: number): boolean {
    return this.nextFloat() < p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
