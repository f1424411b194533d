/**
 * The late-rows table of a general aggregation query (not the seed's shape) on a real cluster
 * (Kafka, Redis, driver + executor processes, Delta on disk): a string key, its own field names, a
 * filter before the aggregation, append mode with `lateRows 'table'`. Late records are produced
 * only once a committed batch's watermark is past their windows, so which records are late never
 * depends on batch boundaries; in-order records are at most 30 s behind the newest (watermark
 * delay 1 minute) and are never late.
 *
 * Checked against an independent calculation over the records Kafka holds (read back with a plain
 * consumer, so a producer retry is accounted for): the main table holds exactly the in-order
 * records' groups; the late-rows table holds exactly the late records that passed the filter, each
 * once, with its Kafka partition, offset and timestamp, the batch that dropped it and that batch's
 * WM(N−1). A second query whose late rows have other columns is refused at submit naming the table.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import { col, count, DriverClient, fromJson, GrpcSubmitter, lit, produceEvents, StreamingQuery, sum, TributarySession, window } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { readTopicEvents } from '../support/oracle';
import { deltaCommits, waitUntil, watermarkMicros } from '../support/seed-run';
import { BASE, centsText, MINUTE, rng, userOf, Visit, VISIT_SCHEMA, visitBatch, visitsInOrder, visitsPerMinute } from '../support/visits';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const PARTITIONS = 4;

function sorted(rows: Record<string, CanonicalValue>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function progressText(query: StreamingQuery): Promise<string> {
  const p = await query.lastProgress();
  return `status ${JSON.stringify(await query.status())}; last progress ${JSON.stringify(p && { batchId: p.batchId, watermark: p.eventTime.watermark })}`;
}

describe('late-rows table of a general aggregation on a real cluster', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-late-rows-', 3);

  it('holds exactly the late records (with where they were and why), the main table the rest; another late-rows schema is refused at submit', async () => {
    const topic = `visits_${Date.now()}`;
    const bootstrap = testKafka();
    const r = rng(41);
    const inOrder = visitsInOrder(24_000, BASE, 0, r);
    let seq = inOrder.length;
    await produceEvents(bootstrap, topic, PARTITIONS, visitBatch(inOrder));

    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('late rows').submitter(new GrpcSubmitter(client)).getOrCreate();
    const table = path.join(env.dir, 'delta', 'visits');
    const lateTable = `${table}_late_rows`;
    const visits = () => spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 4_000).load()
      .select(fromJson(col('value').cast('string'), VISIT_SCHEMA).alias('v')).select('v.*')
      .filter(col('user').isNull().or(col('user').notEqual(lit('bot-0'))))
      .withWatermark('at', '1 minute');
    const query = await visits()
      .groupBy(window(col('at'), '1 minute'), col('user'))
      .agg(count('*').alias('visits'), sum('cost').alias('spent'))
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk'))
      .option('lateRows', 'table').trigger({ processingTime: '200 milliseconds' }).start(table);

    // Late visits: in windows ending at or before a watermark a committed batch has reached.
    const lateBound = BASE + 4 * MINUTE;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, () => progressText(query));
    const late: Visit[] = [];
    for (let i = 0; i < 400; i++) {
      const user = i % 40 === 0 ? null : i % 10 === 3 ? 'bot-0' : userOf(r) ?? 'ana-1';
      late.push({ seq: seq++, user, cents: BigInt(r(10_000)) - 500n, us: BASE + r(3 * MINUTE) });
    }
    await produceEvents(bootstrap, topic, PARTITIONS, visitBatch(late));
    // Closing visits an hour later close every earlier window; their own window stays open.
    const closingUs = BASE + 60 * MINUTE;
    const closing: Visit[] = [0, 1, 2].map((k) => ({ seq: seq++, user: 'ana-0', cents: 100n, us: closingUs + k }));
    await produceEvents(bootstrap, topic, PARTITIONS, visitBatch(closing));
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= closingUs - MINUTE, 300_000, () => progressText(query));
    const progress = await query.recentProgress();
    await query.stop();

    // What Kafka holds, each record named by its seq.
    const bySeq = new Map<number, Visit>([...inOrder, ...late, ...closing].map((v) => [v.seq, v]));
    const lateSeqs = new Set(late.map((v) => v.seq));
    const closingSeqs = new Set(closing.map((v) => v.seq));
    const records = (await readTopicEvents(bootstrap, topic)).map((rec) => ({ rec, visit: bySeq.get(JSON.parse(rec.value!.toString('utf8')).seq)! }));
    assert.ok(records.length >= bySeq.size, `every record reached Kafka (${records.length} of ${bySeq.size})`);
    const passes = (v: Visit) => v.user !== 'bot-0';

    // Main table: the in-order records that pass the filter, by (window, user).
    const expectedMain = visitsPerMinute(records.map(({ visit }) => visit).filter((v) => !lateSeqs.has(v.seq) && !closingSeqs.has(v.seq) && passes(v)));
    assert.ok(expectedMain.length > 1_000, `many groups expected, got ${expectedMain.length}`);
    assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted(expectedMain));

    // Late-rows table: exactly the late records that passed the filter, once each, with their coordinates.
    const lateRecords = records.filter(({ visit }) => lateSeqs.has(visit.seq) && passes(visit));
    assert.ok(lateRecords.length >= 350 && lateRecords.some(({ visit }) => visit.user === null), `late records: ${lateRecords.length}`);
    const lateRows = canonicalRows(await readTableRows(storage, lateTable));
    assert.deepEqual(Object.keys(lateRows[0]).sort(), ['at', 'batch_id', 'cost', 'kafka_timestamp', 'offset', 'partition', 'topic', 'user', 'watermark'],
      "the aggregation's input row (seq is pruned: the aggregation does not read it), then the metadata columns");
    const expectedLate = lateRecords.map(({ rec, visit }) => ({
      at: String(visit.us), user: visit.user, cost: centsText(visit.cents), topic, partition: String(rec.partition), offset: rec.offset,
      kafka_timestamp: String(BigInt(rec.timestampMs) * 1000n),
    }));
    const gotLate = lateRows.map((x) => ({ at: x.at, user: x.user, cost: x.cost, topic: x.topic, partition: x.partition, offset: x.offset, kafka_timestamp: x.kafka_timestamp }));
    assert.deepEqual(sorted(gotLate), sorted(expectedLate));

    // Why: each row's window ended at or before its watermark, which is WM(N−1) of the batch N that dropped it.
    const watermarkOf = new Map(progress.map((p) => [p.batchId, watermarkMicros(p)]));
    const lateByBatch = new Map(progress.map((p) => [p.batchId, p.lateRows.total]));
    const rowsByBatch = new Map<number, number>();
    for (const x of lateRows) {
      const batch = Number(x.batch_id);
      const wm = Number(x.watermark);
      assert.ok(Math.floor(Number(x.at) / MINUTE) * MINUTE + MINUTE <= wm, `row ${JSON.stringify(x)}: its window ends after its watermark`);
      assert.equal(Math.floor(wm / 1000) * 1000, watermarkOf.get(batch - 1), `row ${JSON.stringify(x)}: watermark is WM(N−1)`);
      rowsByBatch.set(batch, (rowsByBatch.get(batch) ?? 0) + 1);
    }
    for (const [batch, n] of rowsByBatch) assert.equal(lateByBatch.get(batch), n, `batch ${batch}: late rows counted = rows written`);
    assert.equal(progress.reduce((a, p) => a + p.lateRows.total, 0), lateRecords.length, 'late rows counted in progress');
    assert.equal(progress.reduce((a, p) => a + (p.lateRows.written ?? 0), 0), lateRecords.length, 'late rows written in progress');

    // The late-rows table carries this query's txn for every batch, in order, as the main table does.
    const txns = (t: string) => deltaCommits(t).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
    const mainTxns = txns(table);
    assert.deepEqual(txns(lateTable), mainTxns.map((_, i) => i));

    // A query whose late rows have other columns (it also sums seq) may not write into this late-rows table.
    const other = visits()
      .groupBy(window(col('at'), '1 minute'), col('user'))
      .agg(count('*').alias('visits'), sum('cost').alias('spent'), sum('seq').alias('seqs'))
      .writeStream.format('delta').outputMode('append').option('checkpointLocation', path.join(env.dir, 'chk-other'))
      .option('lateRows', 'table').option('lateRowsPath', lateTable).trigger({ processingTime: '200 milliseconds' });
    await assert.rejects(other.start(path.join(env.dir, 'delta', 'visits_other')), (err: Error) => {
      assert.match(err.message, new RegExp(`the late-rows table ${lateTable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already exists with another schema; this query's has .*seq long.*lateRowsPath`));
      return true;
    });
  });
});
