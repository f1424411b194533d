import assert from 'node:assert/strict';
import { CdcSpec, ChangeSourceSpec, LONG, OP, sqlField, STRING } from '@tributary/common';
import { chunkOf } from '@tributary/common/dist/decode/record-chunk-fixture';
import { rowsOf } from '../aggregate/group-by/group-by.test-support';
import { decodeChanges } from './cdc-codec';
import { decodeRouteFrames } from './cdc-route-frames';
import { CdcRouter } from './cdc-router';

const ORDERS = [sqlField('ID', LONG, false), sqlField('NAME', STRING)];
const CUSTOMERS = [sqlField('CUST', STRING, false), sqlField('REGION', STRING)];
const source = (columns: typeof ORDERS, keys: string[]) => ({ format: 'goldengate' as const, columns, keys, position: null, timeZone: 'UTC', maxValueBytes: 1 << 16 });
const P = 4;

/** ORDERS to the query's own table (route 0), CUSTOMERS to route 1; AUDIT unrouted. */
const SPEC: CdcSpec = {
  source: source(ORDERS, ['ID']), keyColumns: [0], sourceTable: 'SHOP.ORDERS', exceptColumns: [], storedAs: 'scd1', tombstoneRetentionMicros: 1e12,
  routes: [{
    source: source(CUSTOMERS, ['CUST']), keyColumns: [0], sourceTable: 'SHOP.CUSTOMERS', exceptColumns: [], storedAs: 'scd1', tombstoneRetentionMicros: 1e12,
    output: CUSTOMERS, path: '/tables/customers',
  }],
};

const gg = (table: string, op: string, pos: number | null, images: object) =>
  JSON.stringify({ table, op_type: op, op_ts: '2026-01-01 10:00:00.000000', ...(pos === null ? {} : { pos: String(pos).padStart(20, '0') }), ...images });

describe('CdcRouter: one change stream routed to a table per source table', () => {
  it('sends each routed table\'s changes to the partitions of its own route, a truncate to every partition of its route only, and reports each bad record once', () => {
    const records = [
      gg('SHOP.ORDERS', 'I', 100, { after: { ID: 1, NAME: 'a' } }),
      gg('SHOP.CUSTOMERS', 'I', 101, { after: { CUST: 'c1', REGION: 'EU' } }),
      gg('SHOP.AUDIT', 'I', 102, { after: { ID: 'x-1', TEXT: 'an id ORDERS could not read' } }),
      gg('SHOP.CUSTOMERS', 'T', 103, {}),
      '{not json',
      gg('SHOP.CUSTOMERS', 'U', 104, { after: { REGION: 'US' } }),
      gg('SHOP.ORDERS', 'D', 105, { before: { ID: 2 } }),
      gg('SHOP.ORDERS', 'I', null, { after: { ID: 3, NAME: 'no position' } }),
    ];
    const router = new CdcRouter(SPEC, ORDERS, '/tables/orders', P);
    const chunk = chunkOf(records);
    const bad: string[] = [];
    const decoded = router.decode(chunk, (_c, i, reason) => bad.push(`${i} ${reason}`));
    router.route(decoded.value, chunk);
    const out = router.finish();

    assert.deepEqual(bad.sort(), ['4 MALFORMED_JSON', '5 MISSING_FIELD', '7 MISSING_FIELD'], 'each bad record once; AUDIT\'s string ID is not ORDERS\' problem');
    assert.equal(out.otherTables, 1, 'the AUDIT change is counted, not applied');
    assert.deepEqual(out.tables, ['SHOP.ORDERS', 'SHOP.CUSTOMERS']);
    assert.equal(out.parts.length, P);
    assert.equal(out.sentRowsByPartition.length, 2 * P, 'route r\'s rows to partition p are counted at r·P + p');

    const byRoute: { op: number; key: string | null }[][][] = [[], []];
    for (const [p, part] of out.parts.entries()) {
      const frames = decodeRouteFrames(part.bytes, 2);
      assert.equal(part.rows, frames[0].rows + frames[1].rows);
      frames.forEach((f, r) => {
        assert.equal(f.rows, out.sentRowsByPartition[r * P + p]);
        const rows = f.rows === 0 ? [] : (() => {
          const d = decodeChanges(r === 0 ? ORDERS : CUSTOMERS, f.bytes);
          const cells = rowsOf(d.row);
          return Array.from({ length: d.count }, (_, i) => ({ op: d.op[i], key: d.op[i] === OP.TRUNCATE ? null : String(cells[i][0]) }));
        })();
        byRoute[r][p] = rows;
      });
    }
    const orders = byRoute[0].flat();
    assert.deepEqual(orders.map((x) => `${x.op}:${x.key}`).sort(), [`${OP.DELETE}:2`, `${OP.INSERT}:1`].sort(), 'ORDERS: its insert and delete, nothing of other tables');
    for (let p = 0; p < P; p++) {
      assert.equal(byRoute[1][p].filter((x) => x.op === OP.TRUNCATE).length, 1, `the CUSTOMERS truncate reaches CUSTOMERS partition ${p}`);
      assert.equal(byRoute[0][p].filter((x) => x.op === OP.TRUNCATE).length, 0, `and not ORDERS partition ${p}`);
    }
    assert.deepEqual(byRoute[1].flat().filter((x) => x.op !== OP.TRUNCATE).map((x) => `${x.op}:${x.key}`), [`${OP.INSERT}:c1`]);
  });

  it('routes Debezium tables by schema.table alike; tombstones are skipped and counted once', () => {
    const dbz = (t: string, op: string, lsn: number, after: object) => JSON.stringify({ before: null, after, op, ts_ms: 1772359200123, source: { ts_ms: 1772359200000, db: 'shop', schema: 'shop', table: t, lsn } });
    const debezium = (s: ChangeSourceSpec): ChangeSourceSpec => ({ ...s, format: 'debezium', position: 'lsn' });
    const spec: CdcSpec = {
      ...SPEC, source: debezium(SPEC.source), sourceTable: 'shop.orders',
      routes: [{ ...SPEC.routes![0], source: debezium(SPEC.routes![0].source), sourceTable: 'shop.customers' }],
    };
    const router = new CdcRouter(spec, ORDERS, '/tables/orders', P);
    const chunk = chunkOf([dbz('orders', 'c', 100, { ID: 1, NAME: 'a' }), dbz('customers', 'c', 101, { CUST: 'c1', REGION: 'EU' }), null, dbz('audit', 'c', 102, { ID: 'x' })]);
    router.route(router.decode(chunk, (_c, i, reason) => assert.fail(`record ${i} reported bad: ${reason}`)).value, chunk);
    const out = router.finish();
    assert.equal(out.otherTables, 1);
    assert.equal(out.skippedTombstones, 1);
    assert.deepEqual([0, 1].map((r) => out.sentRowsByPartition.slice(r * P, (r + 1) * P).reduce((a, n) => a + n, 0)), [1, 1]);
  });

  it('keeps a query of one table unframed: cdc-changes/v1 per partition, P counts', () => {
    const { routes: _routes, ...single } = SPEC;
    const router = new CdcRouter(single, ORDERS, '/tables/orders', P);
    const chunk = chunkOf([gg('SHOP.ORDERS', 'I', 100, { after: { ID: 1, NAME: 'a' } }), gg('SHOP.OTHER', 'I', 101, { after: { ID: 9 } })]);
    router.route(router.decode(chunk, () => assert.fail('no bad record')).value, chunk);
    const out = router.finish();
    assert.equal(out.sentRowsByPartition.length, P);
    assert.equal(out.otherTables, 1);
    const sent = out.parts.filter((p) => p.rows > 0);
    assert.equal(sent.length, 1);
    assert.equal(decodeChanges(ORDERS, sent[0].bytes).count, 1);
  });
});
