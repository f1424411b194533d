import { strict as assert } from 'node:assert';
import { decimal, primitive } from './schema';
import { daysFromCivil, parsePartitionValue } from './table-reader';

/** Days since the epoch through Date's own arithmetic, with setUTCFullYear (no 1900 offset). */
function dateDays(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getTime() / 86_400_000;
}

describe('partition values read back', () => {
  it('dates of any year, 0001–0099 included', () => {
    const cases: [string, number][] = [
      ['1970-01-01', 0], ['1969-12-31', -1], ['2000-02-29', 11016], ['2000-03-01', 11017], ['0001-01-01', -719162],
      ['0099-12-31', dateDays(99, 12, 31)], ['1582-10-04', dateDays(1582, 10, 4)], ['9999-12-31', dateDays(9999, 12, 31)],
    ];
    for (const [text, days] of cases) assert.equal(parsePartitionValue(primitive('date'), text, 'p'), days, text);
    assert.equal(daysFromCivil(1600, 2, 29), dateDays(1600, 2, 29));
  });

  it('timestamps with µs, Z or an offset, before 1970 and in the first century', () => {
    const ts = (text: string): unknown => parsePartitionValue(primitive('timestamp'), text, 'p');
    assert.equal(ts('1969-12-31T23:59:59.999999Z'), -1n);
    assert.equal(ts('1970-01-01 00:00:00'), 0n);
    assert.equal(ts('2023-11-14T22:13:20.123456Z'), 1700000000123456n);
    assert.equal(ts('0001-01-01T00:00:00.000001Z'), -62135596799999999n);
    assert.equal(ts('1970-01-01T01:00:00+01:00'), 0n);
  });

  it('decimals exactly, null for null and for the empty string', () => {
    assert.equal(parsePartitionValue(decimal(38, 0), '-99999999999999999999999999999999999999', 'p'), -(10n ** 38n - 1n));
    assert.equal(parsePartitionValue(decimal(38, 18), '0.000000000000000005', 'p'), 5n);
    assert.equal(parsePartitionValue(decimal(5, 2), '', 'p'), null);
    assert.equal(parsePartitionValue(primitive('date'), null, 'p'), null);
  });
});
