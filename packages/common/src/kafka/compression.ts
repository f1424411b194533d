/**
 * Decompression of RecordBatch v2 record sections. The codec is bits 0–2 of the batch attributes:
 * 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
 * - gzip: RFC 1952 members (node zlib).
 * - snappy: Java producers write xerial framing (16-byte header `\x82SNAPPY\0`, int32 version,
 *   int32 compatible version, then blocks of int32 big-endian length + raw snappy); other clients
 *   write one raw snappy block. Both are accepted, told apart by the magic.
 * - lz4: the LZ4 frame format (magic 0x184D2204 little-endian), one or more frames; blocks are
 *   decoded by lz4js, the frame is parsed here because lz4js misplaces block checksums.
 * - zstd: zstd frames (fzstd).
 */
import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { TributaryError } from '../errors';

export const CODEC_NONE = 0;
export const CODEC_GZIP = 1;
export const CODEC_SNAPPY = 2;
export const CODEC_LZ4 = 3;
export const CODEC_ZSTD = 4;

export const CODEC_NAMES: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

interface SnappyJs {
  uncompress(src: Uint8Array): Uint8Array;
  compress(src: Uint8Array): Uint8Array;
}
interface Lz4Js {
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  compressBound(n: number): number;
}
// snappyjs and lz4js ship no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappy: SnappyJs = require('snappyjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4: Lz4Js = require('lz4js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xxh32: (seed: number, src: Uint8Array, index: number, length: number) => number = require('lz4js/xxh32.js').hash;

/** The bytes the codec compressed; may be a fresh buffer or a view the caller must copy. */
export function decompress(codec: number, src: Uint8Array): Uint8Array {
  try {
    switch (codec) {
      case CODEC_GZIP:
        return zlib.gunzipSync(src);
      case CODEC_SNAPPY:
        return snappyDecompress(src);
      case CODEC_LZ4:
        return lz4FramesDecompress(src);
      case CODEC_ZSTD:
        return zstdDecompress(src);
    }
  } catch (e) {
    throw new TributaryError(`cannot decompress a ${CODEC_NAMES[codec]} record batch: ${(e as Error).message}`, {
      code: 'CORRUPT_MESSAGE',
      retriable: false,
      cause: e,
    });
  }
  throw new TributaryError(`unknown compression codec ${codec} in a record batch`, { code: 'UNSUPPORTED_COMPRESSION_TYPE' });
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function isXerialSnappy(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function snappyDecompress(src: Uint8Array): Uint8Array {
  if (!isXerialSnappy(src)) return snappy.uncompress(src);
  const view = Buffer.from(src.buffer, src.byteOffset, src.length);
  const blocks: Uint8Array[] = [];
  let total = 0;
  let p = XERIAL_HEADER_BYTES;
  while (p < view.length) {
    if (p + 4 > view.length) throw new Error('truncated xerial block length');
    const len = view.readInt32BE(p);
    p += 4;
    if (len < 0 || p + len > view.length) throw new Error('truncated xerial block');
    const block = snappy.uncompress(view.subarray(p, p + len));
    blocks.push(block);
    total += block.length;
    p += len;
  }
  return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks, total);
}

/** Xerial framing of one raw snappy block, as Java's SnappyOutputStream writes it. */
export function xerialSnappyCompress(src: Uint8Array): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES + 4);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const block = snappy.compress(src);
  header.writeInt32BE(block.length, 16);
  return Buffer.concat([header, block]);
}

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/**
 * LZ4 frame: magic u32le, FLG (bits 6–7 version 01, bit 4 block checksum, bit 3 content size,
 * bit 2 content checksum), BD (bits 4–6 max block size), [content size u64le], header checksum u8;
 * blocks of u32le size (high bit: stored uncompressed) + data + [u32 block checksum]; end mark
 * u32 0; [u32 content checksum]. Checksums are skipped, not verified (the batch CRC covers them).
 */
function lz4FramesDecompress(src: Uint8Array): Uint8Array {
  const view = Buffer.from(src.buffer, src.byteOffset, src.length);
  // First pass: bound the output size.
  let bound = 0;
  forEachLz4Block(view, (_start, size, stored, maxBlock) => {
    bound += stored ? size : maxBlock;
  });
  const dst = Buffer.allocUnsafe(bound);
  let d = 0;
  forEachLz4Block(view, (start, size, stored) => {
    if (stored) {
      view.copy(dst, d, start, start + size);
      d += size;
    } else {
      d = lz4.decompressBlock(view, dst, start, size, d);
      if (d > bound) throw new Error('lz4 block larger than its frame allows');
    }
  });
  return dst.subarray(0, d);
}

function forEachLz4Block(
  view: Buffer,
  onBlock: (start: number, size: number, stored: boolean, maxBlock: number) => void,
): void {
  let p = 0;
  while (p < view.length) {
    if (p + 7 > view.length || view.readUInt32LE(p) !== LZ4_MAGIC) throw new Error('bad lz4 frame magic');
    const flg = view[p + 4];
    const bd = view[p + 5];
    if (flg >> 6 !== 1) throw new Error('unsupported lz4 frame version');
    const maxBlock = LZ4_BLOCK_SIZES[(bd >> 4) & 7];
    if (maxBlock === undefined) throw new Error('bad lz4 block size');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    p += 6 + (contentSize ? 8 : 0) + 1;
    for (;;) {
      if (p + 4 > view.length) throw new Error('truncated lz4 frame');
      const word = view.readUInt32LE(p);
      p += 4;
      if (word === 0) break;
      const stored = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (p + size > view.length) throw new Error('truncated lz4 block');
      onBlock(p, size, stored, maxBlock);
      p += size + (blockChecksum ? 4 : 0);
    }
    p += contentChecksum ? 4 : 0;
  }
}

const LZ4_FLG_VERSION_1 = 0x40;
const LZ4_FLG_BLOCK_INDEPENDENCE = 0x20;
const LZ4_BD_64KB = 4 << 4;
const LZ4_WRITE_BLOCK = 64 << 10;

/**
 * One LZ4 frame with independent 64 KiB blocks and no checksums but the header's, the form Kafka's
 * Java reader requires (it refuses dependent blocks; lz4js's own frame writer makes those).
 */
export function lz4FrameCompress(src: Uint8Array): Buffer {
  const blocks = Math.ceil(src.length / LZ4_WRITE_BLOCK);
  const out = Buffer.allocUnsafe(7 + blocks * (4 + lz4.compressBound(LZ4_WRITE_BLOCK)) + 4);
  out.writeUInt32LE(LZ4_MAGIC, 0);
  out[4] = LZ4_FLG_VERSION_1 | LZ4_FLG_BLOCK_INDEPENDENCE;
  out[5] = LZ4_BD_64KB;
  out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff;
  let o = 7;
  const table = new Uint32Array(1 << 16);
  const scratch = new Uint8Array(lz4.compressBound(LZ4_WRITE_BLOCK));
  for (let s = 0; s < src.length; s += LZ4_WRITE_BLOCK) {
    const n = Math.min(LZ4_WRITE_BLOCK, src.length - s);
    table.fill(0);
    const c = lz4.compressBlock(src, scratch, s, n, table);
    if (c === 0 || c >= n) {
      out.writeUInt32LE((0x80000000 | n) >>> 0, o);
      out.set(src.subarray(s, s + n), o + 4);
      o += 4 + n;
    } else {
      out.writeUInt32LE(c, o);
      out.set(scratch.subarray(0, c), o + 4);
      o += 4 + c;
    }
  }
  out.writeUInt32LE(0, o);
  return out.subarray(0, o + 4);
}
