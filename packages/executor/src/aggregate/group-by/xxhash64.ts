/**
 * XXH64 (xxHash, 64-bit) as Spark's XxHash64Function computes it, on 32-bit halves (no BigInt per
 * value). Spark's XXH64 is the standard XXH64 over little-endian bytes: hashInt(v) is XXH64 of v's 4
 * bytes, hashLong(v) of its 8 bytes, hashBytes of the bytes as they are.
 *
 * Results are left in the module's `out` as two unsigned 32-bit words (out.hi, out.lo): the hot
 * loops of approx_count_distinct call these once per row, and a returned object per call would cost
 * more than the hash.
 */

/** The last hash computed: its high and low 32 bits (unsigned). */
export const out = { hi: 0, lo: 0 };

// PRIME64_1..5 as [hi, lo]
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;
const TWO_32 = 4294967296;

// 64-bit results of the helpers below
let rh = 0;
let rl = 0;

/** (ah:al) · (bh:bl) mod 2^64 into rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  rl = low >>> 0;
  rh = (a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO_32) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 into rh:rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  rl = low >>> 0;
  rh = (ah + bh + (low >= TWO_32 ? 1 : 0)) >>> 0;
}

/** rotate left (h:l) by r bits (0 < r < 32) into rh:rl. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** Spark's fmix (XXH64's avalanche) of (h:l) into out. */
function fmix(h: number, l: number): void {
  // h ^= h >>> 33
  l = (l ^ (h >>> 1)) >>> 0;
  mul(h, l, P2H, P2L);
  h = rh;
  l = rl;
  // h ^= h >>> 29
  l = (l ^ ((l >>> 29) | (h << 3))) >>> 0;
  h = (h ^ (h >>> 29)) >>> 0;
  mul(h, l, P3H, P3L);
  // h ^= h >>> 32
  out.hi = rh;
  out.lo = (rl ^ rh) >>> 0;
}

/** hash ^= k·P1 (k unsigned 32-bit); hash = rotl(hash, 23)·P2 + P3: one 4-byte lane. */
function lane4(h: number, l: number, k: number): void {
  mul(0, k, P1H, P1L);
  rotl((h ^ rh) >>> 0, (l ^ rl) >>> 0, 23);
  mul(rh, rl, P2H, P2L);
  add(rh, rl, P3H, P3L);
}

/** hash ^= rotl(k·P2, 31)·P1; hash = rotl(hash, 27)·P1 + P4: one 8-byte lane (k = kh:kl). */
function lane8(h: number, l: number, kh: number, kl: number): void {
  mul(kh, kl, P2H, P2L);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
  rotl((h ^ rh) >>> 0, (l ^ rl) >>> 0, 27);
  mul(rh, rl, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

/** Spark's XXH64.hashInt(v, seed) into out; seed as (seedHi:seedLo). */
export function xxhashInt(v: number, seedHi: number, seedLo: number): void {
  add(seedHi, seedLo, P5H, P5L);
  add(rh, rl, 0, 4);
  lane4(rh, rl, v >>> 0);
  fmix(rh, rl);
}

/** Spark's XXH64.hashLong(v, seed) into out, v as its two's-complement words (vh:vl). */
export function xxhashLong(vh: number, vl: number, seedHi: number, seedLo: number): void {
  add(seedHi, seedLo, P5H, P5L);
  add(rh, rl, 0, 8);
  lane8(rh, rl, vh >>> 0, vl >>> 0);
  fmix(rh, rl);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** One round of the 32-byte stripe loop on (vh:vl) with lane k: rotl(v + k·P2, 31)·P1 into rh:rl. */
function round(vh: number, vl: number, kh: number, kl: number): void {
  mul(kh, kl, P2H, P2L);
  add(vh, vl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** Spark's XXH64.hashUnsafeBytes over data[from, from + length) into out. */
export function xxhashBytes(data: Uint8Array, from: number, length: number, seedHi: number, seedLo: number): void {
  const end = from + length;
  let at = from;
  let h: number, l: number;
  if (length >= 32) {
    add(seedHi, seedLo, P1H, P1L);
    add(rh, rl, P2H, P2L);
    let v1h = rh, v1l = rl;
    add(seedHi, seedLo, P2H, P2L);
    let v2h = rh, v2l = rl;
    let v3h = seedHi, v3l = seedLo;
    // seed − P1 = seed + (2^64 − P1)
    add(seedHi, seedLo, ~P1H >>> 0, (-P1L) >>> 0); // P1's low word is not 0: no carry into the high word
    let v4h = rh, v4l = rl;
    const limit = end - 32;
    do {
      round(v1h, v1l, u32(data, at + 4), u32(data, at)); v1h = rh; v1l = rl;
      round(v2h, v2l, u32(data, at + 12), u32(data, at + 8)); v2h = rh; v2l = rl;
      round(v3h, v3l, u32(data, at + 20), u32(data, at + 16)); v3h = rh; v3l = rl;
      round(v4h, v4l, u32(data, at + 28), u32(data, at + 24)); v4h = rh; v4l = rl;
      at += 32;
    } while (at <= limit);
    rotl(v1h, v1l, 1); h = rh; l = rl;
    rotl(v2h, v2l, 7); add(h, l, rh, rl); h = rh; l = rl;
    rotl(v3h, v3l, 12); add(h, l, rh, rl); h = rh; l = rl;
    rotl(v4h, v4l, 18); add(h, l, rh, rl); h = rh; l = rl;
    for (const [vh, vl] of [[v1h, v1l], [v2h, v2l], [v3h, v3l], [v4h, v4l]]) {
      mul(vh, vl, P2H, P2L);
      rotl(rh, rl, 31);
      mul(rh, rl, P1H, P1L);
      h = (h ^ rh) >>> 0;
      l = (l ^ rl) >>> 0;
      mul(h, l, P1H, P1L);
      add(rh, rl, P4H, P4L);
      h = rh;
      l = rl;
    }
  } else {
    add(seedHi, seedLo, P5H, P5L);
    h = rh;
    l = rl;
  }
  add(h, l, 0, length >>> 0);
  h = rh;
  l = rl;
  for (; at + 8 <= end; at += 8) {
    lane8(h, l, u32(data, at + 4), u32(data, at));
    h = rh;
    l = rl;
  }
  if (at + 4 <= end) {
    lane4(h, l, u32(data, at));
    h = rh;
    l = rl;
    at += 4;
  }
  for (; at < end; at++) {
    // hash ^= byte·P5; hash = rotl(hash, 11)·P1
    mul(0, data[at], P5H, P5L);
    rotl((h ^ rh) >>> 0, (l ^ rl) >>> 0, 11);
    mul(rh, rl, P1H, P1L);
    h = rh;
    l = rl;
  }
  fmix(h, l);
}
