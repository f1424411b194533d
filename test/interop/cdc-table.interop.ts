/**
 * Interop of CDC tables (writeStream.applyChanges, SCD types 1 and 2) with the JVM Delta reference
 * implementation (delta-spark 3.3 on Spark 3.5; test/support/delta-peer.ts). A seeded source
 * database (test/support/cdc-source-db.ts: inserts, full and compressed updates, deletes, key
 * updates, truncates, another table's changes) is produced to Kafka as GoldenGate JSON with a
 * replayed stretch, and applied on the cluster (Kafka, Redis, driver + 2 executor processes) in
 * many batches by two queries: one stores it as SCD type 1 (3 Kafka partitions), one as SCD type 2
 * (one Kafka partition, as type 2 needs for truncates: docs/cdc.md). At every table version the
 * JVM reads the rows Tributary's reader reads; at the last version they equal the model's final
 * rows (type 1) and its history (type 2), computed by the model, not by engine code. Spark SQL
 * counts one row (type 1) or one current version (type 2) per key, and the JVM sees the txns.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalStorage, testRedis } from '@tributary/common';
import {
  DecimalType, DriverClient, GrpcSubmitter, LocalCluster, LongType, produceEvents, StringType, StructField, StructType, TimestampType, TributarySession,
} from '@tributary/client';
import { assertEveryVersionReadsAlike, DeltaPeer, PeerSnapshot, sortedRows as sorted } from '../support/delta-peer';
import { testKafka } from '../support/infra';
import { batchOf } from '../support/orders';
import { expectedHistory, expectedRows, goldenGateRecords, playSourceDatabase, TABLE } from '../support/cdc-source-db';

const storage = new LocalStorage();
const COLUMNS = new StructType([
  new StructField('ID', LongType(), false), new StructField('NAME', StringType()), new StructField('AMOUNT', DecimalType(12, 2)),
  new StructField('UPDATED', TimestampType()), new StructField('NOTE', StringType()),
]);

describe('Delta interop of CDC tables (applyChanges, SCD types 1 and 2) written on the cluster (JVM reference implementation)', function () {
  this.timeout(15 * 60_000);
  let peer: DeltaPeer;
  let dir = '';
  let table = '';
  let table2 = '';
  let queryId = '';
  let queryId2 = '';
  let final: ReturnType<typeof expectedRows> = [];
  let history: ReturnType<typeof expectedHistory> = [];

  before(async function () {
    this.timeout(15 * 60_000);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-interop-cdc-'));
    const peerStarting = DeltaPeer.start();
    const cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
    const client = new DriverClient(cluster.driverAddress);
    try {
      const bootstrap = testKafka();
      const topic = `cdc_interop_${Date.now()}`;
      const played = playSourceDatabase(31, 3000, [1500]);
      final = expectedRows(played.final);
      history = expectedHistory(played.log);
      const records = goldenGateRecords(played.log, 7);
      // the log, then a stretch of it again (a replay: older than what the table holds)
      const log = [...records, ...records.slice(Math.floor(records.length * 0.5), Math.floor(records.length * 0.8))];
      const rows = { ...batchOf(log.map((r) => r.value!)), keys: log.map((r) => r.key) };
      await produceEvents(bootstrap, topic, 3, rows);
      // one partition takes every record: smaller produce requests than the broker's largest message
      await produceEvents(bootstrap, `${topic}_scd2`, 1, rows, undefined, { chunkSize: 1000 });
      const spark = TributarySession.builder().appName('cdc interop').submitter(new GrpcSubmitter(client)).getOrCreate();
      table = path.join(dir, 'delta', 'orders');
      const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 400).option('changes.format', 'goldengate').load()
        .writeStream.applyChanges({ keys: ['ID'], columns: COLUMNS, sourceTable: TABLE, exceptColumns: ['NOTE'] })
        .option('checkpointLocation', path.join(dir, 'chk')).trigger({ availableNow: true }).start(table);
      queryId = query.id;
      assert.equal(await query.awaitTermination(10 * 60_000), true, 'the availableNow query finishes');
      assert.equal((await query.exception())?.message ?? null, null, 'the query ends without error');
      table2 = path.join(dir, 'delta', 'orders_history');
      const query2 = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', `${topic}_scd2`)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 400).option('changes.format', 'goldengate').load()
        .writeStream.applyChanges({ keys: ['ID'], columns: COLUMNS, sourceTable: TABLE, exceptColumns: ['NOTE'], storedAs: 'scd2' })
        .option('checkpointLocation', path.join(dir, 'chk2')).trigger({ availableNow: true }).start(table2);
      queryId2 = query2.id;
      assert.equal(await query2.awaitTermination(10 * 60_000), true, 'the availableNow type 2 query finishes');
      assert.equal((await query2.exception())?.message ?? null, null, 'the type 2 query ends without error');
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

  it('at every version the JVM reads the rows Tributary reads, one row per key; the last equals the model\'s final rows', async () => {
    const theirsLast = await assertEveryVersionReadsAlike(peer, storage, table, 8, (rows, v) => {
      const ids = rows.map((r) => r.ID);
      assert.equal(new Set(ids).size, ids.length, `version ${v}: one row per key`);
    });
    assert.ok(final.length > 100, `the source table ends with many rows, got ${final.length}`);
    assert.equal(theirsLast.length, final.length, 'as many rows as the source table holds');
    assert.deepEqual(sorted(theirsLast), sorted(final), 'the JVM reads the source table\'s final rows');
  });

  it('Spark SQL counts one row per key and sums the amounts the model sums; the JVM sees the query\'s txn', async () => {
    const cents = final.reduce((a, r) => a + (r.AMOUNT === null ? 0n : BigInt(r.AMOUNT.replace('.', ''))), 0n);
    const sql = await peer.sql(`SELECT count(*) AS rows, count(DISTINCT ID) AS keys, CAST(sum(AMOUNT) * 100 AS DECIMAL(38,0)) AS cents FROM delta.\`${table}\``);
    assert.deepEqual(sql, [{ rows: String(final.length), keys: String(final.length), cents: cents.toString() }]);
    const snapshot = await peer.read(table);
    assert.ok(snapshot.ok, `the JVM could not read ${table}: ${!snapshot.ok ? snapshot.error : ''}`);
    assert.ok((snapshot as PeerSnapshot).txns?.[queryId] !== undefined, `the JVM sees a txn of the query ${queryId}: ${JSON.stringify((snapshot as PeerSnapshot).txns)}`);
  });

  it('SCD type 2: at every version the JVM reads the rows Tributary reads, one current version per key; the last equals the model\'s history', async () => {
    const theirsLast = await assertEveryVersionReadsAlike(peer, storage, table2, 8, (rows, v) => {
      const current = rows.filter((r) => r.__is_current === true).map((r) => r.ID);
      assert.equal(new Set(current).size, current.length, `version ${v}: one current version per key`);
    });
    assert.ok(history.length > 1.5 * final.length, `keys have several versions: ${history.length} versions, ${final.length} keys at the end`);
    assert.deepEqual(sorted(theirsLast), sorted(history), 'the JVM reads the source table\'s history');
    const sql = await peer.sql(`SELECT count(*) AS versions, count_if(__is_current) AS current, count(DISTINCT CASE WHEN __is_current THEN ID END) AS keys FROM delta.\`${table2}\``);
    assert.deepEqual(sql, [{ versions: String(history.length), current: String(final.length), keys: String(final.length) }]);
    const currentRows = await peer.sql(`SELECT ID, NAME, AMOUNT, UPDATED FROM delta.\`${table2}\` WHERE __is_current`);
    assert.deepEqual(sorted(currentRows), sorted(final), 'the current versions are the source table\'s final rows');
    const snapshot = await peer.read(table2);
    assert.ok(snapshot.ok && (snapshot as PeerSnapshot).txns?.[queryId2] !== undefined, 'the JVM sees a txn of the type 2 query');
  });
});
