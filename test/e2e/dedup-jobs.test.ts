/**
 * Deduplication end to end on a real cluster (Kafka, Redis, driver + 2 executor processes, Delta on
 * disk): an at-least-once producer sends events twice — the copy right behind the original, in the
 * next batches, on another Kafka partition, or long after (late by then) — and two ingest jobs
 * read the topic:
 *   - dropDuplicates(['event_id', 'ts']) with a 30-second watermark;
 *   - dropDuplicatesWithinWatermark(['event_id']), where some ids also come back with a new event
 *     time 100 s later (kept again only once the first one's state expired).
 * Each table is compared with an independent calculation: the records read back from Kafka with a
 * plain consumer, cut into the batches the offsets log planned, and deduplicated by Spark's rules
 * written here with a Map — a row is late when its event time ≤ the batch's WM(N−1); of a batch's
 * rows of a key not in state, the one of lowest (partition, offset) is kept; a key leaves state once
 * the batch's WM(N) ≥ its expiry (the event time, or first event time + delay). Besides, each table
 * holds no key twice and every event at most once. Two more runs check exactly-once across
 * failures: kill -9 of the driver and every executor mid-run (state rebuilt from a snapshot and
 * change sets; a batch cut short is replayed from its plan), and a restart on new executors with
 * the producer resending what it sent before (and changed keys refused).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, OffsetLog, readTableRows, type BatchPlan } from '@tributary/common';
import {
  col, DriverClient, fromJson, GrpcSubmitter, IntegerType, LongType, produceEvents, StringType, StructField, StructType, TimestampType, TributarySession,
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

const BASE_MICROS = Date.UTC(2026, 2, 1) * 1000;
const DELAY_MICROS = 30_000_000;

interface Event { id: string; user: number; amount: number; tsMicros: number }

const iso = (micros: number): string => new Date(micros / 1000).toISOString().replace('Z', `${String(micros % 1000).padStart(3, '0')}Z`);
const jsonOf = (e: Event): string => `{"event_id":"${e.id}","user_id":${e.user},"amount":${e.amount},"ts":"${iso(e.tsMicros)}"}`;

/** Event i: 20 ms of event time after event i − 1, ± 0.5 s. */
function original(i: number): Event {
  const jitter = ((i * 7919) % 1000) * 1000 - 500_000;
  return { id: `e${i}`, user: i % 50, amount: i, tsMicros: BASE_MICROS + i * 20_000 + jitter + 777 };
}

/**
 * The stream the producer sends for events first..first+n−1: originals in time order, copies at
 * several distances, ids reused 100 s later, and copies of the `replayed` events before `first`
 * (a producer resending what it sent before a restart) at its start.
 */
function stream(n: number, first = 0, replayed = 0): string[] {
  const originals: Event[] = [];
  for (let i = first; i < first + n; i++) originals.push(original(i));
  const out: (string | null)[][] = originals.map((e) => [jsonOf(e)]);
  for (let k = 0; k < replayed; k++) out[k % 50].push(jsonOf(original(first - 1 - k)));
  const at = (k: number, v: string): void => { out[Math.min(out.length - 1, k)].push(v); };
  for (let i = 0; i < n; i++) {
    const v = jsonOf(originals[i]);
    if (i % 5 === 0) at(i + 1, v); // right behind: same batch mostly
    if (i % 7 === 0) at(i + 400 + (i % 600), v); // up to 20 s of the stream later: the next batches, not late
    if (i % 50 === 3) at(i + 5_000, jsonOf({ ...originals[i], tsMicros: originals[i].tsMicros + 100_000_000, amount: -i })); // the id again, 100 s later
  }
  const values = out.flat() as string[];
  for (let i = 0; i < n; i += 97) values.push(jsonOf(originals[i])); // long after: late by then
  return values;
}

interface Parsed { id: string; tsMicros: number; amount: number; partition: number; offset: number }

function parseRecord(r: TopicRecord): Parsed {
  const o = JSON.parse((r.value as Buffer).toString('utf8')) as { event_id: string; amount: number; ts: string };
  const m = /\.(\d{3})(\d{3})Z$/.exec(o.ts) as RegExpExecArray;
  const tsMicros = Date.parse(o.ts.replace(/\.\d{6}Z$/, `.${m[1]}Z`)) * 1000 + Number(m[2]);
  return { id: o.event_id, tsMicros, amount: o.amount, partition: r.partition, offset: Number(r.offset) };
}

/** Spark's deduplication over the planned batches, as a plain Map; the rows kept and the late count. */
function expectedRows(records: Parsed[], plans: BatchPlan[], withinWatermark: boolean): { rows: string[]; late: number; dupInBatch: number; dupAcross: number } {
  const state = new Map<string, number>(); // key → expiry (µs)
  const rows: string[] = [];
  let late = 0;
  let dupInBatch = 0;
  let dupAcross = 0;
  for (const plan of [...plans].sort((a, b) => a.batchId - b.batchId)) {
    const ranges = plan.sources.flatMap((s) => s.partitions);
    const inBatch = records
      .filter((r) => ranges.some((p) => p.partition === r.partition && r.offset >= Number(p.from) && r.offset < Number(p.to)))
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const keptNow = new Set<string>();
    for (const r of inBatch) {
      if (r.tsMicros <= plan.lateWatermarkMicros) { late++; continue; }
      const key = withinWatermark ? r.id : `${r.id}@${r.tsMicros}`;
      if (state.has(key)) {
        if (keptNow.has(key)) dupInBatch++;
        else dupAcross++;
        continue;
      }
      state.set(key, r.tsMicros + (withinWatermark ? DELAY_MICROS : 0));
      keptNow.add(key);
      rows.push(`${r.id}|${r.tsMicros}|${r.amount}|${r.partition}|${r.offset}`);
    }
    for (const [key, expiry] of state) if (expiry <= plan.watermarkMicros) state.delete(key);
  }
  return { rows: rows.sort(), late, dupInBatch, dupAcross };
}

describe('dropDuplicates on a real cluster (Kafka, Redis, driver + 2 executors, Delta)', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-dedup-', 2);

  it('events sent twice (same batch, later batches, other partitions, late) are written once, as an independent calculation expects', async () => {
    const topic = `events_${Date.now()}`;
    const bootstrap = testKafka();
    const values = stream(12_000);
    await produceEvents(bootstrap, topic, 4, batchOf(values));
    const records = (await readTopicEvents(bootstrap, topic)).map(parseRecord);
    assert.ok(records.length >= values.length, 'Kafka holds every value sent');

    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('dedup test').submitter(new GrpcSubmitter(client)).getOrCreate();
    const events = spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 1_500).load()
      .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e'), col('partition'), col('offset'))
      .select(col('e.event_id').alias('event_id'), col('e.amount').alias('amount'), col('e.ts').alias('ts'), col('partition'), col('offset'))
      .withWatermark('ts', '30 seconds');
    const jobs = [
      { name: 'dropDuplicates', withinWatermark: false, frame: events.dropDuplicates(['event_id', 'ts']) },
      { name: 'dropDuplicatesWithinWatermark', withinWatermark: true, frame: events.dropDuplicatesWithinWatermark(['event_id']) },
    ];
    for (const job of jobs) {
      const table = path.join(env.dir, 'delta', job.name);
      const checkpoint = path.join(env.dir, `chk-${job.name}`);
      const query = await job.frame.writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint)
        .trigger({ availableNow: true }).start(table);
      assert.equal(await query.awaitTermination(5 * 60_000), true, `${job.name}: the availableNow query finishes`);
      const error = await query.exception();
      assert.equal(error, null, `${job.name}: the query ended without error: ${error?.message}`);

      const plans = (await Promise.all((await new OffsetLog(storage, path.join(checkpoint, 'offsets')).list()).map((n) => new OffsetLog(storage, path.join(checkpoint, 'offsets')).get(n))))
        .map((p) => p as BatchPlan);
      assert.ok(plans.filter((p) => !p.noData).length >= 5, `${job.name}: several batches`);
      const expected = expectedRows(records, plans, job.withinWatermark);
      // The stream exercises every case it was built for.
      assert.ok(expected.dupInBatch > 300 && expected.dupAcross > 300 && expected.late > 50, `${job.name}: duplicates within (${expected.dupInBatch}) and across batches (${expected.dupAcross}), late rows (${expected.late})`);

      const rows = canonicalRows(await readTableRows(storage, table));
      const actual = rows.map((r) => `${r.event_id}|${r.ts}|${r.amount}|${r.partition}|${r.offset}`).sort();
      assert.equal(actual.length, expected.rows.length, `${job.name}: row count`);
      assert.deepEqual(actual, expected.rows, `${job.name}: rows`);
      // Plain facts, whatever the batches: no key twice; every id at most twice (its reuse 100 s later).
      const keys = rows.map((r) => (job.withinWatermark ? `${r.event_id}` : `${r.event_id}@${r.ts}`));
      if (!job.withinWatermark) assert.equal(new Set(keys).size, keys.length, `${job.name}: no key twice`);
      const perId = new Map<string, number>();
      for (const r of rows) perId.set(r.event_id as string, (perId.get(r.event_id as string) ?? 0) + 1);
      assert.ok([...perId.values()].every((c) => c <= 2), `${job.name}: an id at most twice`);
      assert.ok(perId.size >= 11_000, `${job.name}: most events kept (${perId.size})`);
      const progress = await query.recentProgress();
      assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), expected.late, `${job.name}: late rows counted`);
      const operators = progress.filter((p) => p.numInputRows > 0).map((p) => p.stateOperators[0]);
      assert.ok(operators.every((o) => o.operatorName === (job.withinWatermark ? 'dedupeWithinWatermark' : 'dedupe') && o.memoryUsedBytes > 0), `${job.name}: Spark's operator name, state memory`);
      assert.equal(operators.reduce((a, o) => a + (o.customMetrics?.numDroppedDuplicateRows ?? 0), 0), expected.dupInBatch + expected.dupAcross, `${job.name}: duplicates dropped`);
    }
  });

  it('resumes after kill -9 of the driver and every executor mid-run: state is rebuilt from a snapshot and change sets, every planned batch lands once, as the calculation expects', async () => {
    const topic = `events_kill_${Date.now()}`;
    const bootstrap = testKafka();
    await produceEvents(bootstrap, topic, 4, batchOf(stream(24_000, 0)));
    const records = (await readTopicEvents(bootstrap, topic)).map(parseRecord);
    const ends = new Map<number, number>();
    for (const r of records) ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.offset + 1));
    const cluster = env.cluster;
    const client = env.track(new DriverClient(cluster.driverAddress));
    const spark = TributarySession.builder().appName('dedup kill').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'events');
    const checkpoint = path.join(env.dir, 'chk-kill');
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 1_200).load()
      .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e'), col('partition'), col('offset'))
      .select(col('e.event_id').alias('event_id'), col('e.amount').alias('amount'), col('e.ts').alias('ts'), col('partition'), col('offset'))
      .withWatermark('ts', '30 seconds')
      .dropDuplicatesWithinWatermark(['event_id'])
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint)
      .trigger({ processingTime: '200 milliseconds' }).start(table);
    const describe = async (): Promise<string> => JSON.stringify((await query.lastProgress())?.sources ?? null);
    // Past the first state snapshot (every 10 versions), so the rebuild reads a snapshot and change sets.
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

    const plans = await Promise.all((await new OffsetLog(storage, path.join(checkpoint, 'offsets')).list()).map(async (n) => (await new OffsetLog(storage, path.join(checkpoint, 'offsets')).get(n)) as BatchPlan));
    const expected = expectedRows(records, plans, true);
    const actual = canonicalRows(await readTableRows(storage, table)).map((r) => `${r.event_id}|${r.ts}|${r.amount}|${r.partition}|${r.offset}`).sort();
    assert.deepEqual(actual, expected.rows);
    assert.match(cluster.logOf('driver'), /resumed/);
    assert.match(fresh.map((id) => cluster.logOf(id)).join('\n'), /loaded state of partition \d+ at version \d+ \(snapshot 10 \+/, 'new executors rebuilt the state from a snapshot and change sets');
    // Each batch landed in the table exactly once: txn versions 0, 1, 2, … with no gap or repeat.
    const batches = deltaCommits(table).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
    assert.deepEqual(batches, batches.map((_, i) => i));
  });

  it('after a restart on new executors, state comes back from the store: events resent across the restart are written once; changed keys are refused', async () => {
    const topic = `events_restart_${Date.now()}`;
    const bootstrap = testKafka();
    await produceEvents(bootstrap, topic, 4, batchOf(stream(5_000, 0)));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('dedup restart').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'events');
    const checkpoint = path.join(env.dir, 'chk');
    const events = spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 1_500).load()
      .select(fromJson(col('value').cast('string'), EVENT_SCHEMA).alias('e'), col('partition'), col('offset'))
      .select(col('e.event_id').alias('event_id'), col('e.amount').alias('amount'), col('e.ts').alias('ts'), col('partition'), col('offset'))
      .withWatermark('ts', '30 seconds');
    const run = async (frame: typeof events): Promise<void> => {
      const q = await frame.writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint).trigger({ availableNow: true }).start(table);
      assert.equal(await q.awaitTermination(5 * 60_000), true);
      const error = await q.exception();
      assert.equal(error, null, `the query ended without error: ${error?.message}`);
    };
    await run(events.dropDuplicates(['event_id', 'ts']));

    // New executors: the state cached in memory is gone with the old ones.
    for (const name of [...env.cluster.executors.keys()]) env.cluster.kill(name);
    const fresh = [await env.cluster.addExecutor(), await env.cluster.addExecutor()];
    await assert.rejects(run(events.dropDuplicatesWithinWatermark(['event_id'])), (err: Error) => {
      assert.match(err.message, /the deduplication changed from dropDuplicates\(\[event_id string, ts timestamp\]\) to dropDuplicatesWithinWatermark\(\[event_id string\]\)/);
      return true;
    });
    // The producer resends the last 600 events it sent before, then goes on.
    await produceEvents(bootstrap, topic, 4, batchOf(stream(5_000, 5_000, 600)));
    await run(events.dropDuplicates(['event_id', 'ts']));

    const records = (await readTopicEvents(bootstrap, topic)).map(parseRecord);
    const plans = await Promise.all((await new OffsetLog(storage, path.join(checkpoint, 'offsets')).list()).map(async (n) => (await new OffsetLog(storage, path.join(checkpoint, 'offsets')).get(n)) as BatchPlan));
    const expected = expectedRows(records, plans, false);
    const actual = canonicalRows(await readTableRows(storage, table)).map((r) => `${r.event_id}|${r.ts}|${r.amount}|${r.partition}|${r.offset}`).sort();
    assert.deepEqual(actual, expected.rows);
    // The resent events met state written before the restart: no event appears twice.
    const ids = actual.map((r) => r.split('|').slice(0, 2).join('|'));
    assert.equal(new Set(ids).size, ids.length);
    assert.match(fresh.map((id) => env.cluster.logOf(id)).join('\n'), /loaded state of partition \d+ at version [1-9]\d* \(/, 'the new executors loaded the state from the store');
    for (let i = 4_450; i < 5_000; i++) assert.ok(ids.includes(`e${i}|${original(i).tsMicros}`), `e${i} is in the table`);
  });
});
