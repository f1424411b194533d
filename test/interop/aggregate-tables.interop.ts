/**
 * Interop of tables written by aggregation queries run on the cluster (Kafka, Redis, driver + 2
 * executor processes) with the JVM Delta reference implementation (delta-spark 3.3 on Spark 3.5;
 * test/support/delta-peer.ts), one table of each kind:
 *   - windowed, two keys, one a string (examples/two-key-job.js, append mode): window struct,
 *     dictionary-encoded string key, bigint count, decimal(20,2) sum;
 *   - grouped without a window, complete mode (event_type → count, sum), replaced at each batch;
 *   - nullable fields and null keys: a null string key forms its own group, sums over nulls only
 *     are null, count(col) skips nulls.
 * The JVM's rows equal Tributary's reader's rows, and a Spark SQL total over each table equals the
 * BigInt total of the produced records that the table must hold.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalRows, readSnapshot, readTableRows, testRedis, type CanonicalValue } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, EventGenerator, fromJson, GrpcSubmitter, LocalCluster, produceEvents, REPO_ROOT, StringType,
  StructField, StructType, sum, TributarySession, type StreamingQuery,
} from '@tributary/client';
import { DeltaPeer, PeerSnapshot } from '../support/delta-peer';
import { testKafka } from '../support/infra';
import { batchOf } from '../support/orders';
import { amountCents } from '../support/oracle';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

type Job = (spark: TributarySession, opts: Record<string, string>) => Promise<StreamingQuery>;
type Row = Record<string, CanonicalValue>;

const sorted = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();

async function finished(query: StreamingQuery): Promise<void> {
  assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
  const error = await query.exception();
  assert.equal(error, null, `the query ended without error: ${error?.message}`);
}

/** Cents of a decimal text with two digits ('-12.30' → -1230n). */
const cents = (text: string): bigint => BigInt(text.replace('.', ''));

describe('Delta interop of aggregation tables written on the cluster (JVM reference implementation)', function () {
  this.timeout(15 * 60_000);
  let peer: DeltaPeer;
  let dir: string;
  const tables = { twoKey: '', complete: '', nulls: '' };
  let seedValues: Buffer[] = [];
  const nullRecords: { kind: string | null; price: string | null }[] = [];

  before(async function () {
    this.timeout(15 * 60_000);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-interop-agg-'));
    const peerStarting = DeltaPeer.start();
    const cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
    const client = new DriverClient(cluster.driverAddress);
    try {
      const bootstrap = testKafka();
      const spark = TributarySession.builder().appName('aggregate interop').submitter(new GrpcSubmitter(client)).getOrCreate();

      // Seed-shaped events: the two-key job and the complete-mode job read them.
      const events = `agg_interop_events_${Date.now()}`;
      const gen = new EventGenerator({ seed: 11, customers: 200, eventsPerSecond: 5, outOfOrderShare: 0.1, maxDisorderMicros: 60_000_000 });
      const inOrder = gen.phaseInOrder(8_000);
      const closing = gen.phaseCloseAll(3);
      await produceEvents(bootstrap, events, 3, inOrder);
      await produceEvents(bootstrap, events, 3, closing);
      seedValues = [...inOrder.values, ...closing.values];

      tables.twoKey = path.join(dir, 'delta', 'two_key');
      const twoKeyJob = require(path.join(REPO_ROOT, 'examples', 'two-key-job.js')) as Job;
      await finished(await twoKeyJob(spark, {
        bootstrap, topic: events, table: tables.twoKey, checkpoint: path.join(dir, 'chk-two-key'), trigger: 'availableNow', maxOffsetsPerTrigger: '2000',
      }));

      const schema = new StructType([new StructField('event_type', StringType()), new StructField('amount', DecimalType(10, 2))]);
      tables.complete = path.join(dir, 'delta', 'by_type');
      await finished(await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', events)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 3000).load()
        .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
        .groupBy('event_type').agg(count('*').alias('n'), sum('amount').alias('total'))
        .writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(dir, 'chk-by-type'))
        .trigger({ availableNow: true }).start(tables.complete));

      // Nullable fields, missing values and null keys.
      const nullsTopic = `agg_interop_nulls_${Date.now()}`;
      const kinds = ['a', 'b', 'é', null];
      const lines: string[] = [];
      for (let i = 0; i < 3_000; i++) {
        const kind = kinds[i % 4];
        const price = i % 7 === 0 ? null : `${(i % 500) - 100}.${String(i % 100).padStart(2, '0')}`;
        // A null kind is written as JSON null or left out; a null price likewise.
        const fields = [kind === null ? (i % 8 < 4 ? '"kind":null' : '') : `"kind":"${kind}"`, price === null ? (i % 2 ? '"price":null' : '') : `"price":${price}`];
        lines.push(`{${fields.filter(Boolean).join(',')}}`);
        nullRecords.push({ kind, price: kind === 'b' ? null : price });
      }
      // Kind 'b' never has a price: its sum is null in Spark and here.
      const values = lines.map((l) => (l.includes('"kind":"b"') ? l.replace(/,?"price":[^,}]*/, '') : l));
      await produceEvents(bootstrap, nullsTopic, 2, batchOf(values));
      const nullsSchema = new StructType([new StructField('kind', StringType()), new StructField('price', DecimalType(12, 2))]);
      tables.nulls = path.join(dir, 'delta', 'nulls');
      await finished(await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', nullsTopic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 1000).load()
        .select(fromJson(col('value').cast('string'), nullsSchema).alias('r')).select('r.*')
        .groupBy('kind').agg(count('*').alias('n'), count('price').alias('priced'), sum('price').alias('total'))
        .writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(dir, 'chk-nulls'))
        .trigger({ availableNow: true }).start(tables.nulls));
    } finally {
      client.close();
      await cluster.stop();
    }
    peer = await peerStarting;
  });

  after(async () => {
    await peer?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function sameRowsAsOurReader(table: string): Promise<Row[]> {
    const theirs = await peer.read(table);
    assert.ok(theirs.ok, `the JVM could not read ${table}: ${!theirs.ok ? theirs.error : ''}`);
    const t = theirs as PeerSnapshot;
    const ours = await readSnapshot(storage, table);
    assert.equal(t.version, ours.version);
    assert.ok(ours.version >= 3, `several commits, got version ${ours.version}`);
    const mine = canonicalRows(await readTableRows(storage, table));
    assert.ok(mine.length > 0, 'the table has rows');
    assert.deepEqual(sorted(t.rows), sorted(mine));
    return mine;
  }

  it('windowed with a string key and an int key (append): the JVM reads the rows Tributary reads', async () => {
    const rows = await sameRowsAsOurReader(tables.twoKey);
    for (const r of rows) assert.deepEqual(Object.keys(r), ['window', 'event_type', 'customer_id', 'event_count', 'total_amount']);
    const sql = await peer.sql(`SELECT count(DISTINCT event_type) AS types, sum(event_count) AS n FROM delta.\`${tables.twoKey}\``);
    assert.deepEqual(sql, [{ types: String(new Set(rows.map((r) => r.event_type)).size), n: String(rows.reduce((a, r) => a + Number(r.event_count), 0)) }]);
  });

  it('grouped without a window (complete mode): the JVM reads the rows Tributary reads, and they total every record', async () => {
    const rows = await sameRowsAsOurReader(tables.complete);
    const byType = new Map<string, { n: number; cents: bigint }>();
    for (const v of seedValues) {
      const e = JSON.parse(v.toString('utf8')) as { event_type: string; amount: unknown };
      const c = amountCents(e.amount);
      assert.notEqual(c, null, `the generator writes good amounts: ${v.toString('utf8')}`);
      const t = byType.get(e.event_type) ?? { n: 0, cents: 0n };
      t.n += 1;
      t.cents += c!;
      byType.set(e.event_type, t);
    }
    assert.deepEqual(
      rows.map((r) => `${r.event_type} ${r.n} ${cents(r.total as string)}`).sort(),
      [...byType].map(([k, t]) => `${k} ${t.n} ${t.cents}`).sort(),
    );
  });

  it('nullable fields and null keys: the JVM reads the rows Tributary reads, a null key its own group, sums skipping nulls', async () => {
    const rows = await sameRowsAsOurReader(tables.nulls);
    const expected = new Map<string, { n: number; priced: number; cents: bigint | null }>();
    for (const r of nullRecords) {
      const k = r.kind ?? '<null>';
      const e = expected.get(k) ?? { n: 0, priced: 0, cents: null };
      e.n += 1;
      if (r.price !== null) { e.priced += 1; e.cents = (e.cents ?? 0n) + cents(r.price); }
      expected.set(k, e);
    }
    assert.deepEqual(
      rows.map((r) => `${r.kind ?? '<null>'} ${r.n} ${r.priced} ${r.total === null ? 'null' : cents(r.total as string)}`).sort(),
      [...expected].map(([k, e]) => `${k} ${e.n} ${e.priced} ${e.cents === null ? 'null' : e.cents}`).sort(),
    );
  });
});
