/**
 * Interop of an update-mode table (copy-on-write merges by key, docs/update-mode.md) with the JVM
 * Delta reference implementation (delta-spark 3.3 on Spark 3.5; test/support/delta-peer.ts). An
 * update-mode query (1-minute windows per user, count and decimal sum, watermark) runs on the
 * cluster over several batches whose keys repeat across batches, so later commits remove and
 * re-add rows of earlier ones. At every table version the JVM reads the rows Tributary's reader
 * reads, one row per (window, user); at the last version they equal the totals of the produced
 * records, computed here with BigInt cents, and Spark SQL counts one row per key.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testRedis } from '@tributary/common';
import {
  col, count, DecimalType, DriverClient, fromJson, GrpcSubmitter, IntegerType, LocalCluster, produceEvents, StructField, StructType, sum,
  TimestampType, TributarySession, window,
} from '@tributary/client';
import { assertEveryVersionReadsAlike, DeltaPeer, sortedRows as sorted } from '../support/delta-peer';
import { testKafka } from '../support/infra';
import { batchOf } from '../support/orders';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const MINUTE = 60_000_000;
const BASE = Date.UTC(2026, 2, 1) * 1000;

describe('Delta interop of an update-mode table written on the cluster (JVM reference implementation)', function () {
  this.timeout(15 * 60_000);
  let peer: DeltaPeer;
  let dir = '';
  let table = '';
  const records: { user: number; us: number; cents: bigint }[] = [];

  before(async function () {
    this.timeout(15 * 60_000);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-interop-update-'));
    const peerStarting = DeltaPeer.start();
    const cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
    const client = new DriverClient(cluster.driverAddress);
    try {
      const bootstrap = testKafka();
      const topic = `update_interop_${Date.now()}`;
      // 6,000 purchases over 6 minutes by 40 users: each (window, user) gets rows in several batches.
      const lines: string[] = [];
      for (let i = 0; i < 6_000; i++) {
        const us = BASE + i * 60_000;
        const user = (i * 7) % 40;
        const cents = BigInt((i * 7919) % 100_000) - 20_000n;
        records.push({ user, us, cents });
        const abs = cents < 0n ? -cents : cents;
        const price = `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
        lines.push(`{"user_id":${user},"price":${price},"ts":"${new Date(us / 1000).toISOString()}"}`);
      }
      await produceEvents(bootstrap, topic, 3, batchOf(lines));
      const schema = new StructType([
        new StructField('user_id', IntegerType()), new StructField('price', DecimalType(12, 2)), new StructField('ts', TimestampType()),
      ]);
      const spark = TributarySession.builder().appName('update interop').submitter(new GrpcSubmitter(client)).getOrCreate();
      table = path.join(dir, 'delta', 'update');
      const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 500).load()
        .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
        .withWatermark('ts', '10 minutes')
        .groupBy(window(col('ts'), '1 minute'), col('user_id')).agg(count('*').alias('n'), sum('price').alias('revenue'))
        .writeStream.format('delta').outputMode('update').option('checkpointLocation', path.join(dir, 'chk'))
        .trigger({ availableNow: true }).start(table);
      assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
      assert.equal(await query.exception(), null);
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

  it('at every version the JVM reads the rows Tributary reads, one row per (window, user); the last equals the totals of every record', async () => {
    const mine = await assertEveryVersionReadsAlike(peer, storage, table, 8, (rows, v) => {
      const keys = rows.map((r) => `${(r.window as { start: string }).start}/${r.user_id}`);
      assert.equal(new Set(keys).size, keys.length, `version ${v}: one row per key`);
    });
    const totals = new Map<string, { n: number; cents: bigint }>();
    for (const r of records) {
      const key = `${Math.floor(r.us / MINUTE) * MINUTE}/${r.user}`;
      const t = totals.get(key) ?? { n: 0, cents: 0n };
      t.n++;
      t.cents += r.cents;
      totals.set(key, t);
    }
    const cents = (text: string): bigint => BigInt(text.replace('.', ''));
    assert.deepEqual(
      mine.map((r) => `${(r.window as { start: string }).start}/${r.user_id} ${r.n} ${cents(r.revenue as string)}`).sort(),
      [...totals].map(([k, t]) => `${k} ${t.n} ${t.cents}`).sort(),
    );
    const sql = await peer.sql(`SELECT count(*) AS rows, count(DISTINCT window.start, user_id) AS keys FROM delta.\`${table}\``);
    assert.deepEqual(sql, [{ rows: String(totals.size), keys: String(totals.size) }]);
  });
});
