import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { CODEC_GZIP, CODEC_LZ4, CODEC_SNAPPY, decompress, isXerialSnappy, lz4FrameCompress, xerialSnappyCompress } from './compression';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4js: { decompress(b: Uint8Array): Uint8Array; compress(b: Uint8Array): Uint8Array } = require('lz4js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs: { uncompress(b: Uint8Array): Uint8Array; compress(b: Uint8Array): Uint8Array } = require('snappyjs');

function samples(): Buffer[] {
  return [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('{"customer_id":1,"amount":"2.50"}'.repeat(100)),
    randomBytes(70_000), // incompressible, more than one 64 KiB block
    Buffer.alloc(300_000, 7),
  ];
}

describe('record batch compression', () => {
  it('writes LZ4 frames with independent blocks that lz4js and the reader both decode', () => {
    for (const plain of samples()) {
      const frame = lz4FrameCompress(plain);
      assert.equal(frame[4] & 0x20, 0x20, 'block independence flag');
      assert.deepEqual(Buffer.from(lz4js.decompress(frame)), plain);
      assert.deepEqual(Buffer.from(decompress(CODEC_LZ4, frame)), plain);
    }
  });

  it('reads LZ4 frames written by lz4js and concatenated frames', () => {
    const a = Buffer.from('first frame '.repeat(50));
    const b = Buffer.from('second frame '.repeat(50));
    const frames = Buffer.concat([Buffer.from(lz4js.compress(a)), lz4FrameCompress(b)]);
    assert.deepEqual(Buffer.from(decompress(CODEC_LZ4, frames)), Buffer.concat([a, b]));
  });

  it('writes xerial snappy that snappyjs decodes after the 16-byte header and 4-byte length', () => {
    for (const plain of samples().slice(1)) {
      const framed = xerialSnappyCompress(plain);
      assert.ok(isXerialSnappy(framed));
      assert.equal(framed.readInt32BE(16), framed.length - 20);
      assert.deepEqual(Buffer.from(snappyjs.uncompress(framed.subarray(20))), plain);
      assert.deepEqual(Buffer.from(decompress(CODEC_SNAPPY, framed)), plain);
    }
  });

  it('reads xerial snappy of several blocks and raw snappy', () => {
    const a = Buffer.from('block one '.repeat(30));
    const b = Buffer.from('block two '.repeat(30));
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const block = (x: Buffer) => {
      const c = Buffer.from(snappyjs.compress(x));
      const len = Buffer.alloc(4);
      len.writeInt32BE(c.length);
      return Buffer.concat([len, c]);
    };
    assert.deepEqual(Buffer.from(decompress(CODEC_SNAPPY, Buffer.concat([header, block(a), block(b)]))), Buffer.concat([a, b]));
    assert.deepEqual(Buffer.from(decompress(CODEC_SNAPPY, snappyjs.compress(a))), a);
  });

  it('reads gzip and reports damaged input as a corrupt message', () => {
    const plain = Buffer.from('gzip me '.repeat(20));
    assert.deepEqual(Buffer.from(decompress(CODEC_GZIP, zlib.gzipSync(plain))), plain);
    assert.throws(() => decompress(CODEC_GZIP, Buffer.from('not gzip')), /cannot decompress a gzip record batch/);
    assert.throws(() => decompress(6, Buffer.from('x')), /unknown compression codec 6/);
  });
});
