import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from '../errors';
import { formatTimestampMicros, parseTimestampMicros, parseTimeZoneOffsetSeconds } from './timestamp';

const US_PER_MS = 1000;
const HOUR_US = 3_600_000_000;

describe('parseTimestampMicros', () => {
  const base = Date.UTC(2024, 2, 15, 12, 34, 56) * US_PER_MS;

  it('reads UTC timestamps with T or space', () => {
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56Z'), base);
    assert.equal(parseTimestampMicros('2024-03-15 12:34:56Z'), base);
    assert.equal(parseTimestampMicros('1970-01-01T00:00:00Z'), 0);
  });

  it('keeps fractions to the microsecond and truncates below it', () => {
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56.1Z'), base + 100_000);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56.000001Z'), base + 1);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56.123456Z'), base + 123_456);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56.1234567Z'), base + 123_456);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56.123456999Z'), base + 123_456);
    assert.equal(parseTimestampMicros('1969-12-31T23:59:59.9999999Z'), -1);
    assert.equal(parseTimestampMicros('1969-12-31T23:59:59.5Z'), -500_000);
  });

  it('applies offsets in every accepted form', () => {
    assert.equal(parseTimestampMicros('2024-03-15T14:34:56+02:00'), base);
    assert.equal(parseTimestampMicros('2024-03-15T14:34:56+0200'), base);
    assert.equal(parseTimestampMicros('2024-03-15T14:34:56+02'), base);
    assert.equal(parseTimestampMicros('2024-03-15T07:04:56-05:30'), base);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56-00:00'), base);
    assert.equal(parseTimestampMicros('2024-03-16T06:34:56+18:00'), base);
    assert.equal(parseTimestampMicros('2024-03-15T14:34:56.25+02:00'), base + 250_000);
  });

  it('applies the query time zone only when the text has no offset', () => {
    assert.equal(parseTimestampMicros('2024-03-15T14:34:56', '+02:00'), base);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56', 'UTC'), base);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56Z', '+02:00'), base);
    assert.equal(parseTimestampMicros('2024-03-15T12:34:56', '-01:00'), base + HOUR_US);
  });

  it('knows leap years', () => {
    assert.equal(parseTimestampMicros('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29) * US_PER_MS);
    assert.equal(parseTimestampMicros('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29) * US_PER_MS);
    assert.equal(parseTimestampMicros('2023-02-29T00:00:00Z'), 'BAD_TIMESTAMP');
    assert.equal(parseTimestampMicros('1900-02-29T00:00:00Z'), 'BAD_TIMESTAMP');
    assert.equal(parseTimestampMicros('2024-04-31T00:00:00Z'), 'BAD_TIMESTAMP');
  });

  it('rejects everything outside the accepted forms', () => {
    const bad = [
      '',
      '2024-03-15',
      '2024-03-15T12:34Z',
      '2024-03-15T12:34:56.Z',
      '2024-03-15T12:34:56.1234567890Z',
      '2024-13-01T00:00:00Z',
      '2024-00-01T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-32T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01t00:00:00Z',
      '2024-01-01T00:00:00z',
      '2024-1-01T00:00:00Z',
      '2024/01/01T00:00:00Z',
      '2024-01-01T00:00:00+19:00',
      '2024-01-01T00:00:00+18:01',
      '2024-01-01T00:00:00+02:60',
      '2024-01-01T00:00:00+2:00',
      '2024-01-01T00:00:00+02:0',
      '2024-01-01T00:00:00+020',
      '2024-01-01T00:00:00 Z',
      '2024-01-01T00:00:00Z ',
      ' 2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00ZZ',
      '+2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00GMT',
      '1710500000',
    ];
    for (const t of bad) assert.equal(parseTimestampMicros(t), 'BAD_TIMESTAMP', t);
  });

  it('accepts exactly the range of safe integers in microseconds', () => {
    // 2^53 - 1 µs = 9007199254740 ms + 991 µs; -(2^53 - 1) µs = -9007199254741 ms + 9 µs.
    const maxText = new Date(9007199254740).toISOString().slice(0, 23) + '991Z';
    const minText = new Date(-9007199254741).toISOString().slice(0, 23) + '009Z';
    assert.equal(maxText, '2255-06-05T23:47:34.740991Z');
    assert.equal(parseTimestampMicros(maxText), Number.MAX_SAFE_INTEGER);
    assert.equal(parseTimestampMicros(minText), -Number.MAX_SAFE_INTEGER);
    assert.equal(parseTimestampMicros('2255-06-05T23:47:34.740992Z'), 'BAD_TIMESTAMP');
    assert.equal(parseTimestampMicros('9999-12-31T23:59:59Z'), 'BAD_TIMESTAMP');
    assert.equal(parseTimestampMicros('0001-01-01T00:00:00Z'), 'BAD_TIMESTAMP');
  });

  it('equals Date.UTC on the millisecond part plus the sub-millisecond digits, for any components', () => {
    const components = fc.record({
      year: fc.integer({ min: 1700, max: 2250 }),
      month: fc.integer({ min: 1, max: 12 }),
      dayPick: fc.nat(30),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
      fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 9 }),
      sep: fc.constantFrom('T', ' '),
      offsetMinutes: fc.option(fc.integer({ min: -18 * 60, max: 18 * 60 }), { nil: undefined }),
      offsetForm: fc.constantFrom('colon', 'compact', 'hours'),
    });
    fc.assert(
      fc.property(components, (c) => {
        const daysInMonth = new Date(Date.UTC(2001, c.month, 0)).getUTCDate() + (c.month === 2 && isLeap(c.year) ? 1 : 0);
        const day = 1 + (c.dayPick % daysInMonth);
        let offset = c.offsetMinutes;
        let zone = 'Z';
        if (offset !== undefined) {
          if (c.offsetForm === 'hours') offset = Math.trunc(offset / 60) * 60;
          const a = Math.abs(offset);
          const hh = pad(Math.floor(a / 60), 2);
          const mm = pad(a % 60, 2);
          const sign = offset < 0 ? '-' : '+';
          zone = c.offsetForm === 'colon' ? `${sign}${hh}:${mm}` : c.offsetForm === 'compact' ? `${sign}${hh}${mm}` : `${sign}${hh}`;
        }
        const text =
          `${pad(c.year, 4)}-${pad(c.month, 2)}-${pad(day, 2)}${c.sep}${pad(c.hour, 2)}:${pad(c.minute, 2)}:${pad(c.second, 2)}` +
          (c.fraction.length > 0 ? '.' + c.fraction : '') +
          zone;
        const digits = (c.fraction + '000000').slice(0, 6);
        const ms = Number(digits.slice(0, 3));
        const subMs = Number(digits.slice(3, 6));
        const expected =
          Date.UTC(c.year, c.month - 1, day, c.hour, c.minute, c.second, ms) * US_PER_MS + subMs - (offset ?? 0) * 60_000_000;
        assert.equal(parseTimestampMicros(text), expected, text);
      }),
    );
  });

  it('round-trips any safe microsecond value through formatTimestampMicros', () => {
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (us) => {
        const text = formatTimestampMicros(us);
        assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        assert.equal(parseTimestampMicros(text), us);
      }),
    );
  });
});

describe('parseTimeZoneOffsetSeconds', () => {
  it('reads UTC and fixed offsets and refuses region ids', () => {
    assert.equal(parseTimeZoneOffsetSeconds('UTC'), 0);
    assert.equal(parseTimeZoneOffsetSeconds('GMT'), 0);
    assert.equal(parseTimeZoneOffsetSeconds('+02:00'), 7200);
    assert.equal(parseTimeZoneOffsetSeconds('-05:30'), -19800);
    assert.equal(parseTimeZoneOffsetSeconds('UTC+01:00'), 3600);
    assert.equal(parseTimeZoneOffsetSeconds('+0100'), 3600);
    assert.ok(Number.isNaN(parseTimeZoneOffsetSeconds('Europe/Paris')));
    assert.ok(Number.isNaN(parseTimeZoneOffsetSeconds('+25:00')));
    assert.throws(() => parseTimestampMicros('2024-01-01T00:00:00', 'Europe/Paris'), InvalidArgumentError);
  });
});

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
