import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import { formatMicros, parseDuration } from './duration';

describe('parseDuration', () => {
  const cases: [string, number][] = [
    ['10 minutes', 600_000_000],
    ['5 minutes', 300_000_000],
    ['1 minute', 60_000_000],
    ['1 hour', 3_600_000_000],
    ['30 seconds', 30_000_000],
    ['500 milliseconds', 500_000],
    ['250 microseconds', 250],
    ['interval 10 minutes', 600_000_000],
    ['INTERVAL 2 Hours', 7_200_000_000],
    ['1 hour 30 minutes', 5_400_000_000],
    ['1.5 seconds', 1_500_000],
    ['0.000001 seconds', 1],
    ['2 days', 172_800_000_000],
    ['1 week', 604_800_000_000],
    ['10s', 10_000_000],
    ['500ms', 500_000],
    ['5min', 300_000_000],
    ['  0 seconds ', 0],
  ];
  for (const [text, micros] of cases) {
    it(`reads '${text}' as ${micros} microseconds`, () => {
      assert.equal(parseDuration(text), micros);
    });
  }

  const bad: [string, RegExp][] = [
    ['ten minutes', /cannot parse duration "ten minutes": expected a number followed by a unit/],
    ['10 minuts', /cannot parse duration "10 minuts": unknown unit 'minuts'/],
    ['', /cannot parse duration "": expected a number/],
    ['interval', /cannot parse duration "interval": expected a number/],
    ['-5 minutes', /cannot parse duration "-5 minutes": durations must not be negative/],
    ['1 month', /cannot parse duration "1 month": 'month' has no fixed length/],
    ['0.0000001 seconds', /not a whole number of microseconds/],
    ['10', /cannot parse duration "10"/],
    ['99999999999 weeks', /too long/],
  ];
  for (const [text, message] of bad) {
    it(`refuses '${text}' with an InvalidArgumentError naming the input`, () => {
      assert.throws(() => parseDuration(text), (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message));
    });
  }
});

describe('formatMicros', () => {
  it('names a duration in the largest unit that divides it', () => {
    assert.equal(formatMicros(300_000_000), '5 minutes');
    assert.equal(formatMicros(3_600_000_000), '1 hour');
    assert.equal(formatMicros(1_500_000), '1500 milliseconds');
    assert.equal(formatMicros(7), '7 microseconds');
  });
});
