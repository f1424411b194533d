/**
 * Encodes uncompressed RecordBatch v2 (the layout is in record-batch.ts) into one reused buffer:
 * records are appended in place (length varint, attributes 0, timestampDelta varlong, offsetDelta
 * varint, key, value, 0 headers), then `finish` fills the 61-byte header and the CRC-32C.
 * baseOffset is 0 (the broker assigns offsets); producer id -1, no sequence, not transactional:
 * a plain non-idempotent producer's batch. Timestamps are CreateTime, epoch milliseconds.
 */
import { BATCH_HEADER_BYTES, LOG_OVERHEAD } from './record-batch';
import { crc32c } from './crc32c';

export class RecordBatchBuilder {
  private buf: Buffer;
  private len = BATCH_HEADER_BYTES;
  private n = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 4096));
  }

  get count(): number {
    return this.n;
  }

  /** Bytes the batch takes so far (header included). */
  get size(): number {
    return this.len;
  }

  reset(): void {
    this.len = BATCH_HEADER_BYTES;
    this.n = 0;
  }

  /** Appends one record; `value[valueStart, valueEnd)` and `key[0, keyLength)` are copied. */
  append(key: Uint8Array | null, value: Uint8Array, valueStart: number, valueEnd: number, timestampMs: number, keyLength = key === null ? -1 : key.length): void {
    if (this.n === 0) {
      this.baseTimestamp = timestampMs;
      this.maxTimestamp = timestampMs;
    } else if (timestampMs > this.maxTimestamp) {
      this.maxTimestamp = timestampMs;
    }
    const tsDelta = timestampMs - this.baseTimestamp;
    const valueLen = valueEnd - valueStart;
    const keyLen = key === null ? -1 : keyLength;
    const body = 1 + varlongSize(tsDelta) + varintSize(this.n) + varintSize(keyLen) + Math.max(keyLen, 0)
      + varintSize(valueLen) + valueLen + 1;
    this.ensure(5 + body);
    const b = this.buf;
    let p = writeVarint(b, this.len, body);
    b[p++] = 0; // attributes
    p = writeVarlong(b, p, tsDelta);
    p = writeVarint(b, p, this.n);
    p = writeVarint(b, p, keyLen);
    if (key !== null) { for (let i = 0; i < keyLen; i++) b[p++] = key[i]; }
    p = writeVarint(b, p, valueLen);
    // Event values are small: a loop beats allocating a subarray view per record.
    if (valueLen < 512) { for (let i = valueStart; i < valueEnd; i++) b[p++] = value[i]; }
    else { b.set(value.subarray(valueStart, valueEnd), p); p += valueLen; }
    b[p++] = 0; // header count
    this.len = p;
    this.n++;
  }

  /** The finished batch: a view of the internal buffer, valid until the next `reset` or `append`. */
  finish(): Buffer {
    const b = this.buf;
    b.fill(0, 0, BATCH_HEADER_BYTES);
    b.writeInt32BE(this.len - LOG_OVERHEAD, 8); // batchLength
    b.writeInt32BE(-1, 12); // partitionLeaderEpoch (the broker sets it)
    b.writeInt8(2, 16); // magic
    b.writeInt16BE(0, 21); // attributes: no compression, CreateTime
    b.writeInt32BE(Math.max(this.n - 1, 0), 23); // lastOffsetDelta
    b.writeBigInt64BE(BigInt(this.baseTimestamp), 27);
    b.writeBigInt64BE(BigInt(this.maxTimestamp), 35);
    b.writeBigInt64BE(-1n, 43); // producerId
    b.writeInt16BE(-1, 51); // producerEpoch
    b.writeInt32BE(-1, 53); // baseSequence
    b.writeInt32BE(this.n, 57);
    b.writeUInt32BE(crc32c(b, 21, this.len), 17);
    return b.subarray(0, this.len);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}

function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

function varintSize(v: number): number {
  const z = zigzag32(v);
  return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x200000 ? 3 : z < 0x10000000 ? 4 : 5;
}

function writeVarint(b: Buffer, p: number, v: number): number {
  let z = zigzag32(v);
  while (z >= 0x80) {
    b[p++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  b[p++] = z;
  return p;
}

/** Zig-zag varlong by arithmetic: exact for |v| < 2^52 (timestamp deltas). */
function varlongSize(v: number): number {
  let z = v >= 0 ? 2 * v : -2 * v - 1;
  let n = 1;
  while (z >= 128) { z = Math.floor(z / 128); n++; }
  return n;
}

function writeVarlong(b: Buffer, p: number, v: number): number {
  let z = v >= 0 ? 2 * v : -2 * v - 1;
  while (z >= 128) {
    b[p++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  b[p++] = z;
  return p;
}
