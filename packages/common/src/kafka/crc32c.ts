/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka RecordBatch v2.
 * Not `zlib.crc32`, which is the IEEE polynomial.
 *
 * `crc32c` uses the native implementation of @node-rs/crc32 (hardware CRC instructions, ~5× the
 * JavaScript one here) when its binary loads on this platform, else `crc32cJs`: table-driven,
 * slicing by 8 (eight 256-entry tables let one step fold eight input bytes). Both are tested equal.
 */

const POLY = 0x82f63b78;

/** TABLES[k * 256 + b] = CRC of byte b followed by k zero bytes. */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[b] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = t[(k - 1) * 256 + b];
      t[k * 256 + b] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
}

type NativeCrc32c = (input: Buffer, initial?: number) => number;

function loadNative(): NativeCrc32c | undefined {
  try {
    return (require('@node-rs/crc32') as { crc32c: NativeCrc32c }).crc32c;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** CRC-32C of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (native === undefined) return crc32cJs(buf, start, end);
  return native(Buffer.from(buf.buffer, buf.byteOffset + start, end - start)) >>> 0;
}

/** True when `crc32c` runs natively (for reports). */
export const CRC32C_NATIVE = native !== undefined;

/** The JavaScript CRC-32C of `buf[start, end)`, unsigned. */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = TABLES;
  let c = ~0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const lo = c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
    i += 8;
  }
  while (i < end) c = (c >>> 8) ^ t[(c ^ buf[i++]) & 0xff];
  return ~c >>> 0;
}
