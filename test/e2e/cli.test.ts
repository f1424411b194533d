/**
 * The `tributary` command line against a real cluster: produce, submit a job file, list, status,
 * and show the resulting table.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { canonicalRows, readSnapshot, readTableRows } from '@tributary/common';
import { LocalCluster, REPO_ROOT } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';
import { aggregateRows } from '../support/aggregate-rows';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
const tributary = (...args: string[]) => run(process.execPath, [BIN, ...args], { timeout: 180_000 });

describe('the tributary command line', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let cluster: LocalCluster;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-cli-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
  });

  after(async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('produces events, runs a job file to completion and shows its table', async () => {
    const topic = `cli_events_${Date.now()}`;
    const produced = await tributary('produce', '--bootstrap', testKafka(), '--topic', topic, '--count', '5000', '--partitions', '3', '--customers', '50');
    assert.match(produced.stdout, new RegExp(`produced 5003 events to ${topic} \\(3 partitions\\)`));

    const table = path.join(dir, 'delta', 'cli');
    const submitted = await tributary('submit', path.join(REPO_ROOT, 'examples', 'seed-job.js'), '--driver', cluster.driverAddress, '--wait', '--',
      `bootstrap=${testKafka()}`, `topic=${topic}`, `table=${table}`, `checkpoint=${path.join(dir, 'cp')}`, 'trigger=availableNow');
    const id = /submitted query ([0-9a-f-]{36})/.exec(submitted.stdout)?.[1];
    assert.ok(id, submitted.stdout);
    assert.match(submitted.stdout, new RegExp(`query ${id} FINISHED`));

    const listed = await tributary('list', '--driver', cluster.driverAddress);
    assert.match(listed.stdout, new RegExp(`${id}\\s+FINISHED`));
    const status = JSON.parse((await tributary('status', id!, '--driver', cluster.driverAddress)).stdout);
    assert.equal(status.id, id);
    assert.equal(status.lastProgress.sink.description, `DeltaSink[${table}]`);

    const shown = await tributary('table', 'show', table, '--limit', '3');
    const rows = aggregateRows(await readTableRows(storage, table));
    const totalEvents = rows.reduce((a, r) => a + Number(r.eventCount), 0);
    assert.ok(totalEvents > 4500 && totalEvents <= 5000, `${totalEvents} events`);
    const lines = shown.stdout.trim().split('\n');
    const snapshot = await readSnapshot(storage, table);
    assert.equal(lines[0], `Delta table ${table}: version ${snapshot.version}, ${snapshot.files.size} files, ${rows.length} rows`);
    assert.match(lines[1], /^window +\| customer_id \| event_count \| total_amount$/);
    assert.equal(lines.filter((l) => /^\{\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z, \d{4}-/.test(l)).length, 3);
  });

  /** µs since the epoch of a UTC time, by hand. */
  const micros = (y: number, mo: number, d: number, h: number, mi: number, s: number, us = 0): string =>
    String(BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1000n + BigInt(us));

  /** Produces a sample file of examples/data with --lines and runs an example job on it to the end. */
  async function runSample(sample: string, job: string, name: string): Promise<string> {
    const topic = `${name}_${Date.now()}`;
    const produced = await tributary('produce', '--bootstrap', testKafka(), '--topic', topic, '--partitions', '2', '--lines', path.join(REPO_ROOT, 'examples', 'data', sample));
    assert.match(produced.stdout, new RegExp(`produced ${fs.readFileSync(path.join(REPO_ROOT, 'examples', 'data', sample), 'utf8').trim().split('\n').length} records to ${topic} \\(2 partitions\\)`));
    const table = path.join(dir, 'delta', name);
    const submitted = await tributary('submit', path.join(REPO_ROOT, 'examples', job), '--driver', cluster.driverAddress, '--wait', '--',
      `bootstrap=${testKafka()}`, `topic=${topic}`, `table=${table}`, `checkpoint=${path.join(dir, `cp-${name}`)}`, 'trigger=availableNow');
    assert.match(submitted.stdout, /query [0-9a-f-]{36} FINISHED/, submitted.stdout);
    return table;
  }

  it('runs examples/ingest-job.js on examples/data/orders.jsonl: the rows worked out by hand, bad lines quarantined', async () => {
    const table = await runSample('orders.jsonl', 'ingest-job.js', 'orders');
    const rows = canonicalRows(await readTableRows(storage, table)).sort((a, b) => Number(a.order_id) - Number(b.order_id));
    const pick = ['order_id', 'customer', 'currency', 'price', 'quantity', 'ts', 'total', 'hour', 'day'];
    assert.deepEqual(rows.map((r) => Object.fromEntries(pick.map((k) => [k, r[k]]))), [
      { order_id: '1', customer: 'c-1', currency: 'EUR', price: '12.50', quantity: '3', ts: micros(2026, 3, 1, 10, 15, 0, 123456), total: '37.50', hour: '10', day: '2026-03-01' },
      { order_id: '3', customer: 'c-1', currency: 'USD', price: '0.10', quantity: '7', ts: micros(2026, 3, 1, 23, 59, 59, 999999), total: '0.70', hour: '23', day: '2026-03-01' },
      // 01:30 at +02:00 is 23:30 UTC the day before.
      { order_id: '5', customer: null, currency: 'GBP', price: null, quantity: '2', ts: micros(2026, 3, 1, 23, 30, 0), total: null, hour: '23', day: '2026-03-01' },
      { order_id: '6', customer: 'c-4', currency: 'EUR', price: '1234567890.12', quantity: '5', ts: micros(2026, 3, 2, 8, 0, 0), total: '6172839450.60', hour: '8', day: '2026-03-02' },
    ]);
    const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
    assert.deepEqual(quarantine.map((q) => q.reason).sort(), ['DECIMAL_SCALE', 'MISSING_FIELD']);
  });

  it('runs examples/nested-json-job.js on examples/data/device-readings.jsonl: the rows worked out by hand', async () => {
    const table = await runSample('device-readings.jsonl', 'nested-json-job.js', 'readings');
    const rows = canonicalRows(await readTableRows(storage, table)).sort((a, b) => Number(a.reading_id) - Number(b.reading_id));
    assert.deepEqual(rows, [
      {
        reading_id: '1', device_id: 'd-7', battery: '87.50', country: 'NL', site: { country: 'nl', city: 'Delft' }, tags: ['roof', 'north'],
        samples: [{ sensor: 'temp', value: '21.125' }, { sensor: 'rh', value: '40.000' }], ts: micros(2026, 3, 1, 10, 15, 0, 500000), day: '2026-03-01',
      },
      {
        reading_id: '2', device_id: 'd-8', battery: null, country: 'DE', site: { country: 'de', city: null }, tags: [],
        samples: [], ts: micros(2026, 3, 1, 11, 0, 0), day: '2026-03-01',
      },
      {
        reading_id: '5', device_id: 'd-10', battery: '100.00', country: 'FR', site: { country: 'fr', city: 'Lyon' }, tags: ['indoor', null],
        samples: [{ sensor: 'co2', value: '412.750' }], ts: micros(2026, 3, 2, 8, 0, 0), day: '2026-03-02',
      },
    ]);
    const quarantine = canonicalRows(await readTableRows(storage, `${table}_quarantine`));
    assert.deepEqual(quarantine.map((q) => q.reason), ['WRONG_TYPE']);
  });

  it('prints a driver refusal plainly and exits non-zero', async () => {
    const spec = path.join(dir, 'bad.json');
    fs.writeFileSync(spec, JSON.stringify({ version: 1 }));
    await assert.rejects(tributary('submit', spec, '--driver', cluster.driverAddress), (err: any) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /refused the query \(INVALID_ARGUMENT\)/);
      assert.match(err.stderr, /^invalid query \(\d+ problems\)/m);
      return true;
    });
  });
});
