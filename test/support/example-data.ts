/**
 * Records for the example jobs (examples/ingest-job.js, examples/nested-json-job.js) and the rows
 * their tables must hold, computed independently of the engine: JS numbers for small integers,
 * BigInt for decimals (cents, thousandths), Date for the UTC day and hour of an instant. Expected
 * rows use the canonical forms of @tributary/common's canonicalRows (integers and decimals as text,
 * timestamps as epoch µs text, dates as 'YYYY-MM-DD'), in the table's column order.
 */
import assert from 'node:assert/strict';
import type { CanonicalValue } from '@tributary/common';
import type { EventBatch } from '@tributary/client';

export type Row = Record<string, CanonicalValue>;

/**
 * A deterministic generator: the C library's LCG, scaled from its high bits (its low bits repeat
 * with short periods, which would tie successive small draws together).
 */
function lcg(seed: number): (m: number) => number {
  let s = seed;
  return (m) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * m);
  };
}

/** An exact decimal's text from its unscaled value: fixedText(-1234n, 2) = '-12.34'. */
export function fixedText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const a = neg ? -unscaled : unscaled;
  const p = 10n ** BigInt(scale);
  return `${neg ? '-' : ''}${a / p}.${String(a % p).padStart(scale, '0')}`;
}

/** JSON text of a decimal as a producer might write it: trailing fraction zeros dropped sometimes, integers bare. */
function jsonDecimal(unscaled: bigint, scale: number, short: boolean): string {
  const text = fixedText(unscaled, scale);
  return short ? text.replace(/\.?0+$/, '') || '0' : text;
}

/** A µs instant over three days from 2026-03-01 UTC, written with 'Z' or a '+02:00' offset. */
function instant(rnd: (m: number) => number): { micros: bigint; text: string } {
  const micros = BigInt(Date.UTC(2026, 2, 1)) * 1000n + BigInt(rnd(3 * 86_400)) * 1_000_000n + BigInt(rnd(1_000_000));
  const fraction = String(micros % 1_000_000n).padStart(6, '0');
  if (rnd(4) === 0) {
    // The same instant as local time at +02:00.
    const local = new Date(Number(micros / 1000n) + 2 * 3_600_000).toISOString().slice(0, 19);
    return { micros, text: `${local}.${fraction}+02:00` };
  }
  return { micros, text: `${new Date(Number(micros / 1000n)).toISOString().slice(0, 19)}.${fraction}Z` };
}

const utcDay = (micros: bigint): string => new Date(Number(micros / 1000n)).toISOString().slice(0, 10);
const utcHour = (micros: bigint): number => new Date(Number(micros / 1000n)).getUTCHours();

/** Kafka values as an EventBatch for produceEvents (the seed-specific columns are unused). */
export function batchOf(values: string[]): EventBatch {
  const count = values.length;
  return {
    count,
    keys: values.map((_, i) => String(i % 13)),
    values: values.map((v) => Buffer.from(v)),
    eventIds: new Float64Array(count),
    customerIds: new Int32Array(count),
    eventTimeMicros: new Float64Array(count),
    amountCents: new Float64Array(count),
  };
}

export interface ExampleRecords {
  /** Kafka values, good and bad, in produce order. */
  values: string[];
  /** The table's rows (without Kafka's own columns), sorted by the first column. */
  expected: Row[];
  /** The quarantine reasons the bad values must get, sorted. */
  badReasons: string[];
}

/**
 * Orders for examples/ingest-job.js. The job keeps status 'paid' or 'shipped' with quantity > 0 and
 * writes order_id, customer, upper(currency), price, quantity, ts, partition, offset,
 * total = price * quantity (decimal(23,2)), hour(ts), day = to_date(ts).
 */
export function orderRecords(n: number): ExampleRecords {
  const rnd = lcg(11);
  const statuses = ['paid', 'shipped', 'cancelled', 'pending', 'PAID'];
  const currencies = ['eur', 'usd', 'Gbp', null];
  const values: string[] = [];
  const expected: (Row & { order_id: string })[] = [];
  for (let i = 0; i < n; i++) {
    const orderId = 5_000_000_000 + i; // beyond 32 bits
    const status = statuses[rnd(statuses.length)];
    const customer = rnd(20) === 0 ? null : `c-${rnd(300)}`;
    const currency = currencies[rnd(currencies.length)];
    // Cents up to 10^10 - 1 (decimal(12,2)), a few nulls.
    const priceCents = rnd(25) === 0 ? null : rnd(10) === 0 ? BigInt(rnd(100_000)) * 100_000n + BigInt(rnd(100_000)) : BigInt(rnd(50_000));
    const quantity = rnd(15) === 0 ? null : rnd(7) - 1; // -1 … 5
    const ts = instant(rnd);
    const parts = [`"order_id":${orderId}`];
    if (customer !== null) parts.push(`"customer":"${customer}"`);
    parts.push(`"status":"${status}"`);
    if (currency !== null) parts.push(`"currency":"${currency}"`);
    else if (i % 2 === 0) parts.push('"currency":null');
    parts.push(`"price":${priceCents === null ? 'null' : jsonDecimal(priceCents, 2, i % 3 === 0)}`);
    if (quantity !== null) parts.push(`"quantity":${quantity}`);
    parts.push(`"ts":"${ts.text}"`, '"note":{"ignored":[1,2]}');
    // Field order varies, as producers vary.
    if (i % 5 === 0) parts.reverse();
    values.push(`{${parts.join(',')}}`);
    if ((status === 'paid' || status === 'shipped') && quantity !== null && quantity > 0) {
      expected.push({
        order_id: String(orderId), customer, currency: currency === null ? null : currency.toUpperCase(),
        price: priceCents === null ? null : fixedText(priceCents, 2), quantity: String(quantity), ts: String(ts.micros),
        total: priceCents === null ? null : fixedText(priceCents * BigInt(quantity), 2), hour: String(utcHour(ts.micros)), day: utcDay(ts.micros),
      });
    }
  }
  // Bad records: order_id is declared not nullable; a price with three decimals; not JSON.
  values.splice(Math.floor(n / 3), 0, '{"customer":"c-1","status":"paid","price":1.00,"quantity":1,"ts":"2026-03-01T00:00:00Z"}');
  values.splice(Math.floor(n / 2), 0, '{"order_id":null,"status":"paid","price":1.00,"quantity":1,"ts":"2026-03-01T00:00:00Z"}');
  values.splice(Math.floor((2 * n) / 3), 0, '{"order_id":1,"status":"paid","price":1.005,"quantity":1,"ts":"2026-03-01T00:00:00Z"}');
  values.splice(7, 0, '{"order_id":2,"status":');
  return {
    values,
    expected: expected.sort((a, b) => (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0)),
    badReasons: ['DECIMAL_SCALE', 'MALFORMED_JSON', 'MISSING_FIELD', 'NULL_FIELD'],
  };
}

/**
 * Device readings for examples/nested-json-job.js. The job keeps readings whose device.site.country
 * is not null and writes reading_id, device_id, battery, upper(country), site (the struct), tags,
 * samples (the arrays, whole), ts, day = to_date(ts).
 */
export function readingRecords(n: number): ExampleRecords {
  const rnd = lcg(23);
  const countries = ['nl', 'de', 'fr', null];
  const cities = ['Delft', 'Köln', 'Lyon', null];
  const tagWords = ['roof', 'north', 'south', 'indoor', 'ünïcode ✓'];
  const sensors = ['temp', 'rh', 'co2'];
  const values: string[] = [];
  const expected: (Row & { reading_id: string })[] = [];
  for (let i = 0; i < n; i++) {
    const readingId = 1_000_000 + i;
    const ts = instant(rnd);
    // tags: missing, null, or 0–3 words with now and then a null element.
    const tagsForm = rnd(10);
    const tags: (string | null)[] | null = tagsForm === 0 ? null
      : Array.from({ length: rnd(4) }, () => (rnd(12) === 0 ? null : tagWords[rnd(tagWords.length)]));
    // device.site: missing now and then; country and city nullable.
    const hasSite = rnd(8) !== 0;
    const country = countries[rnd(countries.length)];
    const city = cities[rnd(cities.length)];
    // battery decimal(5,2): up to 999.99, sometimes null.
    const batteryCents = rnd(9) === 0 ? null : BigInt(rnd(100_000));
    // samples: 0–3 of {sensor, value decimal(9,3)}, values up to ±999999.999; the array sometimes missing.
    const samples = rnd(12) === 0 ? null : Array.from({ length: rnd(4) }, () => ({
      sensor: sensors[rnd(sensors.length)],
      milli: BigInt(rnd(3) === 0 ? rnd(1_000_000_000) : rnd(100_000)) * (rnd(4) === 0 ? -1n : 1n),
    }));
    const deviceParts = [`"id":"d-${rnd(40)}"`];
    if (batteryCents !== null) deviceParts.push(`"battery":${jsonDecimal(batteryCents, 2, i % 2 === 0)}`);
    if (hasSite) {
      const siteParts: string[] = [];
      if (country !== null) siteParts.push(`"country":"${country}"`);
      else if (i % 2 === 0) siteParts.push('"country":null');
      if (city !== null) siteParts.push(`"city":${JSON.stringify(city)}`);
      deviceParts.push(`"site":{${siteParts.join(',')}}`);
    }
    const parts = [`"reading_id":${readingId}`, `"ts":"${ts.text}"`];
    if (tagsForm === 0) { if (i % 2 === 0) parts.push('"tags":null'); } else parts.push(`"tags":${JSON.stringify(tags)}`);
    parts.push(`"device":{${deviceParts.join(',')}}`);
    if (samples !== null) {
      parts.push(`"samples":[${samples.map((s) => `{"sensor":"${s.sensor}","value":${jsonDecimal(s.milli, 3, i % 3 !== 0)}}`).join(',')}]`);
    }
    if (i % 4 === 0) parts.reverse();
    values.push(`{${parts.join(',')}}`);
    if (hasSite && country !== null) {
      expected.push({
        reading_id: String(readingId), device_id: deviceParts[0].slice(6, -1), battery: batteryCents === null ? null : fixedText(batteryCents, 2),
        country: country.toUpperCase(), site: { country, city }, tags,
        samples: samples === null ? null : samples.map((s) => ({ sensor: s.sensor, value: fixedText(s.milli, 3) })),
        ts: String(ts.micros), day: utcDay(ts.micros),
      });
    }
  }
  // Bad records: a sample value with four decimals (decimal(9,3)); a battery too wide for decimal(5,2); a string where a struct belongs.
  values.splice(Math.floor(n / 4), 0, '{"reading_id":1,"ts":"2026-03-01T00:00:00Z","device":{"id":"d","site":{"country":"nl"}},"samples":[{"sensor":"t","value":1.2345}]}');
  values.splice(Math.floor(n / 2), 0, '{"reading_id":2,"ts":"2026-03-01T00:00:00Z","device":{"id":"d","battery":1000,"site":{"country":"nl"}}}');
  values.splice(Math.floor((3 * n) / 4), 0, '{"reading_id":3,"ts":"2026-03-01T00:00:00Z","device":"d-1"}');
  return {
    values,
    expected: expected.sort((a, b) => (a.reading_id < b.reading_id ? -1 : a.reading_id > b.reading_id ? 1 : 0)),
    badReasons: ['DECIMAL_PRECISION', 'DECIMAL_SCALE', 'WRONG_TYPE'],
  };
}

/** The same rows, in order; a count mismatch names the first keys missing or extra. */
export function assertSameRows(actual: Row[], expected: Row[], key: string): void {
  if (actual.length !== expected.length) {
    const have = new Set(actual.map((r) => r[key]));
    const want = new Set(expected.map((r) => r[key]));
    const missing = expected.filter((r) => !have.has(r[key])).slice(0, 3);
    const extra = actual.filter((r) => !want.has(r[key])).slice(0, 3);
    assert.fail(`${actual.length} rows, ${expected.length} expected; missing ${JSON.stringify(missing)}; extra ${JSON.stringify(extra)}`);
  }
  for (let i = 0; i < actual.length; i++) assert.deepEqual(actual[i], expected[i], `row ${i}`);
}
