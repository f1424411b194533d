/**
 * Interop of tables of any schema (writeBatchFiles) with the JVM Delta reference implementation
 * (delta-spark 3.3 on Spark 3.5; test/support/delta-peer.ts): the JVM reads every SQL type, nested
 * structs and arrays, and partitioned tables, with the rows Tributary's own reader gives and the
 * rows written by hand; Delta's own statistics over the same files equal Tributary's; data
 * skipping with Tributary's statistics loses no row.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ALL_TYPES, ALL_TYPES_CANONICAL, ALL_TYPES_ROWS, AddFile, batchOf, canonicalRows, CanonicalValue, commit, createTable,
  decimalType, deltaSchemaOf, parseSchemaString, readTableRows, sqlField, SqlField, TestValue, writeBatchFiles,
  BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, TIMESTAMP, structType,
} from '@tributary/common';
import { DeltaPeer, PeerSnapshot } from '../support/delta-peer';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

/**
 * JSON with every number kept exactly, as plain decimal text without trailing fraction zeros
 * (Spark writes `-1E-18` where Tributary writes `-0.000000000000000001`; both are that number).
 */
function exactJson(text: string): unknown {
  const plain = (num: string): string => {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(num)!;
    const digits = m[2] + (m[3] ?? '');
    const point = m[2].length + Number(m[4] ?? 0); // digits before the decimal point
    const whole = point <= 0 ? '0' : digits.padEnd(point, '0').slice(0, point).replace(/^0+(?=\d)/, '');
    const frac = (point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(point, 0))).replace(/0+$/, '');
    const value = frac === '' ? whole : `${whole}.${frac}`;
    return m[1] === '-' && /[1-9]/.test(value) ? `-${value}` : value;
  };
  const quoted = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (t) => (t.startsWith('"') ? t : JSON.stringify(`#${plain(t)}`)));
  return JSON.parse(quoted);
}

const multiset = (rows: Record<string, CanonicalValue>[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

const PARTITIONED = [sqlField('id', INT), sqlField('day', DATE), sqlField('region', STRING), sqlField('amount', decimalType(38, 18))];
const PARTITIONED_ROWS: Record<string, TestValue>[] = [
  { id: 1, day: -1, region: 'a/b=c:d%', amount: -1n },
  { id: 2, day: null, region: 'eu', amount: 10n ** 38n - 1n },
  { id: 3, day: -1, region: 'a/b=c:d%', amount: 5n },
  { id: 4, day: 19000, region: null, amount: null },
  { id: 5, day: 19000, region: '', amount: 0n },
  { id: 6, day: -1, region: 'ü ñ #?', amount: 1n },
  { id: 7, day: -719162, region: 'x', amount: -(10n ** 38n - 1n) },
];
const PARTITIONED_CANONICAL = [
  { id: '1', day: '1969-12-31', region: 'a/b=c:d%', amount: '-0.000000000000000001' },
  { id: '2', day: null, region: 'eu', amount: '99999999999999999999.999999999999999999' },
  { id: '3', day: '1969-12-31', region: 'a/b=c:d%', amount: '0.000000000000000005' },
  { id: '4', day: '2022-01-08', region: null, amount: null },
  { id: '5', day: '2022-01-08', region: null, amount: '0.000000000000000000' },
  { id: '6', day: '1969-12-31', region: 'ü ñ #?', amount: '0.000000000000000001' },
  { id: '7', day: '0001-01-01', region: 'x', amount: '-99999999999999999999.999999999999999999' },
];

const KEYED = [
  sqlField('ts', TIMESTAMP), sqlField('flag', BOOLEAN), sqlField('price', decimalType(38, 2)), sqlField('big', LONG),
  sqlField('n', INT), sqlField('x', DOUBLE), sqlField('payload', STRING),
];
const KEYS = ['ts', 'flag', 'price', 'big', 'n', 'x'];
const KEYED_ROWS: Record<string, TestValue>[] = [
  { ts: -1n, flag: true, price: -(10n ** 37n), big: -(2n ** 63n), n: -7, x: -0.5, payload: 'p1' },
  { ts: 1700000000123456n, flag: false, price: 5n, big: 2n ** 53n + 1n, n: 2147483647, x: 1e21, payload: 'p2' },
  { ts: null, flag: null, price: null, big: null, n: null, x: null, payload: 'p3' },
];
const KEYED_CANONICAL = [
  { ts: '-1', flag: true, price: '-100000000000000000000000000000000000.00', big: '-9223372036854775808', n: '-7', x: -0.5, payload: 'p1' },
  { ts: '1700000000123456', flag: false, price: '0.05', big: '9007199254740993', n: '2147483647', x: 1e21, payload: 'p2' },
  { ts: null, flag: null, price: null, big: null, n: null, x: null, payload: 'p3' },
];

describe('Delta interop of tables of any schema with the JVM reference implementation', function () {
  let peer: DeltaPeer;
  let dir: string;
  before(async function () {
    this.timeout(300_000);
    peer = await DeltaPeer.start();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-interop-any-'));
  });
  after(async () => {
    await peer?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function writeTable(name: string, fields: readonly SqlField[], rows: Record<string, TestValue>[], partitionBy: string[] = [], maxRowsPerFile?: number): Promise<{ table: string; adds: AddFile[] }> {
    const table = path.join(dir, name);
    await createTable(storage, table, deltaSchemaOf(fields), { partitionColumns: partitionBy });
    const adds = await writeBatchFiles(storage, table, batchOf(fields, rows), { partitionBy, maxRowsPerFile });
    const r = await commit(storage, table, adds.map((add) => ({ add })), { readVersion: 0, operation: 'WRITE' });
    assert.ok(!r.skipped);
    return { table, adds };
  }

  /** The JVM, Tributary's reader and the hand-written rows agree. */
  async function assertRows(table: string, expected: Record<string, CanonicalValue>[]): Promise<PeerSnapshot> {
    const theirs = await peer.read(table);
    assert.ok(theirs.ok, `the JVM could not read ${table}: ${!theirs.ok ? theirs.error : ''}`);
    const t = theirs as PeerSnapshot;
    assert.deepEqual(multiset(t.rows), multiset(expected));
    assert.deepEqual(multiset(canonicalRows(await readTableRows(storage, table))), multiset(expected));
    return t;
  }

  it('reads every SQL type, nested structs and arrays, decimal(38) extremes, pre-1970 dates and µs timestamps', async () => {
    const { table } = await writeTable('all-types', ALL_TYPES, ALL_TYPES_ROWS, [], 3);
    const t = await assertRows(table, ALL_TYPES_CANONICAL);
    assert.deepEqual(parseSchemaString(t.schema!), deltaSchemaOf(ALL_TYPES));
  });

  it('reads tables partitioned by date and string with nulls, empty strings and characters needing escapes', async () => {
    const { table } = await writeTable('by-day-region', PARTITIONED, PARTITIONED_ROWS, ['day', 'region']);
    const t = await assertRows(table, PARTITIONED_CANONICAL);
    assert.deepEqual(t.partitionColumns, ['day', 'region']);
  });

  it('reads tables partitioned by timestamp, boolean, decimal, long, int and double', async () => {
    const { table } = await writeTable('by-six-keys', KEYED, KEYED_ROWS, KEYS);
    await assertRows(table, KEYED_CANONICAL);
  });

  it('filters with data skipping on Tributary\'s statistics and loses no row', async () => {
    const { table } = await writeTable('skipping', ALL_TYPES, ALL_TYPES_ROWS, [], 1);
    const q = `delta.\`${table}\``;
    // Expected counts from ALL_TYPES_ROWS, by hand.
    const cases: [string, number][] = [
      ['n >= 2147483647', 1],
      ['big = 9223372036854775807', 1],
      ['big < -9223372036854775807', 1],
      ["name > 'b'", 1],
      ["name = ''", 1],
      ['price = 9999999999.99', 1],
      ['huge = 99999999999999999999999999999999999999', 1],
      ['huge = -99999999999999999999999999999999999999', 1],
      ['fine = -0.000000000000000001', 1],
      ["ts = TIMESTAMP '1969-12-31 23:59:59.999999'", 1],
      ["ts > TIMESTAMP '2023-11-14 22:13:20.123'", 1],
      ["day = DATE '0001-01-01'", 1],
      ["x > 100", 1], // NaN is above every number in Spark
      ['user.id = 7', 1],
      ['flag IS NULL', 1],
    ];
    for (const [where, n] of cases) {
      const rows = await peer.sql(`SELECT count(*) AS c FROM ${q} WHERE ${where}`);
      assert.equal(rows[0].c, String(n), where);
    }
  });

  it('Spark writing the same rows gives the same file statistics', async () => {
    const fields = [
      sqlField('n', INT), sqlField('big', LONG), sqlField('x', DOUBLE), sqlField('name', STRING), sqlField('price', decimalType(12, 2)),
      sqlField('huge', decimalType(38, 0)), sqlField('fine', decimalType(38, 18)), sqlField('ts', TIMESTAMP), sqlField('day', DATE),
      sqlField('flag', BOOLEAN), sqlField('s', structType([sqlField('id', LONG), sqlField('label', STRING)])),
    ];
    const nines = '9'.repeat(38);
    const long1 = 'a'.repeat(40);
    const long2 = 'b'.repeat(33);
    const long3 = 'b'.repeat(31) + '𝄞zz';
    const rows: Record<string, TestValue>[] = [
      { n: 1, big: 9007199254740993n, x: 1.5, name: long1, price: 1234n, huge: BigInt(nines), fine: 1_500_000_000_000_000_000n, ts: -1n, day: -1, flag: true, s: { id: 7n, label: long2 } },
      { n: -2147483648, big: -(2n ** 63n), x: Number.NaN, name: '', price: -5n, huge: -BigInt(nines), fine: -1n, ts: 1700000000123456n, day: 11016, flag: false, s: null },
      { n: 2147483647, big: null, x: Number.NEGATIVE_INFINITY, name: null, price: null, huge: null, fine: null, ts: null, day: null, flag: null, s: { id: null, label: 'héllo ✓ 𝄞' } },
      { n: 0, big: 2n ** 63n - 1n, x: null, name: long3, price: 999999999999n, huge: 0n, fine: 123456789_123456789012345678n, ts: -2208988799999999n, day: -25567, flag: true, s: { id: -1n, label: null } },
    ];
    // The same rows as Spark SQL literals (2000-02-29 is day 11016; 1900-01-01 is day -25567).
    const values = [
      `(1, 9007199254740993, CAST(1.5 AS DOUBLE), '${long1}', 12.34, CAST('${nines}' AS DECIMAL(38,0)), CAST('1.5' AS DECIMAL(38,18)), TIMESTAMP'1969-12-31 23:59:59.999999', DATE'1969-12-31', true, named_struct('id', 7L, 'label', '${long2}'))`,
      `(-2147483648, CAST('-9223372036854775808' AS BIGINT), CAST('NaN' AS DOUBLE), '', -0.05, CAST('-${nines}' AS DECIMAL(38,0)), CAST('-0.000000000000000001' AS DECIMAL(38,18)), TIMESTAMP'2023-11-14 22:13:20.123456', DATE'2000-02-29', false, CAST(NULL AS STRUCT<id: BIGINT, label: STRING>))`,
      `(2147483647, CAST(NULL AS BIGINT), CAST('-Infinity' AS DOUBLE), CAST(NULL AS STRING), CAST(NULL AS DECIMAL(12,2)), CAST(NULL AS DECIMAL(38,0)), CAST(NULL AS DECIMAL(38,18)), CAST(NULL AS TIMESTAMP), CAST(NULL AS DATE), CAST(NULL AS BOOLEAN), named_struct('id', CAST(NULL AS BIGINT), 'label', 'héllo ✓ 𝄞'))`,
      `(0, 9223372036854775807, CAST(NULL AS DOUBLE), '${long3}', 9999999999.99, CAST('0' AS DECIMAL(38,0)), CAST('123456789.123456789012345678' AS DECIMAL(38,18)), TIMESTAMP'1900-01-01 00:00:00.000001', DATE'1900-01-01', true, named_struct('id', -1L, 'label', CAST(NULL AS STRING)))`,
    ];
    const { adds } = await writeTable('stats-ours', fields, rows);
    const spark = path.join(dir, 'stats-spark');
    const ddl = 'n INT, big BIGINT, x DOUBLE, name STRING, price DECIMAL(12,2), huge DECIMAL(38,0), fine DECIMAL(38,18), ts TIMESTAMP, day DATE, flag BOOLEAN, s STRUCT<id: BIGINT, label: STRING>';
    await peer.sql(`CREATE TABLE delta.\`${spark}\` (${ddl}) USING delta`);
    await peer.sql(`INSERT INTO delta.\`${spark}\` SELECT /*+ COALESCE(1) */ * FROM VALUES ${values.join(', ')} AS v(${fields.map((f) => f.name).join(', ')})`);
    await assertRows(spark, canonicalRows(await readTableRows(storage, path.join(dir, 'stats-ours'))));
    const log = await fs.readFile(path.join(spark, '_delta_log', '00000000000000000001.json'), 'utf8');
    const theirs = log.split('\n').filter((l) => l.includes('"add"')).map((l) => (JSON.parse(l).add as AddFile).stats!);
    assert.equal(theirs.length, 1);
    assert.equal(adds.length, 1);
    assert.deepEqual(exactJson(adds[0].stats!), exactJson(theirs[0]), `ours   ${adds[0].stats}\ntheirs ${theirs[0]}`);
  });
});
