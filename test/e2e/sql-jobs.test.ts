/**
 * Spark SQL jobs end to end on a real cluster (Kafka, Redis, driver + executor processes, Delta):
 *   (a) the seed's SQL as written (examples/seed.sql through examples/seed-sql-job.js, with the test's
 *       Kafka address and topic) in update mode, over several batches: the table equals a calculation
 *       made here from the records read back from Kafka with a plain kafkajs consumer (JSON text,
 *       BigInt cents, CAST AS DECIMAL rounding half up to decimal(10,0), windows of the Kafka
 *       timestamp by hand; no engine code);
 *   (b) SQL jobs and the same jobs written with the DataFrame API, on one topic, give identical
 *       tables: an ingest with WHERE, expressions, CASE and CAST (append); GROUP BY with HAVING and
 *       an expression over aggregates (complete); from_json with a DDL schema, a watermark set on a
 *       view's DataFrame and a window aggregation (append).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { canonicalRows, LocalStorage, readTableRows, type CanonicalValue } from '@tributary/common';
import {
  avg, col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, max, min, produceEvents, REPO_ROOT, StringType, StructField,
  StructType, sum, TimestampType, TributarySession, upper, when, window, type DataFrame, type StreamingQuery,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { readTopicEvents } from '../support/oracle/read-topic';
import { assertSameRows, batchOf } from '../support/event-rows';

const WINDOW_US = 5n * 60n * 1_000_000n;
const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');

interface SeedRow { time_window: { start: string; end: string }; customer_id: string; event_count: string; total_amount: string | null }

/** The cells of a table printed by `tributary sql -e` (header and rows; the closing count line left out). */
function tableCells(stdout: string): string[][] {
  return stdout.trimEnd().split('\n').filter((l) => !l.startsWith('(')).map((l) => l.split(' | ').map((c) => c.trim()));
}

function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

function centsText(c: number): string {
  const a = Math.abs(c);
  return `${c < 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** '-12.50' → -1250n. */
function cents(text: string): bigint {
  const neg = text.startsWith('-');
  const [i, f = ''] = (neg ? text.slice(1) : text).split('.');
  const v = BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
}

/** CAST(x AS DECIMAL) of an amount in cents: decimal(10,0), rounded half up (away from zero), as Spark. */
function roundedUnits(c: bigint): bigint {
  const a = c < 0n ? -c : c;
  const units = (a + 50n) / 100n;
  return c < 0n ? -units : units;
}

async function rowsOf(table: string): Promise<Record<string, CanonicalValue>[]> {
  return canonicalRows(await readTableRows(new LocalStorage(), table));
}

async function finish(query: StreamingQuery): Promise<void> {
  assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
  assert.equal(await query.exception(), null);
}

describe('Spark SQL jobs on a real cluster (Kafka, Redis, driver + executors, Delta)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-sql-', 2);

  function session(name: string): TributarySession {
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    return TributarySession.builder().appName(name).submitter(new GrpcSubmitter(client)).getOrCreate();
  }

  /** Seed-shaped events: amounts as JSON numbers, as numeric strings, and missing (left out of SUM). */
  async function produceSeedEvents(bootstrap: string, topic: string, n: number): Promise<void> {
    const r = rng(11);
    const types = ['view', 'click', 'purchase', 'refund'];
    const values = Array.from({ length: n }, (_, i) => {
      const customer = r(60);
      const c = r(200_000) - 20_000;
      const amount = i % 10 === 0 ? '' : i % 3 === 0 ? `,"amount":"${centsText(c)}"` : `,"amount":${centsText(c)}`;
      return `{"customer_id":${customer},"event_type":"${types[r(4)]}"${amount}}`;
    });
    await produceEvents(bootstrap, topic, 3, batchOf(values));
  }

  /**
   * The seed SQL's result, calculated from the records as Kafka holds them: grouped by the 5-minute
   * window of their Kafka timestamp and the customer_id text.
   */
  async function seedExpected(bootstrap: string, topic: string): Promise<SeedRow[]> {
    const groups = new Map<string, { start: bigint; customer: string; n: bigint; total: bigint | null }>();
    for (const rec of await readTopicEvents(bootstrap, topic)) {
      const text = String(rec.value);
      const customer = /"customer_id":(\d+)/.exec(text)![1];
      const amount = /"amount":"?(-?[0-9.]+)"?/.exec(text)?.[1];
      const start = (BigInt(rec.timestampMs) * 1000n / WINDOW_US) * WINDOW_US;
      const key = `${start}/${customer}`;
      const g = groups.get(key) ?? { start, customer, n: 0n, total: null };
      g.n += 1n;
      if (amount !== undefined) g.total = (g.total ?? 0n) + roundedUnits(cents(amount));
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => ({
      time_window: { start: String(g.start), end: String(g.start + WINDOW_US) },
      customer_id: g.customer,
      event_count: String(g.n),
      total_amount: g.total === null ? null : String(g.total),
    }));
  }

  it("(a) the seed's SQL as written, in update mode over several batches: the table equals an independent calculation", async () => {
    const topic = `customer_events_sql_${Date.now()}`;
    const bootstrap = testKafka();
    await produceSeedEvents(bootstrap, topic, 4_000);

    const spark = session('seed sql');
    const table = path.join(env.dir, 'delta', 'windowed_aggregates');
    const seedSqlJob = require(path.join(REPO_ROOT, 'examples', 'seed-sql-job.js'));
    const query: StreamingQuery = await seedSqlJob(spark, {
      bootstrap, topic, table, checkpoint: path.join(env.dir, 'chk-seed-sql'), maxOffsetsPerTrigger: 700, trigger: 'availableNow',
    });
    await finish(query);
    const batches = (await query.recentProgress()).filter((p) => p.numInputRows > 0).length;
    assert.ok(batches >= 5, `several batches, got ${batches}`);

    const expected = await seedExpected(bootstrap, topic);
    assert.ok(expected.length >= 60);
    assertSameRows(await rowsOf(table), expected as unknown as Record<string, CanonicalValue>[]);
  });

  it('(c) `tributary sql job.sql` runs the seed SQL into Delta; `tributary sql -e` answers batch queries over that table', async () => {
    const topic = `customer_events_cli_${Date.now()}`;
    const bootstrap = testKafka();
    await produceSeedEvents(bootstrap, topic, 3_000);
    const jobFile = path.join(env.dir, 'job.sql');
    fs.writeFileSync(jobFile, fs.readFileSync(path.join(REPO_ROOT, 'examples', 'seed.sql'), 'utf8')
      .replace('kafka.`kafka-server:9092`.`customer_events`', `kafka.\`${bootstrap}\`.\`${topic}\``));
    const table = path.join(env.dir, 'delta', 'cli');
    const submitted = await run(process.execPath, [BIN, 'sql', jobFile, '--sink', `delta:${table}`, '--checkpoint', path.join(env.dir, 'chk-cli'),
      '--output-mode', 'update', '--trigger', 'availableNow', '--kafka-option', 'startingOffsets=earliest', '--kafka-option', 'maxOffsetsPerTrigger=1000',
      '--driver', env.cluster.driverAddress, '--wait'], { cwd: env.dir });
    assert.match(submitted.stdout, /query \S+ (TERMINATED|STOPPED|FINISHED)/i, submitted.stdout + submitted.stderr);
    const expected = await seedExpected(bootstrap, topic);
    assertSameRows(await rowsOf(table), expected as unknown as Record<string, CanonicalValue>[]);

    // WHERE, ORDER BY and LIMIT over the rows.
    const q1 = await run(process.execPath, [BIN, 'sql', '-e',
      `SELECT customer_id, event_count AS n, total_amount FROM delta.\`${table}\` WHERE event_count >= 3 AND total_amount IS NOT NULL ORDER BY total_amount DESC, customer_id LIMIT 7`]);
    const big = expected.filter((e) => BigInt(e.event_count) >= 3n && e.total_amount !== null)
      .sort((a, b) => (BigInt(b.total_amount!) > BigInt(a.total_amount!) ? 1 : BigInt(b.total_amount!) < BigInt(a.total_amount!) ? -1 : a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : 0))
      .slice(0, 7);
    assert.deepEqual(tableCells(q1.stdout), [['customer_id', 'n', 'total_amount'], ...big.map((e) => [e.customer_id, e.event_count, e.total_amount!])]);

    // GROUP BY with HAVING, aggregates over the table's longs and decimals.
    const q2 = await run(process.execPath, [BIN, 'sql', '-e',
      `SELECT customer_id, sum(event_count) AS events, max(total_amount) AS top, count(*) AS windows FROM delta.\`${table}\`
       GROUP BY customer_id HAVING sum(event_count) > 40 ORDER BY events DESC, customer_id`]);
    const perCustomer = new Map<string, { events: bigint; top: bigint | null; windows: number }>();
    for (const e of expected) {
      const c = perCustomer.get(e.customer_id) ?? { events: 0n, top: null, windows: 0 };
      c.events += BigInt(e.event_count);
      if (e.total_amount !== null && (c.top === null || BigInt(e.total_amount) > c.top)) c.top = BigInt(e.total_amount);
      c.windows += 1;
      perCustomer.set(e.customer_id, c);
    }
    const rows = [...perCustomer].filter(([, c]) => c.events > 40n)
      .sort(([ka, a], [kb, b]) => (a.events !== b.events ? (b.events > a.events ? 1 : -1) : ka < kb ? -1 : ka > kb ? 1 : 0))
      .map(([k, c]) => [k, String(c.events), c.top === null ? 'NULL' : String(c.top), String(c.windows)]);
    assert.ok(rows.length > 5);
    assert.deepEqual(tableCells(q2.stdout), [['customer_id', 'events', 'top', 'windows'], ...rows]);

    // A refusal names the position and the construct; the exit code is 1.
    await assert.rejects(run(process.execPath, [BIN, 'sql', '-e', `SELECT customer_id FROM delta.\`${table}\` a JOIN delta.\`${table}\` b ON a.customer_id = b.customer_id`]),
      (e: { code: number; stderr: string }) => e.code === 1 && /line 1, column \d+: JOIN is not supported/.test(e.stderr));
  });

  it('(b) SQL jobs and the same DataFrame jobs on one topic give identical tables', async () => {
    const topic = `sql_vs_df_${Date.now()}`;
    const bootstrap = testKafka();
    const r = rng(5);
    const base = Date.UTC(2026, 2, 1);
    const kinds = ['view', 'click', 'buy'];
    const values = Array.from({ length: 3_000 }, (_, i) => {
      const ts = new Date(base + i * 400 - r(20_000)).toISOString();
      const price = i % 50 === 0 ? 'null' : centsText(r(1_000_000) - 1_000);
      return `{"user_id":${r(40)},"kind":"${kinds[r(3)]}","price":${price},"ts":"${ts}"}`;
    });
    await produceEvents(bootstrap, topic, 3, batchOf(values));

    const spark = session('sql vs dataframe');
    const kafka = { startingOffsets: 'earliest', maxOffsetsPerTrigger: 800 };
    const source = `kafka.\`${bootstrap}\`.\`${topic}\``;
    await spark.sql(`
      CREATE TEMP VIEW raw AS SELECT from_json(CAST(value AS STRING), 'user_id INT, kind STRING, price DECIMAL(12,2), ts TIMESTAMP') AS e FROM ${source};
      CREATE TEMP VIEW events AS SELECT e.* FROM raw`, { kafka });
    const schema = new StructType([
      new StructField('user_id', IntegerType()), new StructField('kind', StringType()),
      new StructField('price', DecimalType(12, 2)), new StructField('ts', TimestampType()),
    ]);
    const events = (): DataFrame => spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .options(kafka).load().select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*');

    const run = async (name: string, df: DataFrame, mode: string): Promise<Record<string, CanonicalValue>[]> => {
      const table = path.join(env.dir, 'delta', name);
      const query = await df.writeStream.format('delta').outputMode(mode).option('checkpointLocation', path.join(env.dir, `chk-${name}`))
        .trigger({ availableNow: true }).start(table);
      await finish(query);
      return rowsOf(table);
    };

    // An ingest: WHERE, expressions, CASE, CAST (append).
    const ingestSql = await spark.sql(`SELECT user_id, upper(kind) AS kind, price * 2 AS doubled,
        CASE WHEN price > 5000 THEN 'big' WHEN price < 0 THEN 'refund' ELSE 'small' END AS size, CAST(ts AS DATE) AS day
      FROM events WHERE kind <> 'view' AND price IS NOT NULL`);
    const ingestDf = events().filter(col('kind').notEqual('view').and(col('price').isNotNull()))
      .select(col('user_id'), upper('kind').alias('kind'), col('price').multiply(2).alias('doubled'),
        when(col('price').gt(5000), 'big').when(col('price').lt(0), 'refund').otherwise('small').alias('size'), col('ts').cast('date').alias('day'));
    const ingest = await run('ingest-sql', ingestSql, 'append');
    assert.ok(ingest.length > 1_000);
    assertSameRows(await run('ingest-df', ingestDf, 'append'), ingest);

    // GROUP BY with HAVING and an expression over aggregates (complete).
    const groupedSql = await spark.sql(`SELECT kind, count(*) AS n, sum(price) AS total, avg(price) AS mean, max(price) - min(price) AS spread
      FROM events GROUP BY kind HAVING count(*) > 10`);
    const groupedDf = events().groupBy(col('kind').alias('__key_0'))
      .agg(count('*').alias('__agg_0'), sum('price').alias('__agg_1'), avg('price').alias('__agg_2'), max('price').alias('__agg_3'), min('price').alias('__agg_4'))
      .filter(col('__agg_0').gt(10))
      .select(col('__key_0').alias('kind'), col('__agg_0').alias('n'), col('__agg_1').alias('total'), col('__agg_2').alias('mean'),
        col('__agg_3').minus(col('__agg_4')).alias('spread'));
    const grouped = await run('grouped-sql', groupedSql, 'complete');
    assert.equal(grouped.length, 3);
    assertSameRows(await run('grouped-df', groupedDf, 'complete'), grouped);

    // A watermark set on a view's DataFrame, then a window aggregation in SQL (append).
    spark.table('events').withWatermark('ts', '1 minute').createOrReplaceTempView('watermarked');
    const windowedSql = await spark.sql(`SELECT window(ts, '1 minute') AS w, user_id % 5 AS bucket, COUNT(*) AS n, SUM(price) AS s
      FROM watermarked GROUP BY window(ts, '1 minute'), user_id % 5`);
    const windowedDf = events().withWatermark('ts', '1 minute')
      .groupBy(window(col('ts'), '1 minute').alias('w'), col('user_id').mod(5).alias('bucket')).agg(count('*').alias('n'), sum('price').alias('s'));
    const windowed = await run('windowed-sql', windowedSql, 'append');
    assert.ok(windowed.length > 20);
    assertSameRows(await run('windowed-df', windowedDf, 'append'), windowed);
  });
});
