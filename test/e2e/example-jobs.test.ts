/**
 * The example ingest jobs run on a real cluster (Kafka, Redis, driver + 2 executor processes, Delta
 * on disk) as a user runs them:
 *   - examples/ingest-job.js through `tributary submit … --wait -- key=value …`;
 *   - examples/nested-json-job.js loaded as `tributary submit` loads it (the module's function
 *     called with a session and the key=value options), so the test can follow its progress.
 * Each table is compared with an independent calculation over the produced records
 * (test/support/example-data.ts); bad records land in the quarantine table with their reasons.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { canonicalRows, readSnapshot, readTableRows } from '@tributary/common';
import { DriverClient, GrpcSubmitter, produceEvents, REPO_ROOT, TributarySession, type StreamingQuery } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { assertSameRows, batchOf, orderRecords, readingRecords, type Row } from '../support/example-data';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
const EXAMPLES = path.join(REPO_ROOT, 'examples');

const byFirstColumn = (rows: Row[], key: string): Row[] => [...rows].sort((a, b) => ((a[key] as string) < (b[key] as string) ? -1 : 1));
const pick = (row: Row, names: string[]): Row => Object.fromEntries(names.map((n) => [n, row[n]]));

describe('the example jobs on a real cluster (Kafka, Redis, driver + 2 executors, Delta)', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-examples-', 2);

  it('examples/ingest-job.js, submitted with the CLI, writes the filtered orders with their computed columns, partitioned by day', async () => {
    const topic = `orders_${Date.now()}`;
    const records = orderRecords(20_000);
    await produceEvents(testKafka(), topic, 3, batchOf(records.values));
    const table = path.join(env.dir, 'delta', 'orders');

    const { stdout } = await run(process.execPath, [
      BIN, 'submit', path.join(EXAMPLES, 'ingest-job.js'), '--driver', env.cluster.driverAddress, '--wait', '--',
      `bootstrap=${testKafka()}`, `topic=${topic}`, `table=${table}`, `checkpoint=${path.join(env.dir, 'chk')}`,
      'trigger=availableNow', 'maxOffsetsPerTrigger=6000',
    ], { timeout: 5 * 60_000 });
    const id = /submitted query ([0-9a-f-]{36})/.exec(stdout)?.[1];
    assert.ok(id, stdout);
    assert.match(stdout, new RegExp(`query ${id} FINISHED`));

    const rows = canonicalRows(await readTableRows(storage, table));
    const columns = ['order_id', 'customer', 'currency', 'price', 'quantity', 'ts', 'total', 'hour', 'day'];
    assert.ok(records.expected.length > 5_000, `many rows expected, got ${records.expected.length}`);
    assertSameRows(byFirstColumn(rows.map((r) => pick(r, columns)), 'order_id'), records.expected, 'order_id');
    // Kafka's own columns: every (partition, offset) once, partitions of the topic only.
    assert.equal(new Set(rows.map((r) => `${r.partition}/${r.offset}`)).size, rows.length);
    assert.deepEqual([...new Set(rows.map((r) => r.partition))].sort(), ['0', '1', '2']);
    // The schema and the partitioning Spark would give the same job.
    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual(snapshot.metadata.partitionColumns, ['day']);
    const schema = JSON.parse(snapshot.metadata.schemaString) as { fields: { name: string; type: unknown; nullable: boolean }[] };
    assert.deepEqual(schema.fields.map((f) => `${f.name} ${JSON.stringify(f.type)}${f.nullable ? '' : ' not null'}`), [
      'order_id "long" not null', 'customer "string"', 'currency "string"', 'price "decimal(12,2)"', 'quantity "integer"', 'ts "timestamp"',
      'partition "integer"', 'offset "long"', 'total "decimal(23,2)"', 'hour "integer"', 'day "date"',
    ]);
    const days = new Set(records.expected.map((e) => e.day));
    assert.deepEqual(fs.readdirSync(table).filter((d) => d.startsWith('day=')).sort(), [...days].map((d) => `day=${d}`).sort());
    const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
    assert.deepEqual(quarantine.map((q) => q.reason).sort(), records.badReasons);
  });

  it('examples/nested-json-job.js writes structs and arrays whole and fields reached with a.b.c, partitioned by day', async () => {
    const topic = `device_readings_${Date.now()}`;
    const records = readingRecords(20_000);
    await produceEvents(testKafka(), topic, 4, batchOf(records.values));
    const table = path.join(env.dir, 'delta', 'device_readings');

    // As `tributary submit` runs a job file: require it, call it with a session and the options.
    const job = require(path.join(EXAMPLES, 'nested-json-job.js')) as (spark: TributarySession, opts: Record<string, string>) => Promise<StreamingQuery>;
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('nested-json-job.js').submitter(new GrpcSubmitter(client)).getOrCreate();
    const query = await job(spark, {
      bootstrap: testKafka(), topic, table, checkpoint: path.join(env.dir, 'chk'), trigger: 'availableNow', maxOffsetsPerTrigger: '5000',
    });
    assert.equal(await query.awaitTermination(5 * 60_000), true, 'the availableNow query finishes');
    const error = await query.exception();
    assert.equal(error, null, `the query ended without error: ${error?.message}`);

    const rows = canonicalRows(await readTableRows(storage, table));
    assert.ok(records.expected.length > 8_000, `many rows expected, got ${records.expected.length}`);
    assertSameRows(byFirstColumn(rows, 'reading_id'), records.expected, 'reading_id');
    const progress = await query.recentProgress();
    assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 4, 'several batches');
    assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), records.values.length);
    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual(snapshot.metadata.partitionColumns, ['day']);
    const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
    assert.deepEqual(quarantine.map((q) => q.reason).sort(), records.badReasons);
  });
});
