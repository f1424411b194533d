/**
 * Session windows end to end on a real cluster (Kafka, Redis, driver + two executor processes,
 * Delta on disk): groupBy(user_id, sessionWindow(ts, '30 seconds')).agg(count('*'), sum(amount),
 * max(amount), avg(amount), avg(secs), approxCountDistinct(page, 0.02)) with a 5-minute watermark
 * in append mode, over 4 Kafka partitions and 4 shuffle partitions, so map tasks on both executors
 * pre-merge partial sessions of the same users and the owners merge them with the stored sessions:
 * avg's sums and counts add, the sketches merge register-wise. avg(decimal(10,2)) is compared
 * exactly (decimal(14,6), HALF_UP, by BigInt in the test), avg(int) as the double of the exact mean
 * (nulls skipped), approx_count_distinct with the exact distinct count within 3·rsd (+1).
 *
 * Events come in rounds, each read completely before the next is produced: a round's events
 * continue sessions stored by the previous rounds, and "bridge" events, produced after a round,
 * fall in the gaps between that round's sessions and merge stored sessions into one. No event is
 * late and no session closes before its last event: every event's time is less than the delay
 * below the newest time read before it (see `rounds`), so the table must equal the sessions of all
 * events, by sort and sweep in the test. Before round 2, with sessions open, the driver and both
 * executors are killed (kill -9) and started again: the executors load the sessions from the store.
 * An hour-later event then closes every session, and events whose session would end at or before
 * the watermark are late: counted and in the late-rows table, not in the table. The durable state
 * ends with only the session still open.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import {
  approxCountDistinct, avg, col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, max, produceEvents, sessionWindow, StreamingQuery, StructField,
  StringType, StructType, sum, TimestampType, TributarySession, type EventBatch,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const GAP = 30 * SECOND;
const DELAY = 5 * MINUTE;
/** 2026-03-01T00:00:00Z in µs. */
const BASE = Date.UTC(2026, 2, 1) * 1000;
const ROUND = 3 * MINUTE;
const ROUNDS = 4;
const USERS = 40;

/** secs: an int column with nulls (avg of an int → double); page: the column counted approximately (nulls too). */
interface Visit { user_id: number; cents: bigint; us: number; secs?: number | null; page?: string | null }

const RSD = 0.02;

function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

function iso(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % SECOND).padStart(6, '0')}Z`;
}

function centsText(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

/** Unscaled → text at `scale` digits. */
function decimalText(u: bigint, scale: number): string {
  const neg = u < 0n;
  const a = (neg ? -u : u).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${a.slice(0, a.length - scale)}.${a.slice(a.length - scale)}`;
}

/** a / n rounded HALF_UP (away from zero on ties). */
function halfUp(a: bigint, n: bigint): bigint {
  const q = a / n;
  const r = a - q * n;
  return 2n * (r < 0n ? -r : r) >= n ? q + (a < 0n ? -1n : 1n) : q;
}

function json(v: Visit): string {
  const extra = `${v.secs == null ? '' : `,"secs":${v.secs}`}${v.page == null ? '' : `,"page":${JSON.stringify(v.page)}`}`;
  return `{"user_id":${v.user_id},"amount":${centsText(v.cents)},"ts":"${iso(v.us)}"${extra}}`;
}

/** secs and page from their own generator, so the visits' times and amounts stay those of the seed. */
function withExtras(seed: number, visits: Visit[]): Visit[] {
  const r = rng(seed);
  for (const v of visits) {
    v.secs = r(6) === 0 ? null : r(3600);
    v.page = r(8) === 0 ? null : `/p/${r(60)}`;
  }
  return visits;
}

function batchOf(values: string[]): EventBatch {
  const n = values.length;
  return {
    count: n, keys: values.map((_, i) => String(i % 13)), values: values.map((v) => Buffer.from(v)),
    eventIds: new Float64Array(n), customerIds: new Int32Array(n), eventTimeMicros: new Float64Array(n), amountCents: new Float64Array(n),
  };
}

/**
 * Round r: each user's visits in [BASE + r·ROUND, BASE + (r+1)·ROUND), 1 to 25 s apart with a
 * 40–80 s pause now and then (a new session); then bridges: for a few users, visits halfway
 * between two of the round's consecutive visits that lie more than the gap but less than two gaps
 * apart, which join two sessions. Times are in ascending order within a round, bridges after it.
 *
 * Why nothing is late: the watermark that filters a batch is at most the newest time read before
 * minus DELAY (5 min). Regular visits of round r are ≥ BASE + r·ROUND; everything read before is
 * < BASE + (r+1)·ROUND, so the watermark is < BASE + r·ROUND − 2 min. Bridges of round r are read
 * after round r and lie inside it, also > that bound. An event above the watermark cannot join a
 * session that has closed (its end would be ≥ the event's time > the watermark).
 */
function rounds(seed: number): { regular: Visit[][]; bridges: Visit[][] } {
  const r = rng(seed);
  const regular: Visit[][] = [];
  const bridges: Visit[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const from = BASE + round * ROUND;
    const visits: Visit[] = [];
    const bridge: Visit[] = [];
    for (let u = 0; u < USERS; u++) {
      let t = from + r(20 * SECOND);
      let prev = -1;
      while (t < from + ROUND) {
        visits.push({ user_id: u, cents: BigInt(r(100_000)) - 1_000n, us: t });
        if (prev >= 0 && t - prev > GAP && t - prev < 2 * GAP && r(2) === 0) {
          bridge.push({ user_id: u, cents: BigInt(r(5_000)), us: prev + Math.floor((t - prev) / 2) });
        }
        prev = t;
        t += r(8) === 0 ? 40 * SECOND + r(40 * SECOND) : SECOND + r(24 * SECOND);
      }
    }
    visits.sort((a, b) => a.us - b.us);
    regular.push(withExtras(seed * 1000 + 2 * round, visits));
    bridges.push(withExtras(seed * 1000 + 2 * round + 1, bridge));
  }
  return { regular, bridges };
}

/** Sessions by sort and sweep: per user, visits by time; a visit within GAP of the session's last visit (end = last + GAP ≥ its time) joins it. */
function expectedSessions(visits: Visit[]): Record<string, CanonicalValue>[] {
  const byUser = new Map<number, Visit[]>();
  for (const v of visits) byUser.set(v.user_id, [...(byUser.get(v.user_id) ?? []), v]);
  const out: Record<string, CanonicalValue>[] = [];
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.us - b.us);
    let cur: { start: number; end: number; n: number; total: bigint; top: bigint; secs: number[]; pages: Set<string> } | null = null;
    const flush = (): void => {
      if (cur === null) return;
      out.push({
        session_window: { start: String(cur.start), end: String(cur.end) }, user_id: String(user),
        visits: String(cur.n), total: centsText(cur.total), biggest: centsText(cur.top),
        // avg(decimal(10,2)) is decimal(14,6): total·10^4 / n, HALF_UP
        avg_amount: decimalText(halfUp(cur.total * 10_000n, BigInt(cur.n)), 6),
        avg_secs: cur.secs.length === 0 ? null : cur.secs.reduce((a, b) => a + b, 0) / cur.secs.length,
        pages: String(cur.pages.size),
      });
    };
    const add = (v: Visit): void => {
      if (v.secs != null) cur!.secs.push(v.secs);
      if (v.page != null) cur!.pages.add(v.page);
    };
    for (const v of list) {
      if (cur !== null && v.us <= cur.end) {
        cur.end = Math.max(cur.end, v.us + GAP);
        cur.n++;
        cur.total += v.cents;
        if (v.cents > cur.top) cur.top = v.cents;
      } else {
        flush();
        cur = { start: v.us, end: v.us + GAP, n: 1, total: v.cents, top: v.cents, secs: [], pages: new Set() };
      }
      add(v);
    }
    flush();
  }
  return out;
}

function sorted(rows: Record<string, CanonicalValue>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** The table's rows in the expected rows' column order; an estimate within 3·RSD (+1) of the exact distinct count is replaced by it. */
function comparable(rows: Record<string, CanonicalValue>[], expected: Record<string, CanonicalValue>[]): Record<string, CanonicalValue>[] {
  const exact = new Map(expected.map((e) => [`${JSON.stringify(e.session_window)} ${e.user_id}`, Number(e.pages)]));
  return rows.map((r) => {
    const e = exact.get(`${JSON.stringify(r.session_window)} ${r.user_id}`);
    const est = Number(r.pages);
    const pages = e !== undefined && Math.abs(est - e) <= 3 * RSD * e + 1 ? String(e) : r.pages;
    return {
      session_window: r.session_window, user_id: r.user_id, visits: r.visits, total: r.total, biggest: r.biggest,
      avg_amount: r.avg_amount, avg_secs: r.avg_secs, pages,
    };
  });
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark, sources: p.sources })}`;
}

const SCHEMA = new StructType([
  new StructField('user_id', IntegerType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('ts', TimestampType()),
  new StructField('secs', IntegerType()),
  new StructField('page', StringType()),
]);

describe('session windows on a real cluster (Kafka, Redis, driver + two executors, Delta)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-sessions-', 2);

  it('merges sessions across batches, map tasks, executors and a kill -9 of the cluster, emits each once the watermark passes its end, drops late events', async () => {
    const topic = `visits_${Date.now()}`;
    const bootstrap = testKafka();
    const { regular, bridges } = rounds(29);
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('sessions').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'sessions');
    await produceEvents(bootstrap, topic, 4, batchOf(regular[0].map(json)));
    let produced = regular[0].length;
    const all: Visit[] = [...regular[0]];
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 700).load()
      .select(fromJson(col('value').cast('string'), SCHEMA).alias('e')).select('e.*')
      .withWatermark('ts', '5 minutes')
      .groupBy(col('user_id'), sessionWindow(col('ts'), '30 seconds'))
      .agg(
        count('*').alias('visits'), sum('amount').alias('total'), max('amount').alias('biggest'),
        avg('amount').alias('avg_amount'), avg('secs').alias('avg_secs'), approxCountDistinct('page', RSD).alias('pages'),
      )
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk'))
      .option('shufflePartitions', 4).option('lateRows', 'table').trigger({ processingTime: '200 milliseconds' }).start(table);

    // Read up to what was produced: the committed end offsets (survive a restart, unlike the progress list).
    const readAll = async (): Promise<void> => {
      await waitUntil(query, async () => {
        const end = (await query.lastProgress())?.sources[0]?.endOffset as Record<string, Record<string, string>> | undefined;
        return Object.values(end?.[topic] ?? {}).reduce((a, o) => a + Number(o), 0) >= produced;
      }, 300_000, () => progressText(query));
    };
    await readAll();
    for (let round = 0; round < ROUNDS; round++) {
      if (round === 2) {
        // Sessions open across the crash: kill -9 the driver and both executors, start them again;
        // the executors load the session state from the store.
        env.cluster.kill('driver');
        for (const id of [...env.cluster.executors.keys()]) env.cluster.kill(id);
        await env.cluster.driver.exited;
        await env.cluster.restartDriver();
        for (let i = 0; i < 2; i++) await env.cluster.addExecutor();
      }
      for (const part of round === 0 ? [bridges[0]] : [regular[round], bridges[round]]) {
        await produceEvents(bootstrap, topic, 4, batchOf(part.map(json)));
        produced += part.length;
        all.push(...part);
        await readAll();
      }
    }
    // An hour later: every session so far closes; this one stays open (its end is after the watermark).
    const closingUs = BASE + 60 * MINUTE;
    await produceEvents(bootstrap, topic, 4, batchOf([json({ user_id: 0, cents: 100n, us: closingUs })]));
    produced += 1;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= closingUs - DELAY, 300_000, () => progressText(query));
    // Late: session end (t + 30 s) ≤ the watermark, though some of these users' sessions were open within the delay once.
    const late: Visit[] = Array.from({ length: 25 }, (_, i) => ({ user_id: i % USERS, cents: 7n, us: BASE + ROUND * ROUNDS - 10 * SECOND + i }));
    await produceEvents(bootstrap, topic, 4, batchOf(late.map(json)));
    produced += late.length;
    await readAll();
    const progress = await query.recentProgress();
    await query.stop();

    const expected = expectedSessions(all);
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(Object.keys(rows[0]), ['user_id', 'session_window', 'visits', 'total', 'biggest', 'avg_amount', 'avg_secs', 'pages'], "the table has the query's own columns, in its order");
    const merged = bridges.flat().length;
    assert.ok(merged > 20, `bridges that merge stored sessions expected, got ${merged}`);
    assert.ok(expected.length > 100, `many sessions expected, got ${expected.length}`);
    assert.deepEqual(sorted(comparable(rows, expected)), sorted(expected));
    const big = expected.filter((e) => Number(e.pages) >= 15).length;
    assert.ok(big > 10, `sessions with 15 or more distinct pages expected, got ${big}`);
    // sessions that span rounds exist (a round's last visit within the gap of the next round's first)
    const spanning = expected.filter((s) => {
      const w = s.session_window as { start: string; end: string };
      return Math.floor((Number(w.start) - BASE) / ROUND) !== Math.floor((Number(w.end) - GAP - BASE) / ROUND);
    });
    assert.ok(spanning.length > 5, `sessions spanning rounds expected, got ${spanning.length}`);

    assert.ok(progress.filter((p) => p.numInputRows > 0).length >= ROUNDS, 'several batches after the restart');
    assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), late.length, 'late events counted');
    const lateTable = canonicalRows(await readTableRows(storage, `${table}_late_rows`));
    assert.deepEqual(lateTable.map((r) => `${r.user_id} ${r.ts}`).sort(), late.map((v) => `${v.user_id} ${v.us}`).sort(), 'late events in the late-rows table');
    const executorLogs = [...env.cluster.executors.keys()].map((id) => env.cluster.logOf(id)).join('\n');
    assert.match(executorLogs, /loaded state of partition \d+ at version \d+/, 'session state loaded from the store after the restart');
    // Closed sessions left state: the newest version of every shuffle partition holds only the hour-later session.
    const open: string[] = [];
    for (let p = 0; p < 4; p++) {
      const dir = path.join(env.dir, 'chk', 'state', String(p));
      const newest = fs.readdirSync(dir).filter((f) => f.endsWith('.delta.arrow')).sort((a, b) => parseInt(b, 10) - parseInt(a, 10))[0];
      const state = arrow.tableFromIPC(fs.readFileSync(path.join(dir, newest)));
      assert.equal(state.schema.metadata.get('tributary.format'), 'session-state/v1');
      // raw values: int32 user ids, int64 µs session bounds
      const raw = (name: string): string[] => state.getChild(name)!.data.flatMap((d) => Array.from(d.values as ArrayLike<number | bigint>, (v) => String(v)).slice(0, d.length));
      const [users, starts, ends] = [raw('user_id'), raw('session_start'), raw('session_end')];
      users.forEach((u, i) => open.push(`${u} ${starts[i]} ${ends[i]}`));
    }
    assert.deepEqual(open, [`0 ${closingUs} ${closingUs + GAP}`]);
  });

  it('complete mode: after each round the table is every session of every event so far, bridged sessions replaced by their merge', async () => {
    const topic = `visits_complete_${Date.now()}`;
    const bootstrap = testKafka();
    const { regular, bridges } = rounds(31);
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('sessions complete').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'sessions-complete');
    const all: Visit[] = [...regular[0]];
    await produceEvents(bootstrap, topic, 4, batchOf(regular[0].map(json)));
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 500).load()
      .select(fromJson(col('value').cast('string'), SCHEMA).alias('e')).select('e.*')
      .groupBy(sessionWindow(col('ts'), '30 seconds'), col('user_id'))
      .agg(
        count('*').alias('visits'), sum('amount').alias('total'), max('amount').alias('biggest'),
        avg('amount').alias('avg_amount'), avg('secs').alias('avg_secs'), approxCountDistinct('page', RSD).alias('pages'),
      )
      .writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(env.dir, 'chk-complete'))
      .option('shufflePartitions', 4).trigger({ processingTime: '200 milliseconds' }).start(table);
    const check = async (what: string): Promise<void> => {
      await waitUntil(query, async () => {
        const end = (await query.lastProgress())?.sources[0]?.endOffset as Record<string, Record<string, string>> | undefined;
        return Object.values(end?.[topic] ?? {}).reduce((a, o) => a + Number(o), 0) >= all.length;
      }, 300_000, () => progressText(query));
      const rows = canonicalRows(await readTableRows(storage, table));
      const expected = expectedSessions(all);
      assert.deepEqual(sorted(comparable(rows, expected)), sorted(expected), what);
    };
    await check('after round 0');
    // the bridges of round 0 merge stored sessions; round 1 continues them; then an old event out of order
    for (const [what, part] of [['bridges of round 0', bridges[0]], ['round 1', regular[1]], ['an old event', [{ user_id: 3, cents: 1n, us: BASE - 10 * MINUTE }]]] as [string, Visit[]][]) {
      await produceEvents(bootstrap, topic, 4, batchOf(part.map(json)));
      all.push(...part);
      await check(`after ${what}`);
    }
    await query.stop();
    assert.ok(bridges[0].length > 5, `bridges expected, got ${bridges[0].length}`);
  });
});
