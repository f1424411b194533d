/**
 * Debezium's change-event envelope (JSON converter without schemas, or the `payload` of one with
 * them is not read: configure `value.converter.schemas.enable=false`):
 *
 *   { "before": {...} | null, "after": {...} | null, "op": "u", "ts_ms": 1767261600123,
 *     "source": { "ts_ms": 1767261600000, "db": "shop", "schema": "public", "table": "orders",
 *                 "lsn": 24023128, "scn": "10000000123", "file": "mysql-bin.000003", "pos": 154, "row": 0 } }
 *
 * op c (create), r (snapshot read), u (update), d (delete), t (truncate). Debezium writes full
 * images; a key change arrives as a delete of the old key and a create of the new one (plus a
 * Kafka tombstone, which is skipped). The position is the one field of `source` the spec names:
 * lsn (PostgreSQL, an integer), scn (Oracle, digits as text), binlog (MySQL file, pos, row).
 * The table is source.schema.table, or source.db.table when there is no schema (MySQL). The commit
 * time is source.ts_ms, else ts_ms.
 */
import type { ExactVector, StructVector } from '../columns/vector';
import { INT, LONG, sqlField, STRING, structType, type SqlField } from '../schema/sql-type';
import { OP, type Op } from './change-batch';
import type { ChangeSourceSpec } from './cdc-spec';
import { type Envelope, letterOf, shown, textOf } from './envelope';
import { imageFields } from './goldengate-envelope';
import { binlogPosition, digitsPosition, integerPosition } from './position';

const OP_FIELD = 2;
const TS_MS = 3;
const SOURCE = 4;
// source's children
const S_TS_MS = 0;
const S_DB = 1;
const S_SCHEMA = 2;
const S_TABLE = 3;
const S_LSN = 4;
const S_SCN = 5;
const S_FILE = 6;
const S_POS = 7;
const S_ROW = 8;

export function debeziumEnvelope(spec: ChangeSourceSpec): Envelope {
  const image = structType(imageFields(spec.columns, false));
  const source = structType([
    sqlField('ts_ms', LONG), sqlField('db', STRING), sqlField('schema', STRING), sqlField('table', STRING),
    sqlField('lsn', LONG), sqlField('scn', STRING), sqlField('file', STRING), sqlField('pos', LONG), sqlField('row', INT),
  ]);
  const fields: SqlField[] = [
    sqlField('before', image), sqlField('after', image), sqlField('op', STRING, false), sqlField('ts_ms', LONG), sqlField('source', source),
  ];
  const kind = spec.position;
  if (kind === null) throw new RangeError('a Debezium source needs its position field (lsn, scn or binlog)');
  const tableText = new Uint8Array(1024);
  return {
    fields,
    missingFlags: false,
    tombstonesExpected: true,
    opOf(root: StructVector, i: number): Op | string {
      switch (letterOf(root, OP_FIELD, i)) {
        case 0x63: return OP.INSERT; // c
        case 0x72: return OP.INSERT; // r
        case 0x75: return OP.UPDATE; // u
        case 0x64: return OP.DELETE; // d
        case 0x74: return OP.TRUNCATE; // t
        default: return `op ${shown(root, OP_FIELD, i)} is not c, r, u, d or t`;
      }
    },
    positionOf(root, i, major, minor, at) {
      const src = root.children[SOURCE] as StructVector;
      if (src.validity !== null && src.validity[i] === 0) return 'the event has no source block';
      if (kind === 'scn') {
        const t = textOf(src, S_SCN, i);
        if (t !== null && digitsPosition(t.data, t.start, t.end, major, minor, at)) return null;
        return `source.scn ${shown(src, S_SCN, i)} is not 1 to 25 digits`;
      }
      if (kind === 'lsn') {
        const v = src.children[S_LSN] as ExactVector;
        if ((v.validity === null || v.validity[i] === 1) && integerPosition(v.values[i], v.wide?.get(i), major, minor, at)) return null;
        return 'source.lsn is missing or negative';
      }
      const file = textOf(src, S_FILE, i);
      const pos = src.children[S_POS] as ExactVector;
      const row = src.children[S_ROW] as { validity: Uint8Array | null; values: Int32Array };
      const rowValue = row.validity !== null && row.validity[i] === 0 ? 0 : row.values[i];
      const posValue = pos.validity !== null && pos.validity[i] === 0 ? NaN : pos.values[i];
      if (file !== null && binlogPosition(file.data, file.start, file.end, posValue, rowValue, major, minor, at)) return null;
      return `source.file ${shown(src, S_FILE, i)} and pos do not make a binlog position (a file name ending in its index, pos ≥ 0)`;
    },
    tableOf(root, i) {
      const src = root.children[SOURCE] as StructVector;
      if (src.validity !== null && src.validity[i] === 0) return null;
      const table = textOf(src, S_TABLE, i);
      if (table === null) return null;
      const owner = textOf(src, S_SCHEMA, i) ?? textOf(src, S_DB, i);
      if (owner === null) return table;
      const a = owner.end - owner.start;
      const b = table.end - table.start;
      const out = a + 1 + b <= tableText.length ? tableText : new Uint8Array(a + 1 + b);
      out.set(owner.data.subarray(owner.start, owner.end), 0);
      out[a] = 0x2e;
      out.set(table.data.subarray(table.start, table.end), a + 1);
      return { data: out, start: 0, end: a + 1 + b };
    },
    opTimeOf(root, i) {
      const src = root.children[SOURCE] as StructVector;
      const s = src.children[S_TS_MS] as ExactVector;
      if ((src.validity === null || src.validity[i] === 1) && (s.validity === null || s.validity[i] === 1)) return s.values[i] * 1000;
      const t = root.children[TS_MS] as ExactVector;
      return t.validity !== null && t.validity[i] === 0 ? NaN : t.values[i] * 1000;
    },
  };
}
