/**
 * Exact integers (|v| < 2^53, held in a double) written into Arrow's little-endian two's-complement
 * buffers through 32-bit words: int64 (2 words per value, also Timestamp(µs)) and Decimal128
 * (4 words, the unscaled value, e.g. cents). No BigInt per value.
 */
const TWO_32 = 4294967296;

export function setInt64Words(words: Uint32Array, i: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  words[2 * i] = v - hi * TWO_32;
  words[2 * i + 1] = hi; // stored modulo 2^32: -1 → 0xffffffff
}

export function setDecimal128Words(words: Uint32Array, i: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  words[4 * i] = v - hi * TWO_32;
  words[4 * i + 1] = hi;
  const ext = v < 0 ? 0xffffffff : 0;
  words[4 * i + 2] = ext;
  words[4 * i + 3] = ext;
}
