/**
 * Decoding of Kafka RecordBatch v2 (magic 2), the unit in which Fetch returns records:
 *
 *   offset size field
 *   0      8    baseOffset
 *   8      4    batchLength: bytes after this field (a batch takes 12 + batchLength bytes)
 *   12     4    partitionLeaderEpoch
 *   16     1    magic = 2
 *   17     4    crc: CRC-32C of bytes 21 .. end of batch
 *   21     2    attributes: bits 0–2 codec, bit 3 timestamp type (1 = LogAppendTime),
 *               bit 4 transactional, bit 5 control
 *   23     4    lastOffsetDelta
 *   27     8    baseTimestamp
 *   35     8    maxTimestamp
 *   43     8    producerId
 *   51     2    producerEpoch
 *   53     4    baseSequence
 *   57     4    recordCount
 *   61     …    records, compressed as a whole when the codec is not 0
 *
 * A record: length varint (bytes after it), attributes int8, timestampDelta varlong, offsetDelta
 * varint, keyLength varint (-1 = null), key, valueLength varint (-1 = null), value, headers
 * (located, not read: the chunk gives their span, up to the record's end). Varints are zig-zag
 * (see varint.ts). A control record's key is version int16, type int16 (0 = abort, 1 = commit).
 *
 * Records are located in place: a chunk holds positions into the fetched bytes, or, for compressed
 * batches, into a reused arena the decompressed bytes are copied into, so consecutive compressed
 * batches share one chunk. A chunk never mixes buffers: it ends where the buffer changes.
 */
import { TributaryError } from '../errors';
import { crc32c } from './crc32c';
import { CODEC_NONE, decompress } from './compression';
import type { RecordChunk } from './record-chunk';
import { VarintReader } from './varint';

export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength, the part of a batch not counted by batchLength. */
export const LOG_OVERHEAD = 12;
const MIN_BATCH_LENGTH = BATCH_HEADER_BYTES - LOG_OVERHEAD;

const ATTR_CODEC_MASK = 0x07;
const ATTR_LOG_APPEND_TIME = 0x08;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;
const CONTROL_TYPE_ABORT = 0;
const NO_PRODUCER_ID = -1;

/** A transaction the broker reports as aborted: records of `producerId` from `firstOffset` on. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface RecordSetScan {
  /** The offset after the last complete batch, or the fetch offset when none is complete. */
  nextOffset: number;
  completeBatches: number;
  /** Bytes taken by complete batches; any rest is a batch the broker cut at its size limit. */
  completeBytes: number;
  /** Size of the first incomplete batch when its length field is present, else -1. */
  truncatedBatchBytes: number;
}

/**
 * Walks batch headers only, to learn where the next fetch starts before decoding (so it can be
 * sent while this one is decoded). Compaction gaps are crossed: a batch ends at
 * baseOffset + lastOffsetDelta whatever records survived in it.
 */
export function scanRecordSet(records: Buffer, fetchOffset: number): RecordSetScan {
  let pos = 0;
  let nextOffset = fetchOffset;
  let completeBatches = 0;
  let truncatedBatchBytes = -1;
  const end = records.length;
  while (end - pos >= LOG_OVERHEAD) {
    const size = LOG_OVERHEAD + records.readInt32BE(pos + 8);
    if (size < BATCH_HEADER_BYTES) throw corrupt(`batch length ${size - LOG_OVERHEAD} at byte ${pos}`);
    if (pos + size > end) {
      truncatedBatchBytes = size;
      break;
    }
    checkMagic(records, pos);
    const lastOffset = readInt64(records, pos) + records.readInt32BE(pos + 23);
    if (lastOffset + 1 > nextOffset) nextOffset = lastOffset + 1;
    completeBatches++;
    pos += size;
  }
  return { nextOffset, completeBatches, completeBytes: pos, truncatedBatchBytes };
}

export interface DecoderOptions {
  /** Records per chunk (the chunk's typed arrays are this long). Default 32768. */
  capacity?: number;
  /** Check each decoded batch's CRC-32C. Default true. */
  verifyCrc?: boolean;
  /** Skip records of aborted transactions (read_committed); needs the Fetch aborted list. */
  readCommitted?: boolean;
}

/**
 * Turns the record set of one partition's Fetch response into chunks covering [from, to).
 * Pull-based: `begin` a record set, then call `next` until it returns null. The chunk returned by
 * `next` (its arrays and the arena it may point into) is valid until the following call.
 */
export class RecordBatchDecoder {
  private readonly capacity: number;
  private readonly verifyCrc: boolean;
  private readonly readCommitted: boolean;
  private readonly chunk: RecordChunk;
  private arena: Buffer = Buffer.alloc(0);
  private arenaUsed = 0;
  /** A decompressed batch that did not fit the arena, kept until the chunk before it is handed out. */
  private pendingRecords: Buffer | null = null;
  private pendingPos = -1;
  private pendingPlain: Uint8Array = this.arena;

  private records: Buffer = Buffer.alloc(0);
  private from = 0;
  private to = 0;
  /** Start of the next batch header in `records`. */
  private pos = 0;
  private done = true;

  // The batch being decoded.
  private src: Buffer = this.records;
  private recPos = 0;
  private recLeft = 0;
  private batchEnd = 0;
  private baseOffset = 0;
  private baseTimestamp = 0;
  private logAppendTime = -1;

  // read_committed state, per record set (the broker sends the aborted list with each response).
  private aborted: AbortedTransaction[] = [];
  private abortedNext = 0;
  private readonly abortedProducers = new Set<number>();

  constructor(opts: DecoderOptions = {}) {
    this.capacity = opts.capacity ?? 32768;
    this.verifyCrc = opts.verifyCrc ?? true;
    this.readCommitted = opts.readCommitted ?? false;
    const n = this.capacity;
    this.chunk = {
      topic: '',
      partition: -1,
      count: 0,
      buf: this.records,
      offset: new Float64Array(n),
      timestampMs: new Float64Array(n),
      timestampType: new Uint8Array(n),
      keyStart: new Int32Array(n),
      keyLength: new Int32Array(n),
      valueStart: new Int32Array(n),
      valueLength: new Int32Array(n),
      headersStart: new Int32Array(n),
      headersLength: new Int32Array(n),
    };
  }

  /** Starts a record set; records outside [from, to) are dropped. */
  begin(
    topic: string,
    partition: number,
    records: Buffer,
    from: number,
    to: number,
    aborted: readonly AbortedTransaction[] | null = null,
  ): void {
    this.chunk.topic = topic;
    this.chunk.partition = partition;
    this.records = records;
    this.from = from;
    this.to = to;
    this.pos = 0;
    this.recLeft = 0;
    this.done = from >= to;
    this.arenaUsed = 0;
    this.pendingRecords = null;
    this.aborted = aborted ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
    this.abortedNext = 0;
    this.abortedProducers.clear();
  }

  /** The next chunk of at least one record, or null when the record set holds no more in range. */
  next(): RecordChunk | null {
    const chunk = this.chunk;
    chunk.count = 0;
    while (!this.done) {
      if (this.recLeft > 0) {
        if (chunk.count > 0 && chunk.buf !== this.src) break;
        chunk.buf = this.src;
        this.decodeRecords();
        if (chunk.count === this.capacity) break;
      } else if (!this.openBatch()) {
        break;
      }
    }
    return chunk.count > 0 ? chunk : null;
  }

  /**
   * Reads the header at `pos` and positions the record cursor on its records, or skips the batch.
   * Returns false when the chunk must be handed out first (the arena is needed again).
   */
  private openBatch(): boolean {
    const buf = this.records;
    const pos = this.pos;
    if (buf.length - pos < LOG_OVERHEAD) return this.finish();
    const batchLength = buf.readInt32BE(pos + 8);
    const end = pos + LOG_OVERHEAD + batchLength;
    if (end > buf.length) return this.finish(); // truncated by the broker's size limit: refetch
    if (batchLength < MIN_BATCH_LENGTH) throw corrupt(`batch length ${batchLength} at byte ${pos}`);
    checkMagic(buf, pos);
    const baseOffset = readInt64(buf, pos);
    const lastOffset = baseOffset + buf.readInt32BE(pos + 23);
    if (baseOffset >= this.to) return this.finish();
    const attributes = buf.readInt16BE(pos + 21);
    const codec = attributes & ATTR_CODEC_MASK;
    if (lastOffset < this.from) {
      this.pos = end;
      return true;
    }
    if (this.verifyCrc) {
      const expected = buf.readUInt32BE(pos + 17);
      const actual = crc32c(buf, pos + 21, end);
      if (actual !== expected) {
        throw corrupt(`CRC-32C mismatch in the batch at offset ${baseOffset}: stored ${expected}, computed ${actual}`);
      }
    }
    if (this.readCommitted && this.skipAsTransactionControl(buf, pos, attributes, lastOffset)) {
      this.pos = end;
      return true;
    }
    if (attributes & ATTR_CONTROL) {
      this.pos = end;
      return true;
    }
    const recordCount = buf.readInt32BE(pos + 57);
    if (recordCount < 0) throw corrupt(`negative record count in the batch at offset ${baseOffset}`);
    if (codec === CODEC_NONE) {
      this.src = buf;
      this.recPos = pos + BATCH_HEADER_BYTES;
      this.batchEnd = end;
    } else {
      const plain =
        this.pendingPos === pos && this.pendingRecords === buf
          ? this.pendingPlain
          : decompress(codec, buf.subarray(pos + BATCH_HEADER_BYTES, end));
      this.pendingRecords = null;
      if (this.arenaUsed + plain.length > this.arena.length) {
        if (this.chunk.count > 0) {
          // The arena holds records of the chunk not yet handed out: hand it out, keep this batch.
          this.pendingRecords = buf;
          this.pendingPos = pos;
          this.pendingPlain = plain;
          return false;
        }
        this.arenaUsed = 0;
        if (plain.length > this.arena.length) this.arena = Buffer.allocUnsafe(Math.max(plain.length, 4 << 20));
      }
      this.arena.set(plain, this.arenaUsed);
      this.src = this.arena;
      this.recPos = this.arenaUsed;
      this.arenaUsed += plain.length;
      this.batchEnd = this.arenaUsed;
    }
    this.baseOffset = baseOffset;
    this.baseTimestamp = readInt64(buf, pos + 27);
    this.logAppendTime = attributes & ATTR_LOG_APPEND_TIME ? readInt64(buf, pos + 35) : -1;
    this.recLeft = recordCount;
    this.pos = end;
    return true;
  }

  private finish(): boolean {
    this.done = true;
    return false;
  }

  /**
   * read_committed, as Kafka's own consumer does it: aborted transactions whose first offset is at or
   * before this batch's last offset mark their producer as aborting; an abort marker (a control
   * batch) ends that; a transactional batch of an aborting producer is skipped.
   */
  private skipAsTransactionControl(buf: Buffer, pos: number, attributes: number, lastOffset: number): boolean {
    const producerId = readInt64(buf, pos + 43);
    if (producerId === NO_PRODUCER_ID) return false;
    const aborted = this.aborted;
    while (this.abortedNext < aborted.length && aborted[this.abortedNext].firstOffset <= lastOffset) {
      this.abortedProducers.add(aborted[this.abortedNext++].producerId);
    }
    if (attributes & ATTR_CONTROL) {
      if (controlType(buf, pos) === CONTROL_TYPE_ABORT) this.abortedProducers.delete(producerId);
      return true;
    }
    return (attributes & ATTR_TRANSACTIONAL) !== 0 && this.abortedProducers.has(producerId);
  }

  /** The hot loop: locates records of the current batch into the chunk. */
  private decodeRecords(): void {
    const chunk = this.chunk;
    const buf = this.src;
    const offsets = chunk.offset;
    const timestamps = chunk.timestampMs;
    const keyStart = chunk.keyStart;
    const keyLength = chunk.keyLength;
    const valueStart = chunk.valueStart;
    const valueLength = chunk.valueLength;
    const timestampType = chunk.timestampType;
    const headersStart = chunk.headersStart;
    const headersLength = chunk.headersLength;
    const from = this.from;
    const to = this.to;
    const baseOffset = this.baseOffset;
    const baseTimestamp = this.baseTimestamp;
    const logAppendTime = this.logAppendTime;
    const batchEnd = this.batchEnd;
    const capacity = this.capacity;
    let count = chunk.count;
    let p = this.recPos;
    let left = this.recLeft;
    let b: number, raw: number, shift: number;

    while (left > 0 && count < capacity) {
      // length
      b = buf[p++];
      raw = b & 0x7f;
      for (shift = 7; b & 0x80; shift += 7) {
        b = buf[p++];
        raw |= (b & 0x7f) << shift;
      }
      const recordEnd = p + ((raw >>> 1) ^ -(raw & 1));
      p++; // attributes
      // timestampDelta (varlong): one byte in the common case
      let tsDelta: number;
      if (buf[p] < 0x80) {
        b = buf[p++];
        tsDelta = (b >>> 1) ^ -(b & 1);
      } else if (buf[p + 1] < 0x80) {
        raw = (buf[p] & 0x7f) | (buf[p + 1] << 7);
        p += 2;
        tsDelta = (raw >>> 1) ^ -(raw & 1);
      } else if (buf[p + 2] < 0x80) {
        raw = (buf[p] & 0x7f) | ((buf[p + 1] & 0x7f) << 7) | (buf[p + 2] << 14);
        p += 3;
        tsDelta = (raw >>> 1) ^ -(raw & 1);
      } else {
        tsDelta = readVarlongAt(buf, p);
        p = varlongEnd;
      }
      // offsetDelta
      b = buf[p++];
      raw = b & 0x7f;
      for (shift = 7; b & 0x80; shift += 7) {
        b = buf[p++];
        raw |= (b & 0x7f) << shift;
      }
      const offset = baseOffset + ((raw >>> 1) ^ -(raw & 1));
      // key
      b = buf[p++];
      raw = b & 0x7f;
      for (shift = 7; b & 0x80; shift += 7) {
        b = buf[p++];
        raw |= (b & 0x7f) << shift;
      }
      const kLen = (raw >>> 1) ^ -(raw & 1);
      const kStart = p;
      if (kLen > 0) p += kLen;
      // value
      b = buf[p++];
      raw = b & 0x7f;
      for (shift = 7; b & 0x80; shift += 7) {
        b = buf[p++];
        raw |= (b & 0x7f) << shift;
      }
      const vLen = (raw >>> 1) ^ -(raw & 1);
      const vStart = p;
      if (vLen > 0) p += vLen;

      if (p > recordEnd || recordEnd > batchEnd || kLen < -1 || vLen < -1) {
        throw corrupt(`record at offset ${offset} overruns its length or its batch`);
      }
      const hStart = p;
      p = recordEnd;
      left--;
      if (offset < from) continue;
      if (offset >= to) {
        left = 0;
        this.done = true;
        break;
      }
      offsets[count] = offset;
      timestamps[count] = logAppendTime >= 0 ? logAppendTime : baseTimestamp + tsDelta;
      keyStart[count] = kStart;
      keyLength[count] = kLen;
      valueStart[count] = vStart;
      valueLength[count] = vLen;
      timestampType[count] = logAppendTime >= 0 ? 1 : 0;
      headersStart[count] = hStart;
      headersLength[count] = recordEnd - hStart;
      count++;
    }
    chunk.count = count;
    this.recPos = p;
    this.recLeft = left;
    if (left === 0 && p !== batchEnd && !this.done) {
      throw corrupt(`batch at offset ${baseOffset} has ${batchEnd - p} bytes after its last record`);
    }
  }
}

let varlongEnd = 0;
/** A zig-zag varlong at `p`; leaves the position after it in `varlongEnd`. */
function readVarlongAt(buf: Buffer, p: number): number {
  const r = new VarintReader(buf, p);
  const v = r.varlong();
  varlongEnd = r.pos;
  return v;
}

/** The type of the (single) control record of a control batch: its key's second int16. */
function controlType(buf: Buffer, pos: number): number {
  const codec = buf.readInt16BE(pos + 21) & ATTR_CODEC_MASK;
  const end = pos + LOG_OVERHEAD + buf.readInt32BE(pos + 8);
  const recs: Buffer =
    codec === CODEC_NONE ? buf.subarray(pos + BATCH_HEADER_BYTES, end) : Buffer.from(decompress(codec, buf.subarray(pos + BATCH_HEADER_BYTES, end)));
  const r = new VarintReader(recs, 0);
  r.varint(); // length
  r.pos++; // attributes
  r.varlong(); // timestampDelta
  r.varint(); // offsetDelta
  const keyLength = r.varint();
  if (keyLength < 4) throw corrupt(`control record key of ${keyLength} bytes`);
  return recs.readInt16BE(r.pos + 2);
}

function checkMagic(buf: Buffer, pos: number): void {
  const magic = buf[pos + 16];
  if (magic !== 2) {
    throw new TributaryError(
      `record batch with magic ${magic} at offset ${readInt64(buf, pos)}: only message format v2 (Kafka 0.11+) is read`,
      { code: 'UNSUPPORTED_MESSAGE_FORMAT' },
    );
  }
}

/** A big-endian int64 as a number: exact below 2^53, which offsets, timestamps and producer ids are. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

function corrupt(detail: string): TributaryError {
  // Retriable: bytes damaged in flight read correctly on a refetch; damage on disk exhausts attempts.
  return new TributaryError(`corrupt Kafka record batch: ${detail}`, { code: 'CORRUPT_MESSAGE', retriable: true });
}
