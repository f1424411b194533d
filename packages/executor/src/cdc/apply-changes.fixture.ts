/**
 * For the apply tests only: changes and tables of SCHEMA (id, name, amount) written as plain
 * objects, and a seeded source database whose change log (positions increasing, commit time = 10 ×
 * the position's step) and final rows a test compares with.
 */
import { batchOf, ColumnBatch, decimalType, LONG, OP, sqlField, STRING, TestValue } from '@tributary/common';
import type { CdcRows } from './apply-changes';

export const SCHEMA = [sqlField('id', LONG, false), sqlField('name', STRING), sqlField('amount', decimalType(10, 2))];
export const COLS = SCHEMA.map((f) => f.name);
export type Row = { id: number; name: string | null; amount: number | null };
type Op = 'I' | 'U' | 'D' | 'T';
/** A change as a test writes it: `row` holds the columns it carries (a partial update: some). */
export interface C { op: Op; pos: [number, number]; row?: Partial<Row>; time?: number }
const OPS = { I: OP.INSERT, U: OP.UPDATE, D: OP.DELETE, T: OP.TRUNCATE };

export function rowsOfChanges(list: readonly C[]): CdcRows {
  const n = list.length;
  const plain = list.map((c) => {
    const r: Record<string, TestValue> = {};
    for (const k of COLS) {
      const v = (c.row as Record<string, unknown> | undefined)?.[k];
      r[k] = v === undefined || v === null ? null : k === 'name' ? (v as string) : BigInt(v as number);
    }
    return r;
  });
  return {
    count: n,
    op: Uint8Array.from(list, (c) => OPS[c.op]),
    posMajor: Float64Array.from(list, (c) => c.pos[0]),
    posMinor: Float64Array.from(list, (c) => c.pos[1]),
    opTime: Float64Array.from(list, (c) => c.time ?? NaN),
    tie: Float64Array.from(list, (_, i) => i),
    present: COLS.map((k) => Uint8Array.from(list, (c) => (c.op === 'I' || (c.row !== undefined && k in c.row) ? 1 : 0))),
    row: batchOf(SCHEMA, plain),
  };
}

export function table(rows: readonly Row[]): ColumnBatch {
  return batchOf(SCHEMA, rows.map((r) => ({ id: BigInt(r.id), name: r.name, amount: r.amount === null ? null : BigInt(r.amount) })));
}

export function plainRows(b: ColumnBatch, sorted = true): Row[] {
  const out: Row[] = [];
  const [id, name, amount] = b.columns as unknown as [{ values: Float64Array }, { validity: Uint8Array | null; offsets: Int32Array; data: Uint8Array }, { validity: Uint8Array | null; values: Float64Array }];
  for (let i = 0; i < b.count; i++) {
    out.push({
      id: id.values[i],
      name: name.validity !== null && name.validity[i] === 0 ? null : Buffer.from(name.data.subarray(name.offsets[i], name.offsets[i + 1])).toString(),
      amount: amount.validity !== null && amount.validity[i] === 0 ? null : amount.values[i],
    });
  }
  return sorted ? out.sort((a, b) => a.id - b.id) : out;
}

/** A source table played by a seeded generator: its change log (positions increasing) and its final rows. */
export function sourceDatabase(rnd: () => number, steps: number): { log: C[]; final: Row[] } {
  const rows = new Map<number, Row>();
  const log: C[] = [];
  let pos = 1;
  let nextId = 1;
  const next = (): [number, number] => [Math.floor(pos / 100), pos++ % 100];
  for (let s = 0; s < steps; s++) {
    const live = [...rows.keys()];
    const pick = () => live[Math.floor(rnd() * live.length)];
    const r = rnd();
    if (live.length === 0 || r < 0.35) {
      const row = { id: nextId++, name: `n${s}`, amount: Math.floor(rnd() * 1000) };
      rows.set(row.id, row);
      log.push({ op: 'I', pos: next(), row: { ...row } });
    } else if (r < 0.55) {
      const row = rows.get(pick()) as Row;
      row.amount = Math.floor(rnd() * 1000);
      row.name = rnd() < 0.2 ? null : `u${s}`;
      log.push({ op: 'U', pos: next(), row: { ...row } });
    } else if (r < 0.75) {
      const row = rows.get(pick()) as Row;
      row.amount = Math.floor(rnd() * 1000);
      log.push({ op: 'U', pos: next(), row: { id: row.id, amount: row.amount } }); // compressed
    } else if (r < 0.87) {
      const id = pick();
      rows.delete(id);
      log.push({ op: 'D', pos: next(), row: { id } });
    } else if (r < 0.97) {
      // a key update: delete of the old key, insert of the new row, at one position
      const old = rows.get(pick()) as Row;
      rows.delete(old.id);
      const row = { ...old, id: nextId++ };
      rows.set(row.id, row);
      const p = next();
      log.push({ op: 'D', pos: p, row: { id: old.id } }, { op: 'I', pos: p, row: { ...row } });
    } else {
      rows.clear();
      log.push({ op: 'T', pos: next() });
    }
  }
  return { log: log.map((c) => ({ ...c, time: (c.pos[0] * 100 + c.pos[1]) * 10 })), final: [...rows.values()].sort((a, b) => a.id - b.id) };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
