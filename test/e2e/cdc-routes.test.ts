/**
 * One CDC query routing several source tables to a Delta table each (docs/cdc.md, "Several source
 * tables"), end to end on a real cluster (Kafka, Redis, driver + executor processes, Delta on
 * disk). A seeded source database of four tables with different columns and keys
 * (test/support/cdc-routes-db.ts: inserts, full and compressed updates, deletes, key updates and
 * a truncate on each) is produced as GoldenGate JSON with duplicates and a replay mixed in; the
 * query routes ORDERS (its own table, SCD type 1), CUSTOMERS (a composite key, SCD type 1) and
 * ITEMS (SCD type 2), and leaves AUDIT unrouted. The driver kills itself (fault hook) after the
 * first route table took batch 3 and before the second and the main table did; the restarted
 * driver replays batch 3 to those two only. Afterwards each table equals its model's final rows
 * (ITEMS its history), each computed from the model, and each table holds each batch once.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, LocalStorage, readTableRows } from '@tributary/common';
import { DriverClient, GrpcSubmitter, produceEvents, TributarySession } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { deltaCommits, waitUntil } from '../support/seed-run';
import { batchOfRecords, withDuplicatesAndReplay } from '../support/cdc-source-db';
import { AUDIT, CUSTOMERS, expectedTableHistory, expectedTableRows, ITEMS, ORDERS, playRoutedDatabase, routedGoldenGateRecords } from '../support/cdc-routes-db';

const storage = new LocalStorage();

function sortedText(rows: readonly unknown[]): string[] {
  return rows.map((x) => JSON.stringify(x)).sort();
}

describe('CDC routes: several source tables of one change stream, each applied to its own Delta table, on a real cluster', function () {
  this.timeout(15 * 60_000);
  const env = clusterPerTest('tributary-cdc-routes-', 2);

  it('GoldenGate JSON of four tables (one unrouted), duplicates, a replay and a driver death between two route commits: each table equals its source', async () => {
    const { log, final } = playRoutedDatabase(5, 3000);
    for (const t of [ORDERS, CUSTOMERS, ITEMS]) {
      const ops = new Set(log.filter((c) => c.table === t).map((c) => (c.op === 'U' && c.changed !== null ? 'partial' : c.op)));
      assert.deepEqual([...ops].sort(), ['D', 'I', 'T', 'U', 'partial'], `${t} has every kind of change`);
    }
    assert.ok(log.filter((c) => c.table === AUDIT).length > 300, 'the unrouted table changes too');
    const records = withDuplicatesAndReplay(routedGoldenGateRecords(log, 6), 7);
    const topic = `cdc_routes_${Date.now()}`;
    const bootstrap = testKafka();
    const produced = await produceEvents(bootstrap, topic, 3, batchOfRecords(records));
    assert.equal(produced.sent, records.length);

    // This driver kills itself once the first route table holds batch 3 (the second and the main table do not yet).
    await env.cluster.restartDriver({ TRIBUTARY_FAULT_KILL_AT: 'afterRouteCommit:3' });
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = TributarySession.builder().appName('cdc routes').submitter(new GrpcSubmitter(client)).getOrCreate();
    const tables = { orders: path.join(env.dir, 'delta', 'orders'), customers: path.join(env.dir, 'delta', 'customers'), items: path.join(env.dir, 'delta', 'items') };
    const query = await spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 400).option('changes.format', 'goldengate').load()
      .writeStream.applyChanges({
        keys: ['ID'], columns: 'ID BIGINT NOT NULL, NAME STRING, AMOUNT DECIMAL(12,2), NOTE STRING', sourceTable: ORDERS, exceptColumns: ['NOTE'],
        routes: [
          { sourceTable: CUSTOMERS, path: tables.customers, keys: ['REGION', 'CUST'], columns: 'REGION STRING NOT NULL, CUST BIGINT NOT NULL, EMAIL STRING, SINCE TIMESTAMP' },
          { sourceTable: ITEMS, path: tables.items, keys: 'SKU', columns: 'SKU STRING NOT NULL, PRICE DECIMAL(10,2), QTY BIGINT', storedAs: 'scd2' },
        ],
      })
      .option('checkpointLocation', path.join(env.dir, 'chk-routes')).trigger({ processingTime: '200 milliseconds' }).start(tables.orders);
    await env.cluster.driver.exited;
    assert.match(env.cluster.logOf('driver'), /fault hook: killing the driver at afterRouteCommit of batch 3/);
    const logFrom = env.cluster.logOf('driver').length;
    await env.cluster.restartDriver({});
    // The restarted driver resumes the query from its saved state (unreachable, then not found, until it has).
    for (const deadline = Date.now() + 120_000; !(await client.list().catch(() => [])).some((q) => q.id === query.id && q.state === 'ACTIVE');) {
      if (Date.now() > deadline) throw new Error(`the query did not resume:\n${env.cluster.logOf('driver').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const describe = async (): Promise<string> => JSON.stringify((await query.lastProgress().catch(() => null))?.sources ?? null);
    const done = async (): Promise<boolean> => {
      const end = (await query.lastProgress())?.sources[0]?.endOffset?.[topic] as Record<string, string> | undefined;
      return end !== undefined && Object.values(end).reduce((a, o) => a + Number(o), 0) === records.length;
    };
    await waitUntil(query, done, 300_000, describe);
    const progress = await query.recentProgress();
    await query.stop();

    const restarted = env.cluster.logOf('driver').slice(logFrom);
    const messages = restarted.split('\n').filter((l) => l.startsWith('{')).map((l) => String((JSON.parse(l) as { msg?: unknown }).msg ?? ''));
    const replay = messages.map((m) => /recovery: (\{"kind":"replay".*\})$/.exec(m)?.[1]).find((x) => x !== undefined);
    assert.ok(replay !== undefined, 'the restarted driver replays a batch');
    const decision = JSON.parse(replay) as { batchId: number; skipSinks: string[] };
    assert.equal(decision.batchId, 3);
    assert.ok(decision.skipSinks.includes(tables.customers), 'the replay skips the route table that holds batch 3');
    assert.ok(!decision.skipSinks.includes(tables.items) && !decision.skipSinks.includes(tables.orders), 'and writes it to the tables that do not');
    assert.equal(progress.reduce((a, p) => a + p.badRecords.total, 0), 0, 'no record was bad (the unrouted table\'s neither)');

    const orders = canonicalRows(await readTableRows(storage, tables.orders));
    assert.deepEqual(sortedText(orders), sortedText(expectedTableRows(ORDERS, final.get(ORDERS)!, ['NOTE'])), 'ORDERS equals its source table');
    const customers = canonicalRows(await readTableRows(storage, tables.customers));
    assert.deepEqual(sortedText(customers), sortedText(expectedTableRows(CUSTOMERS, final.get(CUSTOMERS)!)), 'CUSTOMERS equals its source table');
    const items = canonicalRows(await readTableRows(storage, tables.items));
    const history = expectedTableHistory(ITEMS, log);
    assert.ok(history.length > 1.3 * new Set(history.map((v) => v.SKU)).size, 'items have several versions');
    assert.deepEqual(sortedText(items), sortedText(history), 'ITEMS holds its source history');
    assert.ok(orders.length > 20 && customers.length > 20, 'the tables are not empty');
    const audit = new Set(final.get(AUDIT)!.map((r) => String(r.ID)));
    for (const t of Object.values(tables)) {
      const rows = canonicalRows(await readTableRows(storage, t));
      assert.ok(!rows.some((r) => Object.values(r).some((v) => typeof v === 'string' && (audit.has(v) || v.startsWith('t-')))), `no change of ${AUDIT} is in ${t}`);
      const batches = deltaCommits(t).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === query.id)?.txn.version);
      assert.ok(batches.length >= 8, `${t}: several batches, got ${batches.length}`);
      assert.deepEqual(batches, batches.map((_, i) => i), `${t}: each batch landed once, in order`);
    }
  });
});
