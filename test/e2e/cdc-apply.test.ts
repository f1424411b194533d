/**
 * CDC end to end on a real cluster (Kafka, Redis, driver + executor processes, Delta on disk): a
 * seeded generator plays a source database (test/support/cdc-source-db.ts: inserts, full and
 * compressed updates, deletes, key updates, truncates, and changes of another table), its log is
 * produced to Kafka as GoldenGate JSON, and separately as Debezium JSON, with duplicates and
 * replays mixed in; the query applies it with writeStream.applyChanges (SCD type 1), in several
 * batches and across a restart with a further replay. After the stream the table equals the
 * model's final rows — computed by the model itself, not by engine code — and every table version
 * holds one row per key. A third run kills the driver and every executor mid-stream (kill -9):
 * the key state comes back from a snapshot and change sets, every batch lands once, and the table
 * still equals the model.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, LocalStorage, readTableRows, seededRandom } from '@tributary/common';
import {
  DecimalType, DriverClient, GrpcSubmitter, LongType, produceEvents, StringType, StructField, StructType, TimestampType, StreamingQuery, TributarySession,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { deltaCommits, waitUntil } from '../support/seed-run';
import {
  batchOfRecords, debeziumRecords, expectedHistory, expectedRows, goldenGateRecords, OTHER_TABLE, playSourceDatabase, TABLE, withDuplicatesAndReplay, type SourceRecord,
} from '../support/cdc-source-db';

const storage = new LocalStorage();
const COLUMNS = new StructType([
  new StructField('ID', LongType(), false), new StructField('NAME', StringType()), new StructField('AMOUNT', DecimalType(12, 2)),
  new StructField('UPDATED', TimestampType()), new StructField('NOTE', StringType()),
]);

/** Starts a query on a checkpoint whose previous run just ended (its lock is released just after it reports its end). */
async function startWhenFree(start: () => Promise<StreamingQuery>): Promise<StreamingQuery> {
  for (let i = 0; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i > 50 || !/already used by a running query/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function sortedText(rows: readonly unknown[]): string[] {
  return rows.map((x) => JSON.stringify(x)).sort();
}

describe('CDC: change events applied to a Delta table on a real cluster (Kafka, Redis, driver + executors)', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-cdc-', 2);

  async function applyAll(opts: { topic: string; format: 'goldengate' | 'debezium'; records: SourceRecord[]; replay: SourceRecord[]; final: ReturnType<typeof expectedRows> }) {
    const bootstrap = testKafka();
    await produceEvents(bootstrap, opts.topic, 3, batchOfRecords(opts.records));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName(`cdc ${opts.format}`).submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', opts.format);
    const checkpoint = path.join(env.dir, `chk-${opts.format}`);
    const start = () => {
      let reader = spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', opts.topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 700).option('changes.format', opts.format);
      if (opts.format === 'debezium') reader = reader.option('changes.position', 'lsn');
      return reader.load().writeStream
        .applyChanges({ keys: ['ID'], columns: COLUMNS, sourceTable: opts.format === 'goldengate' ? TABLE : 'shop.orders', exceptColumns: ['NOTE'] })
        .option('checkpointLocation', checkpoint).trigger({ availableNow: true }).start(table);
    };
    const first = await start();
    assert.equal(await first.awaitTermination(600_000), true, 'the first run ends');
    assert.equal((await first.exception())?.message ?? null, null, 'the first run ends without error');
    const progress = await first.recentProgress();
    assert.equal(progress.reduce((a, p) => a + p.badRecords.total, 0), 0, 'no record was bad');
    // A replay of a stretch of the log after the first run: older than what the table holds.
    await produceEvents(bootstrap, opts.topic, 3, batchOfRecords(opts.replay));
    const second = await startWhenFree(start);
    assert.equal(await second.awaitTermination(600_000), true, 'the second run ends');

    const rows = canonicalRows(await readTableRows(storage, table));
    assert.equal(rows.length, opts.final.length, 'as many rows as the source table holds');
    assert.deepEqual(sortedText(rows), sortedText(opts.final), 'the table equals the source table');
    const commits = deltaCommits(table).filter((c) => c.version > 0);
    assert.ok(commits.length >= 5, `several batches, got ${commits.length}`);
    for (const c of commits) {
      assert.ok(c.actions.some((a) => a.txn && a.txn.appId === first.id), `table version ${c.version} carries the query's txn`);
      const ids = canonicalRows(await readTableRows(storage, table, { version: c.version })).map((x) => x.ID);
      assert.equal(new Set(ids).size, ids.length, `table version ${c.version} holds one row per key`);
    }
    assert.ok(commits.some((c) => c.actions.some((a) => a.remove?.dataChange === true)), 'batches rewrite the files of earlier ones');
  }

  it('GoldenGate JSON: inserts, full and compressed updates, deletes, key updates, truncates, another table, duplicates and replays', async () => {
    const { log, final } = playSourceDatabase(11, 2500, [700, 1800]);
    assert.ok(log.some((c) => c.op === 'U' && c.changed !== null) && log.some((c) => c.op === 'U' && c.before.ID !== c.after.ID));
    assert.ok(log.some((c) => c.table === OTHER_TABLE) && log.filter((c) => c.op === 'T').length === 2);
    const records = goldenGateRecords(log, 5);
    await applyAll({
      topic: `cdc_gg_${Date.now()}`, format: 'goldengate', records: withDuplicatesAndReplay(records, 3),
      replay: records.slice(Math.floor(records.length * 0.4), Math.floor(records.length * 0.7)), final: expectedRows(final),
    });
  });

  it('Debezium JSON (PostgreSQL LSNs): creates, updates, deletes with tombstones, key updates as delete + create, truncates, duplicates and replays', async () => {
    const { log, final } = playSourceDatabase(23, 2500, [1200]);
    const records = debeziumRecords(log);
    await applyAll({
      topic: `cdc_dbz_${Date.now()}`, format: 'debezium', records: withDuplicatesAndReplay(records, 4),
      replay: records.slice(Math.floor(records.length * 0.3), Math.floor(records.length * 0.8)), final: expectedRows(final),
    });
  });

  it('GoldenGate JSON through kill -9 of the driver and every executor mid-stream: the key state is rebuilt, every batch lands once, the table equals the source', async () => {
    const { log, final } = playSourceDatabase(31, 6000, [2500]);
    const records = withDuplicatesAndReplay(goldenGateRecords(log, 7), 8);
    const topic = `cdc_kill_${Date.now()}`;
    const bootstrap = testKafka();
    const produced = await produceEvents(bootstrap, topic, 3, batchOfRecords(records));
    assert.equal(produced.sent, records.length);
    const cluster = env.cluster;
    const client = env.track(new DriverClient(cluster.driverAddress));
    const spark = TributarySession.builder().appName('cdc kill').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'kill');
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 250).option('changes.format', 'goldengate').load()
      .writeStream.applyChanges({ keys: 'ID', columns: COLUMNS, sourceTable: TABLE, exceptColumns: ['NOTE'] })
      .option('checkpointLocation', path.join(env.dir, 'chk-kill')).trigger({ processingTime: '200 milliseconds' }).start(table);
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
      return end !== undefined && Object.values(end).reduce((a, o) => a + Number(o), 0) === records.length;
    };
    await waitUntil(query, done, 300_000, describe);
    await query.stop();

    const rows = canonicalRows(await readTableRows(storage, table));
    assert.deepEqual(sortedText(rows), sortedText(expectedRows(final)), 'the table equals the source table');
    assert.match(cluster.logOf('driver'), /resumed/);
    assert.match(fresh.map((id) => cluster.logOf(id)).join('\n'), /loaded state of partition \d+ at version \d+ \(snapshot 10 \+/, 'new executors rebuilt the key state from a snapshot and change sets');
    const batches = deltaCommits(table).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
    assert.deepEqual(batches, batches.map((_, i) => i), 'each batch landed once, in order');
  });

  it('GoldenGate JSON stored as SCD type 2: the table holds every version with its valid-from, valid-to and current flag, as the source history', async () => {
    const { log } = playSourceDatabase(41, 2000, [600, 1500]);
    const records = goldenGateRecords(log, 9);
    // One Kafka partition: each truncate arrives in order with the changes around it (docs/cdc.md).
    const topic = `cdc_scd2_${Date.now()}`;
    const bootstrap = testKafka();
    await produceEvents(bootstrap, topic, 1, batchOfRecords(withDuplicatesAndReplay(records, 10)));
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('cdc scd2').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'scd2');
    const run = async () => {
      const q = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
        .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 400).option('changes.format', 'goldengate').load()
        .writeStream.applyChanges({ keys: ['ID'], columns: COLUMNS, sourceTable: TABLE, exceptColumns: ['NOTE'], storedAs: 'scd2' })
        .option('checkpointLocation', path.join(env.dir, 'chk-scd2')).trigger({ availableNow: true }).start(table);
      assert.equal(await q.awaitTermination(600_000), true);
      assert.equal((await q.exception())?.message ?? null, null);
      return q;
    };
    const first = await run();
    await produceEvents(bootstrap, topic, 1, batchOfRecords(records.slice(200, 900)));
    await startWhenFree(run);
    const rows = canonicalRows(await readTableRows(storage, table));
    const expected = expectedHistory(log);
    assert.ok(expected.length > 1.5 * new Set(expected.map((v) => v.ID)).size, 'keys have several versions');
    assert.deepEqual(sortedText(rows), sortedText(expected), 'the table holds the source history');
    for (const c of deltaCommits(table).filter((x) => x.version > 0)) {
      assert.ok(c.actions.some((a) => a.txn && a.txn.appId === first.id));
      const current = canonicalRows(await readTableRows(storage, table, { version: c.version })).filter((x) => x.__is_current === true).map((x) => x.ID);
      assert.equal(new Set(current).size, current.length, `table version ${c.version}: one current version per key`);
    }
  });
});
