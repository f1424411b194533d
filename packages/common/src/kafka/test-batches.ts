/**
 * Test support: RecordBatch v2 bytes built by hand, independently of the decoder (its own varint
 * writer, kafkajs's CRC-32C), so decoder tests compare against an independent encoding.
 */
import * as zlib from 'node:zlib';
import { xerialSnappyCompress } from './compression';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32c: (b: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs: { compress(b: Uint8Array): Uint8Array } = require('snappyjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4js: { compress(b: Uint8Array): Uint8Array } = require('lz4js');

export interface TestRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: [string, Buffer | null][];
}

export type TestCodec = 'none' | 'gzip' | 'snappy-raw' | 'snappy-xerial' | 'lz4' | 'zstd';

export interface TestBatch {
  baseOffset: number;
  baseTimestamp: number;
  /** Defaults to the last record's offset delta. */
  lastOffsetDelta?: number;
  maxTimestamp?: number;
  codec?: TestCodec;
  logAppendTime?: boolean;
  transactional?: boolean;
  control?: boolean;
  producerId?: number;
  records: TestRecord[];
  /** Zstd compressor, needed for codec 'zstd'. */
  zstd?: (b: Uint8Array) => Uint8Array;
}

const CODEC_IDS: Record<TestCodec, number> = { none: 0, gzip: 1, 'snappy-raw': 2, 'snappy-xerial': 2, lz4: 3, zstd: 4 };

/** Zig-zag varint of any integer with |v| < 2^52, by arithmetic (not bit operations). */
export function zigzagVarint(v: number): Buffer {
  let z = v >= 0 ? 2 * v : -2 * v - 1;
  const out: number[] = [];
  do {
    const low = z % 128;
    z = Math.floor(z / 128);
    out.push(z > 0 ? low + 128 : low);
  } while (z > 0);
  return Buffer.from(out);
}

function bytesField(b: Buffer | null): Buffer {
  return b === null ? zigzagVarint(-1) : Buffer.concat([zigzagVarint(b.length), b]);
}

export function encodeRecord(r: TestRecord): Buffer {
  const headers = r.headers ?? [];
  const body = Buffer.concat([
    Buffer.from([0]),
    zigzagVarint(r.timestampDelta),
    zigzagVarint(r.offsetDelta),
    bytesField(r.key),
    bytesField(r.value),
    zigzagVarint(headers.length),
    ...headers.flatMap(([k, v]) => [bytesField(Buffer.from(k)), bytesField(v)]),
  ]);
  return Buffer.concat([zigzagVarint(body.length), body]);
}

function compress(codec: TestCodec, plain: Buffer, zstd?: (b: Uint8Array) => Uint8Array): Buffer {
  switch (codec) {
    case 'none':
      return plain;
    case 'gzip':
      return zlib.gzipSync(plain);
    case 'snappy-raw':
      return Buffer.from(snappyjs.compress(plain));
    case 'snappy-xerial':
      return xerialSnappyCompress(plain);
    case 'lz4':
      return Buffer.from(lz4js.compress(plain));
    case 'zstd':
      if (!zstd) throw new Error('zstd compressor not given');
      return Buffer.from(zstd(plain));
  }
}

export function encodeBatch(b: TestBatch): Buffer {
  const codec = b.codec ?? 'none';
  const records = Buffer.concat(b.records.map(encodeRecord));
  const lastOffsetDelta = b.lastOffsetDelta ?? b.records[b.records.length - 1]?.offsetDelta ?? 0;
  const maxTimestamp = b.maxTimestamp ?? b.baseTimestamp + Math.max(0, ...b.records.map((r) => r.timestampDelta));
  const attributes =
    CODEC_IDS[codec] | (b.logAppendTime ? 0x08 : 0) | (b.transactional ? 0x10 : 0) | (b.control ? 0x20 : 0);
  const body = Buffer.alloc(40);
  body.writeInt16BE(attributes, 0);
  body.writeInt32BE(lastOffsetDelta, 2);
  body.writeBigInt64BE(BigInt(b.baseTimestamp), 6);
  body.writeBigInt64BE(BigInt(maxTimestamp), 14);
  body.writeBigInt64BE(BigInt(b.producerId ?? -1), 22);
  body.writeInt16BE(0, 30);
  body.writeInt32BE(0, 32);
  body.writeInt32BE(b.records.length, 36);
  const crcd = Buffer.concat([body, compress(codec, records, b.zstd)]);
  const head = Buffer.alloc(21);
  head.writeBigInt64BE(BigInt(b.baseOffset), 0);
  head.writeInt32BE(9 + crcd.length, 8);
  head.writeInt32BE(0, 12);
  head.writeInt8(2, 16);
  head.writeUInt32BE(kafkajsCrc32c(crcd), 17);
  return Buffer.concat([head, crcd]);
}

/** A control batch with one marker record: type 0 abort, 1 commit. */
export function controlBatch(baseOffset: number, producerId: number, type: 0 | 1): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  const value = Buffer.alloc(6); // version int16, coordinator epoch int32
  return encodeBatch({
    baseOffset,
    baseTimestamp: 1,
    control: true,
    transactional: true,
    producerId,
    records: [{ offsetDelta: 0, timestampDelta: 0, key, value }],
  });
}

/** Records laid out as `count` consecutive offsets with small varied payloads. */
export function simpleRecords(count: number, tag: string): TestRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    offsetDelta: i,
    timestampDelta: i * 3,
    key: i % 5 === 0 ? null : Buffer.from(`${tag}-k${i}`),
    value: i % 7 === 3 ? null : Buffer.from(`${tag}-value-${i}-${'x'.repeat(i % 13)}`),
    headers: i % 2 ? [['h', Buffer.from(`hv${i}`)]] : [],
  }));
}
