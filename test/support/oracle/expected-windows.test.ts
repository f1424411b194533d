import assert from 'node:assert/strict';
import { computeExpected, expectedWindows, timestampMicros } from './expected-windows';

const MINUTE = 60_000_000n;
/** 2026-01-01T00:00:00Z: 20454 days (56 years, 14 of them leap) × 86400 s. */
const T0 = 20_454n * 86_400n * 1_000_000n;

const events = [
  '{"event_id":1,"customer_id":1,"event_type":"purchase","amount":"10.00","timestamp":"2026-01-01T00:01:00Z"}',
  '{"event_id":2,"customer_id":1,"event_type":"view","amount":5.5,"timestamp":"2026-01-01T00:04:59.999999Z"}',
  '{"timestamp":"2026-01-01T02:07:00+02:00","amount":"-3.25","event_type":"refund","customer_id":2,"event_id":3}',
  '{"event_id":4,"customer_id":1,"event_type":"view","amount":0.01,"timestamp":"2026-01-01T00:05:00.0000009Z"}',
  '{"event_id":5,"customer_id":2,"event_type":"purchase","amount":"99999999.99","timestamp":"2026-01-01T00:09:59.9999999Z"}',
  '{"event_id":6,"customer_id":1,"event_type":"purchase","amount":100,"timestamp":"2026-01-01T00:02:00Z"}',
  '{"event_id":7,"customer_id":3,"event_type":"purchase","amount":7,"timestamp":"2026-01-01T00:20:00Z"}',
  'not json',
  '{"event_id":10,"customer_id":"x","amount":1,"timestamp":"2026-01-01T00:01:00Z"}',
  '{"event_id":11,"customer_id":4,"amount":"1.234","timestamp":"2026-01-01T00:01:00Z"}',
  '{"event_id":9,"customer_id":3,"event_type":"view","amount":"1","timestamp":"2026-01-01 00:10:00"}',
];

describe('expectedWindows', () => {
  it('computes a small example worked out by hand', () => {
    // window 5 min, delay 10 min; event 6 is late. Max event time 00:20 → watermark 00:10.
    // [00:00,00:05) c1: events 1, 2 → 10.00 + 5.50. [00:05,00:10) c1: event 4 (start inclusive, 7th digit truncated) → 0.01.
    // [00:05,00:10) c2: events 3 (00:07Z) and 5 (00:09:59.999999) → -3.25 + 99999999.99. Windows of 00:10 and 00:20 are open.
    const result = computeExpected(events.map((v) => ({ value: Buffer.from(v) })), { windowMicros: 5n * MINUTE, delayMicros: 10n * MINUTE, lateEventIds: [6] });
    assert.deepEqual(result.rows, [
      { windowStartMicros: T0, windowEndMicros: T0 + 5n * MINUTE, customerId: 1, count: 2, sumCents: 1550n },
      { windowStartMicros: T0 + 5n * MINUTE, windowEndMicros: T0 + 10n * MINUTE, customerId: 1, count: 1, sumCents: 1n },
      { windowStartMicros: T0 + 5n * MINUTE, windowEndMicros: T0 + 10n * MINUTE, customerId: 2, count: 2, sumCents: 9_999_999_674n },
    ]);
    assert.equal(result.maxEventTimeMicros, T0 + 20n * MINUTE);
    assert.equal(result.watermarkMicros, T0 + 10n * MINUTE);
    assert.equal(result.badRecords, 3);
    assert.equal(result.lateRows, 1);
    assert.equal(result.openRows, 2);
  });

  it('counts a late-declared event like any other when it is not declared late', () => {
    const rows = expectedWindows(events, { windowMicros: 300_000_000, delayMicros: 600_000_000 });
    assert.deepEqual(rows[0], { windowStartMicros: T0, windowEndMicros: T0 + 5n * MINUTE, customerId: 1, count: 3, sumCents: 11550n });
  });

  it('refuses an event declared late whose window the final watermark has not closed', () => {
    assert.throws(() => expectedWindows(events, { windowMicros: 300_000_000, delayMicros: 600_000_000, lateEventIds: [9] }),
      /event 9 is declared late, but its window \(end \d+ µs\) is still open/);
  });

  it('gives no rows without events', () => {
    assert.deepEqual(computeExpected([], { windowMicros: 1, delayMicros: 0 }).rows, []);
  });

  it('reads timestamps without an offset in the given time zone', () => {
    assert.equal(timestampMicros('2026-01-01 02:00:00.5', 120), T0 + 500_000n);
    assert.equal(timestampMicros('2026-01-01T00:00:00-00:30'), T0 + 30n * MINUTE);
    assert.equal(timestampMicros('2026-01-01T00:00:00.123456789Z'), T0 + 123_456n);
    assert.equal(timestampMicros('2026-01-01T00:00'), null);
  });
});
