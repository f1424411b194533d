/**
 * Interop with the JVM Delta reference implementation (delta-spark 3.3 on Spark 3.5 from Maven
 * Central, one process for every table; test/support/delta-peer.ts):
 *   (a) the JVM reads tables Tributary wrote (many commits, checkpoints, OPTIMIZE and VACUUM,
 *       partitioned and not): same rows (decimals exact), schema, live files and txn versions;
 *   (b) Tributary reads tables the JVM wrote (INT96 timestamps, every decimal encoding, partitions,
 *       a checkpoint, DELETE, OPTIMIZE, idempotent-write txns), at every version;
 *   (c) the reference implementation's golden tables ($TRIBUTARY_SHARED/delta-golden): read,
 *       refused (naming the feature) or failed, compared with the JVM reader table by table.
 * Rows are compared as multisets of canonical values (@tributary/common canonicalRows, the same
 * forms DeltaPeer.java renders).
 */
import { strict as assert } from 'node:assert';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddFile, asBatchId, buildAggregateTable, canonicalRows, CanonicalValue, commit, optimize, parseSchemaString,
  QuerySpec, readSnapshot, readSnapshotRows, readTableRows, sinkLayout, sinkTableSchema, Snapshot, vacuum, writeDataFile,
} from '@tributary/common';
import { DeltaSink, type SinkTable } from '@tributary/driver';
import { DeltaPeer, PeerSnapshot } from '../support/delta-peer';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const FIVE_MIN_US = 300_000_000;
const REPO_ROOT = path.resolve(__dirname, '../../..');
const SHARED = process.env.TRIBUTARY_SHARED ?? path.resolve(REPO_ROOT, '../shared');
const GOLDEN = path.join(SHARED, 'delta-golden');

const multiset = (rows: Record<string, CanonicalValue>[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/** The seed-shaped table of a v1 spec (testing/seed-sink-layout.ts: derived partition columns carry their expression). */
function seedTable(s: QuerySpec): SinkTable {
  return { schema: sinkTableSchema(s), partitionColumns: s.sink.partitionBy ?? [], complete: s.sink.outputMode === 'complete' };
}

function spec(partitionBy?: string[], withColumns?: QuerySpec['withColumns']): QuerySpec {
  return {
    version: 1,
    source: { format: 'kafka', bootstrapServers: 'k:9092', topic: 'events', startingOffsets: 'earliest', failOnDataLoss: true },
    parse: { format: 'json', schema: [], timeZone: 'UTC' },
    aggregation: { window: { column: 'timestamp', duration: '5 minutes' }, keys: ['customer_id'], aggregates: [] },
    sink: { format: 'delta', path: '', outputMode: 'append', checkpointLocation: '', ...(partitionBy ? { partitionBy } : {}) },
    trigger: { kind: 'processingTime', interval: '1 second' },
    options: {},
    ...(withColumns ? { withColumns } : {}),
  };
}

/** Aggregate rows of batch b: money at the edges of DECIMAL(20,2) and beyond 2^53 cents. */
function batchRows(b: number, n: number) {
  const exact = new Map<number, bigint>();
  if (b % 5 === 0) exact.set(0, b % 10 === 0 ? 99999999999999999999n : -99999999999999999999n);
  if (b % 3 === 0 && n > 1) exact.set(1, 2n ** 53n + BigInt(b));
  return {
    length: n,
    windowStartMicros: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000 + (b * 7 + (i % 4)) * FIVE_MIN_US + (i === 2 ? 123 : 0)),
    customerId: Int32Array.from({ length: n }, (_, i) => (i === 3 ? -2147483648 : b * 1000 + i)),
    count: Float64Array.from({ length: n }, (_, i) => (i === 4 ? 9007199254740991 : i + 1)),
    sumCents: Float64Array.from({ length: n }, (_, i) => (exact.has(i) ? Number.NaN : (i * 7919 - 3000) * (b + 1))),
    sumCentsExact: exact,
  };
}

/** Data files as the executor writes them (sink-layout partition values, one file per partition). */
async function writeBatchFiles(table: string, b: number, n: number, snapshot: Snapshot): Promise<AddFile[]> {
  const cols = batchRows(b, n);
  const layout = sinkLayout(snapshot.metadata);
  if (layout.partitionColumns.length === 0) return [await writeDataFile(storage, table, buildAggregateTable(cols, FIVE_MIN_US))];
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const row = {
      windowStartMicros: cols.windowStartMicros[i], windowEndMicros: cols.windowStartMicros[i] + FIVE_MIN_US, customerId: cols.customerId[i],
      count: cols.count[i], sumCents: cols.sumCentsExact.get(i) ?? BigInt(cols.sumCents[i]),
    };
    const key = JSON.stringify(layout.partitionValue.map((fn) => fn(row)));
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const adds: AddFile[] = [];
  for (const [key, rows] of groups) {
    const values = JSON.parse(key) as (string | null)[];
    const pick = <T extends Float64Array | Int32Array>(a: T): T => a.constructor === Float64Array
      ? (Float64Array.from(rows.map((i) => a[i])) as T) : (Int32Array.from(rows.map((i) => a[i])) as T);
    const exact = new Map<number, bigint>();
    rows.forEach((i, k) => { if (cols.sumCentsExact.has(i)) exact.set(k, cols.sumCentsExact.get(i)!); });
    const data = buildAggregateTable({
      length: rows.length, windowStartMicros: pick(cols.windowStartMicros), customerId: pick(cols.customerId), count: pick(cols.count),
      sumCents: pick(cols.sumCents), sumCentsExact: exact,
    }, FIVE_MIN_US);
    adds.push(await writeDataFile(storage, table, data, { partitionValues: Object.fromEntries(layout.partitionColumns.map((c, k) => [c, values[k]])) }));
  }
  return adds;
}

/** Tributary's and the JVM's view of one version agree: rows, schema, partitioning, files, txns. */
async function assertSameSnapshot(peer: DeltaPeer, table: string, version?: number): Promise<Snapshot> {
  const ours = await readSnapshot(storage, table, version === undefined ? {} : { version });
  const theirs = await peer.read(table, version === undefined ? {} : { version });
  assert.ok(theirs.ok, `the JVM could not read ${table}@${version ?? 'latest'}: ${!theirs.ok ? theirs.error : ''}`);
  const t = theirs as PeerSnapshot;
  assert.equal(t.version, ours.version);
  assert.deepEqual(parseSchemaString(t.schema!), parseSchemaString(ours.metadata.schemaString));
  assert.deepEqual(t.partitionColumns, ours.metadata.partitionColumns);
  assert.deepEqual([...t.files!].sort(), [...ours.files.values()].map((f) => f.path).sort());
  assert.deepEqual(t.txns, Object.fromEntries([...ours.txns].map(([k, v]) => [k, String(v)])));
  const rows = multiset(canonicalRows(await readSnapshotRows(storage, ours)));
  assert.deepEqual(multiset(t.rows), rows);
  return ours;
}

describe('Delta interop with the JVM reference implementation (delta-spark 3.3, Spark 3.5)', function () {
  let peer: DeltaPeer;
  let dir: string;
  before(async function () {
    this.timeout(300_000);
    const t0 = Date.now();
    peer = await DeltaPeer.start();
    console.log(`    (JVM Delta peer started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-interop-'));
  });
  after(async () => {
    await peer?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  describe('(a) the JVM reads tables Tributary wrote', () => {
    const table = (): string => path.join(dir, 'streamed');

    it('23 streaming batches through the sink, checkpoints at 10 and 20: same rows, schema, files and txn versions at several versions', async () => {
      const sink = new DeltaSink(storage, table(), seedTable(spec()), 'query-a');
      await sink.ensureTable();
      for (let b = 0; b < 23; b++) {
        const snapshot = await readSnapshot(storage, table());
        const adds = await writeBatchFiles(table(), b, 6, snapshot);
        const v = await sink.commitBatch(asBatchId(b), adds, [{ topic: 'events', partition: 0, endOffset: String(100 * (b + 1)) }, { topic: 'events', partition: 1, endOffset: String(7 * b) }]);
        assert.equal(v, b + 1);
        sink.startMaintenance(); // as the query does once a batch is over
      }
      await sink.idle();
      const log = await fs.readdir(path.join(table(), '_delta_log'));
      assert.ok(log.includes('00000000000000000010.checkpoint.parquet') && log.includes('00000000000000000020.checkpoint.parquet'), log.join(' '));
      assert.deepEqual(JSON.parse(await fs.readFile(path.join(table(), '_delta_log', '_last_checkpoint'), 'utf8')).version, 20);
      const latest = await assertSameSnapshot(peer, table());
      assert.equal(latest.txns.get('query-a'), 22);
      assert.equal(latest.txns.get('query-a-events-0'), 2300);
      for (const v of [1, 10, 15, 20]) await assertSameSnapshot(peer, table(), v);
      // Without the commits before the checkpoint, the JVM starts from Tributary's checkpoint.
      for (let v = 0; v < 20; v++) await fs.rm(path.join(table(), '_delta_log', `${String(v).padStart(20, '0')}.json`));
      await assertSameSnapshot(peer, table());
    });

    it('time travel by timestamp agrees; after OPTIMIZE and VACUUM the same rows in fewer files; the JVM history names OPTIMIZE', async () => {
      // Time travel: both pick the version whose commit time is the newest at or before T.
      const t = Date.UTC(2030, 0, 1);
      for (const [v, ms] of [[20, t], [21, t + 60_000], [22, t + 120_000], [23, t + 180_000]]) {
        const f = path.join(table(), '_delta_log', `${String(v).padStart(20, '0')}.json`);
        await fs.utimes(f, ms / 1000, ms / 1000);
      }
      const at = t + 90_000;
      const theirs = await peer.read(table(), { timestamp: new Date(at).toISOString().replace('T', ' ').replace('Z', '') });
      assert.ok(theirs.ok, !theirs.ok ? theirs.error : '');
      const ours = await readSnapshot(storage, table(), { timestamp: at });
      assert.equal(ours.version, 21);
      assert.deepEqual(multiset((theirs as PeerSnapshot).rows), multiset(canonicalRows(await readSnapshotRows(storage, ours))));

      const before = multiset(canonicalRows(await readTableRows(storage, table())));
      const r = await optimize(storage, table());
      assert.equal(r.filesRemoved, 23);
      const vacuumed = await vacuum(storage, table(), { retentionHours: 0, unsafe: true });
      assert.equal(vacuumed.files.length, 23);
      const after = await assertSameSnapshot(peer, table());
      assert.equal(after.files.size, 1);
      assert.deepEqual(multiset(canonicalRows(await readSnapshotRows(storage, after))), before);
      const history = await peer.sql(`DESCRIBE HISTORY delta.\`${table()}\` LIMIT 1`);
      assert.equal(history[0].operation, 'OPTIMIZE');
    });

    it('partitioned by a withColumn date and customer_id, and by strings with special characters: same rows and partition values', async () => {
      const t = path.join(dir, 'partitioned');
      const sink = new DeltaSink(storage, t, seedTable(spec(['date', 'customer_id'], [{ name: 'date', expr: { fn: 'to_date', column: 'window.start' } }])), 'query-p');
      await sink.ensureTable();
      for (let b = 0; b < 4; b++) {
        const adds = await writeBatchFiles(t, b, 5, await readSnapshot(storage, t));
        await sink.commitBatch(asBatchId(b), adds, []);
      }
      const s = await assertSameSnapshot(peer, t);
      assert.ok([...s.files.values()].every((f) => /^date=\d{4}-\d{2}-\d{2}\/customer_id=-?\d+\//.test(f.path)));

      const odd = path.join(dir, 'odd partitions');
      const { createTable, struct, field, primitive, decimal } = await import('@tributary/common');
      await createTable(storage, odd, struct([field('id', primitive('long')), field('s', primitive('string')), field('d', decimal(9, 3)), field('ts', primitive('timestamp'))]), {
        partitionColumns: ['s', 'd', 'ts'],
      });
      const arrow = await import('apache-arrow');
      const adds: AddFile[] = [];
      const values: [string | null, string | null, string | null][] = [
        ['a b:c/%=?#', '-1.500', '2024-01-01 10:00:00.123456'], ['', '0.000', null], [null, null, '1969-12-31 23:59:59'], ['ü€', '12345.678', '2024-02-29 00:00:00'],
      ];
      for (const [k, [sv, dv, tv]] of values.entries()) {
        adds.push(await writeDataFile(storage, odd, arrow.tableFromArrays({ id: BigInt64Array.from([BigInt(k), BigInt(k + 10)]) }), { partitionValues: { s: sv, d: dv, ts: tv } }));
      }
      await commit(storage, odd, adds.map((add) => ({ add })), { readVersion: 0, operation: 'WRITE' });
      await assertSameSnapshot(peer, odd);
    });
  });

  describe('(b) Tributary reads tables the JVM wrote', () => {
    it('INT96 timestamps, INT32/INT64/FIXED_LEN_BYTE_ARRAY decimals, partitions, a checkpoint, DELETE, OPTIMIZE and txns: equal at every version', async () => {
      const t = path.join(dir, 'jvm written');
      const q = `delta.\`${t}\``;
      await peer.sql(`CREATE TABLE ${q} (id BIGINT, d5 DECIMAL(5,2), d15 DECIMAL(15,2), d25 DECIMAL(25,2), d38 DECIMAL(38,10), ts TIMESTAMP, day DATE, s STRING, f DOUBLE, b BOOLEAN, bin BINARY, arr ARRAY<INT>, m MAP<STRING, BIGINT>, st STRUCT<x: INT, y: TIMESTAMP>) USING delta PARTITIONED BY (day, s) TBLPROPERTIES ('delta.checkpointInterval' = '3')`);
      const insert = (rows: string[]): string => `INSERT INTO ${q} VALUES ${rows.join(', ')}`;
      const row = (id: number, ts: string, day: string, s: string): string =>
        `(${id}, ${id % 2 ? '-' : ''}123.45, 1234567890123.45, -12345678901234567890123.45, 1234567890123456789012345678.0123456789, ` +
        `TIMESTAMP '${ts}', DATE '${day}', '${s}', ${id}.5, ${id % 2 === 0}, X'00ff${id.toString(16).padStart(2, '0')}', array(${id}, NULL), map('k', ${id}), named_struct('x', ${id}, 'y', TIMESTAMP '${ts}'))`;
      const txn = (appId: string, version: number) => ({ 'spark.databricks.delta.write.txnAppId': appId, 'spark.databricks.delta.write.txnVersion': String(version) });
      await peer.sql(insert([row(1, '2024-01-01 00:00:00.123456', '2024-01-01', 'plain'), row(2, '1969-12-31 23:59:59.999999', '2024-01-02', 'a b:c/%=')]), { 'spark.sql.parquet.outputTimestampType': 'INT96', ...txn('spark-app', 1) });
      await peer.sql(insert([row(3, '2024-06-30 12:00:00', '2024-01-01', 'plain'), `(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, CAST('NaN' AS DOUBLE), NULL, NULL, NULL, NULL, NULL)`]), txn('spark-app', 2));
      await peer.sql(insert([row(5, '2030-01-01 00:00:00.000001', '2024-01-03', 'ü€')]), { 'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MILLIS' });
      await peer.sql(insert([row(6, '2024-01-01 00:00:00', '2024-01-01', 'plain')]));
      await peer.sql(`DELETE FROM ${q} WHERE id = 3`);
      await peer.sql(`OPTIMIZE ${q}`);
      const log = await fs.readdir(path.join(t, '_delta_log'));
      assert.ok(log.some((n) => n.endsWith('.checkpoint.parquet')), log.join(' '));
      const latest = await readSnapshot(storage, t);
      for (let v = 0; v <= latest.version; v++) await assertSameSnapshot(peer, t, v);
      await assertSameSnapshot(peer, t);
      assert.equal(latest.txns.get('spark-app'), 2);
      // The reader starts from the JVM's checkpoint: the commits before it are not needed.
      const cp = Math.max(...log.filter((n) => n.endsWith('.checkpoint.parquet')).map((n) => Number(n.slice(0, 20))));
      for (let v = 0; v < cp; v++) await fs.rm(path.join(t, '_delta_log', `${String(v).padStart(20, '0')}.json`));
      await assertSameSnapshot(peer, t);
    });
  });

  describe('(c) the reference implementation\'s golden tables', () => {
    it('reads every readable table exactly as the JVM does, refuses by feature name, fails where the JVM fails', async function () {
      this.timeout(900_000);
      assert.ok(existsSync(GOLDEN), `golden tables not found at ${GOLDEN}: set TRIBUTARY_SHARED to the shared folder`);
      const names = (await fs.readdir(GOLDEN, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      const counts = { read: 0, refused: 0, failed: 0 };
      const problems: string[] = [];
      const lines: string[] = [];
      for (const name of names) {
        const table = path.join(GOLDEN, name);
        const theirs = await peer.read(table);
        let ours: { snapshot: Snapshot; rows: string[] } | { refused: string } | { failed: string };
        try {
          const snapshot = await readSnapshot(storage, table);
          ours = { snapshot, rows: multiset(canonicalRows(await readSnapshotRows(storage, snapshot))) };
        } catch (e) {
          const err = e as Error & { code?: string };
          ours = err.code === 'DELTA_UNSUPPORTED_FEATURE' ? { refused: err.message } : { failed: `${err.code ?? err.name}: ${err.message}` };
        }
        const mustRead = theirs.ok && theirs.minReaderVersion === 1;
        if ('snapshot' in ours) {
          counts.read++;
          lines.push(`read     ${name}`);
          if (!theirs.ok) {
            problems.push(`${name}: Tributary read it, the JVM failed (${theirs.error.slice(0, 200)})`);
            continue;
          }
          const mismatch = compare(ours.snapshot, ours.rows, theirs);
          if (mismatch) problems.push(`${name}: ${mismatch}`);
        } else if ('refused' in ours) {
          counts.refused++;
          lines.push(`refused  ${name}: ${ours.refused}`);
          if (mustRead) problems.push(`${name}: must be read (reader version 1) but was refused: ${ours.refused}`);
          if (!/features?:|version|columnMapping|deletionVectors|invariants/.test(ours.refused)) problems.push(`${name}: the refusal names no feature: ${ours.refused}`);
        } else {
          counts.failed++;
          lines.push(`failed   ${name}: ${ours.failed.slice(0, 160)}${theirs.ok ? '' : `  (JVM: ${theirs.error.slice(0, 120)})`}`);
          if (theirs.ok) problems.push(`${name}: Tributary failed where the JVM read it: ${ours.failed}`);
        }
      }
      console.log(lines.map((l) => `      ${l}`).join('\n'));
      console.log(`    golden tables: ${names.length}: read ${counts.read}, refused ${counts.refused}, failed ${counts.failed}`);
      assert.deepEqual(problems, []);
    });
  });
});

function compare(s: Snapshot, rows: string[], theirs: PeerSnapshot): string | undefined {
  if (theirs.version !== s.version) return `version ${s.version}, JVM ${theirs.version}`;
  if (JSON.stringify(parseSchemaString(theirs.schema!)) !== JSON.stringify(parseSchemaString(s.metadata.schemaString))) return 'schema differs';
  if (JSON.stringify(theirs.partitionColumns) !== JSON.stringify(s.metadata.partitionColumns)) return 'partition columns differ';
  const files = [...s.files.values()].map((f) => f.path).sort();
  if (JSON.stringify([...theirs.files!].sort()) !== JSON.stringify(files)) return `live files differ: ours ${files.length}, JVM ${theirs.files!.length}`;
  const txns = Object.fromEntries([...s.txns].map(([k, v]) => [k, String(v)]));
  if (JSON.stringify(Object.entries(theirs.txns!).sort()) !== JSON.stringify(Object.entries(txns).sort())) return 'txn versions differ';
  const jvmRows = multiset(theirs.rows);
  if (JSON.stringify(jvmRows) !== JSON.stringify(rows)) {
    const diff = rows.find((r, i) => r !== jvmRows[i]);
    return `WRONG ROWS: ours ${rows.length}, JVM ${jvmRows.length}; first difference ours ${diff} vs JVM ${jvmRows[rows.indexOf(diff!)]}`;
  }
  return undefined;
}
