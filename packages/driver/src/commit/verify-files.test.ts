import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddFile, buildAggregateTable, writeDataFile } from '@tributary/common';
import { DataFileRejected, pathProblem, verifyDataFiles } from './verify-files';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

function table(n: number) {
  return buildAggregateTable({
    length: n, windowStartMicros: new Float64Array(n).fill(1_700_000_000_000_000), customerId: Int32Array.from({ length: n }, (_, i) => i),
    count: new Float64Array(n).fill(1), sumCents: new Float64Array(n).fill(5),
  }, 300_000_000);
}

describe('verifying reported data files', () => {
  it('accepts relative, normalised paths inside the table, percent-encoded partition directories included', () => {
    for (const p of ['part-1.parquet', 'date=2024-01-01/part-1.parquet', 'k=a%253Ab/part-1.parquet', 'a%20b/part.parquet']) assert.equal(pathProblem(p), undefined, p);
  });

  it('refuses paths that leave the table, are absolute, carry a scheme or are not normalised, before and after decoding', () => {
    for (const p of ['../escape/x.parquet', 'a/../../x.parquet', '/tmp/x.parquet', 'file:/tmp/x.parquet', 's3://bucket/x.parquet',
      '%2E%2E/x.parquet', 'a%2F..%2F..%2Fx.parquet', '%2Ftmp%2Fx.parquet', './x.parquet', 'a//x.parquet', '', 'a\\..\\x', 'x%00.parquet', '%zz.parquet']) {
      assert.ok(pathProblem(p), `${JSON.stringify(p)} must be refused`);
    }
    assert.ok(pathProblem(undefined));
  });

  describe('on disk', () => {
    let dir: string;
    let good: AddFile;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trib-verify-'));
      good = await writeDataFile(storage, dir, table(7));
    });
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));

    it('returns the rows of files that are there, of their size, with footers matching their stats', async () => {
      const other = await writeDataFile(storage, dir, table(3));
      assert.equal(await verifyDataFiles(storage, dir, [good, other], 'reduce task'), 10);
      assert.equal(await verifyDataFiles(storage, dir, [], 'reduce task'), 0);
    });

    const refuses = async (adds: AddFile[], problem: RegExp) => {
      await assert.rejects(verifyDataFiles(storage, dir, adds, 'reduce task on executor e'), (err: Error) => {
        assert.ok(err instanceof DataFileRejected);
        assert.match(err.message, /reduce task on executor e reported file "/);
        assert.match(err.message, problem);
        return true;
      });
    };

    it('refuses a missing file, a wrong size, stats that disagree with the footer, a duplicate, a symlink and a non-Parquet file', async () => {
      await refuses([{ ...good, path: 'part-missing.parquet' }], /cannot be read \(ENOENT\)/);
      await refuses([{ ...good, size: good.size + 1 }], /has \d+ bytes, the report says \d+/);
      const stats = JSON.parse(good.stats!);
      await refuses([{ ...good, stats: JSON.stringify({ ...stats, numRecords: 8 }) }], /footer holds 7 rows, the stats say 8/);
      await refuses([{ ...good, stats: undefined }], /no numRecords/);
      await refuses([good, { ...good }], /reported twice/);
      await fs.symlink(path.join(dir, decodeURIComponent(good.path)), path.join(dir, 'link.parquet'));
      // A symbolic link is no object to local storage: refused as no regular file.
      await refuses([{ ...good, path: 'link.parquet' }], /cannot be read \(ENOENT\): .*not a regular file/);
      await fs.writeFile(path.join(dir, 'text.parquet'), 'x'.repeat(good.size));
      await refuses([{ ...good, path: 'text.parquet' }], /Parquet footer cannot be read/);
      await refuses([{ ...good, path: '../escape/x.parquet' }], /leaves the table/);
    });
  });
});
