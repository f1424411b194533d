/**
 * kafka.isolation.level end to end, with records from Kafka's own Java producer (test/support/
 * txn-producer.ts): two transactional producers write interleaved transactions, one committed and
 * one aborted in each round, beside a plain (non-transactional) producer. The committed set is
 * what the producer reported committed or acknowledged, known to the test alone; the oracle
 * (test/support/oracle) computes the expected table from it.
 *  - A read_committed seed query writes exactly the windows of the committed records. While a third
 *    transaction stays open, later records lie past the last stable offset: the driver must plan
 *    no batch past it (the offsets log is read before the transaction commits), and then read the
 *    transaction once it commits.
 *  - A default (read_uncommitted) seed query on the same topic counts every record, aborted ones
 *    included, and reads through a transaction still open (planning up to the high watermark), as
 *    Spark does.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CommitLog, connectKafkaAdmin, OffsetLog, readTableRows } from '@tributary/common';
import { EventBatch, EventGenerator, StreamingQuery } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';
import { FirstOffsets, JavaTxnProducer } from '../support/txn-producer';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const PARTITIONS = 3;
const ROUND = 600;

describe('kafka.isolation.level with transactions from the Java producer', function () {
  this.timeout(10 * 60_000);
  const env = clusterPerTest('tributary-txn-', 2);
  let producer: JavaTxnProducer | undefined;

  afterEach(async () => {
    await producer?.close();
    producer = undefined;
  });

  it('read_committed counts exactly the committed records, never planning past an open transaction; read_uncommitted counts them all', async () => {
    const topic = `txn_events_${Date.now()}`;
    const bootstrap = testKafka();
    const admin = await connectKafkaAdmin({ brokers: [bootstrap] });
    try {
      await admin.createTopic(topic, PARTITIONS);
      const p = (producer = JavaTxnProducer.start(bootstrap, topic, topic));
      const gen = new EventGenerator({ seed: 7, customers: 150, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
      const committed: Buffer[] = [];
      const all: Buffer[] = [];

      /**
       * One round: `ROUND` events dealt in turn to tx1, tx2 and the plain producer, each over every
       * partition, so that the three producers' records interleave in each partition's log; one
       * transaction commits and the other aborts (which one alternates by round).
       */
      const round = async (n: number): Promise<void> => {
        const events = gen.phaseInOrder(ROUND);
        const [commits, aborts] = n % 2 === 0 ? ['tx1', 'tx2'] : ['tx2', 'tx1'];
        await p.begin('tx1');
        await p.begin('tx2');
        const dests = ['tx1', 'tx2', 'plain'];
        for (let i = 0; i < events.count; i++) {
          const dest = dests[i % 3];
          p.send(dest, Math.floor(i / 3) % PARTITIONS, events.values[i]);
          all.push(events.values[i]);
          if (dest !== aborts) committed.push(events.values[i]);
        }
        await p.flush('plain');
        await p.commit(commits);
        await p.abort(aborts);
      };
      const plain = async (events: EventBatch): Promise<void> => {
        for (let i = 0; i < events.count; i++) p.send('plain', i % PARTITIONS, events.values[i]);
        await p.flush('plain');
        all.push(...events.values);
        committed.push(...events.values);
      };

      // Phase A, before and while the read_committed query starts.
      for (let n = 0; n < 4; n++) await round(n);
      const table = path.join(env.dir, 'delta', 'committed');
      const checkpoint = path.join(env.dir, 'checkpoints', 'committed');
      const started = await startSeedJob(env.cluster.driverAddress, { bootstrap, topic, table, checkpoint, isolationLevel: 'read_committed' });
      env.track(started.client);
      const query = started.query;
      const offsets = new OffsetLog(storage, path.join(checkpoint, 'offsets'));
      const lastPlanTo = async (): Promise<Map<number, bigint>> => {
        const latest = (await offsets.getLatest())?.value;
        return new Map((latest?.sources[0].partitions ?? []).map((r) => [r.partition, BigInt(r.to)]));
      };
      const sameOffsets = (a: Map<number, bigint>, b: Map<number, bigint>): boolean =>
        a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
      const end = await admin.latestOffsets(topic, 'read_committed');
      await waitUntil(query, async () => sameOffsets(await lastPlanTo(), end), 120_000, async () => `planned up to ${show(await lastPlanTo())}, log end ${show(end)}`);

      // Phase B: a transaction left open over every partition, then rounds whose records lie past it.
      await p.begin('tx3');
      const held = gen.phaseInOrder(300);
      for (let i = 0; i < held.count; i++) p.send('tx3', i % PARTITIONS, held.values[i]);
      const heldAt: FirstOffsets = await p.flush('tx3');
      assert.equal(heldAt.size, PARTITIONS);
      assert.ok(sameOffsets(heldAt, end), `the open transaction starts where the log ended: ${show(heldAt)} vs ${show(end)}`);
      for (let n = 4; n < 6; n++) await round(n);
      // Listed at READ_COMMITTED, the latest offsets are the last stable offset, held at the open transaction.
      assert.ok(sameOffsets(await admin.latestOffsets(topic, 'read_committed'), heldAt), 'latest offsets stop at the open transaction');
      await new Promise((r) => setTimeout(r, 6_000)); // some thirty triggers of 200 ms
      const plannedWhileOpen = await offsets.list();
      for (const n of plannedWhileOpen) {
        for (const r of (await offsets.get(n))!.sources[0].partitions) {
          assert.ok(BigInt(r.to) <= heldAt.get(r.partition)!, `batch ${n} was planned past the open transaction: partition ${r.partition} to ${r.to} > ${heldAt.get(r.partition)}`);
        }
        assert.equal((await offsets.get(n))!.isolationLevel, 'read_committed', `batch ${n} records its isolation level`);
      }
      await p.commit('tx3');
      all.push(...held.values);
      committed.push(...held.values);

      // Phase C: events far ahead close every window.
      await round(6);
      await plain(gen.phaseCloseAll(3));
      const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 180_000, () => progressText(query));
      await query.stop();

      const expectedCommitted = computeExpected(committed, { windowMicros: WINDOW, delayMicros: DELAY });
      const expectedAll = computeExpected(all, { windowMicros: WINDOW, delayMicros: DELAY });
      assert.equal(expectedCommitted.lateRows + expectedCommitted.badRecords, 0);
      assert.equal(diffRows(expectedAll.rows, expectedCommitted.rows).equal, false, 'the aborted records change the expected table');
      await assertTable(table, expectedCommitted.rows, 'read_committed');
      assert.equal(await inputRows(checkpoint), committed.length, 'a read_committed query reads exactly the committed records');

      // The same topic read with the default isolation level: every record, aborted ones included,
      // and, as in Spark, up to the high watermark: through a transaction still open (tx4), whose
      // records alone move the watermark past the windows they open and close.
      await p.begin('tx4');
      const openEvents = [gen.phaseInOrder(300), gen.phaseCloseAll(3)];
      let n4 = 0;
      for (const e of openEvents) for (let i = 0; i < e.count; i++) p.send('tx4', n4++ % PARTITIONS, e.values[i]);
      const openAt = await p.flush('tx4');
      for (const e of openEvents) all.push(...e.values);
      const highWatermarks = await admin.latestOffsets(topic, 'read_uncommitted');
      assert.ok(sameOffsets(await admin.latestOffsets(topic, 'read_committed'), openAt), 'the last stable offset stops at tx4');
      assert.ok([...openAt].every(([part, o]) => highWatermarks.get(part)! > o), `the high watermarks ${show(highWatermarks)} lie past tx4 at ${show(openAt)}`);
      const uncommittedTable = path.join(env.dir, 'delta', 'uncommitted');
      const uncommittedCheckpoint = path.join(env.dir, 'checkpoints', 'uncommitted');
      const second = await startSeedJob(env.cluster.driverAddress, { bootstrap, topic, table: uncommittedTable, checkpoint: uncommittedCheckpoint });
      env.track(second.client);
      const openWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
      // Well within the producer's transaction.timeout.ms (120 s), after which the broker would abort tx4.
      await waitUntil(second.query, async () => watermarkMicros(await second.query.lastProgress()) >= openWatermark, 60_000, () => progressText(second.query));
      await p.abort('tx4');
      await second.query.stop();
      const expectedUncommitted = computeExpected(all, { windowMicros: WINDOW, delayMicros: DELAY });
      assert.equal(diffRows(expectedUncommitted.rows, expectedAll.rows).equal, false, 'the open transaction changes the expected table');
      await assertTable(uncommittedTable, expectedUncommitted.rows, 'read_uncommitted');
      assert.equal(await inputRows(uncommittedCheckpoint), all.length, 'a read_uncommitted query reads every record');
      const uncommittedOffsets = new OffsetLog(storage, path.join(uncommittedCheckpoint, 'offsets'));
      for (const b of await uncommittedOffsets.list()) assert.equal((await uncommittedOffsets.get(b))!.isolationLevel, 'read_uncommitted');
    } finally {
      await admin.close();
    }
  });
});

type Row = ReturnType<typeof computeExpected>['rows'][number];

async function assertTable(table: string, expected: Row[], what: string): Promise<void> {
  const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
  const diff = diffRows(expected, actual);
  assert.ok(diff.equal, `${what}: ${diff.text}`);
  assert.ok(expected.length > 100, `${what}: expected many rows, got ${expected.length}`);
}

/** Records read by the query's committed batches, from its commit log. */
async function inputRows(checkpoint: string): Promise<number> {
  const log = new CommitLog(storage, path.join(checkpoint, 'commits'));
  let total = 0;
  for (const n of await log.list()) total += (await log.get(n))!.numInputRows;
  return total;
}

function show(m: Map<number, bigint>): string {
  return [...m].map(([p, o]) => `${p}:${o}`).join(' ');
}

async function progressText(query: StreamingQuery): Promise<string> {
  const last = await query.lastProgress();
  return last ? `batch ${last.batchId}, watermark ${last.eventTime.watermark}, status ${JSON.stringify(await query.status())}` : 'no progress yet';
}
