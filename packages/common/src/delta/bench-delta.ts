/**
 * Benchmark (not a test): 1,000,000 aggregate rows → Arrow → Parquet (zstd) + stats → Delta commit.
 *   node packages/common/dist/delta/bench-delta.js [rows]
 * Target: < 1.5 s on one core.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGGREGATE_TABLE_SCHEMA, buildAggregateTable } from './aggregate-table';
import { createTable } from './create-table';
import { writeDataFile } from './data-file';
import { commit } from './transaction';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-bench-delta-'));
  try {
    await createTable(table, AGGREGATE_TABLE_SCHEMA);
    const windowStartMicros = new Float64Array(rows);
    const customerId = new Int32Array(rows);
    const count = new Float64Array(rows);
    const sumCents = new Float64Array(rows);
    const base = 1_700_000_000_000_000;
    for (let i = 0; i < rows; i++) {
      windowStartMicros[i] = base + Math.floor(i / 100_000) * 300_000_000;
      customerId[i] = i % 100_000;
      count[i] = 1 + (i % 17);
      sumCents[i] = ((i * 7919) % 1_000_000) - 250_000;
    }
    const t0 = process.hrtime.bigint();
    const data = buildAggregateTable({ length: rows, windowStartMicros, customerId, count, sumCents }, 300_000_000);
    const t1 = process.hrtime.bigint();
    const add = await writeDataFile(table, data);
    const t2 = process.hrtime.bigint();
    await commit(table, [{ add }], { readVersion: 0, operation: 'STREAMING UPDATE', txn: { appId: 'bench', version: 0 } });
    const t3 = process.hrtime.bigint();
    const s = (a: bigint, b: bigint): string => (Number(b - a) / 1e9).toFixed(3);
    console.log(
      `rows=${rows} build=${s(t0, t1)}s parquet+stats+fsync=${s(t1, t2)}s commit=${s(t2, t3)}s total=${s(t0, t3)}s file=${(add.size / 1e6).toFixed(1)}MB`,
    );
  } finally {
    await fs.rm(table, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
