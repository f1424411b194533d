import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCents, parseDecimalCents } from './decimal';

/** Independent: cents of a non-negative-or-negative BigInt as "[-]I.FF". */
function bigCentsText(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

const MAX_CENTS = 9_999_999_999n;

describe('parseDecimalCents', () => {
  it('accepts integers, one and two decimals as exact cents', () => {
    assert.equal(parseDecimalCents('0'), 0);
    assert.equal(parseDecimalCents('1'), 100);
    assert.equal(parseDecimalCents('1.5'), 150);
    assert.equal(parseDecimalCents('1.50'), 150);
    assert.equal(parseDecimalCents('-12.34'), -1234);
    assert.equal(parseDecimalCents('0.01'), 1);
    assert.equal(parseDecimalCents('-0.01'), -1);
    assert.equal(parseDecimalCents('19.99'), 1999);
  });

  it('gives positive zero for negative zero', () => {
    assert.ok(Object.is(parseDecimalCents('-0'), 0));
    assert.ok(Object.is(parseDecimalCents('-0.00'), 0));
    assert.ok(Object.is(parseDecimalCents('-0e5'), 0));
  });

  it('accepts the extremes of DECIMAL(10,2)', () => {
    assert.equal(parseDecimalCents('99999999.99'), 9999999999);
    assert.equal(parseDecimalCents('-99999999.99'), -9999999999);
  });

  it('accepts trailing zeros beyond two decimals because the value is exact', () => {
    assert.equal(parseDecimalCents('1.500'), 150);
    assert.equal(parseDecimalCents('2.0000000000000000000000'), 200);
  });

  it('accepts exponent forms whose value is a whole number of cents within range', () => {
    assert.equal(parseDecimalCents('1e2'), 10000);
    assert.equal(parseDecimalCents('1E2'), 10000);
    assert.equal(parseDecimalCents('1e+2'), 10000);
    assert.equal(parseDecimalCents('12345e-2'), 12345);
    assert.equal(parseDecimalCents('0.15e1'), 150);
    assert.equal(parseDecimalCents('1.5e-1'), 15);
    assert.equal(parseDecimalCents('100000000e-1'), 1000000000);
    assert.equal(parseDecimalCents('0.000000000000000000001e21'), 100);
    assert.equal(parseDecimalCents('9999999999e-2'), 9999999999);
  });

  it('rejects sub-cent values with AMOUNT_SCALE instead of rounding', () => {
    assert.equal(parseDecimalCents('1.005'), 'AMOUNT_SCALE');
    assert.equal(parseDecimalCents('0.001'), 'AMOUNT_SCALE');
    assert.equal(parseDecimalCents('1e-3'), 'AMOUNT_SCALE');
    assert.equal(parseDecimalCents('99999999.999'), 'AMOUNT_SCALE');
    assert.equal(parseDecimalCents('1e-400'), 'AMOUNT_SCALE');
    assert.equal(parseDecimalCents('0.1234567890123456789'), 'AMOUNT_SCALE');
  });

  it('rejects more than 8 integer digits with AMOUNT_PRECISION, also when the scale is wrong too', () => {
    assert.equal(parseDecimalCents('100000000'), 'AMOUNT_PRECISION');
    assert.equal(parseDecimalCents('-100000000.00'), 'AMOUNT_PRECISION');
    assert.equal(parseDecimalCents('1e8'), 'AMOUNT_PRECISION');
    assert.equal(parseDecimalCents('123456789.123'), 'AMOUNT_PRECISION');
    assert.equal(parseDecimalCents('1e400'), 'AMOUNT_PRECISION');
    assert.equal(parseDecimalCents('1e99999999999999999999999'), 'AMOUNT_PRECISION');
    assert.equal(parseDecimalCents('12345678901234567890123'), 'AMOUNT_PRECISION');
  });

  it('rejects anything that is not exactly a JSON number as WRONG_TYPE', () => {
    for (const t of ['', '-', '+1', '01', '00.5', '1.', '.5', '1e', '1e+', '--1', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '1,5', '1.2.3', '1e2.5']) {
      assert.equal(parseDecimalCents(t), 'WRONG_TYPE', t);
    }
  });

  it('equals a BigInt calculation for any in-range cents written as decimals or exponent forms', () => {
    fc.assert(
      fc.property(fc.bigInt(-MAX_CENTS, MAX_CENTS), fc.nat(6), (c, zeros) => {
        const plain = bigCentsText(c);
        assert.equal(parseDecimalCents(plain), Number(c));
        // digits·10^-2 with extra zeros moved into the exponent: |c| 000…0 e-(2+zeros)
        const a = c < 0n ? -c : c;
        const digits = a === 0n ? '0' : `${a}${'0'.repeat(zeros)}`; // JSON allows no leading zeros
        const exp = `${c < 0n ? '-' : ''}${digits}e-${2 + zeros}`;
        assert.equal(parseDecimalCents(exp), Number(c));
      }),
    );
  });

  it('rejects any amount beyond DECIMAL(10,2) with the right reason', () => {
    fc.assert(
      fc.property(fc.bigInt(MAX_CENTS + 1n, 10n ** 30n), fc.boolean(), (c, neg) => {
        assert.equal(parseDecimalCents(bigCentsText(neg ? -c : c)), 'AMOUNT_PRECISION');
      }),
    );
    fc.assert(
      fc.property(fc.bigInt(-(MAX_CENTS * 10n), MAX_CENTS * 10n), (mills) => {
        fc.pre(mills % 10n !== 0n);
        const neg = mills < 0n;
        const a = neg ? -mills : mills;
        const text = `${neg ? '-' : ''}${a / 1000n}.${(a % 1000n).toString().padStart(3, '0')}`;
        assert.equal(parseDecimalCents(text), 'AMOUNT_SCALE');
      }),
    );
  });
});

describe('formatCents', () => {
  it('writes two decimals with the sign in front', () => {
    assert.equal(formatCents(0), '0.00');
    assert.equal(formatCents(5), '0.05');
    assert.equal(formatCents(-5), '-0.05');
    assert.equal(formatCents(-1234), '-12.34');
    assert.equal(formatCents(9999999999), '99999999.99');
  });

  it('round-trips exactly through parseDecimalCents and matches BigInt formatting', () => {
    fc.assert(
      fc.property(fc.bigInt(-MAX_CENTS, MAX_CENTS), (c) => {
        const text = formatCents(Number(c));
        assert.equal(text, bigCentsText(c));
        assert.equal(parseDecimalCents(text), Number(c));
      }),
    );
  });
});
