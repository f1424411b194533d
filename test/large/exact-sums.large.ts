/**
 * Money stays exact past 2^53 cents, end to end: 1,100,000 events of the largest DECIMAL(10,2)
 * amount (99999999.99) for one customer in one window sum to 10,999,999,998,900,000 cents, beyond
 * the 9,007,199,254,740,992 that a float64 holds exactly. Runs outside `npm test` (npm run test:large).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import { DriverClient, LocalCluster, produceEvents } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka, testRedis } from '../support/infra';
import { DELAY, WINDOW, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const EVENTS = 1_100_000;
const MAX_CENTS = 9_999_999_999n;

function eventBatch(values: string[]) {
  return {
    count: values.length,
    keys: values.map(() => '7'),
    values: values.map((v) => Buffer.from(v)),
    eventIds: new Float64Array(values.length),
    customerIds: new Int32Array(values.length).fill(7),
    eventTimeMicros: new Float64Array(values.length),
    amountCents: new Float64Array(values.length),
  };
}

describe('exact sums beyond 2^53 cents on a real cluster', function () {
  this.timeout(30 * 60_000);
  let dir: string;
  let cluster: LocalCluster | undefined;
  let client: DriverClient | undefined;

  after(async () => {
    client?.close();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sums 1,100,000 maximal amounts of one customer and window to the cent', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-large-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 3 });
    const topic = `exact_sums_${Date.now()}`;
    const bootstrap = testKafka();
    const windowStart = Date.UTC(2026, 0, 1, 12, 0) * 1000;
    const values: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const seconds = String(i % 300).padStart(3, '0');
      const t = new Date(windowStart / 1000 + (i % 300) * 1000).toISOString().replace('.000Z', `.${seconds}123Z`);
      values.push(`{"customer_id":7,"event_type":"purchase","amount":${i % 2 ? '"99999999.99"' : '99999999.99'},"timestamp":"${t}"}`);
    }
    // One event far ahead closes the window (it stays open itself and is not expected).
    const closing = new Date(windowStart / 1000 + 3600_000).toISOString();
    values.push(`{"customer_id":8,"event_type":"purchase","amount":1.00,"timestamp":"${closing}"}`);
    let next = 0;
    await produceEvents(bootstrap, topic, 8, eventBatch(values), undefined, { partitionOf: () => next++ % 8 });

    const table = path.join(dir, 'delta', 'sums');
    const started = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic, table, checkpoint: path.join(dir, 'checkpoints', 'sums'), maxOffsetsPerTrigger: 200_000,
    });
    client = started.client;
    const query = started.query;
    const finalWatermark = Date.parse(closing) * 1000 - DELAY;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 20 * 60_000, async () => JSON.stringify(await query.lastProgress()));
    await query.stop();

    const rows = aggregateRows(await readTableRows(storage, table));
    assert.equal(rows.length, 1, JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    const expectedCents = BigInt(EVENTS) * MAX_CENTS;
    assert.ok(expectedCents > 2n ** 53n);
    assert.deepEqual(
      { start: rows[0].windowStartMicros, end: rows[0].windowEndMicros, customer: rows[0].customerId, count: rows[0].eventCount, cents: rows[0].totalCents },
      { start: BigInt(windowStart), end: BigInt(windowStart + WINDOW), customer: 7, count: BigInt(EVENTS), cents: expectedCents },
    );
  });
});
