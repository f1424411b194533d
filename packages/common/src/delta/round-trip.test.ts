import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as arrow from 'apache-arrow';
import { AGGREGATE_TABLE_SCHEMA, buildAggregateTable } from '../testing/aggregate-table';
import { createTable } from './create-table';
import { writeDataFile } from './data-file';
import { readSnapshot } from './snapshot';
import { readTableRows } from './table-reader';
import { commit, kafkaOffsetTxns } from './transaction';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const FIVE_MIN_US = 300_000_000;

/** Raw int64 of row i (timestamps as µs, not Arrow's ms doubles). */
function int64At(vector: arrow.Vector, i: number): bigint {
  let chunkStart = 0;
  for (const d of vector.data) {
    if (i < chunkStart + d.length) return (d.values as BigInt64Array)[i - chunkStart];
    chunkStart += d.length;
  }
  throw new Error('row out of range');
}

/** Signed value of row i of a Decimal128 column from its four little-endian 32-bit words. */
function decimalAt(vector: arrow.Vector, i: number): bigint {
  let chunkStart = 0;
  for (const d of vector.data) {
    if (i < chunkStart + d.length) {
      const w = d.values as Uint32Array;
      const j = (i - chunkStart) * 4;
      const u = BigInt(w[j]) + (BigInt(w[j + 1]) << 32n) + (BigInt(w[j + 2]) << 64n) + (BigInt(w[j + 3]) << 96n);
      return u >= 1n << 127n ? u - (1n << 128n) : u;
    }
    chunkStart += d.length;
  }
  throw new Error('row out of range');
}

describe('aggregate rows through Parquet and the Delta log', () => {
  let table: string;
  beforeEach(async () => {
    table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-roundtrip-'));
  });
  afterEach(async () => {
    await fs.rm(table, { recursive: true, force: true });
  });

  it('reads back three committed batches exactly, with their txn versions', async () => {
    await createTable(storage, table, AGGREGATE_TABLE_SCHEMA, { configuration: { 'delta.appendOnly': 'true' } });
    const batches = [
      // Microsecond window starts, a sum beyond 2^53 cents (BigInt64Array) and negatives.
      {
        start: [1700000000123456, 1700000000123456],
        customer: [7, -2147483648],
        count: [3, 9007199254740991],
        sums: new BigInt64Array([1234567890123456789n, -5n]),
        exact: undefined,
      },
      // Float64 cents (the common case), including zero and a negative.
      { start: [0, -FIVE_MIN_US], customer: [1, 2147483647], count: [1, 2], sums: new Float64Array([0, -123456789012]), exact: undefined },
      // Beyond int64: the largest and smallest DECIMAL(20,2) values, carried as exact BigInts.
      {
        start: [1800000000000000, 1800000000000000],
        customer: [5, 6],
        count: [10, 11],
        sums: new Float64Array([0, 0]),
        exact: new Map([[0, 99999999999999999999n], [1, -99999999999999999999n]]),
      },
    ];
    let version = 0;
    for (let n = 0; n < batches.length; n++) {
      const b = batches[n];
      const data = buildAggregateTable(
        {
          length: 2,
          windowStartMicros: new Float64Array(b.start),
          customerId: new Int32Array(b.customer),
          count: new Float64Array(b.count),
          sumCents: b.sums,
          sumCentsExact: b.exact,
        },
        FIVE_MIN_US,
      );
      const addFile = await writeDataFile(storage, table, data);
      assert.match(addFile.path, /^part-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
      assert.equal(addFile.size, (await fs.stat(path.join(table, addFile.path))).size);
      const txns = kafkaOffsetTxns('q', 'events', { 0: String(100 * (n + 1)) }).map((t) => ({ txn: t }));
      const result = await commit(storage, table, [{ add: addFile }, ...txns], { readVersion: version, operation: 'STREAMING UPDATE', txn: { appId: 'q', version: n } });
      assert.ok(!result.skipped);
      version = result.version;
    }

    const snapshot = await readSnapshot(storage, table);
    assert.equal(snapshot.version, 3);
    assert.equal(snapshot.txns.get('q'), 2);
    assert.equal(snapshot.txns.get('q-events-0'), 300);

    const rows = await readTableRows(storage, table);
    assert.equal(rows.numRows, 6);
    const window = rows.getChild('window')!;
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    const customers: number[] = [];
    const counts: bigint[] = [];
    const sums: bigint[] = [];
    for (let i = 0; i < rows.numRows; i++) {
      assert.ok(window.isValid(i));
      starts.push(int64At(window.getChildAt(0)!, i));
      ends.push(int64At(window.getChildAt(1)!, i));
      customers.push(rows.getChild('customer_id')!.get(i));
      counts.push(rows.getChild('event_count')!.get(i));
      sums.push(decimalAt(rows.getChild('total_amount')!, i));
    }
    // Files are read in path order (random uuids), so compare as sets of rows.
    const got = starts.map((s, i) => `${s}|${ends[i]}|${customers[i]}|${counts[i]}|${sums[i]}`).sort();
    const expected = [
      '1700000000123456|1700000300123456|7|3|1234567890123456789',
      '1700000000123456|1700000300123456|-2147483648|9007199254740991|-5',
      '0|300000000|1|1|0',
      '-300000000|0|2147483647|2|-123456789012',
      '1800000000000000|1800000300000000|5|10|99999999999999999999',
      '1800000000000000|1800000300000000|6|11|-99999999999999999999',
    ].sort();
    assert.deepEqual(got, expected);
  });
});
