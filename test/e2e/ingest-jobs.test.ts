/**
 * Ingest jobs (no aggregation) end to end on a real cluster (Kafka, Redis, driver + 2 executor
 * processes, Delta on disk), written with the job API as a Spark user writes them:
 *   - nested JSON (a struct with a nullable field, an array of structs, decimal(12,2), µs
 *     timestamps), filtered and projected with computed columns, partitioned by a date column;
 *   - Kafka's own columns selected beside the parsed fields.
 * The table is compared with an independent calculation over the generated records (JS numbers for
 * integers, BigInt cents for decimals, the date cut from the timestamp text): no engine code.
 * Bad records go to the quarantine table with their reasons, and the query goes on.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import { col, fromJson, DriverClient, GrpcSubmitter, lit, produceEvents, toDate, TributarySession, upper } from '@tributary/client';
import { batchOf, centsText, json, ORDER_SCHEMA, orders } from '../support/orders';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

describe('ingest jobs on a real cluster (Kafka, Redis, driver + 2 executors, Delta)', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-ingest-', 2);

  it('writes nested JSON, filtered and projected, partitioned by date, exactly as an independent calculation expects; bad records are quarantined', async () => {
    const topic = `orders_${Date.now()}`;
    const bootstrap = testKafka();
    const all = orders(30_000);
    const bad = ['{"order_id": 1, "user": ', '{"order_id":"x","user":{"id":1,"name":"a"},"items":[],"total":1.00,"ts":"2026-03-01T00:00:00Z"}',
      '{"order_id":2,"user":{"id":1,"name":"a"},"items":[],"total":1.005,"ts":"2026-03-01T00:00:00Z"}'];
    const values = all.map(json);
    values.splice(100, 0, bad[0]);
    values.splice(20_000, 0, bad[1], bad[2]);
    await produceEvents(bootstrap, topic, 4, batchOf(values));

    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('ingest test').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'orders');
    const kafka = spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 7_000).load();
    const orders_ = kafka.select(fromJson(col('value').cast('string'), ORDER_SCHEMA).alias('o'), col('partition'), col('offset'));
    const query = await orders_
      .filter(col('o.total').gt(lit(100)).and(col('o.user.tier').isNotNull()))
      .select(
        col('o.order_id').alias('order_id'), col('o.user.id').alias('user_id'), upper(col('o.user.name')).alias('name'),
        col('o.user.tier').alias('tier'), col('o.items').alias('items'), col('o.total').alias('total'),
        col('o.total').multiply(lit(2)).alias('double_total'), col('o.ts').alias('ts'), toDate(col('o.ts')).alias('day'),
        col('partition'), col('offset'),
      )
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk'))
      .partitionBy('day').trigger({ availableNow: true }).start(table);
    assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
    const error = await query.exception();
    assert.equal(error, null, `the query ended without error: ${error?.message}`);

    // Independent calculation.
    const expected = all
      .filter((o) => o.totalCents > 10_000n && o.user.tier !== null)
      .map((o) => ({
        order_id: String(o.order_id), user_id: String(o.user.id), name: o.user.name.toUpperCase(), tier: o.user.tier,
        items: o.items.map((it) => ({ sku: it.sku, qty: String(it.qty) })), total: centsText(o.totalCents),
        double_total: centsText(o.totalCents * 2n), ts: String(o.tsMicros), day: o.ts.slice(0, 10),
      }))
      .sort((a, b) => (a.order_id < b.order_id ? -1 : 1));
    const rows = canonicalRows(await readTableRows(storage, table));
    const actual = rows
      .map((r) => ({
        order_id: r.order_id, user_id: r.user_id, name: r.name, tier: r.tier, items: r.items, total: r.total,
        double_total: r.double_total, ts: r.ts, day: r.day,
      }))
      .sort((a, b) => ((a.order_id as string) < (b.order_id as string) ? -1 : 1));
    assert.ok(expected.length > 10_000, `many rows expected, got ${expected.length}`);
    assert.equal(actual.length, expected.length, 'row count');
    for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i], expected[i] as unknown as Record<string, CanonicalValue>, `row ${i}`);
    // Kafka's own columns: every (partition, offset) once.
    assert.equal(new Set(rows.map((r) => `${r.partition}/${r.offset}`)).size, rows.length);
    // The table is partitioned by day, with Hive directories.
    const days = new Set(expected.map((e) => e.day));
    assert.equal(days.size, 3);
    const progress = await query.recentProgress();
    assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 4, 'several batches');
    assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), values.length);
    const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
    assert.deepEqual(quarantine.map((q) => q.reason).sort(), ['DECIMAL_SCALE', 'MALFORMED_JSON', 'WRONG_TYPE'].sort());
  });

});
