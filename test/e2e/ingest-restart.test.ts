/**
 * Restart rules of an ingest job on a real cluster: as in Spark, its filters and projections may
 * change on an existing checkpoint (the new query goes on from the committed offsets, nothing read
 * twice or skipped), while a change Spark refuses — another source topic — is refused at submit,
 * naming what changed.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows } from '@tributary/common';
import { col, fromJson, DriverClient, GrpcSubmitter, lit, produceEvents, TributarySession, ensureTopic } from '@tributary/client';
import { Kafka, logLevel } from 'kafkajs';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { batchOf, centsText, json, ORDER_SCHEMA, orders } from '../support/orders';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

describe('restart rules of an ingest job (real cluster)', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-ingest-restart-', 1);

  it('accepts a changed filter and goes on from the committed offsets; refuses another topic naming it', async () => {
    const topic = `orders_restart_${Date.now()}`;
    const bootstrap = testKafka();
    const first = orders(4_000, 0);
    const second = orders(4_000, 100_000);
    await produceEvents(bootstrap, topic, 3, batchOf(first.map(json)));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('ingest restart').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'orders');
    const checkpoint = path.join(env.dir, 'chk');
    const run = (source: string, minTotal: number) => spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap)
      .option('subscribe', source).option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 3_000).load()
      .select(fromJson(col('value').cast('string'), ORDER_SCHEMA).alias('o'))
      .filter(col('o.total').gt(lit(minTotal)))
      .select(col('o.order_id').alias('order_id'), col('o.total').alias('total'))
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', checkpoint)
      .trigger({ availableNow: true }).start(table);

    const q1 = await run(topic, 100);
    assert.equal(await q1.awaitTermination(120_000), true);
    assert.equal(await q1.exception(), null);
    await produceEvents(bootstrap, topic, 3, batchOf(second.map(json)));
    const q2 = await run(topic, 50);
    assert.equal(await q2.awaitTermination(120_000), true);
    assert.equal(await q2.exception(), null);

    const expected = [
      ...first.filter((o) => o.totalCents > 10_000n),
      ...second.filter((o) => o.totalCents > 5_000n),
    ].map((o) => `${o.order_id} ${centsText(o.totalCents)}`).sort();
    const actual = canonicalRows(await readTableRows(storage, table)).map((r) => `${r.order_id} ${r.total}`).sort();
    assert.deepEqual(actual, expected);

    const other = `${topic}_other`;
    const kafka = new Kafka({ clientId: 'restart-test', brokers: [bootstrap], logLevel: logLevel.ERROR });
    await ensureTopic(kafka, other, 1);
    await assert.rejects(run(other, 50), (err: Error) => {
      assert.match(err.message, /the source topic changed from 'orders_restart_\d+' to 'orders_restart_\d+_other'/);
      return true;
    });
  });
});
