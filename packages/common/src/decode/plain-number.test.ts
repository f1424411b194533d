import assert from 'node:assert/strict';
import fc from 'fast-check';
import { centsOf, int32Of } from './decimal';
import { JsonNumber, scanJsonNumber } from './json-number';
import { scanPlainCents, scanPlainInt32, skipPlainInteger } from './plain-number';

const bytes = (s: string) => Buffer.from(s, 'latin1');

/** Texts near numbers: digits, signs, dots, exponents and a byte that ends a number. */
const nearNumber = fc.array(fc.constantFrom('0', '1', '5', '9', '-', '.', 'e', 'E', '+', ',', '"', 'x'), { maxLength: 14 }).map((a) => a.join(''));

/**
 * The oracle is the general path: scanJsonNumber + int32Of / centsOf. A fast path may decline any
 * text; what it takes must end where the general scanner ends, with the value the general path gives.
 */
describe('plain-number fast paths', () => {
  it('take plain integers and plain amounts whole', () => {
    const out = new Float64Array(1);
    for (const [text, value] of [['12345', 12345], ['-7', -7], ['0', 0], ['999999999', 999999999], ['-999999999,', -999999999]] as const) {
      assert.equal(scanPlainInt32(bytes(text), 0, text.length, out), text.replace(',', '').length, text);
      assert.equal(out[0], value, text);
    }
    for (const [text, cents] of [['123.45', 12345], ['-0.5', -50], ['12', 1200], ['0', 0], ['99999999.99', 9999999999], ['1.2"', 120]] as const) {
      assert.equal(scanPlainCents(bytes(text), 0, text.length, out), text.replace('"', '').length, text);
      assert.equal(out[0], cents, text);
    }
    assert.equal(skipPlainInteger(bytes('123456789012345,'), 0, 16), 15);
  });

  it('decline what the general path must judge', () => {
    const out = new Float64Array(1);
    for (const text of ['1234567890', '01', '1.0', '1e3', '-', '', '-x', '+1', '1E2']) {
      assert.equal(scanPlainInt32(bytes(text), 0, text.length, out), -1, text);
    }
    for (const text of ['123456789', '1.234', '1.', '.5', '1e2', '00.5', '-', '1.5E1']) {
      assert.equal(scanPlainCents(bytes(text), 0, text.length, out), -1, text);
    }
    for (const text of ['01', '1.5', '2e1', '-', '']) assert.equal(skipPlainInteger(bytes(text), 0, text.length), -1, text);
  });

  it('never disagree with the general path', () => {
    const out = new Float64Array(1);
    const n = new JsonNumber();
    const reason = new Int32Array(1);
    fc.assert(fc.property(nearNumber, (text) => {
      const b = bytes(text);
      const general = scanJsonNumber(b, 0, b.length, n);
      const int = scanPlainInt32(b, 0, b.length, out);
      if (int >= 0) {
        assert.equal(int, general);
        const v = int32Of(n, reason);
        assert.ok(!Number.isNaN(v) && Object.is(out[0], v === 0 ? 0 : v), `${text}: ${out[0]} vs ${v}`);
      }
      const cents = scanPlainCents(b, 0, b.length, out);
      if (cents >= 0) {
        assert.equal(cents, general);
        const v = centsOf(n, reason);
        assert.ok(!Number.isNaN(v) && Object.is(out[0], v === 0 ? 0 : v), `${text}: ${out[0]} vs ${v}`);
      }
      const skipped = skipPlainInteger(b, 0, b.length);
      if (skipped >= 0) assert.equal(skipped, general);
    }), { numRuns: 20_000 });
  });
});
