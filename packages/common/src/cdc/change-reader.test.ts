import assert from 'node:assert/strict';
import { rowsOf, type Plain } from '../decode/column-rows-fixture';
import { chunkOf } from '../decode/record-chunk-fixture';
import { decimalType, LONG, sqlField, STRING, TIMESTAMP } from '../schema/sql-type';
import { type ChangeBatch, OP_NAMES } from './change-batch';
import type { ChangeSourceSpec, DebeziumPosition } from './cdc-spec';
import { createChangeReader } from './change-reader';
import { comparePositions } from './position';

const COLUMNS = [sqlField('ID', LONG, false), sqlField('NAME', STRING), sqlField('AMOUNT', decimalType(12, 2)), sqlField('UPDATED', TIMESTAMP)];

function spec(format: 'goldengate' | 'debezium', position: DebeziumPosition | null = null): ChangeSourceSpec {
  return { format, columns: COLUMNS, keys: ['ID'], position, timeZone: 'UTC', maxValueBytes: 1 << 16 };
}

interface Change { op: string; table: string; pos: [number, number]; time: number | null; row: { [k: string]: Plain }; present: string[]; record: number }

function changes(b: ChangeBatch): Change[] {
  const rows = rowsOf(b.row);
  return rows.map((row, i) => ({
    op: OP_NAMES[b.op[i]],
    table: b.tables[b.table[i]],
    pos: [b.posMajor[i], b.posMinor[i]],
    time: b.opTimeValid[i] === 1 ? b.opTime[i] : null,
    row,
    present: COLUMNS.filter((_, c) => b.present[c][i] === 1).map((f) => f.name),
    record: b.recordIndex[i],
  }));
}

function read(s: ChangeSourceSpec, values: (string | null)[]) {
  const reader = createChangeReader(s);
  const bad: { index: number; reason: string; detail: string }[] = [];
  const batch = reader.decode(chunkOf(values), (_c, index, reason, detail) => bad.push({ index, reason, detail: detail() }));
  return { changes: changes(batch), bad, reader };
}

const gg = (o: object) => JSON.stringify({ table: 'SHOP.ORDERS', op_ts: '2026-01-01 10:00:00.123456', current_ts: '2026-01-01T10:00:01.000000', primary_keys: ['ID'], ...o });

describe('change events → change rows', () => {
  describe('Oracle GoldenGate JSON', () => {
    it('reads an insert, a full update, a compressed update, a delete and a truncate', () => {
      const { changes: c, bad } = read(spec('goldengate'), [
        gg({ op_type: 'I', pos: '00000000000000001444', after: { ID: 1, NAME: 'ann', AMOUNT: 10.5, UPDATED: '2026-01-01 10:00:00.000001' } }),
        gg({ op_type: 'U', pos: '00000000000000001500', before: { ID: 1, NAME: 'ann', AMOUNT: 10.5, UPDATED: null }, after: { ID: 1, NAME: 'bob', AMOUNT: 11, UPDATED: null } }),
        gg({ op_type: 'U', pos: '00000000010000000007', before: { ID: 1 }, after: { ID: 1, AMOUNT: 12.25 } }),
        gg({ op_type: 'D', pos: '00000000010000000008', before: { ID: 1, NAME: 'bob', AMOUNT: 12.25, UPDATED: null } }),
        gg({ op_type: 'T', pos: '00000000010000000009' }),
      ]);
      assert.deepEqual(bad, []);
      assert.deepEqual(c.map((x) => [x.op, x.table, x.pos, x.present, x.record]), [
        ['INSERT', 'SHOP.ORDERS', [0, 1444], ['ID', 'NAME', 'AMOUNT', 'UPDATED'], 0],
        ['UPDATE', 'SHOP.ORDERS', [0, 1500], ['ID', 'NAME', 'AMOUNT', 'UPDATED'], 1],
        ['UPDATE', 'SHOP.ORDERS', [1, 7], ['ID', 'AMOUNT'], 2],
        ['DELETE', 'SHOP.ORDERS', [1, 8], ['ID'], 3],
        ['TRUNCATE', 'SHOP.ORDERS', [1, 9], [], 4],
      ]);
      assert.deepEqual(c[0].row, { ID: 1n, NAME: 'ann', AMOUNT: 1050n, UPDATED: 1767261600000001n });
      assert.deepEqual(c[2].row, { ID: 1n, NAME: null, AMOUNT: 1225n, UPDATED: null });
      assert.equal(c[3].row.ID, 1n);
      assert.equal(c[0].time, Date.UTC(2026, 0, 1, 10) * 1000 + 123456);
    });

    it('takes _isMissing flags over the values beside them, and a present null as a change to null', () => {
      const { changes: c, bad } = read(spec('goldengate'), [
        gg({ op_type: 'U', pos: '2', before: { ID: 3 }, after: { ID: 3, NAME: null, NAME_isMissing: false, AMOUNT: null, AMOUNT_isMissing: true, UPDATED_isMissing: true } }),
      ]);
      assert.deepEqual(bad, []);
      assert.deepEqual(c[0].present, ['ID', 'NAME']);
      assert.equal(c[0].row.NAME, null);
    });

    it('reads a primary-key update as a delete of the old key and an insert of the new row at one position', () => {
      const { changes: c, bad } = read(spec('goldengate'), [
        gg({ op_type: 'U', pos: '77', before: { ID: 5, NAME: 'x', AMOUNT: 1, UPDATED: null }, after: { ID: 6, NAME: 'x', AMOUNT: 1, UPDATED: null } }),
      ]);
      assert.deepEqual(bad, []);
      assert.deepEqual(c.map((x) => [x.op, x.row.ID, x.pos, x.present.length, x.record]), [['DELETE', 5n, [0, 77], 1, 0], ['INSERT', 6n, [0, 77], 4, 0]]);
    });

    it('refuses, naming the problem, a partial key update, an unknown op_type, a pos that is not digits and a missing key', () => {
      const { changes: c, bad } = read(spec('goldengate'), [
        gg({ op_type: 'U', pos: '1', before: { ID: 5 }, after: { ID: 6, NAME: 'y' } }),
        gg({ op_type: 'X', pos: '2', after: { ID: 1 } }),
        gg({ op_type: 'I', pos: '12ab', after: { ID: 1 } }),
        gg({ op_type: 'D', pos: '3', before: { NAME: 'n' } }),
        gg({ op_type: 'I', pos: '4', after: { ID: null, NAME: 'n' } }),
        gg({ op_type: 'I', pos: '5', after: { ID: 9, NAME: 'ok' } }),
      ]);
      assert.deepEqual(bad.map((b) => [b.index, b.reason]), [[0, 'MISSING_FIELD'], [1, 'WRONG_TYPE'], [2, 'WRONG_TYPE'], [3, 'MISSING_FIELD'], [4, 'NULL_FIELD']]);
      assert.match(bad[0].detail, /primary-key update must carry the whole after image; it has no AMOUNT/);
      assert.match(bad[1].detail, /op_type "X"/);
      assert.match(bad[3].detail, /before image has no key column ID/);
      assert.deepEqual(c.map((x) => [x.op, x.row.ID, x.record]), [['INSERT', 9n, 5]]);
    });

    it('compares 20-digit positions as numbers, not as text', () => {
      const { changes: c } = read(spec('goldengate'), [
        gg({ op_type: 'I', pos: '99999999990000000000', after: { ID: 1 } }),
        gg({ op_type: 'I', pos: '100000000000000000000', after: { ID: 1 } }),
        gg({ op_type: 'I', pos: '9', after: { ID: 1 } }),
        gg({ op_type: 'I', pos: '10', after: { ID: 1 } }),
      ]);
      const cmp = (a: Change, b: Change) => comparePositions(a.pos[0], a.pos[1], b.pos[0], b.pos[1]);
      assert.ok(cmp(c[0], c[1]) < 0, 'a 21-digit pos is after a 20-digit one');
      assert.ok(cmp(c[2], c[3]) < 0, '9 is before 10');
      assert.ok(cmp(c[3], c[0]) < 0);
      assert.deepEqual(c[0].pos, [9999999999, 0]);
    });
  });

  describe('Debezium envelope', () => {
    const dbz = (o: object, source: object) => JSON.stringify({ ts_ms: 1767261601000, ...o, source: { ts_ms: 1767261600000, db: 'shop', table: 'orders', ...source } });

    it('reads c, r, u, d, t with PostgreSQL LSNs, skipping tombstones', () => {
      const { changes: c, bad, reader } = read(spec('debezium', 'lsn'), [
        dbz({ op: 'r', before: null, after: { ID: 1, NAME: 'a', AMOUNT: 1, UPDATED: null } }, { schema: 'public', lsn: 100 }),
        dbz({ op: 'c', before: null, after: { ID: 2, NAME: 'b', AMOUNT: 2, UPDATED: null } }, { schema: 'public', lsn: 24023128 }),
        dbz({ op: 'u', before: null, after: { ID: 2, NAME: 'c', AMOUNT: 3.5, UPDATED: null } }, { schema: 'public', lsn: 24023200 }),
        dbz({ op: 'd', before: { ID: 2, NAME: 'c', AMOUNT: 3.5, UPDATED: null }, after: null }, { schema: 'public', lsn: 90000000001 }),
        null,
        dbz({ op: 't', before: null, after: null }, { schema: 'public', lsn: 90000000002 }),
      ]);
      assert.deepEqual(bad, []);
      assert.equal(reader.skippedTombstones, 1);
      assert.deepEqual(c.map((x) => [x.op, x.table, x.pos, x.row.ID, x.present.length, x.time, x.record]), [
        ['INSERT', 'public.orders', [0, 100], 1n, 4, 1767261600000000, 0],
        ['INSERT', 'public.orders', [0, 24023128], 2n, 4, 1767261600000000, 1],
        ['UPDATE', 'public.orders', [0, 24023200], 2n, 4, 1767261600000000, 2],
        ['DELETE', 'public.orders', [9, 1], 2n, 1, 1767261600000000, 3],
        ['TRUNCATE', 'public.orders', [9, 2], null, 0, 1767261600000000, 5],
      ]);
      assert.equal(c[2].row.AMOUNT, 350n);
    });

    it('orders MySQL binlog positions by file index, then position, then row', () => {
      const { changes: c, bad } = read(spec('debezium', 'binlog'), [
        dbz({ op: 'c', after: { ID: 1 } }, { file: 'mysql-bin.000009', pos: 99999, row: 0 }),
        dbz({ op: 'c', after: { ID: 1 } }, { file: 'mysql-bin.000010', pos: 4, row: 0 }),
        dbz({ op: 'c', after: { ID: 1 } }, { file: 'mysql-bin.000010', pos: 4, row: 1 }),
        dbz({ op: 'c', after: { ID: 1 } }, { file: 'mysql-bin', pos: 4 }),
      ]);
      assert.deepEqual(bad.map((b) => [b.index, b.reason]), [[3, 'WRONG_TYPE']]);
      assert.equal(c[0].table, 'shop.orders');
      const cmp = (a: Change, b: Change) => comparePositions(a.pos[0], a.pos[1], b.pos[0], b.pos[1]);
      assert.ok(cmp(c[0], c[1]) < 0, 'file 10 pos 4 is after file 9 pos 99999 (text would say otherwise: "4" > "99999")');
      assert.ok(cmp(c[1], c[2]) < 0);
    });

    it('compares Oracle SCNs past 10^9 as numbers', () => {
      const { changes: c, bad } = read(spec('debezium', 'scn'), [
        dbz({ op: 'c', after: { ID: 1 } }, { schema: 'SHOP', scn: '999999999' }),
        dbz({ op: 'u', after: { ID: 1 } }, { schema: 'SHOP', scn: '1000000000' }),
        dbz({ op: 'u', after: { ID: 1 } }, { schema: 'SHOP', scn: '12345678901234567890' }),
        dbz({ op: 'u', after: { ID: 1 } }, { schema: 'SHOP' }),
      ]);
      assert.deepEqual(bad.map((b) => [b.index, b.reason]), [[3, 'WRONG_TYPE']]);
      assert.ok(comparePositions(c[0].pos[0], c[0].pos[1], c[1].pos[0], c[1].pos[1]) < 0);
      assert.deepEqual(c[2].pos, [1234567890, 1234567890]);
    });

    it('refuses a delete without its before image and an unknown op', () => {
      const { bad } = read(spec('debezium', 'lsn'), [
        dbz({ op: 'd', before: null, after: null }, { lsn: 1 }),
        dbz({ op: 'x', after: { ID: 1 } }, { lsn: 2 }),
      ]);
      assert.deepEqual(bad.map((b) => [b.index, b.reason]), [[0, 'MISSING_FIELD'], [1, 'WRONG_TYPE']]);
    });
  });
});
