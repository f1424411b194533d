/**
 * Every aggregate function end to end on a real cluster (Kafka, Redis, driver + executor processes,
 * Delta on disk), written with the job API:
 *   (f) one windowed append-mode job with count('*'), count(col), sum of decimal(38,18), avg of
 *       decimal(30,6), int, bigint and double, min/max of strings (UTF-8 byte order) and decimals,
 *       max of doubles and approx_count_distinct, with nulls in every column; the driver and every
 *       executor are killed (-9) midway, so the state of every aggregate is rebuilt from a snapshot
 *       and change sets;
 * (approx_count_distinct over 1,000,000 distinct values and GroupedData's shortcuts are in
 * test/large/approx-distinct.large.ts, outside `npm test`.)
 * Tables are compared with an independent calculation over the generated records: BigInt for
 * decimals and long sums, HALF_UP rounding written here, byte-wise string order by Buffer.compare,
 * exact distinct counts by Set. No engine code.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import {
  approxCountDistinct, avg, col, count, DecimalType, DoubleType, DriverClient, fromJson, GrpcSubmitter, IntegerType, LongType, max, min,
  produceEvents, StreamingQuery, StringType, StructField, StructType, sum, TimestampType, TributarySession, window,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { deltaCommits, waitUntil, watermarkMicros } from '../support/seed-run';
import { assertSameRows, batchOf } from '../support/event-rows';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
/** 2026-03-01T00:00:00Z in µs. */
const BASE = Date.UTC(2026, 2, 1) * 1000;

function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

function iso(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % SECOND).padStart(6, '0')}Z`;
}

/** An unscaled decimal as plain text with `scale` fraction digits. */
function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
}

/** HALF_UP(a / c), c > 0, away from zero on ties. */
function halfUp(a: bigint, c: bigint): bigint {
  const q = (2n * (a < 0n ? -a : a) + c) / (2n * c);
  return a < 0n ? -q : q;
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark })}`;
}

function session(client: DriverClient, name: string): TributarySession {
  return TributarySession.builder().appName(name).submitter(new GrpcSubmitter(client)).getOrCreate();
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const byBytes = (a: string, b: string): number => Buffer.compare(utf8(a), utf8(b));

const EVENT_SCHEMA = new StructType([
  new StructField('g', IntegerType()),
  new StructField('s', StringType()),
  new StructField('qty', IntegerType()),
  new StructField('l', LongType()),
  new StructField('x', DoubleType()),
  new StructField('big', DecimalType(38, 18)),
  new StructField('dec', DecimalType(30, 6)),
  new StructField('u', LongType()),
  new StructField('ts', TimestampType()),
]);

interface Event {
  g: number; s: string | null; qty: number | null; l: bigint | null; x: number | null; big: bigint | null; dec: bigint | null; u: bigint | null; us: number;
}

// characters whose UTF-16 order differs from UTF-8's byte order (U+FF61 vs U+1F600), and prefixes
const ALPHABET = ['a', 'b', 'é', '€', '\uff61', '\u{1f600}', 'Z', ''];

/** In-order events from BASE, 20 ms apart, each up to 30 s behind the newest; a null in every column now and then. */
function events(n: number, seed: number): Event[] {
  const r = rng(seed);
  const digits = (k: number): bigint => {
    let v = 0n;
    for (let d = 0; d < k; d++) v = v * 10n + BigInt(r(10));
    return r(2) === 0 ? -v : v;
  };
  return Array.from({ length: n }, (_, i) => ({
    g: r(20),
    s: r(5) === 0 ? null : Array.from({ length: r(4) }, () => ALPHABET[r(ALPHABET.length)]).join(''),
    qty: r(7) === 0 ? null : r(2001) - 1000,
    l: r(11) === 0 ? null : BigInt(r(64)) * 2n ** 54n + BigInt(r(1000)) - 500n,
    x: r(13) === 0 ? null : (r(4001) - 2000) * 0.25,
    big: r(9) === 0 ? null : digits(1 + r(35)),
    dec: r(6) === 0 ? null : digits(1 + r(29)),
    u: r(10) === 0 ? null : BigInt(r(500)),
    us: BASE + i * 20_000 - r(30 * SECOND) + 30 * SECOND,
  }));
}

function eventJson(e: Event): string {
  const parts = [`"g":${e.g}`, `"ts":"${iso(e.us)}"`];
  const put = (name: string, v: string | null): void => { if (v !== null) parts.push(`"${name}":${v}`); };
  put('s', e.s === null ? null : JSON.stringify(e.s));
  put('qty', e.qty === null ? null : String(e.qty));
  put('l', e.l === null ? null : String(e.l));
  put('x', e.x === null ? null : String(e.x));
  put('big', e.big === null ? null : decimalText(e.big, 18));
  put('dec', e.dec === null ? null : decimalText(e.dec, 6));
  put('u', e.u === null ? null : String(e.u));
  return `{${parts.join(',')}}`;
}

/** The expected row of one group of events (every aggregate of (f)); approx_u is the exact distinct count. */
function expectedRow(rows: Event[]): Record<string, CanonicalValue> {
  const nn = <T>(xs: (T | null)[]): T[] => xs.filter((v): v is T => v !== null);
  const sumBig = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
  const strings = nn(rows.map((e) => e.s)).sort(byBytes);
  const qty = nn(rows.map((e) => e.qty));
  const ls = nn(rows.map((e) => e.l));
  const xs = nn(rows.map((e) => e.x));
  const bigs = nn(rows.map((e) => e.big));
  const decs = nn(rows.map((e) => e.dec));
  return {
    n: String(rows.length),
    ns: String(strings.length),
    sum_big: bigs.length === 0 ? null : decimalText(sumBig(bigs), 18),
    avg_dec: decs.length === 0 ? null : decimalText(halfUp(sumBig(decs) * 10_000n, BigInt(decs.length)), 10),
    avg_qty: qty.length === 0 ? null : qty.reduce((a, b) => a + b, 0) / qty.length,
    avg_l: ls.length === 0 ? null : Number(sumBig(ls)) / ls.length,
    avg_x: xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length,
    min_s: strings.length === 0 ? null : strings[0],
    max_s: strings.length === 0 ? null : strings[strings.length - 1],
    min_dec: decs.length === 0 ? null : decimalText(decs.reduce((a, b) => (b < a ? b : a)), 6),
    max_x: xs.length === 0 ? null : Math.max(...xs),
    approx_u: String(new Set(nn(rows.map((e) => e.u))).size),
  };
}

/** Within approx_count_distinct's bound (3·rsd of the exact count, +1), the estimate is replaced by the exact count for comparison. */
function approxWithin(rows: Record<string, CanonicalValue>[], expected: Map<string, Record<string, CanonicalValue>>, keyOf: (r: Record<string, CanonicalValue>) => string, column: string, rsd: number): Record<string, CanonicalValue>[] {
  return rows.map((r) => {
    const e = expected.get(keyOf(r));
    if (e === undefined) return r;
    const exact = Number(e[column]);
    const est = Number(r[column]);
    return Math.abs(est - exact) <= 3 * rsd * exact + 1 ? { ...r, [column]: e[column] } : r;
  });
}

describe('every aggregate function on a real cluster (Kafka, Redis, driver + executors, Delta)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-agg-fns-', 3);

  it('(f) count, count(col), sum(decimal(38,18)), avg of decimal(30,6), int, bigint and double, min/max of strings and decimals, max of doubles, approx_count_distinct; state rebuilt after kill -9 of every process', async () => {
    const topic = `aggfns_${Date.now()}`;
    const bootstrap = testKafka();
    const all = events(40_000, 17);
    await produceEvents(bootstrap, topic, 4, batchOf(all.map(eventJson)));
    const cluster = env.cluster;
    const client = env.track(new DriverClient(cluster.driverAddress));
    const table = path.join(env.dir, 'delta', 'aggfns');
    const query = await session(client, 'every aggregate').readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 1_500).load()
      .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e')).select('e.*')
      .withWatermark('ts', '1 minute')
      .groupBy(window(col('ts'), '1 minute'), col('g'))
      .agg(
        count('*').alias('n'), count(col('s')).alias('ns'), sum('big').alias('sum_big'), avg('dec').alias('avg_dec'),
        avg('qty').alias('avg_qty'), avg(col('l')).alias('avg_l'), avg('x').alias('avg_x'), min('s').alias('min_s'), max('s').alias('max_s'),
        min('dec').alias('min_dec'), max('x').alias('max_x'), approxCountDistinct('u', 0.05).alias('approx_u'),
      )
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk-f'))
      .trigger({ processingTime: '300 milliseconds' }).start(table);
    // Past the first state snapshot (every 10 versions), so the rebuild reads a snapshot and change sets.
    await waitUntil(query, async () => ((await query.lastProgress())?.batchId ?? -1) >= 11, 300_000, () => progressText(query));
    cluster.kill('driver');
    for (const id of [...cluster.executors.keys()]) cluster.kill(id);
    await cluster.driver.exited;
    const committedBefore = deltaCommits(table).length - 1;
    await cluster.restartDriver();
    for (let i = 0; i < 3; i++) await cluster.addExecutor();

    const closingUs = BASE + 60 * MINUTE;
    await produceEvents(bootstrap, topic, 4, batchOf([eventJson({ g: 0, s: null, qty: null, l: null, x: null, big: null, dec: null, u: null, us: closingUs })]));
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= closingUs - MINUTE, 300_000, () => progressText(query));
    await query.stop();

    const groups = new Map<string, Event[]>();
    for (const e of all) {
      const start = Math.floor(e.us / MINUTE) * MINUTE;
      const key = JSON.stringify([String(start), String(e.g)]);
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const expected = new Map([...groups].map(([key, rows]): [string, Record<string, CanonicalValue>] => {
      const [start, g] = JSON.parse(key) as [string, string];
      return [key, { window: { start, end: String(Number(start) + MINUTE) }, g, ...expectedRow(rows) }];
    }));
    const keyOf = (r: Record<string, CanonicalValue>): string => JSON.stringify([(r.window as { start: string }).start, r.g]);
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(Object.keys(rows[0]), ['window', 'g', ...Object.keys(expectedRow(all.slice(0, 1)))]);
    assert.ok(expected.size > 200, `groups: ${expected.size}`);
    assert.ok([...expected.values()].some((e) => e.avg_dec !== null && String(e.avg_dec).replace(/[-.]/g, '').length > 30), 'averages beyond 30 digits');
    assertSameRows(approxWithin(rows, expected, keyOf, 'approx_u', 0.05), [...expected.values()]);
    assert.ok(committedBefore >= 11, `batches committed before the crash: ${committedBefore}`);
    assert.ok(/loaded state of partition \d+ at version \d+ \(snapshot 10 \+/.test([...cluster.executors.keys()].map((id) => cluster.logOf(id)).join('\n')),
      'new executors rebuilt the state from a snapshot and change sets');
  });

});
