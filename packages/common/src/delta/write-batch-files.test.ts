import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CanonicalValue } from './row-format';
import { BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, TIMESTAMP, decimalType, sqlField } from '../schema/sql-type';
import { AddFile } from './actions';
import { ALL_TYPES, ALL_TYPES_CANONICAL, ALL_TYPES_ROWS, batchOf } from '../testing/column-batches';
import { createTable } from './create-table';
import { partitionRows } from './partition-batch';
import { readSnapshot, snapshotSchema } from './snapshot';
import { sqlFieldsOf, deltaSchemaOf } from './sql-schema';
import { canonicalRows } from './row-format';
import { readTableRows } from './table-reader';
import { commit } from './transaction';
import { writeBatchFiles } from './write-batch-files';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const byJson = (a: unknown, b: unknown): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
const sorted = (rows: Record<string, CanonicalValue>[]): Record<string, CanonicalValue>[] => [...rows].sort(byJson);

async function commitAdds(table: string, adds: AddFile[], readVersion: number): Promise<void> {
  const result = await commit(storage, table, adds.map((add) => ({ add })), { readVersion, operation: 'WRITE' });
  assert.ok(!result.skipped);
}

describe('batches of any schema as Delta data files', () => {
  let table: string;
  beforeEach(async () => {
    table = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-batch-files-'));
  });
  afterEach(async () => {
    await fs.rm(table, { recursive: true, force: true });
  });

  it('writes every type, nested structs and arrays included, and reads the table back exactly', async () => {
    await createTable(storage, table, deltaSchemaOf(ALL_TYPES));
    const adds = await writeBatchFiles(storage, table, batchOf(ALL_TYPES, ALL_TYPES_ROWS));
    assert.equal(adds.length, 1);
    const add = adds[0];
    assert.match(add.path, /^part-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    assert.deepEqual(add.partitionValues, {});
    assert.equal(add.size, (await fs.stat(path.join(table, add.path))).size);
    assert.equal(add.dataChange, true);
    assert.equal(JSON.parse(add.stats!).numRecords, 4);
    await commitAdds(table, adds, 0);

    const snapshot = await readSnapshot(storage, table);
    assert.deepEqual(sqlFieldsOf(snapshotSchema(snapshot)), ALL_TYPES);
    assert.deepEqual(canonicalRows(await readTableRows(storage, table)), ALL_TYPES_CANONICAL);
  });

  it('splits files at maxRowsPerFile', async () => {
    await createTable(storage, table, deltaSchemaOf(ALL_TYPES));
    const adds = await writeBatchFiles(storage, table, batchOf(ALL_TYPES, ALL_TYPES_ROWS), { maxRowsPerFile: 3 });
    assert.deepEqual(adds.map((a) => JSON.parse(a.stats!).numRecords).sort(), [1, 3]);
    await commitAdds(table, adds, 0);
    assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted(ALL_TYPES_CANONICAL));
  });

  it('partitions by date and string under escaped Hive directories, nulls in __HIVE_DEFAULT_PARTITION__', async () => {
    const schema = [sqlField('id', INT), sqlField('day', DATE), sqlField('region', STRING), sqlField('amount', decimalType(38, 18))];
    const rows = [
      { id: 1, day: -1, region: 'a/b=c:d%', amount: -1n },
      { id: 2, day: null, region: 'eu', amount: 10n ** 38n - 1n },
      { id: 3, day: -1, region: 'a/b=c:d%', amount: 5n },
      { id: 4, day: 19000, region: null, amount: null },
      { id: 5, day: 19000, region: '', amount: 0n },
      { id: 6, day: -1, region: 'ü ñ', amount: 1n },
      { id: 7, day: -719162, region: 'x', amount: -(10n ** 38n - 1n) },
    ];
    await createTable(storage, table, deltaSchemaOf(schema), { partitionColumns: ['day', 'region'] });
    const adds = await writeBatchFiles(storage, table, batchOf(schema, rows), { partitionBy: ['day', 'region'] });
    // 19000 days after 1970-01-01 is 2022-01-08.
    const byDir = new Map(adds.map((a) => [a.path.slice(0, a.path.lastIndexOf('/')), a]));
    assert.deepEqual([...byDir.keys()].sort(), [
      'day=1969-12-31/region=a%252Fb%253Dc%253Ad%2525',
      'day=1969-12-31/region=%C3%BC%20%C3%B1',
      'day=2022-01-08/region=__HIVE_DEFAULT_PARTITION__',
      'day=__HIVE_DEFAULT_PARTITION__/region=eu',
      'day=0001-01-01/region=x',
    ].sort());
    assert.deepEqual(byDir.get('day=1969-12-31/region=a%252Fb%253Dc%253Ad%2525')!.partitionValues, { day: '1969-12-31', region: 'a/b=c:d%' });
    assert.deepEqual(byDir.get('day=__HIVE_DEFAULT_PARTITION__/region=eu')!.partitionValues, { day: null, region: 'eu' });
    // A null and an empty string are the same (null) partition, as in Spark.
    const nulls = byDir.get('day=2022-01-08/region=__HIVE_DEFAULT_PARTITION__')!;
    assert.deepEqual(nulls.partitionValues, { day: '2022-01-08', region: null });
    assert.equal(JSON.parse(nulls.stats!).numRecords, 2);
    // On disk, the directory name is Hive-escaped once.
    await fs.access(path.join(table, 'day=1969-12-31', 'region=a%2Fb%3Dc%3Ad%25'));
    // The files hold only the data columns; stats name them only.
    const stats = JSON.parse(byDir.get('day=1969-12-31/region=a%252Fb%253Dc%253Ad%2525')!.stats!);
    assert.deepEqual(stats, {
      numRecords: 2,
      minValues: { id: 1, amount: -0.000000000000000001 },
      maxValues: { id: 3, amount: 0.000000000000000005 },
      nullCount: { id: 0, amount: 0 },
    });
    const statsText = byDir.get('day=1969-12-31/region=a%252Fb%253Dc%253Ad%2525')!.stats!;
    assert.ok(statsText.includes('"amount":-0.000000000000000001'), statsText);

    await commitAdds(table, adds, 0);
    const back = sorted(canonicalRows(await readTableRows(storage, table)));
    assert.deepEqual(back, sorted([
      { id: '1', day: '1969-12-31', region: 'a/b=c:d%', amount: '-0.000000000000000001' },
      { id: '2', day: null, region: 'eu', amount: '99999999999999999999.999999999999999999' },
      { id: '3', day: '1969-12-31', region: 'a/b=c:d%', amount: '0.000000000000000005' },
      { id: '4', day: '2022-01-08', region: null, amount: null },
      { id: '5', day: '2022-01-08', region: null, amount: '0.000000000000000000' },
      { id: '6', day: '1969-12-31', region: 'ü ñ', amount: '0.000000000000000001' },
      { id: '7', day: '0001-01-01', region: 'x', amount: '-99999999999999999999.999999999999999999' },
    ]));
  });

  it('partitions by timestamp, boolean, decimal, long, int and double with the protocol serialisation', async () => {
    const schema = [
      sqlField('ts', TIMESTAMP), sqlField('flag', BOOLEAN), sqlField('price', decimalType(38, 2)), sqlField('big', LONG),
      sqlField('n', INT), sqlField('x', DOUBLE), sqlField('payload', STRING),
    ];
    const keys = ['ts', 'flag', 'price', 'big', 'n', 'x'];
    const rows = [
      { ts: -1n, flag: true, price: -(10n ** 37n), big: -(2n ** 63n), n: -7, x: -0.5, payload: 'p1' },
      { ts: 1700000000123456n, flag: false, price: 5n, big: 2n ** 53n + 1n, n: 2147483647, x: Number.NaN, payload: 'p2' },
      { ts: null, flag: null, price: null, big: null, n: null, x: null, payload: 'p3' },
      { ts: -1n, flag: true, price: -(10n ** 37n), big: -(2n ** 63n), n: -7, x: -0.5, payload: 'p4' },
    ];
    await createTable(storage, table, deltaSchemaOf(schema), { partitionColumns: keys });
    const batch = batchOf(schema, rows);
    const parts = partitionRows(batch, keys);
    assert.deepEqual(parts.map((p) => [p.values, [...p.rows]]), [
      [{ ts: '1969-12-31T23:59:59.999999Z', flag: 'true', price: '-100000000000000000000000000000000000.00', big: '-9223372036854775808', n: '-7', x: '-0.5' }, [0, 3]],
      [{ ts: '2023-11-14T22:13:20.123456Z', flag: 'false', price: '0.05', big: '9007199254740993', n: '2147483647', x: 'NaN' }, [1]],
      [{ ts: null, flag: null, price: null, big: null, n: null, x: null }, [2]],
    ]);
    const adds = await writeBatchFiles(storage, table, batch, { partitionBy: keys });
    assert.equal(adds.length, 3);
    assert.ok(adds.some((a) => a.path.startsWith('ts=1969-12-31T23%253A59%253A59.999999Z/flag=true/price=-100000000000000000000000000000000000.00/')));
    await commitAdds(table, adds, 0);
    assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted([
      { ts: '-1', flag: true, price: '-100000000000000000000000000000000000.00', big: '-9223372036854775808', n: '-7', x: -0.5, payload: 'p1' },
      { ts: '1700000000123456', flag: false, price: '0.05', big: '9007199254740993', n: '2147483647', x: 'NaN', payload: 'p2' },
      { ts: null, flag: null, price: null, big: null, n: null, x: null, payload: 'p3' },
      { ts: '-1', flag: true, price: '-100000000000000000000000000000000000.00', big: '-9223372036854775808', n: '-7', x: -0.5, payload: 'p4' },
    ]));
  });

  it('writes several batches as they come: a partition gathers its rows from every batch, files cut at maxRowsPerFile across batches', async () => {
    const schema = [sqlField('id', INT), sqlField('day', DATE), sqlField('name', STRING), sqlField('amount', decimalType(10, 2))];
    const row = (id: number, day: number) => ({ id, day, name: `n${id}`, amount: BigInt(id * 100 + 1) });
    // Batch 1 lies wholly in day 1; batch 2 straddles days 1 and 2; batch 3 wholly in day 2.
    const b1 = batchOf(schema, [row(1, 1), row(2, 1), row(3, 1)]);
    const b2 = batchOf(schema, [row(4, 2), row(5, 1), row(6, 2)]);
    const b3 = batchOf(schema, [row(7, 2), row(8, 2)]);
    await createTable(storage, table, deltaSchemaOf(schema), { partitionColumns: ['day'] });
    const adds = await writeBatchFiles(storage, table, [b1, batchOf(schema, []), b2, b3], { partitionBy: ['day'], maxRowsPerFile: 3 });
    // day 1: rows 1, 2, 3 | 5 (cut at 3 rows); day 2: rows 4, 6, 7 | 8. 1970-01-02 and 1970-01-03.
    const files = adds.map((a) => [a.partitionValues.day, JSON.parse(a.stats!).numRecords, JSON.parse(a.stats!).minValues.id, JSON.parse(a.stats!).maxValues.id]);
    assert.deepEqual(files, [['1970-01-02', 3, 1, 3], ['1970-01-02', 1, 5, 5], ['1970-01-03', 3, 4, 7], ['1970-01-03', 1, 8, 8]]);
    await commitAdds(table, adds, 0);
    const expected = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({
      id: String(id), day: [4, 6, 7, 8].includes(id) ? '1970-01-03' : '1970-01-02', name: `n${id}`, amount: `${id}.01`,
    }));
    assert.deepEqual(sorted(canonicalRows(await readTableRows(storage, table))), sorted(expected));
  });

  it('writes no file for no rows', async () => {
    assert.deepEqual(await writeBatchFiles(storage, table, [batchOf([sqlField('id', INT)], [])]), []);
    assert.deepEqual(await writeBatchFiles(storage, table, []), []);
  });

  it('refuses partition columns that are missing or not scalar', () => {
    const schema = [sqlField('raw', { kind: 'binary' }), sqlField('n', INT)];
    const batch = batchOf(schema, [{ raw: new Uint8Array(1), n: 1 }]);
    assert.throws(() => partitionRows(batch, ['nope']), /'nope' is not a column/);
    assert.throws(() => partitionRows(batch, ['raw']), /'raw' has type binary/);
  });
});
