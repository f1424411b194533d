import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { crc32c } from './crc32c';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32c: (b: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C');

describe('crc32c', () => {
  it('gives the published check value of "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it('gives the RFC 3720 vectors for 32 zero bytes and 32 0xff bytes', () => {
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  });

  it('is 0 for no bytes', () => {
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('differs from the IEEE CRC-32 of zlib', () => {
    assert.notEqual(crc32c(Buffer.from('123456789')), 0xcbf43926);
  });

  it('agrees with kafkajs on any bytes and any sub-range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), fc.nat(40), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = Math.min(a, buf.length);
        const end = Math.max(start, buf.length - b);
        assert.equal(crc32c(buf, start, end), kafkajsCrc32c(buf.subarray(start, end)));
      }),
      { numRuns: 300 },
    );
  });
});
