/**
 * Oracle GoldenGate's JSON (the operation formatter), one operation per record:
 *
 *   { "table": "SALES.ORDERS", "op_type": "U", "op_ts": "2026-01-01 10:00:00.123456",
 *     "current_ts": "...", "pos": "00000000020000001234", "primary_keys": ["ID"],
 *     "before": { "ID": 7, "AMOUNT": 10.50, ... }, "after": { "ID": 7, "AMOUNT": 12.00, ... } }
 *
 * op_type I (insert: after), U (update: before and after), D (delete: before), T (truncate: no
 * images). A compressed update's images hold the keys and the changed columns only; a column the
 * trail does not carry may also be written as `"C_isMissing": true` (then its value is ignored).
 * A primary-key update is a U whose before-image keys differ from its after-image keys.
 * `pos` (trail sequence number and RBA as digits) is the position; op_ts (no offset: the
 * spec's zone) the commit time. current_ts and primary_keys are not read: the keys are the
 * query's.
 */
import type { StructVector } from '../columns/vector';
import { BOOLEAN, sqlField, STRING, structType, TIMESTAMP, type SqlField } from '../schema/sql-type';
import { OP, type Op } from './change-batch';
import type { ChangeSourceSpec } from './cdc-spec';
import { type Envelope, letterOf, shown, textOf } from './envelope';
import { digitsPosition } from './position';

const TABLE = 0;
const OP_TYPE = 1;
const OP_TS = 2;
const POS = 3;

export function goldenGateEnvelope(spec: ChangeSourceSpec): Envelope {
  const image = structType(imageFields(spec.columns, true));
  const fields: SqlField[] = [
    sqlField('table', STRING, false),
    sqlField('op_type', STRING, false),
    sqlField('op_ts', TIMESTAMP),
    sqlField('pos', STRING, false),
    sqlField('before', image),
    sqlField('after', image),
  ];
  return {
    fields,
    missingFlags: true,
    tombstonesExpected: false,
    opOf(root: StructVector, i: number): Op | string {
      switch (letterOf(root, OP_TYPE, i)) {
        case 0x49: return OP.INSERT; // I
        case 0x55: return OP.UPDATE; // U
        case 0x44: return OP.DELETE; // D
        case 0x54: return OP.TRUNCATE; // T
        default: return `op_type ${shown(root, OP_TYPE, i)} is not I, U, D or T`;
      }
    },
    positionOf(root, i, major, minor, at) {
      const t = textOf(root, POS, i);
      if (t !== null && digitsPosition(t.data, t.start, t.end, major, minor, at)) return null;
      return `pos ${shown(root, POS, i)} is not 1 to 25 digits`;
    },
    tableOf: (root, i) => textOf(root, TABLE, i),
    opTimeOf(root, i) {
      const v = root.children[OP_TS] as { validity: Uint8Array | null; values: Float64Array };
      return v.validity !== null && v.validity[i] === 0 ? NaN : v.values[i];
    },
  };
}

/** An image's fields: every column, nullable (images are partial), with its `_isMissing` flag when `flags`. */
export function imageFields(columns: readonly SqlField[], flags: boolean): SqlField[] {
  const out = columns.map((c) => sqlField(c.name, c.type, true));
  if (flags) for (const c of columns) out.push(sqlField(`${c.name}_isMissing`, BOOLEAN, true));
  return out;
}
