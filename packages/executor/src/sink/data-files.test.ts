import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalRows, commit, createTable, ExecutorJob, readTableRows, sinkTableSchema, QuerySpec } from '@tributary/common';
import { writeEmittedRows } from './data-files';

const FIVE_MIN_US = 300_000_000;
const HOUR_US = 3_600_000_000;

describe('writeEmittedRows into a partitioned table', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-datafiles-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes one file per partition value (derived hour, customer_id), values in the add and the path, not in the file', async () => {
    const table = path.join(dir, 't');
    const spec = {
      parse: { format: 'json', schema: [], timeZone: '+01:00' },
      withColumns: [{ name: 'hour', expr: { fn: 'hour', column: 'window.start' } }],
    } as unknown as QuerySpec;
    await createTable(table, sinkTableSchema(spec), { partitionColumns: ['hour', 'customer_id'] });
    const base = Date.UTC(2024, 0, 1, 22, 55) * 1000; // 23:55 at +01:00; the next window starts at 00:00
    const starts = [base, base + FIVE_MIN_US, base, base + HOUR_US];
    const part = {
      length: 4,
      windowStartMicros: Float64Array.from(starts),
      customerId: Int32Array.of(7, 7, 8, 7),
      count: Float64Array.of(1, 2, 3, 4),
      sumCents: Float64Array.of(100, Number.NaN, -5, 0),
      exactSums: new Map([[1, 2n ** 60n]]),
    };
    const job = { tablePath: table, windowMicros: FIVE_MIN_US } as ExecutorJob;
    const adds = await writeEmittedRows(job, [part]);
    const byPartition = adds.map((a) => `${a.partitionValues.hour}/${a.partitionValues.customer_id}`).sort();
    assert.deepEqual(byPartition, ['0/7', '23/7', '23/8']);
    for (const a of adds) assert.ok(a.path.startsWith(`hour=${a.partitionValues.hour}/customer_id=${a.partitionValues.customer_id}/part-`));
    await commit(table, adds.map((add) => ({ add })), { readVersion: 0, operation: 'WRITE' });
    const rows = canonicalRows(await readTableRows(table)).map((r) => `${(r.window as Record<string, string>).start} ${r.customer_id} ${r.event_count} ${r.total_amount} ${r.hour}`).sort();
    assert.deepEqual(rows, [
      `${base + FIVE_MIN_US} 7 2 11529215046068469.76 0`,
      `${base + HOUR_US} 7 4 0.00 0`,
      `${base} 7 1 1.00 23`,
      `${base} 8 3 -0.05 23`,
    ].sort());
  });
});
