import assert from 'node:assert/strict';
import type { TopicRecord } from '../support/oracle';
import { diffStringKeyRows, expectedStringKeyRows, stringKeyRowKey, type StringKeyRow } from './string-key-oracle';

const MINUTE = 60_000_000;
/** 2026-01-01T00:00:00Z in µs, written out. */
const T0 = 1_767_225_600_000_000;

function records(values: (string | null)[]): TopicRecord[] {
  return values.map((v, i) => ({ partition: 0, offset: String(i), key: null, value: v === null ? null : Buffer.from(v), timestampMs: '0' }));
}

const w = (startMinute: number) => ({ start: String(T0 + startMinute * MINUTE), end: String(T0 + (startMinute + 5) * MINUTE) });

describe("the string-key query's independent calculation", () => {
  const input = records([
    '{"event_id":1,"customer_id":7,"event_type":"view","amount":1.50,"timestamp":"2026-01-01T00:01:00Z"}',
    '{"event_id":2,"customer_id":7,"event_type":"view","amount":"-0.25","timestamp":"2026-01-01T02:03:00+02:00"}',
    '{"event_id":3,"customer_id":7,"event_type":"View","amount":3,"timestamp":"2026-01-01T00:04:59.999999Z"}',
    '{"event_id":4,"customer_id":8,"event_type":null,"amount":0.05,"timestamp":"2026-01-01T00:02:00Z"}',
    '{"event_id":5,"customer_id":8,"amount":0.1,"timestamp":"2026-01-01T00:07:00Z"}',
    '{"event_id":6,"customer_id":8,"event_type":"null","amount":1,"timestamp":"2026-01-01T00:04:00Z"}',
    '{"event_id":7,"customer_id":8,"event_type":"view","amount":1.005,"timestamp":"2026-01-01T00:04:00Z"}',
    'not json',
    null,
    '{"event_id":9,"customer_id":9,"event_type":"view","amount":100,"timestamp":"2026-01-01T00:01:00Z"}',
    '{"event_id":10,"customer_id":1,"event_type":"purchase","amount":2,"timestamp":"2026-01-01T00:30:00Z"}',
    '{"event_id":11,"customer_id":7,"event_type":"view","amount":-0.5,"timestamp":"2026-01-01T00:16:00Z"}',
  ]);

  it('groups by (window, event_type, customer_id) with exact sums; strings by case, null apart from "null"; late rows dropped; open windows left out', () => {
    const got = expectedStringKeyRows(input, { windowMicros: 5 * MINUTE, delayMicros: 10 * MINUTE, lateEventIds: [9] });
    const byKey = (rows: StringKeyRow[]) => [...rows].sort((a, b) => (stringKeyRowKey(a) < stringKeyRowKey(b) ? -1 : 1));
    assert.deepEqual(byKey(got.rows), byKey([
      { window: w(0), event_type: 'view', customer_id: '7', n: '2', total: '1.25' },
      { window: w(0), event_type: 'View', customer_id: '7', n: '1', total: '3.00' },
      { window: w(0), event_type: null, customer_id: '8', n: '1', total: '0.05' },
      { window: w(0), event_type: 'null', customer_id: '8', n: '1', total: '1.00' },
      { window: w(5), event_type: null, customer_id: '8', n: '1', total: '0.10' },
      { window: w(15), event_type: 'view', customer_id: '7', n: '1', total: '-0.50' },
    ]));
    assert.equal(got.badRecords, 3);
    assert.equal(got.lateRows, 1);
    assert.equal(got.openRows, 1, "the 00:30 window is open at the final watermark 00:20");
  });

  it('in update mode also holds the groups of windows the final watermark has not closed, with their last values', () => {
    const append = expectedStringKeyRows(input, { windowMicros: 5 * MINUTE, delayMicros: 10 * MINUTE, lateEventIds: [9] });
    const update = expectedStringKeyRows(input, { windowMicros: 5 * MINUTE, delayMicros: 10 * MINUTE, lateEventIds: [9], outputMode: 'update' });
    const keys = (rows: StringKeyRow[]) => rows.map(stringKeyRowKey).sort();
    assert.deepEqual(keys(update.rows), keys([...append.rows, { window: w(30), event_type: 'purchase', customer_id: '1', n: '1', total: '2.00' }]));
    assert.deepEqual(update.rows.find((r) => r.window.start === w(30).start), { window: w(30), event_type: 'purchase', customer_id: '1', n: '1', total: '2.00' });
    assert.equal(update.lateRows, 1);
  });

  it('refuses a late event whose window the final watermark has not closed', () => {
    assert.throws(() => expectedStringKeyRows(input, { windowMicros: 5 * MINUTE, delayMicros: 10 * MINUTE, lateEventIds: [10] }), /declared late/);
  });
});

describe("the string-key table's comparison", () => {
  const row = (start: number, type: string | null, customer: string, n: string, total: string) => ({ window: w(start), event_type: type, customer_id: customer, n, total });
  const expected = [row(0, 'view', '7', '2', '1.25'), row(0, null, '8', '1', '0.05'), row(5, 'view', '7', '1', '-0.50')];

  it('finds the same rows equal in any order', () => {
    assert.equal(diffStringKeyRows(expected, [...expected].reverse()).equal, true);
  });

  it('tells missing, extra, different and duplicated rows apart; a null key is not the string "null"', () => {
    const d = diffStringKeyRows(expected, [
      row(0, 'view', '7', '2', '1.26'),
      row(0, 'null', '8', '1', '0.05'),
      row(5, 'view', '7', '1', '-0.50'),
      row(5, 'view', '7', '1', '-0.50'),
    ]);
    assert.equal(d.equal, false);
    assert.match(d.text, /^expected 3 rows, got 4: 1 missing, 1 extra, 1 different, 1 duplicated/);
  });

  it('finds a wrong window end', () => {
    const shifted = { ...expected[2], window: { start: expected[2].window.start, end: '0' } };
    assert.match(diffStringKeyRows(expected, [expected[0], expected[1], shifted]).text, /0 missing, 0 extra, 1 different/);
  });
});
