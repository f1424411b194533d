import assert from 'node:assert/strict';
import { murmur3HashInt, shufflePartition } from './hash-partition';
import { int32LittleEndian, randomInt, refMurmur3Bytes, seededRandom } from './reference-model.test-support';

describe('shuffle hash partitioning', () => {
  it('has a reference Murmur3_x86_32 that reproduces published vectors', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(refMurmur3Bytes(text(''), 0), 0);
    assert.equal(refMurmur3Bytes(text(''), 1), 0x514e28b7);
    assert.equal(refMurmur3Bytes(text(''), 0xffffffff), 0x81f16f39);
    assert.equal(refMurmur3Bytes(new Uint8Array(4), 0), 0x2362f9de);
    assert.equal(refMurmur3Bytes(text('aaaa'), 0x9747b28c), 0x5a97808a);
    assert.equal(refMurmur3Bytes(text('abc'), 0), 0xb3dd93fa);
    assert.equal(refMurmur3Bytes(text('Hello, world!'), 0x9747b28c), 0x24884cba);
    assert.equal(refMurmur3Bytes(text('The quick brown fox jumps over the lazy dog'), 0x9747b28c), 0x2fa826cd);
  });

  it('hashes an int32 as Murmur3 of its 4 little-endian bytes with seed 42', () => {
    const rand = seededRandom(11);
    const keys = [0, 1, -1, 2147483647, -2147483648];
    for (let i = 0; i < 5000; i++) keys.push(randomInt(rand, -2147483648, 2147483647));
    for (const k of keys) {
      assert.equal(murmur3HashInt(k), refMurmur3Bytes(int32LittleEndian(k), 42) | 0, `key ${k}`);
    }
  });

  it('matches Spark SQL hash(0) and hash(1)', () => {
    assert.equal(murmur3HashInt(0), 933211791);
    assert.equal(murmur3HashInt(1), -559580957);
  });

  it('keeps its fixed partition vectors (these must never change)', () => {
    const vectors: [number, number, number][] = [
      // [customer_id, numPartitions, partition]
      [0, 200, 191],
      [1, 200, 43],
      [-1, 200, 13],
      [42, 8, 5],
      [123456, 16, 15],
      [2147483647, 200, 47],
      [-2147483648, 200, 142],
    ];
    for (const [key, p, expected] of vectors) assert.equal(shufflePartition(key, p), expected, `key ${key} P ${p}`);
  });

  it('returns partitions in range, as pmod of the signed hash', () => {
    const rand = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const k = randomInt(rand, -2147483648, 2147483647);
      const p = [1, 2, 7, 200, 65536, 1_000_003, 2147483647][i % 7] + (i % 7 === 3 ? randomInt(rand, 0, 800) : 0);
      const h = refMurmur3Bytes(int32LittleEndian(k), 42) | 0;
      assert.equal(shufflePartition(k, p), ((h % p) + p) % p);
    }
  });
});
