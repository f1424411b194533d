import assert from 'node:assert/strict';
import { int32LittleEndian, refMurmur3Bytes, seededRandom } from '../reference-model.test-support';
import { bigIntegerBytes, hashBytes, hashDecimal, hashDouble, hashInt, hashLong, hashLongBig } from './spark-hash';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const sparkHashString = (s: string, seed: number): number => {
  const b = utf8(s);
  return hashBytes(b, 0, b.length, seed);
};

function int64LittleEndian(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  return b;
}

describe("Spark's Murmur3 hash of values", () => {
  it('matches the examples of Spark SQL hash() in its documentation', () => {
    // pyspark.sql.functions.hash: hash('ABC') = -757602832, hash('ABC', 'DEF') = 599895104
    assert.equal(sparkHashString('ABC', 42), -757602832);
    assert.equal(sparkHashString('DEF', sparkHashString('ABC', 42)), 599895104);
    // SQL reference: SELECT hash('Spark', array(123), 2) = -1321691492 (array elements chain like values)
    assert.equal(hashInt(2, hashInt(123, sparkHashString('Spark', 42))), -1321691492);
    // hash(0), hash(1) for ints (as the seed job's partitioner has them)
    assert.equal(hashInt(0, 42), 933211791);
    assert.equal(hashInt(1, 42), -559580957);
  });

  it('hashes whole 4-byte words as textbook Murmur3 (only the tail bytes differ)', () => {
    const rand = seededRandom(5);
    for (let len = 0; len <= 64; len += 4) {
      const b = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      assert.equal(hashBytes(b, 0, len, 42), refMurmur3Bytes(b, 42) | 0, `length ${len}`);
    }
    // the same bytes inside a larger buffer
    const big = utf8('xxABCDEFGHyy');
    assert.equal(hashBytes(big, 2, 10, 7), refMurmur3Bytes(utf8('ABCDEFGH'), 7) | 0);
  });

  it('hashes an int as Murmur3 of its 4 little-endian bytes', () => {
    for (const v of [0, 1, -1, 123456, 2147483647, -2147483648]) {
      assert.equal(hashInt(v, 42), refMurmur3Bytes(int32LittleEndian(v), 42) | 0);
    }
  });

  it('hashes a long as Murmur3 of its 8 little-endian bytes, from a double or a bigint', () => {
    const rand = seededRandom(9);
    const values = [0n, 1n, -1n, 2n ** 32n, -(2n ** 32n), 2n ** 53n - 1n, -(2n ** 53n) + 1n, 1714565100000000n, -300000000n];
    for (let i = 0; i < 200; i++) values.push(BigInt(Math.floor((rand() - 0.5) * 2 ** 53)));
    for (const v of values) {
      const expected = refMurmur3Bytes(int64LittleEndian(v), 42) | 0;
      assert.equal(hashLong(Number(v), 42), expected, `long ${v}`);
      assert.equal(hashLongBig(v, 42), expected, `long ${v} as bigint`);
    }
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 2n ** 60n + 12345n]) {
      assert.equal(hashLongBig(v, 42), refMurmur3Bytes(int64LittleEndian(v), 42) | 0, `long ${v}`);
    }
  });

  it('hashes doubles by their bits, with -0.0 as 0.0 and every NaN as one NaN (Java doubleToLongBits)', () => {
    const zero = refMurmur3Bytes(new Uint8Array(8), 42) | 0;
    assert.equal(hashDouble(0, 42), zero);
    assert.equal(hashDouble(-0, 42), zero);
    const nanBits = int64LittleEndian(0x7ff8000000000000n);
    assert.equal(hashDouble(NaN, 42), refMurmur3Bytes(nanBits, 42) | 0);
    const payload = new Float64Array(new BigUint64Array([0x7ff0000000000123n]).buffer)[0];
    assert.ok(Number.isNaN(payload));
    assert.equal(hashDouble(payload, 42), refMurmur3Bytes(nanBits, 42) | 0);
    const onePointFive = new Uint8Array(new Float64Array([1.5]).buffer);
    assert.equal(hashDouble(1.5, 42), refMurmur3Bytes(onePointFive, 42) | 0);
  });

  it("writes Java's BigInteger.toByteArray (minimal big-endian two's complement)", () => {
    const hex = (v: bigint): string => Buffer.from(bigIntegerBytes(v)).toString('hex');
    assert.equal(hex(0n), '00');
    assert.equal(hex(127n), '7f');
    assert.equal(hex(128n), '0080');
    assert.equal(hex(255n), '00ff');
    assert.equal(hex(256n), '0100');
    assert.equal(hex(-1n), 'ff');
    assert.equal(hex(-128n), '80');
    assert.equal(hex(-129n), 'ff7f');
    assert.equal(hex(-(2n ** 63n)), '8000000000000000');
    assert.equal(hex(10n ** 20n), '056bc75e2d63100000');
  });

  it('hashes decimals as long up to precision 18 and as BigInteger bytes above', () => {
    assert.equal(hashDecimal(1234, 10, 42), hashLong(1234, 42));
    assert.equal(hashDecimal(1234n, 18, 42), hashLong(1234, 42));
    const bytes = Uint8Array.of(0x04, 0xd2); // 1234
    assert.equal(hashDecimal(1234, 20, 42), hashBytes(bytes, 0, 2, 42));
    const big = 10n ** 37n + 7n;
    const bb = bigIntegerBytes(big);
    assert.equal(hashDecimal(big, 38, 42), hashBytes(bb, 0, bb.length, 42));
  });
});
