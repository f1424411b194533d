/**
 * Independent reference calculations for the tests: BigInt arithmetic, string-keyed Maps, a generic
 * byte-wise Murmur3. Deliberately slow and obvious; shares no code with the kernels.
 */
export { seededRandom } from '@tributary/common';

/** Integer in [lo, hi], inclusive. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function refWindowStart(t: bigint, w: bigint): bigint {
  let q = t / w; // truncates towards zero
  if (t < 0n && q * w !== t) q -= 1n;
  return q * w;
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
