import assert from 'node:assert/strict';
import { diffRows } from './diff-rows';
import type { ExpectedRow } from './expected-windows';

const M5 = 300_000_000n;
const row = (w: bigint, c: number, count: number, sum: bigint): ExpectedRow => ({ windowStartMicros: w * M5, windowEndMicros: (w + 1n) * M5, customerId: c, count, sumCents: sum });

describe('diffRows', () => {
  it('finds equal tables equal, whatever the order and the numeric types of the actual rows', () => {
    const expected = [row(0n, 1, 2, 150n), row(0n, 2, 1, -5n)];
    const actual = [
      { windowStartMicros: 0, windowEndMicros: 300_000_000, customerId: 2, count: 1n, sumCents: '-0.05' },
      { windowStartMicros: 0n, windowEndMicros: M5, customerId: 1, count: 2, sumCents: 150 },
    ];
    const d = diffRows(expected, actual);
    assert.equal(d.equal, true, d.text);
    assert.equal(d.text, 'expected 2 rows, got 2: 0 missing, 0 extra, 0 different, 0 duplicated');
  });

  it('lists missing, extra, different and duplicated rows readably', () => {
    const expected = [row(0n, 1, 2, 150n), row(0n, 2, 1, 5n), row(1n, 1, 1, 1n)];
    const actual = [row(0n, 1, 2, 151n), row(1n, 1, 1, 1n), row(1n, 1, 1, 1n), row(2n, 9, 1, 100n)];
    const d = diffRows(expected, actual);
    assert.equal(d.equal, false);
    assert.equal(d.text, [
      'expected 3 rows, got 4: 1 missing, 1 extra, 1 different, 1 duplicated',
      'missing (first 1 of 1):',
      '  [1970-01-01T00:00:00.000000Z, 1970-01-01T00:05:00.000000Z) customer 2: count 1, sum 0.05',
      'extra (first 1 of 1):',
      '  [1970-01-01T00:10:00.000000Z, 1970-01-01T00:15:00.000000Z) customer 9: count 1, sum 1.00',
      'different (first 1 of 1):',
      '  [1970-01-01T00:00:00.000000Z, 1970-01-01T00:05:00.000000Z) customer 1: count 2, sum 1.50',
      '    but got count 2, sum 1.51',
      'duplicated (first 1 of 1):',
      '  [1970-01-01T00:05:00.000000Z, 1970-01-01T00:10:00.000000Z) customer 1: count 1, sum 0.01',
    ].join('\n'));
  });

  it('shows only the first rows of a long list', () => {
    const expected = Array.from({ length: 30 }, (_, i) => row(BigInt(i), 1, 1, 1n));
    const d = diffRows(expected, [], 20);
    assert.equal(d.missing.length, 30);
    assert.match(d.text, /missing \(first 20 of 30\):/);
    assert.equal(d.text.split('\n').length, 22);
  });
});
