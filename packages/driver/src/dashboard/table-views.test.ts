import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGGREGATE_TABLE_SCHEMA, asBatchId, buildAggregateTable, LocalStorage, writeDataFile } from '@tributary/common';

const storage = new LocalStorage();
import { DeltaSink } from '../commit/delta-sink';
import { TableViews } from './table-views';

const FIVE_MIN_US = 300_000_000;
const W1 = 1_700_000_100_000_000;
const W2 = W1 + FIVE_MIN_US;

/** One data file of seed-shaped rows: one window, customers with their sums in cents. */
async function file(table: string, windowStart: number, rows: [customer: number, count: number, cents: number][]) {
  return writeDataFile(storage, table, buildAggregateTable({
    length: rows.length,
    windowStartMicros: Float64Array.from(rows.map(() => windowStart)),
    customerId: Int32Array.from(rows.map((r) => r[0])),
    count: Float64Array.from(rows.map((r) => r[1])),
    sumCents: Float64Array.from(rows.map((r) => r[2])),
  }, FIVE_MIN_US));
}

const iso = (micros: number) => new Date(micros / 1000).toISOString().replace('.000Z', 'Z');
const money = (cents: number) => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

describe('dashboard table views (a real Delta table written by the driver\'s sink)', () => {
  let table: string;
  beforeEach(async () => { table = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-views-')), 'table'); });
  afterEach(async () => { await fs.rm(path.dirname(table), { recursive: true, force: true }); });

  it('results: the newest window\'s top 10 by the last aggregate; commit history with batches, files and rows; read again only on a new version', async () => {
    const sink = new DeltaSink(storage, table, { schema: AGGREGATE_TABLE_SCHEMA, partitionColumns: [], complete: false }, 'q-1');
    await sink.ensureTable();
    const older: [number, number, number][] = [[1, 1, 9_999_999], [2, 2, 5]];
    await sink.commitBatch(asBatchId(0), [await file(table, W1, older)], [{ topic: 't', partition: 0, endOffset: '3' }]);
    // the newest window, over two files of one batch; sums chosen apart from the customer order
    const newest: [number, number, number][] = Array.from({ length: 14 }, (_, i) => [100 + i, i + 1, ((i * 7919) % 50_000) - 1_000]);
    await sink.commitBatch(asBatchId(1), [await file(table, W2, newest.slice(0, 6)), await file(table, W2, newest.slice(6))], [{ topic: 't', partition: 0, endOffset: '30' }]);

    const views = new TableViews(storage);
    const r = await views.resultsOf(table, 10);
    assert.equal(r.version, 2);
    assert.deepEqual(r.columns, ['window', 'customer_id', 'event_count', 'total_amount']);
    const expected = [...newest].sort((a, b) => b[2] - a[2]).slice(0, 10)
      .map(([c, n, cents]) => [`{start: ${iso(W2)}, end: ${iso(W2 + FIVE_MIN_US)}}`, String(c), String(n), money(cents)]);
    assert.deepEqual(r.rows, expected);
    assert.match(r.selection, new RegExp(`newest window ${iso(W2)} – ${iso(W2 + FIVE_MIN_US)}, top 10 by total_amount`));
    assert.equal(await views.resultsOf(table, 10), r, 'the same version is not read again');

    const commits = await views.commitHistoryOf(table, 'q-1', 20);
    assert.deepEqual(commits.map((c) => [c.version, c.batchId, c.filesAdded, c.rowsAdded]), [[2, 1, 2, 14], [1, 0, 1, 2], [0, null, 0, 0]]);
    assert.ok(commits.every((c) => c.timestampMs > 0));

    await sink.commitBatch(asBatchId(2), [await file(table, W2 + FIVE_MIN_US, [[7, 1, 1]])], [{ topic: 't', partition: 0, endOffset: '31' }]);
    const next = await views.resultsOf(table, 10);
    assert.equal(next.version, 3);
    assert.deepEqual(next.rows.map((row) => row[1]), ['7']);
  });
});
