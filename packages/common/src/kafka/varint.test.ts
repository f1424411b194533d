import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { zigzagVarint } from './test-batches';
import { VarintReader } from './varint';

function varint(bytes: number[]): number {
  return new VarintReader(Buffer.from(bytes), 0).varint();
}
function varlong(bytes: number[]): number {
  return new VarintReader(Buffer.from(bytes), 0).varlong();
}

describe('zig-zag varints', () => {
  it('decode the protobuf zig-zag vectors', () => {
    assert.equal(varint([0x00]), 0);
    assert.equal(varint([0x01]), -1);
    assert.equal(varint([0x02]), 1);
    assert.equal(varint([0x03]), -2);
    assert.equal(varint([0x7f]), -64);
    assert.equal(varint([0x80, 0x01]), 64);
    assert.equal(varint([0xd8, 0x04]), 300);
    assert.equal(varint([0xfe, 0xff, 0xff, 0xff, 0x0f]), 2147483647);
    assert.equal(varint([0xff, 0xff, 0xff, 0xff, 0x0f]), -2147483648);
  });

  it('decode 64-bit values beyond 32 bits as varlongs', () => {
    // 2^40 zig-zags to 2^41: 41 bits → 6 bytes of 7 bits, the last holding bit 41 − 35 = 6.
    assert.equal(varlong([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]), 2 ** 40);
    assert.equal(varlong([0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]), -(2 ** 40));
    assert.equal(varlong([0x01]), -1);
  });

  it('advance the position past exactly the bytes read', () => {
    const r = new VarintReader(Buffer.from([0xd8, 0x04, 0x03, 0x80, 0x01]), 0);
    assert.equal(r.varint(), 300);
    assert.equal(r.pos, 2);
    assert.equal(r.varlong(), -2);
    assert.equal(r.varint(), 64);
    assert.equal(r.pos, 5);
  });

  it('refuse a varint running past the end of the buffer', () => {
    assert.throws(() => varint([0x80, 0x80]), RangeError);
  });

  it('round-trip with an arithmetic encoder for every int32 and for longs up to 2^52', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        assert.equal(new VarintReader(zigzagVarint(v), 0).varint(), v);
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeInteger().map((v) => v % 2 ** 52), (v) => {
        assert.equal(new VarintReader(zigzagVarint(v), 0).varlong(), v);
      }),
    );
  });
});
