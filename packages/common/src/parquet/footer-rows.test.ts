import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDataFile } from '../delta';
import { buildAggregateTable } from '../testing/aggregate-table';
import { footerRowCount, ParquetFooterError, readParquetRowCount } from './footer-rows';
import { readFooter } from './thrift-footer.testkit';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

function rows(n: number) {
  const windowStartMicros = new Float64Array(n);
  const customerId = new Int32Array(n);
  const count = new Float64Array(n);
  const sumCents = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    windowStartMicros[i] = 1_700_000_000_000_000 + (i % 7) * 300_000_000;
    customerId[i] = i;
    count[i] = 1 + (i % 3);
    sumCents[i] = i * 13;
  }
  return buildAggregateTable({ length: n, windowStartMicros, customerId, count, sumCents }, 300_000_000);
}

/** A FileMetaData with field 1 (version), an empty field 2 list, then num_rows written by `numRows`. */
function footer(numRowsField: number[]): Uint8Array {
  return Uint8Array.from([0x15, 0x02, 0x19, 0x0c, ...numRowsField, 0x00]);
}

/** Zig-zag varint of a non-negative n. */
function zigzagVarint(n: number): number[] {
  let v = n * 2;
  const out: number[] = [];
  while (v >= 128) { out.push((v % 128) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
  return out;
}

describe('the Parquet footer row count', () => {
  let dir: string;
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trib-footer-')); });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('equals the rows written and the stats numRecords, for files written by the project\'s Parquet writer', async () => {
    for (const n of [1, 1000, 70_000]) {
      const add = await writeDataFile(storage, dir, rows(n));
      const file = path.join(dir, decodeURIComponent(add.path));
      assert.equal(await readParquetRowCount(storage, file), n);
      assert.equal(JSON.parse(add.stats!).numRecords, n);
      // The independent test decoder reads the same field 3 (num_rows).
      assert.equal(Number(readFooter(await fs.readFile(file))[3]), n);
    }
  });

  it('reads num_rows past 2^32, and with a long-form field header', () => {
    assert.equal(footerRowCount(footer([0x16, ...zigzagVarint(5_000_000_000)])), 5_000_000_000);
    // Delta 0: the field id follows as a zig-zag varint (3 → 6).
    assert.equal(footerRowCount(Uint8Array.from([0x15, 0x02, 0x19, 0x0c, 0x06, 0x06, ...zigzagVarint(12), 0x00])), 12);
  });

  it('refuses files that are not Parquet, are truncated, or whose footer lacks num_rows', async () => {
    const text = path.join(dir, 'text.parquet');
    await fs.writeFile(text, 'this is not a parquet file at all');
    await assert.rejects(readParquetRowCount(storage, text), ParquetFooterError);
    const add = await writeDataFile(storage, dir, rows(10));
    const real = await fs.readFile(path.join(dir, decodeURIComponent(add.path)));
    const cut = path.join(dir, 'cut.parquet');
    await fs.writeFile(cut, real.subarray(0, real.length - 3));
    await assert.rejects(readParquetRowCount(storage, cut), ParquetFooterError);
    const lying = Buffer.from(real);
    lying.writeUInt32LE(real.length, real.length - 8); // a footer longer than the file
    const lyingFile = path.join(dir, 'lying.parquet');
    await fs.writeFile(lyingFile, lying);
    await assert.rejects(readParquetRowCount(storage, lyingFile), /does not fit/);
    assert.throws(() => footerRowCount(Uint8Array.from([0x15, 0x02, 0x00])), /no num_rows/);
    assert.throws(() => footerRowCount(Uint8Array.from([0x15, 0x02, 0x19])), ParquetFooterError);
  });
});
