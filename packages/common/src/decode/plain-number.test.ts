import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonNumber, pow10, scanJsonNumber } from './json-number';
import { ExactOut, OK, unscaledOf } from './json-values';
import { scanPlainInt32, scanPlainUnscaled, skipPlainInteger } from './plain-number';

/** The int32 of a scanned JSON integer literal (no fraction or exponent), or NaN: the oracle of the int fast path. */
function int32Of(n: JsonNumber): number {
  if (n.hasFraction || n.hasExponent) return NaN;
  if (n.sigCount === 0) return 0;
  if (n.sigCount + n.pow10 > 10) return NaN;
  const v = n.neg ? -(n.sig * pow10(n.pow10)) : n.sig * pow10(n.pow10);
  return v < -2147483648 || v > 2147483647 ? NaN : v;
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

/** Texts near numbers: digits, signs, dots, exponents and a byte that ends a number. */
const nearNumber = fc.array(fc.constantFrom('0', '1', '5', '9', '-', '.', 'e', 'E', '+', ',', '"', 'x'), { maxLength: 14 }).map((a) => a.join(''));

/**
 * The oracle is the general path: scanJsonNumber + int32Of (below) / unscaledOf. A fast path may decline any
 * text; what it takes must end where the general scanner ends, with the value the general path gives.
 */
describe('plain-number fast paths', () => {
  it('take plain integers whole', () => {
    const out = new Float64Array(1);
    for (const [text, value] of [['12345', 12345], ['-7', -7], ['0', 0], ['999999999', 999999999], ['-999999999,', -999999999]] as const) {
      assert.equal(scanPlainInt32(bytes(text), 0, text.length, out), text.replace(',', '').length, text);
      assert.equal(out[0], value, text);
    }
    assert.equal(skipPlainInteger(bytes('123456789012345,'), 0, 16), 15);
  });

  it('decline what the general path must judge', () => {
    const out = new Float64Array(1);
    for (const text of ['1234567890', '01', '1.0', '1e3', '-', '', '-x', '+1', '1E2']) {
      assert.equal(scanPlainInt32(bytes(text), 0, text.length, out), -1, text);
    }
    for (const text of ['01', '1.5', '2e1', '-', '']) assert.equal(skipPlainInteger(bytes(text), 0, text.length), -1, text);
  });

  it('never disagree with the general path', () => {
    const out = new Float64Array(1);
    const n = new JsonNumber();
    fc.assert(fc.property(nearNumber, (text) => {
      const b = bytes(text);
      const general = scanJsonNumber(b, 0, b.length, n);
      const int = scanPlainInt32(b, 0, b.length, out);
      if (int >= 0) {
        assert.equal(int, general);
        const v = int32Of(n);
        assert.ok(!Number.isNaN(v) && Object.is(out[0], v === 0 ? 0 : v), `${text}: ${out[0]} vs ${v}`);
      }
      const skipped = skipPlainInteger(b, 0, b.length);
      if (skipped >= 0) assert.equal(skipped, general);
    }), { numRuns: 20_000 });
  });

  it('take plain decimals of any scale whole, as unscaled integers', () => {
    const out = new Float64Array(1);
    const cases: [string, number, number, number][] = [
      ['123.45', 8, 2, 12345], ['-0.5', 8, 2, -50], ['12', 3, 0, 12], ['0.12345', 1, 5, 12345], ['7.1', 1, 4, 71000], ['999999999999999', 15, 0, 999999999999999],
    ];
    for (const [text, intDigits, scale, unscaled] of cases) {
      assert.equal(scanPlainUnscaled(bytes(text), 0, text.length, intDigits, scale, out), text.length, text);
      assert.equal(out[0], unscaled, text);
    }
    for (const [text, intDigits, scale] of [['1.5', 3, 0], ['1234', 3, 2], ['1.234', 3, 2], ['1.', 3, 2], ['1e2', 3, 2]] as const) {
      assert.equal(scanPlainUnscaled(bytes(text), 0, text.length, intDigits, scale, out), -1, text);
    }
  });

  it('never disagree with the general decimal path', () => {
    const out = new Float64Array(1);
    const n = new JsonNumber();
    const exact = new ExactOut();
    const shape = fc.integer({ min: 1, max: 15 }).chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p - 1 })));
    fc.assert(fc.property(nearNumber, shape, (text, [p, scale]) => {
      const b = bytes(text);
      const general = scanJsonNumber(b, 0, b.length, n);
      const got = scanPlainUnscaled(b, 0, b.length, p - scale, scale, out);
      if (got >= 0) {
        assert.equal(got, general);
        assert.equal(unscaledOf(n, b, 0, general, p, scale, exact), OK, text);
        assert.ok(Object.is(out[0], exact.value[0] === 0 ? 0 : exact.value[0]), `${text}: ${out[0]} vs ${exact.value[0]}`);
      }
    }), { numRuns: 20_000 });
  });
});
