/**
 * The seed job streaming into a partitioned Delta table on a real cluster (Kafka, Redis, driver + 3
 * executor processes), with OPTIMIZE and VACUUM run beside it while batches keep committing. The
 * table's rows must still equal the independent calculation (test/support/oracle), no live file
 * may be deleted, OPTIMIZE must really compact, VACUUM must really delete the compacted files, and
 * the sink must have written checkpoints. The query is the seed job with one addition:
 * withColumn('hour', date_format(col('window.start'), 'yyyy-MM-dd-HH')) and partitionBy('hour').
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimize, readSnapshot, readTableRows, vacuum } from '@tributary/common';
import {
  col, count, date_format, DecimalType, DriverClient, EventGenerator, fromJson, GrpcSubmitter, IntegerType, produceEvents, StreamingQuery, StringType, StructField, StructType, sum, TimestampType, TributarySession, window,
} from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const schema = new StructType([
  new StructField('customer_id', IntegerType()),
  new StructField('event_type', StringType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('timestamp', TimestampType()),
]);

describe('Delta maintenance beside a running query (real cluster)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-e2e-maint-', 3);

  it('OPTIMIZE and VACUUM between streaming batches keep a partitioned table exactly equal to the oracle', async () => {
    const topic = `maint_events_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 7, customers: 400, eventsPerSecond: 4, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(bootstrap, topic, 4, inOrder);

    const table = path.join(env.dir, 'delta', 'customer_aggregates');
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('maintenance test').submitter(new GrpcSubmitter(client)).getOrCreate();
    const query: StreamingQuery = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 2_000).load()
      .select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*')
      .withWatermark('timestamp', '10 minutes')
      .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
      .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
      .withColumn('hour', date_format(col('window.start'), 'yyyy-MM-dd-HH'))
      .writeStream.format('delta').outputMode('append').partitionBy('hour')
      .option('checkpointLocation', path.join(env.dir, 'checkpoints', 'customers'))
      .trigger({ processingTime: '200 milliseconds' })
      .start(table);

    const version = async (): Promise<number> => (fs.existsSync(path.join(table, '_delta_log')) ? (await readSnapshot(storage, table)).version : -1);
    const describe = (): string => `table version unknown`;
    // Maintenance rounds while batches keep landing: OPTIMIZE, then (once its tombstones are older
    // than the 5-second retention, far longer than a batch takes here) VACUUM.
    let compacted = 0;
    let vacuumed = 0;
    const optimizeVersions: number[] = [];
    for (let round = 0; round < 3; round++) {
      const target = 6 + round * 7;
      await waitUntil(query, async () => (await version()) >= target, 300_000, describe);
      const o = await optimize(storage, table);
      if (o.version !== undefined) optimizeVersions.push(o.version);
      compacted += o.filesRemoved;
      await new Promise((r) => setTimeout(r, 6_000));
      const v = await vacuum(storage, table, { retentionHours: 5 / 3600, unsafe: true });
      vacuumed += v.files.length;
      const live = await readSnapshot(storage, table);
      for (const f of live.files.keys()) assert.ok(fs.existsSync(f), `VACUUM deleted live file ${f}`);
    }

    const lateBound = Math.floor((inOrder.eventTimeMicros[20_000] - DELAY) / WINDOW) * WINDOW;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, describe);
    const late = gen.phaseLate(2_000, lateBound);
    await produceEvents(bootstrap, topic, 4, late);
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, 4, closing);
    const finalWatermark = gen.watermarkMicros;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= Math.floor(finalWatermark / 1000) * 1000, 300_000, describe);
    await query.stop();

    const expected = computeExpected([...inOrder.values, ...late.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: late.eventIds });
    const rows = await readTableRows(storage, table);
    const actual = aggregateRows(rows).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);

    assert.ok(optimizeVersions.length >= 2 && compacted >= 10, `OPTIMIZE compacted ${compacted} files in ${optimizeVersions.length} commits`);
    assert.ok(vacuumed >= compacted / 2, `VACUUM deleted ${vacuumed} files of ${compacted} compacted`);
    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual(snapshot.metadata.partitionColumns, ['hour']);
    const hours = new Set([...snapshot.files.values()].map((f) => f.partitionValues.hour));
    assert.ok(hours.size >= 3, `rows spread over ${hours.size} hourly partitions`);
    for (const f of snapshot.files.values()) assert.match(f.path, /^hour=\d{4}-\d{2}-\d{2}-\d{2}\/part-/);
    const hourColumn = rows.getChild('hour')!;
    const starts = aggregateRows(rows);
    for (let i = 0; i < rows.numRows; i += 97) {
      const start = new Date(Number(starts[i].windowStartMicros / 1000n)).toISOString();
      assert.equal(hourColumn.get(i), `${start.slice(0, 10)}-${start.slice(11, 13)}`);
    }
    const log = fs.readdirSync(path.join(table, '_delta_log'));
    assert.ok(log.includes('00000000000000000010.checkpoint.parquet'), `the sink wrote a checkpoint at version 10: ${log.join(' ')}`);
    assert.ok(log.includes('_last_checkpoint'));
  });
});
