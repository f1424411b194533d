import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { CRC32C_NATIVE, crc32c, crc32cJs } from './crc32c';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32c: (b: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C');

const IMPLEMENTATIONS: [string, typeof crc32c][] = [['crc32c', crc32c], ['crc32cJs (the fallback)', crc32cJs]];

for (const [name, crc] of IMPLEMENTATIONS)
describe(name, () => {
  it('gives the published check value of "123456789"', () => {
    assert.equal(crc(Buffer.from('123456789')), 0xe3069283);
  });

  it('gives the RFC 3720 vectors for 32 zero bytes and 32 0xff bytes', () => {
    assert.equal(crc(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  });

  it('is 0 for no bytes', () => {
    assert.equal(crc(Buffer.alloc(0)), 0);
  });

  it('differs from the IEEE CRC-32 of zlib', () => {
    assert.notEqual(crc(Buffer.from('123456789')), 0xcbf43926);
  });

  it('agrees with kafkajs on any bytes and any sub-range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), fc.nat(40), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = Math.min(a, buf.length);
        const end = Math.max(start, buf.length - b);
        assert.equal(crc(buf, start, end), kafkajsCrc32c(buf.subarray(start, end)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the native CRC-32C', () => {
  it('loads on this platform (x86_64 Linux has a prebuilt binary)', () => {
    assert.equal(CRC32C_NATIVE, process.platform === 'linux' && process.arch === 'x64' ? true : CRC32C_NATIVE);
  });

  it('agrees with the JavaScript one on sub-ranges at any offset of a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.nat(599), fc.nat(599), (bytes, a, b) => {
        const start = Math.min(a, bytes.length);
        const end = Math.min(bytes.length, start + b);
        assert.equal(crc32c(bytes, start, end), crc32cJs(bytes, start, end));
      }),
      { numRuns: 300 },
    );
  });
});
