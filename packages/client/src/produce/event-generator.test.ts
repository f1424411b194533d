import assert from 'node:assert/strict';
import { EventGenerator, generateEvents, type EventBatch } from './event-generator';
import { Xoshiro128 } from './prng';

const MINUTE = 60_000_000;
const START = Date.UTC(2026, 0, 1) * 1000;

/** Reads one event's JSON the way a user would, independent of the generator's formatting code. */
function readEvent(value: Buffer): { id: number; customer: number; type: string; cents: number; micros: number; amountQuoted: boolean; ts: string } {
  const text = value.toString('utf8');
  const o = JSON.parse(text) as Record<string, unknown>;
  const amountText = typeof o.amount === 'string' ? o.amount : String(o.amount);
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amountText);
  assert.ok(m, `amount ${amountText} has at most 2 decimals`);
  const cents = (Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'))) * (m[1] === '-' ? -1 : 1);
  const ts = o.timestamp as string;
  const t = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|([+-])(\d\d):(\d\d))$/.exec(ts);
  assert.ok(t, `timestamp ${ts} is ISO-8601 with Z or an offset`);
  const seconds = Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]) / 1000;
  const offsetMinutes = t[8] === 'Z' ? 0 : (t[9] === '-' ? -1 : 1) * (+t[10] * 60 + +t[11]);
  const micros = (seconds - offsetMinutes * 60) * 1_000_000 + Number((t[7] ?? '').slice(0, 6).padEnd(6, '0'));
  return { id: o.event_id as number, customer: o.customer_id as number, type: o.event_type as string, cents, micros, amountQuoted: typeof o.amount === 'string', ts };
}

function times(b: EventBatch): number[] {
  return b.values.map((v) => readEvent(v).micros);
}

describe('Xoshiro128', () => {
  it('matches the reference xoshiro128** outputs for state (1, 2, 3, 4)', () => {
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    const out = Array.from({ length: 6 }, () => g.nextUint32());
    assert.deepEqual(out, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
});

describe('generateEvents', () => {
  const options = { seed: 42, customers: 50, count: 3000, startMicros: START, eventsPerSecond: 100, outOfOrderShare: 0.3, maxDisorderMicros: 2 * MINUTE, delayMicros: 10 * MINUTE };

  it('produces the same bytes for the same seed and different bytes for another', () => {
    const a = generateEvents(options);
    const b = generateEvents(options);
    const c = generateEvents({ ...options, seed: 43 });
    assert.deepEqual(a.values.map(String), b.values.map(String));
    assert.deepEqual(a.keys, b.keys);
    assert.notDeepEqual(a.values.map(String), c.values.map(String));
  });

  it('records exactly what the JSON says, with the key as the customer id', () => {
    const b = generateEvents(options);
    for (let i = 0; i < b.count; i++) {
      const e = readEvent(b.values[i]);
      assert.equal(e.id, i);
      assert.equal(e.customer, b.customerIds[i]);
      assert.equal(b.keys[i], String(e.customer));
      assert.equal(e.cents, b.amountCents[i]);
      assert.equal(e.micros, b.eventTimeMicros[i], `event ${i}: ${e.ts}`);
      assert.ok(e.customer >= 1 && e.customer <= 50);
      assert.equal(e.type === 'refund', e.cents < 0);
    }
  });

  it('mixes the accepted input forms', () => {
    const events = generateEvents(options).values.map(readEvent);
    const digits = new Set(events.map((e) => (/\.(\d+)/.exec(e.ts.slice(19))?.[1] ?? '').length));
    assert.deepEqual([...digits].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(events.some((e) => e.ts.endsWith('Z')) && events.some((e) => /[+-]\d\d:\d\d$/.test(e.ts)));
    assert.ok(events.some((e) => e.amountQuoted) && events.some((e) => !e.amountQuoted));
    assert.ok(events.some((e) => e.cents < 0));
  });

  it('never puts an event more than maxDisorder behind the newest event time before it, yet does reorder', () => {
    const t = times(generateEvents(options));
    let newest = -Infinity;
    let behind = 0;
    for (const x of t) {
      assert.ok(x >= newest - 2 * MINUTE, `${x} is more than 2 minutes behind ${newest}`);
      if (x < newest) behind++;
      newest = Math.max(newest, x);
    }
    assert.ok(behind > 600 && behind < 1200, `about 30% behind, got ${behind} of 3000`);
  });

  it('advances event time at eventsPerSecond', () => {
    const t = times(generateEvents({ ...options, outOfOrderShare: 0 }));
    assert.ok(t[0] >= START && t[0] < START + 1_000_000);
    const span = Math.max(...t) - t[0];
    assert.ok(span >= 29_000_000 && span <= 31_000_000, `3000 events at 100/s span about 30 s, got ${span} µs`);
    for (let i = 1; i < t.length; i++) assert.ok(t[i] >= t[i - 1], 'in order without out-of-order share');
  });

  it('refuses a maxDisorder that is not below the watermark delay', () => {
    assert.throws(() => generateEvents({ ...options, maxDisorderMicros: 10 * MINUTE }), /maxDisorderMicros must be an integer in 0\.\.delayMicros-1/);
  });
});

describe('EventGenerator phases', () => {
  const W = 5 * MINUTE;
  const D = 10 * MINUTE;
  const make = () => new EventGenerator({ seed: 7, customers: 20, startMicros: START, eventsPerSecond: 2, outOfOrderShare: 0.2, maxDisorderMicros: MINUTE, windowMicros: W, delayMicros: D });
  const windowEnd = (t: number) => (Math.floor(t / W) + 1) * W;

  it('late events fall in windows ending at or before the given watermark and do not raise the newest event time', () => {
    const g = make();
    const first = g.phaseInOrder(3600); // 30 minutes of event time
    const newest = Math.max(...times(first));
    assert.equal(g.newestMicros, newest);
    const committedWatermark = newest - D;
    const late = g.phaseLate(500, committedWatermark);
    for (const t of times(late)) {
      assert.ok(windowEnd(t) <= committedWatermark, `window of ${t} ends after ${committedWatermark}`);
      assert.ok(t >= Math.floor(committedWatermark / W) * W - 3 * W - 1_000_000, 'within the last 3 closed windows');
    }
    assert.equal(g.newestMicros, newest);
    assert.deepEqual(Array.from(late.eventIds).slice(0, 2), [3600, 3601]);
  });

  it('close-all events move the watermark past the end of every earlier window', () => {
    const g = make();
    const before = [...times(g.phaseInOrder(1000)), ...times(g.phaseLate(50, g.watermarkMicros))];
    const newest = Math.max(...before);
    const close = times(g.phaseCloseAll(3));
    for (const t of close) assert.ok(t >= newest + D + 2 * W && t < newest + D + 2 * W + 1_000_000);
    const watermark = Math.max(...close) - D;
    assert.ok(before.every((t) => windowEnd(t) <= watermark));
    const after = times(g.phaseInOrder(100));
    assert.ok(after.every((t) => t >= Math.max(...close) - MINUTE), 'in-order events continue from the new newest time');
  });

  it('refuses late events for windows that are not behind the newest event time', () => {
    const g = make();
    g.phaseInOrder(10);
    assert.throws(() => g.phaseLate(1, g.newestMicros + 2 * W), /phaseLate: windows ending by/);
  });
});
