import assert from 'node:assert/strict';
import { formatMicrosIso, isWindowClosed, windowEndMicros, windowStartMicros } from './window';
import { randomInt, refWindowStart, seededRandom } from './reference-model.test-support';

const FIVE_MIN = 300_000_000;

describe('tumbling windows', () => {
  it('aligns windows to the UTC epoch', () => {
    // 2024-05-01T12:07:30.123456Z → [12:05, 12:10)
    const t = 1714565100_000_000 + 150_123_456;
    assert.equal(windowStartMicros(t, FIVE_MIN), 1714565100_000_000);
    assert.equal(windowEndMicros(t, FIVE_MIN), 1714565400_000_000);
  });

  it('puts an event at exactly a window end into the next window', () => {
    const end = 1714565400_000_000;
    assert.equal(windowStartMicros(end, FIVE_MIN), end);
    assert.equal(windowStartMicros(end - 1, FIVE_MIN), end - FIVE_MIN);
    assert.equal(windowStartMicros(0, FIVE_MIN), 0);
  });

  it('floors negative times into the window before the epoch', () => {
    assert.equal(windowStartMicros(-1, FIVE_MIN), -FIVE_MIN);
    assert.equal(windowStartMicros(-FIVE_MIN, FIVE_MIN), -FIVE_MIN);
    assert.equal(windowStartMicros(-FIVE_MIN - 1, FIVE_MIN), -2 * FIVE_MIN);
    assert.equal(windowEndMicros(-1, FIVE_MIN), 0);
  });

  it('matches floor division on random times, sizes and signs', () => {
    const rand = seededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const w = [1, 7, 1_000_000, FIVE_MIN, 86_400_000_000][i % 5];
      const t = randomInt(rand, -4e15, 4e15);
      assert.equal(windowStartMicros(t, w), Number(refWindowStart(BigInt(t), BigInt(w))), `t=${t} w=${w}`);
    }
  });

  it('calls a window closed once its end is at or below the watermark, whatever the row time', () => {
    const start = 1714565100_000_000;
    assert.equal(isWindowClosed(start, FIVE_MIN, start + FIVE_MIN), true);
    assert.equal(isWindowClosed(start, FIVE_MIN, start + FIVE_MIN - 1), false);
    // a watermark past a row's own time but before its window end: still open
    assert.equal(isWindowClosed(start, FIVE_MIN, start + 1000), false);
  });

  it('formats microsecond times as ISO-8601 UTC', () => {
    assert.equal(formatMicrosIso(0), '1970-01-01T00:00:00.000000Z');
    assert.equal(formatMicrosIso(-1), '1969-12-31T23:59:59.999999Z');
    assert.equal(formatMicrosIso(1714565100_123_456), '2024-05-01T12:05:00.123456Z');
  });
});
