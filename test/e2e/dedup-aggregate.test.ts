/**
 * dropDuplicates before an aggregation, end to end on a real cluster (Kafka, Redis, driver + 2
 * executor processes, Delta on disk): an at-least-once producer sends events twice — the same
 * event_id and ts, the copy right behind the original, in later batches, on another Kafka partition,
 * or long after (late by then) — and the query
 *
 *   withWatermark('ts', '30 seconds').dropDuplicates(['event_id', 'ts']).filter(amount ≥ 0)
 *     .groupBy(window(ts, '10 seconds'), user_id).agg(count('*'), sum('amount'))
 *
 * runs in append mode. The table is compared with an independent calculation over the records read
 * back from Kafka with a plain consumer, cut into the batches the offsets log planned: Spark 3.5's
 * rules written here with Maps — a row is late for the dedup when its ts ≤ the batch's WM(N−1); of
 * a batch's rows of a key not in state one is kept; a key leaves state once WM(N) ≥ its ts; a kept
 * row counts in its window unless the window's end ≤ WM(N−1); a window is in the table once the
 * final watermark ≥ its end. A second test runs the query twice on one checkpoint, the producer
 * resending in between events of the first run whose windows are still open: they meet the dedup
 * state in a later batch and are not counted twice. A third kills the driver and every executor
 * (kill -9) mid-run: both operators' state is rebuilt from the store (snapshots and change sets),
 * a batch cut short is replayed from its plan, and the table still equals the calculation. The
 * same query in update and complete mode ends with every window, open ones too, as calculated.
 * Three tests put a session window after the dedup, groupBy(user_id, sessionWindow(ts, '30
 * seconds')): the dedup reduce tasks pre-merge sessions and the session reduce tasks merge them, in
 * append and complete mode, and in append mode across a kill -9 of the whole cluster.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, OffsetLog, readTableRows, type BatchPlan } from '@tributary/common';
import {
  col, count, DriverClient, fromJson, GrpcSubmitter, IntegerType, LongType, produceEvents, StringType, StructField, StructType, sum, TimestampType,
  sessionWindow, TributarySession, window, type DataFrame, type StreamingQuery,
} from '@tributary/client';
import { batchOf } from '../support/orders';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { readTopicEvents, type TopicRecord } from '../support/oracle';
import { deltaCommits, waitUntil } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const EVENT_SCHEMA = new StructType([
  new StructField('event_id', StringType()),
  new StructField('user_id', IntegerType()),
  new StructField('amount', LongType()),
  new StructField('ts', TimestampType()),
]);

const SECOND = 1_000_000;
const WINDOW = 10 * SECOND;
const BASE_MICROS = Date.UTC(2026, 2, 1) * 1000;

interface Event { id: string; user: number; amount: number; tsMicros: number }

const iso = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString().replace('Z', `${String(micros % 1000).padStart(3, '0')}Z`);
const jsonOf = (e: Event): string => `{"event_id":"${e.id}","user_id":${e.user},"amount":${e.amount},"ts":"${iso(e.tsMicros)}"}`;

/** Event i: 20 ms of event time after event i − 1, ± 0.5 s; every 11th has a negative amount (filtered after the dedup). */
function original(i: number, prefix = 'e', from = BASE_MICROS): Event {
  const jitter = ((i * 7919) % 1000) * 1000 - 500_000;
  return { id: `${prefix}${i}`, user: i % 20, amount: i % 11 === 0 ? -1 : (i * 37) % 1000, tsMicros: from + i * 20_000 + jitter + 777 };
}

/** Originals in time order with identical copies at several distances, and copies long after (late by then). */
function stream(n: number): string[] {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) out.push([jsonOf(original(i))]);
  const at = (k: number, v: string): void => { out[Math.min(out.length - 1, k)].push(v); };
  for (let i = 0; i < n; i++) {
    const v = jsonOf(original(i));
    if (i % 5 === 0) at(i + 1, v); // right behind: the same batch mostly
    if (i % 7 === 0) at(i + 400 + (i % 600), v); // up to 20 s of the stream later: the next batches, not late
  }
  const values = out.flat();
  for (let i = 0; i < n; i += 97) values.push(jsonOf(original(i))); // long after: late by then
  return values;
}

interface Parsed { id: string; user: number; amount: number; tsMicros: number; partition: number; offset: number }

function parseRecord(r: TopicRecord): Parsed {
  const o = JSON.parse((r.value as Buffer).toString('utf8')) as { event_id: string; user_id: number; amount: number; ts: string };
  const m = /\.(\d{3})(\d{3})Z$/.exec(o.ts) as RegExpExecArray;
  const tsMicros = Date.parse(o.ts.replace(/\.\d{6}Z$/, `.${m[1]}Z`)) * 1000 + Number(m[2]);
  return { id: o.event_id, user: o.user_id, amount: o.amount, tsMicros, partition: r.partition, offset: Number(r.offset) };
}

interface Expected { rows: Record<string, unknown>[]; late: number; duplicates: number }

/**
 * Spark 3.5's dedup, then the windowed aggregation, over the planned batches, with Maps. Append: the
 * windows the final watermark closed; update: every window with its final values; complete: the
 * same, the aggregation dropping no late rows (the dedup still does).
 */
function expectedTable(records: Parsed[], plans: BatchPlan[], mode: 'append' | 'update' | 'complete' = 'append'): Expected {
  const dedupState = new Map<string, number>(); // key → expiry (its ts)
  const groups = new Map<string, { start: number; user: number; n: number; total: number }>();
  let late = 0;
  let duplicates = 0;
  let finalWatermark = -Infinity;
  for (const plan of [...plans].sort((a, b) => a.batchId - b.batchId)) {
    const ranges = plan.sources.flatMap((s) => s.partitions);
    const inBatch = records
      .filter((r) => ranges.some((p) => p.partition === r.partition && r.offset >= Number(p.from) && r.offset < Number(p.to)))
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (const r of inBatch) {
      if (r.tsMicros <= plan.lateWatermarkMicros) { late++; continue; }
      const key = `${r.id}@${r.tsMicros}`;
      if (dedupState.has(key)) { duplicates++; continue; }
      dedupState.set(key, r.tsMicros);
      if (r.amount < 0) continue; // the filter between dropDuplicates and the aggregation
      const start = Math.floor(r.tsMicros / WINDOW) * WINDOW;
      if (mode !== 'complete' && start + WINDOW <= plan.lateWatermarkMicros) continue; // its window was closed: late for the aggregation
      const g = groups.get(`${start}/${r.user}`) ?? { start, user: r.user, n: 0, total: 0 };
      g.n++;
      g.total += r.amount;
      groups.set(`${start}/${r.user}`, g);
    }
    for (const [key, expiry] of dedupState) if (expiry <= plan.watermarkMicros) dedupState.delete(key);
    finalWatermark = Math.max(finalWatermark, plan.watermarkMicros);
  }
  const rows = [...groups.values()].filter((g) => mode !== 'append' || g.start + WINDOW <= finalWatermark).map((g) => ({
    window: { start: String(g.start), end: String(g.start + WINDOW) }, user_id: String(g.user), n: String(g.n), total: String(g.total),
  }));
  return { rows, late, duplicates };
}

const GAP = 30 * SECOND;
const SLOT = 10 * SECOND;

/**
 * Event i of the session stream: 20 ms of event time after event i − 1, ± 0.5 s, by one of the 5
 * users of the group active in its 10 s slot (a group in four, picked by a hash of the slot), so a
 * user's activity pauses 0, 10, 20, 30, … s: sessions that go on, pause and bridge batches.
 */
function sessionEvent(i: number): Event {
  const jitter = ((i * 7919) % 1000) * 1000 - 500_000;
  const slot = Math.floor((i * 20_000) / SLOT);
  const group = ((slot * 7919 + 13) % 101) % 4;
  return { id: `s${i}`, user: group * 5 + (i % 5), amount: (i * 37) % 1000, tsMicros: BASE_MICROS + i * 20_000 + jitter + 777 };
}

/** The session originals in time order with copies right behind, in later batches, and long after (late by then). */
function sessionStream(n: number): string[] {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) out.push([jsonOf(sessionEvent(i))]);
  for (let i = 0; i < n; i++) {
    const v = jsonOf(sessionEvent(i));
    if (i % 5 === 0) out[Math.min(n - 1, i + 1)].push(v);
    if (i % 7 === 0) out[Math.min(n - 1, i + 400 + (i % 600))].push(v);
  }
  const values = out.flat();
  for (let i = 0; i < n; i += 97) values.push(jsonOf(sessionEvent(i)));
  return values;
}

/**
 * Spark 3.5's dedup over the planned batches (as expectedTable), then session windows over the kept
 * rows: a row is late for the sessions when ts + gap ≤ WM(N−1); per user, rows by time, a row whose
 * ts ≤ the current session's end (last ts + gap) joins it; append emits a session once the final
 * watermark ≥ its end; complete: every session, no row late for the sessions. (A row the dedup keeps
 * has ts > WM(N−1), so it can never touch a session already emitted and evicted, whose end ≤ WM(N−1):
 * sessions over all kept rows are the ones batch by batch.)
 */
function expectedSessionTable(records: Parsed[], plans: BatchPlan[], mode: 'append' | 'complete'): Expected {
  const dedupState = new Map<string, number>();
  const kept: Parsed[] = [];
  let late = 0;
  let duplicates = 0;
  let finalWatermark = -Infinity;
  for (const plan of [...plans].sort((a, b) => a.batchId - b.batchId)) {
    const ranges = plan.sources.flatMap((s) => s.partitions);
    const inBatch = records
      .filter((r) => ranges.some((p) => p.partition === r.partition && r.offset >= Number(p.from) && r.offset < Number(p.to)))
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (const r of inBatch) {
      if (r.tsMicros <= plan.lateWatermarkMicros) { late++; continue; }
      const key = `${r.id}@${r.tsMicros}`;
      if (dedupState.has(key)) { duplicates++; continue; }
      dedupState.set(key, r.tsMicros);
      if (mode === 'append' && r.tsMicros + GAP <= plan.lateWatermarkMicros) continue;
      kept.push(r);
    }
    for (const [key, expiry] of dedupState) if (expiry <= plan.watermarkMicros) dedupState.delete(key);
    finalWatermark = Math.max(finalWatermark, plan.watermarkMicros);
  }
  const byUser = new Map<number, Parsed[]>();
  for (const r of kept) byUser.set(r.user, [...(byUser.get(r.user) ?? []), r]);
  const rows: Record<string, unknown>[] = [];
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.tsMicros - b.tsMicros);
    let cur: { start: number; end: number; n: bigint; total: bigint } | null = null;
    const flush = (): void => {
      if (cur === null || (mode === 'append' && cur.end > finalWatermark)) return;
      rows.push({ user_id: String(user), session_window: { start: String(cur.start), end: String(cur.end) }, n: String(cur.n), total: String(cur.total) });
    };
    for (const r of list) {
      if (cur !== null && r.tsMicros <= cur.end) {
        cur.end = Math.max(cur.end, r.tsMicros + GAP);
        cur.n += 1n;
        cur.total += BigInt(r.amount);
      } else {
        flush();
        cur = { start: r.tsMicros, end: r.tsMicros + GAP, n: 1n, total: BigInt(r.amount) };
      }
    }
    flush();
  }
  return { rows, late, duplicates };
}

const sorted = (rows: Record<string, unknown>[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

async function plansOf(checkpoint: string): Promise<BatchPlan[]> {
  const log = new OffsetLog(storage, path.join(checkpoint, 'offsets'));
  return Promise.all((await log.list()).map(async (n) => (await log.get(n)) as BatchPlan));
}

describe('dropDuplicates before an aggregation on a real cluster (Kafka, Redis, driver + 2 executors, Delta)', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-dedup-agg-', 2);

  const session = () => TributarySession.builder().appName('dedup then aggregate')
    .submitter(new GrpcSubmitter(env.track(new DriverClient(env.cluster.driverAddress)))).getOrCreate();

  const aggregated = (topic: string, maxOffsets: number): DataFrame => session().readStream.format('kafka')
    .option('kafka.bootstrap.servers', testKafka()).option('subscribe', topic)
    .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', maxOffsets).load()
    .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e')).select('e.*')
    .withWatermark('ts', '30 seconds')
    .dropDuplicates(['event_id', 'ts'])
    .filter(col('amount').geq(0))
    .groupBy(window(col('ts'), '10 seconds'), col('user_id'))
    .agg(count('*').alias('n'), sum('amount').alias('total'));

  const sessionized = (topic: string, maxOffsets: number): DataFrame => session().readStream.format('kafka')
    .option('kafka.bootstrap.servers', testKafka()).option('subscribe', topic)
    .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', maxOffsets).load()
    .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e')).select('e.*')
    .withWatermark('ts', '30 seconds')
    .dropDuplicates(['event_id', 'ts'])
    .groupBy(col('user_id'), sessionWindow(col('ts'), '30 seconds'))
    .agg(count('*').alias('n'), sum('amount').alias('total'));

  const runToEnd = async (frame: DataFrame, table: string, checkpoint: string, mode: 'append' | 'update' | 'complete' = 'append'): Promise<StreamingQuery> => {
    const query = await frame.writeStream.format('delta').outputMode(mode).option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true }).start(table);
    assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
    const error = await query.exception();
    assert.equal(error, null, `the query ended without error: ${error?.message}`);
    return query;
  };

  it('counts and sums each event once, whatever copies came (same batch, later batches, other partitions, late), as an independent calculation expects', async () => {
    const topic = `events_${Date.now()}`;
    const values = stream(10_000);
    await produceEvents(testKafka(), topic, 4, batchOf(values));
    const records = (await readTopicEvents(testKafka(), topic)).map(parseRecord);
    assert.ok(records.length >= values.length, 'Kafka holds every value sent');
    const table = path.join(env.dir, 'delta', 'windows');
    const checkpoint = path.join(env.dir, 'chk');
    const query = await runToEnd(aggregated(topic, 1_500), table, checkpoint);

    const plans = await plansOf(checkpoint);
    assert.ok(plans.filter((p) => !p.noData).length >= 5, 'several batches');
    const expected = expectedTable(records, plans);
    assert.ok(expected.duplicates > 2_500 && expected.late > 50, `the stream holds duplicates (${expected.duplicates}) and late copies (${expected.late})`);
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(Object.keys(rows[0]), ['window', 'user_id', 'n', 'total']);
    assert.ok(expected.rows.length > 300, `many groups expected, got ${expected.rows.length}`);
    assert.equal(rows.length, expected.rows.length, 'one row per (window, user)');
    assert.deepEqual(sorted(rows), sorted(expected.rows));
    // Plain fact, whatever the batches: a window's count is at most its distinct events with amount ≥ 0.
    const distinct = new Map<string, Set<string>>();
    for (const r of records) {
      if (r.amount < 0) continue;
      const k = `${Math.floor(r.tsMicros / WINDOW) * WINDOW}/${r.user}`;
      distinct.set(k, (distinct.get(k) ?? new Set()).add(`${r.id}@${r.tsMicros}`));
    }
    for (const r of rows) {
      const w = r.window as { start: string };
      assert.ok(Number(r.n) <= (distinct.get(`${w.start}/${r.user_id}`)?.size ?? 0), `window ${w.start} user ${r.user_id} counts no event twice`);
    }

    const progress = await query.recentProgress();
    const withData = progress.filter((p) => p.numInputRows > 0);
    assert.ok(withData.every((p) => p.stateOperators.map((o) => o.operatorName).join(',') === 'dedupe,stateStoreSave'), "Spark's two state operators, in plan order");
    assert.equal(progress.reduce((a, p) => a + (p.stateOperators[0].customMetrics?.numDroppedDuplicateRows ?? 0), 0), expected.duplicates, 'duplicates dropped');
    assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), expected.late, 'late rows counted');
  });

  it('a copy arriving in a later batch, while its window is still open, meets the dedup state and is not counted twice', async () => {
    const topic = `events_resent_${Date.now()}`;
    const table = path.join(env.dir, 'delta', 'windows');
    const checkpoint = path.join(env.dir, 'chk');
    // Run 1: events of 0–60 s; its watermark ends near 30 s, so the windows from 30 s on stay open.
    const first = Array.from({ length: 3_000 }, (_, i) => original(i, 'a'));
    await produceEvents(testKafka(), topic, 4, batchOf(first.map(jsonOf)));
    const run1 = await runToEnd(aggregated(topic, 1_000), table, checkpoint);
    const batchesOfRun1 = (await plansOf(checkpoint)).length;
    const watermark1 = Math.max(...(await plansOf(checkpoint)).map((p) => p.watermarkMicros));
    const resent = first.filter((e) => e.tsMicros > watermark1 + 2 * SECOND);
    assert.ok(resent.length > 500, `events whose windows are still open are resent (${resent.length})`);
    assert.ok((await run1.recentProgress()).length > 0);

    // Run 2: the producer resends them, then goes on with events of 60–120 s, which close the windows up to 90 s.
    const second = Array.from({ length: 3_000 }, (_, i) => original(i, 'b', BASE_MICROS + 60 * SECOND));
    await produceEvents(testKafka(), topic, 4, batchOf([...resent.map(jsonOf), ...second.map(jsonOf)]));
    const run2 = await runToEnd(aggregated(topic, 1_000), table, checkpoint);

    const plans = await plansOf(checkpoint);
    const records = (await readTopicEvents(testKafka(), topic)).map(parseRecord);
    // The copies were read by batches of run 2, their originals by batches of run 1.
    const batchOf2 = (r: Parsed): number => plans.find((p) => p.sources[0].partitions.some((q) => q.partition === r.partition && r.offset >= Number(q.from) && r.offset < Number(q.to)))?.batchId ?? -1;
    const copies = records.filter((r) => r.id.startsWith('a') && r.tsMicros > watermark1 + 2 * SECOND);
    const byId = new Map<string, number[]>();
    for (const r of copies) byId.set(r.id, [...(byId.get(r.id) ?? []), batchOf2(r)]);
    assert.ok([...byId.values()].every((b) => b.length === 2 && Math.min(...b) < batchesOfRun1 && Math.max(...b) >= batchesOfRun1), 'each resent event: original in run 1, copy in run 2');

    const expected = expectedTable(records, plans);
    assert.equal(expected.duplicates, resent.length, 'the calculation sees every copy as a duplicate');
    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(sorted(rows), sorted(expected.rows));
    // Directly: every closed window holds each of its events once (amount ≥ 0), copies or not.
    const once = new Map<string, { n: number; total: number }>();
    for (const e of [...first, ...second]) {
      if (e.amount < 0) continue;
      const k = `${Math.floor(e.tsMicros / WINDOW) * WINDOW}/${e.user}`;
      const g = once.get(k) ?? { n: 0, total: 0 };
      g.n++;
      g.total += e.amount;
      once.set(k, g);
    }
    const resentWindows = new Set(resent.map((e) => `${Math.floor(e.tsMicros / WINDOW) * WINDOW}/${e.user}`));
    const checked = rows.filter((r) => resentWindows.has(`${(r.window as { start: string }).start}/${r.user_id}`));
    assert.ok(checked.length > 20, `windows holding resent events are in the table (${checked.length})`);
    for (const r of checked) {
      const g = once.get(`${(r.window as { start: string }).start}/${r.user_id}`)!;
      assert.deepEqual([r.n, r.total], [String(g.n), String(g.total)], `window ${(r.window as { start: string }).start} user ${r.user_id}`);
    }
    const dropped = (await run2.recentProgress()).reduce((a, p) => a + (p.stateOperators[0]?.customMetrics?.numDroppedDuplicateRows ?? 0), 0);
    assert.equal(dropped, resent.length, 'run 2 dropped every copy as a duplicate');
  });

  it('resumes after kill -9 of the driver and every executor mid-run: both operators\' state comes back from the store, each batch lands once, as the calculation expects', async () => {
    const topic = `events_kill_${Date.now()}`;
    await produceEvents(testKafka(), topic, 4, batchOf(stream(20_000)));
    const records = (await readTopicEvents(testKafka(), topic)).map(parseRecord);
    const ends = new Map<number, number>();
    for (const r of records) ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.offset + 1));
    const cluster = env.cluster;
    const table = path.join(env.dir, 'delta', 'windows');
    const checkpoint = path.join(env.dir, 'chk-kill');
    const query = await aggregated(topic, 1_000).writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint)
      .trigger({ processingTime: '200 milliseconds' }).start(table);
    const describe = async (): Promise<string> => JSON.stringify((await query.lastProgress())?.sources ?? null);
    // Past the first state snapshots (every 10 versions), so the rebuild reads snapshots and change sets.
    await waitUntil(query, async () => ((await query.lastProgress())?.batchId ?? -1) >= 11, 300_000, describe);
    cluster.kill('driver');
    for (const id of [...cluster.executors.keys()]) cluster.kill(id);
    await cluster.driver.exited;
    await cluster.restartDriver();
    const fresh = [await cluster.addExecutor(), await cluster.addExecutor()];
    const done = async (): Promise<boolean> => {
      const end = (await query.lastProgress())?.sources[0]?.endOffset?.[topic] as Record<string, string> | undefined;
      return end !== undefined && [...ends].every(([p, o]) => Number(end[String(p)]) === o);
    };
    await waitUntil(query, done, 300_000, describe);
    await query.stop();
    const last = (await query.lastProgress())?.batchId ?? -1;

    // The batches committed: a no-data batch planned as the query stopped is not in the table yet.
    const plans = (await plansOf(checkpoint)).filter((p) => p.batchId <= last);
    const expected = expectedTable(records, plans);
    assert.ok(expected.duplicates > 5_000 && expected.rows.length > 300, `duplicates (${expected.duplicates}) and groups (${expected.rows.length})`);
    assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted(expected.rows));
    assert.match(cluster.logOf('driver'), /resumed/);
    const logs = fresh.map((id) => cluster.logOf(id)).join('\n');
    assert.match(logs, /loaded state of partition \d+ at version \d+ \(snapshot 10 \+/, 'new executors rebuilt state from a snapshot and change sets');
    // Each batch landed in the table exactly once: txn versions 0, 1, 2, … with no gap or repeat.
    const batches = deltaCommits(table).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
    assert.deepEqual(batches, batches.map((_, i) => i));
  });

  for (const mode of ['append', 'complete'] as const) {
    it(`before a session window (${mode}): each event counts once in its session, sessions spanning batches, as an independent calculation expects`, async () => {
      const topic = `events_sessions_${mode}_${Date.now()}`;
      await produceEvents(testKafka(), topic, 4, batchOf(sessionStream(10_000)));
      const records = (await readTopicEvents(testKafka(), topic)).map(parseRecord);
      const table = path.join(env.dir, 'delta', `sessions-${mode}`);
      const checkpoint = path.join(env.dir, `chk-sessions-${mode}`);
      const query = await runToEnd(sessionized(topic, 1_500), table, checkpoint, mode);

      const plans = await plansOf(checkpoint);
      assert.ok(plans.filter((p) => !p.noData).length >= 5, 'several batches');
      const expected = expectedSessionTable(records, plans, mode);
      assert.ok(expected.duplicates > 2_500 && expected.late > 50, `the stream holds duplicates (${expected.duplicates}) and late copies (${expected.late})`);
      const rows = canonicalRows(await readTableRows(storage, table));
      assert.deepEqual(Object.keys(rows[0]), ['user_id', 'session_window', 'n', 'total']);
      assert.ok(expected.rows.length > 40, `many sessions expected, got ${expected.rows.length}`);
      // Sessions that bridge batches: some hold rows of more than one batch.
      const firstBatch = new Map<number, number>(); // ts → the first batch that read it (its kept copy)
      for (const r of records) {
        const b = plans.find((p) => p.sources[0].partitions.some((q) => q.partition === r.partition && r.offset >= Number(q.from) && r.offset < Number(q.to)))?.batchId ?? -1;
        firstBatch.set(r.tsMicros, Math.min(firstBatch.get(r.tsMicros) ?? Infinity, b));
      }
      const batchOfTs = (ts: number): number => firstBatch.get(ts) ?? -1;
      const spanning = expected.rows.filter((r) => {
        const w = r.session_window as { start: string; end: string };
        return batchOfTs(Number(w.start)) !== batchOfTs(Number(w.end) - GAP);
      });
      assert.ok(spanning.length > 5, `sessions spanning batches (${spanning.length})`);
      assert.equal(rows.length, expected.rows.length, 'one row per session');
      assert.deepEqual(sorted(rows), sorted(expected.rows));

      const progress = await query.recentProgress();
      const withData = progress.filter((p) => p.numInputRows > 0);
      assert.ok(withData.every((p) => p.stateOperators.map((o) => o.operatorName).join(',') === 'dedupe,stateStoreSave'), "Spark's two state operators, in plan order");
      assert.equal(progress.reduce((a, p) => a + (p.stateOperators[0].customMetrics?.numDroppedDuplicateRows ?? 0), 0), expected.duplicates, 'duplicates dropped');
      assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), expected.late, 'late rows counted');
    });
  }

  it('before a session window, resumes after kill -9 of the driver and every executor mid-run: dedup and session state come back from the store, as the calculation expects', async () => {
    const topic = `events_sessions_kill_${Date.now()}`;
    await produceEvents(testKafka(), topic, 4, batchOf(sessionStream(20_000)));
    const records = (await readTopicEvents(testKafka(), topic)).map(parseRecord);
    const ends = new Map<number, number>();
    for (const r of records) ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.offset + 1));
    const cluster = env.cluster;
    const table = path.join(env.dir, 'delta', 'sessions-kill');
    const checkpoint = path.join(env.dir, 'chk-sessions-kill');
    const query = await sessionized(topic, 1_000).writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint)
      .trigger({ processingTime: '200 milliseconds' }).start(table);
    const describe = async (): Promise<string> => JSON.stringify((await query.lastProgress())?.sources ?? null);
    await waitUntil(query, async () => ((await query.lastProgress())?.batchId ?? -1) >= 11, 300_000, describe);
    cluster.kill('driver');
    for (const id of [...cluster.executors.keys()]) cluster.kill(id);
    await cluster.driver.exited;
    await cluster.restartDriver();
    const fresh = [await cluster.addExecutor(), await cluster.addExecutor()];
    const done = async (): Promise<boolean> => {
      const end = (await query.lastProgress())?.sources[0]?.endOffset?.[topic] as Record<string, string> | undefined;
      return end !== undefined && [...ends].every(([p, o]) => Number(end[String(p)]) === o);
    };
    await waitUntil(query, done, 300_000, describe);
    await query.stop();
    const last = (await query.lastProgress())?.batchId ?? -1;

    const plans = (await plansOf(checkpoint)).filter((p) => p.batchId <= last);
    const expected = expectedSessionTable(records, plans, 'append');
    assert.ok(expected.duplicates > 5_000 && expected.rows.length > 80, `duplicates (${expected.duplicates}) and sessions (${expected.rows.length})`);
    assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted(expected.rows));
    assert.match(cluster.logOf('driver'), /resumed/);
    const logs = fresh.map((id) => cluster.logOf(id)).join('\n');
    assert.match(logs, /loaded state of partition \d+ at version \d+ \(snapshot 10 \+/, 'new executors rebuilt state from a snapshot and change sets');
    const batches = deltaCommits(table).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
    assert.deepEqual(batches, batches.map((_, i) => i));
  });

  for (const mode of ['update', 'complete'] as const) {
    it(`${mode} mode: every window, open ones too, holds each event once, as the calculation expects`, async () => {
      const topic = `events_${mode}_${Date.now()}`;
      await produceEvents(testKafka(), topic, 4, batchOf(stream(6_000)));
      const records = (await readTopicEvents(testKafka(), topic)).map(parseRecord);
      const table = path.join(env.dir, 'delta', mode);
      const checkpoint = path.join(env.dir, `chk-${mode}`);
      await runToEnd(aggregated(topic, 1_500), table, checkpoint, mode);
      const expected = expectedTable(records, await plansOf(checkpoint), mode);
      assert.ok(expected.duplicates > 1_500 && expected.rows.length > 200, `duplicates (${expected.duplicates}) and groups (${expected.rows.length})`);
      assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted(expected.rows));
    });
  }
});
