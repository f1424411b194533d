/**
 * Interop of a table written by a real ingest query with the JVM Delta reference implementation
 * (delta-spark 3.3 on Spark 3.5; test/support/delta-peer.ts). examples/nested-json-job.js runs on a
 * cluster (Kafka, Redis, driver + 2 executor processes) over generated device readings, in several
 * batches; its table has a struct column, arrays of strings and of structs holding decimals, a
 * decimal column and a date partition column. The JVM's rows, Tributary's reader's rows and an
 * independent calculation over the produced records (test/support/example-data.ts) are the same;
 * Spark SQL over the nested columns (partition pruning, exploding the array, summing its decimals)
 * gives the values BigInt arithmetic gives.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalRows, parseSchemaString, readSnapshot, readTableRows, testRedis, type CanonicalValue } from '@tributary/common';
import { DriverClient, GrpcSubmitter, LocalCluster, produceEvents, REPO_ROOT, TributarySession, type StreamingQuery } from '@tributary/client';
import { DeltaPeer, PeerSnapshot } from '../support/delta-peer';
import { testKafka } from '../support/infra';
import { assertSameRows, batchOf, fixedText, readingRecords, type ExampleRecords, type Row } from '../support/example-data';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

type Job = (spark: TributarySession, opts: Record<string, string>) => Promise<StreamingQuery>;

const byReadingId = (rows: Row[]): Row[] => [...rows].sort((a, b) => ((a.reading_id as string) < (b.reading_id as string) ? -1 : 1));

describe('Delta interop of a table written by an ingest query on the cluster (JVM reference implementation)', function () {
  this.timeout(10 * 60_000);
  let peer: DeltaPeer;
  let dir: string;
  let table: string;
  let records: ExampleRecords;

  before(async function () {
    this.timeout(10 * 60_000);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-interop-ingest-'));
    const peerStarting = DeltaPeer.start();
    const cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
    const client = new DriverClient(cluster.driverAddress);
    try {
      const topic = `device_readings_interop_${Date.now()}`;
      records = readingRecords(6_000);
      await produceEvents(testKafka(), topic, 3, batchOf(records.values));
      table = path.join(dir, 'delta', 'device_readings');
      const job = require(path.join(REPO_ROOT, 'examples', 'nested-json-job.js')) as Job;
      const spark = TributarySession.builder().appName('nested-json-job.js').submitter(new GrpcSubmitter(client)).getOrCreate();
      const query = await job(spark, {
        bootstrap: testKafka(), topic, table, checkpoint: path.join(dir, 'chk'), trigger: 'availableNow', maxOffsetsPerTrigger: '1500',
      });
      assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
      const error = await query.exception();
      assert.equal(error, null, `the query ended without error: ${error?.message}`);
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

  it('the JVM reads the same rows as Tributary\'s reader and the independent calculation: struct, arrays, decimals, date partition', async () => {
    const theirs = await peer.read(table);
    assert.ok(theirs.ok, `the JVM could not read ${table}: ${!theirs.ok ? theirs.error : ''}`);
    const t = theirs as PeerSnapshot;
    const ours = await readSnapshot(storage, table);
    assert.ok(ours.version >= 4, `several commits, got version ${ours.version}`);
    assert.equal(t.version, ours.version);
    assert.deepEqual(t.partitionColumns, ['day']);
    assert.deepEqual(parseSchemaString(t.schema!), parseSchemaString(ours.metadata.schemaString));
    assert.ok(records.expected.length > 2_000, `many rows expected, got ${records.expected.length}`);
    assertSameRows(byReadingId(t.rows), records.expected, 'reading_id');
    assertSameRows(byReadingId(canonicalRows(await readTableRows(storage, table))), records.expected, 'reading_id');
  });

  it('Spark SQL over the nested columns gives what BigInt arithmetic over the records gives', async () => {
    const q = `delta.\`${table}\``;
    const days = [...new Set(records.expected.map((r) => r.day as string))].sort();
    assert.equal(days.length, 3);
    // Partition pruning on the date partition, and a field of the struct column.
    for (const day of days) {
      const rows = await peer.sql(`SELECT count(*) AS c, count(site.city) AS cities FROM ${q} WHERE day = DATE '${day}'`);
      const ofDay = records.expected.filter((r) => r.day === day);
      const cities = ofDay.filter((r) => (r.site as Record<string, CanonicalValue>).city !== null).length;
      assert.deepEqual(rows, [{ c: String(ofDay.length), cities: String(cities) }], day);
    }
    // The decimals inside the array of structs, exploded and summed exactly (decimal(9,3) sums to decimal(19,3)).
    const sums = await peer.sql(`SELECT s.sensor AS sensor, sum(s.value) AS total, count(*) AS n FROM ${q} LATERAL VIEW explode(samples) e AS s GROUP BY s.sensor ORDER BY s.sensor`);
    const expected = new Map<string, { total: bigint; n: number }>();
    for (const r of records.expected) {
      for (const s of (r.samples as { sensor: string; value: string }[] | null) ?? []) {
        const e = expected.get(s.sensor) ?? { total: 0n, n: 0 };
        e.total += BigInt(s.value.replace('.', ''));
        e.n += 1;
        expected.set(s.sensor, e);
      }
    }
    assert.deepEqual(sums, [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sensor, e]) => ({ sensor, total: fixedText(e.total, 3), n: String(e.n) })));
    // The decimal column and the array of strings.
    const battery = await peer.sql(`SELECT sum(battery) AS total, sum(size(tags)) AS tags FROM ${q} WHERE tags IS NOT NULL`);
    const withTags = records.expected.filter((r) => r.tags !== null);
    const batteryCents = withTags.reduce((a, r) => a + (r.battery === null ? 0n : BigInt((r.battery as string).replace('.', ''))), 0n);
    assert.deepEqual(battery, [{ total: fixedText(batteryCents, 2), tags: String(withTags.reduce((a, r) => a + (r.tags as unknown[]).length, 0)) }]);
  });
});
