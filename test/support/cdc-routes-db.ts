/**
 * A source database of several tables played by a seeded generator, for the end-to-end test of a
 * CDC query routing source tables to tables of their own (docs/cdc.md, "Several source tables"):
 *
 *   SHOP.ORDERS    (ID BIGINT NOT NULL, NAME STRING, AMOUNT DECIMAL(12,2), NOTE STRING)   key ID
 *   SHOP.CUSTOMERS (REGION STRING NOT NULL, CUST BIGINT NOT NULL, EMAIL STRING, SINCE TIMESTAMP)
 *                                                                                         key REGION, CUST
 *   SHOP.ITEMS     (SKU STRING NOT NULL, PRICE DECIMAL(10,2), QTY BIGINT)                  key SKU
 *   SHOP.AUDIT     (ID STRING NOT NULL, TEXT STRING): a table no route names (its ID is a
 *                  string where ORDERS' is a number, so a reader of the wrong table would choke)
 *
 * Each table is changed by inserts, full and compressed updates, deletes, primary-key updates and
 * truncates, all at strictly increasing log positions. The model keeps each table's rows itself
 * (plain objects), so the final state and the SCD type 2 history are computed independently of
 * the engine. The log renders as GoldenGate JSON records keyed by table name (GoldenGate writing
 * each table's operations in order to one Kafka partition).
 */
import { seededRandom } from '@tributary/common';
import type { SourceRecord } from './cdc-source-db';

type Value = bigint | string | number | null;
type Row = Record<string, Value>;

interface ColumnModel {
  name: string;
  /** A fresh value (never null for keys). */
  gen: (r: () => number, ts: number) => Value;
  /** The JSON text of a value as GoldenGate writes it. */
  json: (v: Value) => string;
  /** The value as canonicalRows shows it. */
  canon: (v: Value) => string | null;
}

interface TableModel { name: string; keys: string[]; columns: ColumnModel[]; truncateAt: number[] }

const BASE_MICROS = Date.UTC(2026, 2, 1, 10) * 1000;
const str = (v: Value) => JSON.stringify(v);
const num = (v: Value) => String(v);
const cents = (v: Value) => {
  const c = v as bigint;
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};
const time = (v: Value) => {
  const us = v as number;
  return JSON.stringify(`${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', ' ')}.${String(us % 1_000_000).padStart(6, '0')}`);
};
const nullable = (p: number, gen: ColumnModel['gen']): ColumnModel['gen'] => (r, ts) => (r() < p ? null : gen(r, ts));

export const ORDERS = 'SHOP.ORDERS';
export const CUSTOMERS = 'SHOP.CUSTOMERS';
export const ITEMS = 'SHOP.ITEMS';
export const AUDIT = 'SHOP.AUDIT';

let serial = 0;
export const TABLES: TableModel[] = [
  {
    name: ORDERS, keys: ['ID'], truncateAt: [900], columns: [
      { name: 'ID', gen: () => BigInt(++serial), json: num, canon: num },
      { name: 'NAME', gen: nullable(0.1, (r) => `name-${Math.floor(r() * 1e6)}`), json: str, canon: (v) => v as string },
      { name: 'AMOUNT', gen: nullable(0.1, (r) => BigInt(Math.floor(r() * 2e9)) - 10n ** 9n), json: cents, canon: cents },
      { name: 'NOTE', gen: (r) => `note-${Math.floor(r() * 100)}`, json: str, canon: (v) => v as string },
    ],
  },
  {
    name: CUSTOMERS, keys: ['REGION', 'CUST'], truncateAt: [1600], columns: [
      { name: 'REGION', gen: (r) => ['EU', 'US', 'APAC'][Math.floor(r() * 3)], json: str, canon: (v) => v as string },
      { name: 'CUST', gen: () => BigInt(++serial), json: num, canon: num },
      { name: 'EMAIL', gen: nullable(0.2, (r) => `c${Math.floor(r() * 1e6)}@example.com`), json: str, canon: (v) => v as string },
      { name: 'SINCE', gen: nullable(0.1, (r, ts) => ts - Math.floor(r() * 1e9)), json: time, canon: (v) => String(v) },
    ],
  },
  {
    name: ITEMS, keys: ['SKU'], truncateAt: [1200], columns: [
      { name: 'SKU', gen: () => `sku-${++serial}`, json: str, canon: (v) => v as string },
      { name: 'PRICE', gen: nullable(0.1, (r) => BigInt(Math.floor(r() * 1e6))), json: cents, canon: cents },
      { name: 'QTY', gen: nullable(0.1, (r) => BigInt(Math.floor(r() * 1000))), json: num, canon: num },
    ],
  },
  {
    name: AUDIT, keys: ['ID'], truncateAt: [], columns: [
      { name: 'ID', gen: () => `a-${++serial}`, json: str, canon: (v) => v as string },
      { name: 'TEXT', gen: (r) => `t-${Math.floor(r() * 1e6)}`, json: str, canon: (v) => v as string },
    ],
  },
];

/** One change of the log; `changed` lists the non-key columns a compressed update carries (null: full images). */
export type RoutedChange =
  | { op: 'I'; pos: bigint; ts: number; table: string; after: Row }
  | { op: 'U'; pos: bigint; ts: number; table: string; before: Row; after: Row; changed: string[] | null }
  | { op: 'D'; pos: bigint; ts: number; table: string; before: Row }
  | { op: 'T'; pos: bigint; ts: number; table: string };

const keyOf = (t: TableModel, row: Row) => t.keys.map((k) => String(row[k])).join('\u0000');

/** Plays `steps` operations over every table (truncating each at its steps); returns the log and each table's final rows. */
export function playRoutedDatabase(seed: number, steps: number): { log: RoutedChange[]; final: Map<string, Row[]> } {
  const r = seededRandom(seed);
  serial = 0;
  const rows = new Map(TABLES.map((t) => [t.name, new Map<string, Row>()]));
  const log: RoutedChange[] = [];
  let pos = 10_000_000_000n;
  let ts = BASE_MICROS;
  const next = () => {
    pos += BigInt(1 + Math.floor(r() * 500));
    ts += 1 + Math.floor(r() * 5000);
    return { pos, ts };
  };
  const fresh = (t: TableModel): Row => Object.fromEntries(t.columns.map((c) => [c.name, c.gen(r, ts)]));
  for (let s = 0; s < steps; s++) {
    const truncated = TABLES.find((x) => x.truncateAt.includes(s));
    if (truncated !== undefined) {
      rows.get(truncated.name)!.clear();
      log.push({ op: 'T', table: truncated.name, ...next() });
      continue;
    }
    const t = TABLES[Math.floor(r() * TABLES.length)];
    const live = rows.get(t.name)!;
    const keys = [...live.keys()];
    const pick = () => ({ ...live.get(keys[Math.floor(r() * keys.length)])! });
    const k = r();
    const nonKeys = t.columns.filter((c) => !t.keys.includes(c.name)).map((c) => c.name);
    if (keys.length < 5 || k < 0.3) {
      const row = fresh(t);
      live.set(keyOf(t, row), row);
      log.push({ op: 'I', table: t.name, ...next(), after: { ...row } });
    } else if (k < 0.5) {
      const before = pick();
      const f = fresh(t);
      const after = { ...before };
      for (const c of nonKeys) after[c] = f[c];
      live.set(keyOf(t, after), after);
      log.push({ op: 'U', table: t.name, ...next(), before, after: { ...after }, changed: null });
    } else if (k < 0.7) {
      const before = pick();
      const f = fresh(t);
      const changed = nonKeys.filter(() => r() < 0.5);
      if (changed.length === 0) changed.push(nonKeys[0]);
      const after = { ...before };
      for (const c of changed) after[c] = f[c];
      live.set(keyOf(t, after), after);
      log.push({ op: 'U', table: t.name, ...next(), before, after: { ...after }, changed });
    } else if (k < 0.88) {
      const before = pick();
      live.delete(keyOf(t, before));
      log.push({ op: 'D', table: t.name, ...next(), before });
    } else {
      // a primary-key update: the row moves to a new key (its last key column takes a fresh value)
      const before = pick();
      const last = t.keys[t.keys.length - 1];
      const after = { ...before, [last]: t.columns.find((c) => c.name === last)!.gen(r, ts) };
      live.delete(keyOf(t, before));
      live.set(keyOf(t, after), after);
      log.push({ op: 'U', table: t.name, ...next(), before, after: { ...after }, changed: null });
    }
  }
  return { log, final: new Map([...rows].map(([name, m]) => [name, [...m.values()]])) };
}

/** GoldenGate JSON (operation formatter) records keyed by table name; compressed updates sometimes flag a column `_isMissing`. */
export function routedGoldenGateRecords(log: readonly RoutedChange[], seed: number): SourceRecord[] {
  const r = seededRandom(seed);
  const model = (name: string) => TABLES.find((t) => t.name === name)!;
  const image = (t: TableModel, row: Row, columns: readonly string[]): string =>
    `{${columns.map((c) => `${JSON.stringify(c)}:${row[c] === null ? 'null' : t.columns.find((x) => x.name === c)!.json(row[c])}`).join(',')}}`;
  const ts = (us: number) => JSON.parse(time(us)) as string;
  return log.map((c) => {
    const t = model(c.table);
    const all = t.columns.map((x) => x.name);
    const head = `"table":${JSON.stringify(c.table)},"op_type":"${c.op}","op_ts":${JSON.stringify(ts(c.ts))},"pos":"${String(c.pos).padStart(20, '0')}","primary_keys":${JSON.stringify(t.keys)}`;
    switch (c.op) {
      case 'T': return { key: c.table, value: `{${head}}` };
      case 'I': return { key: c.table, value: `{${head},"after":${image(t, c.after, all)}}` };
      case 'D': return { key: c.table, value: `{${head},"before":${image(t, c.before, r() < 0.5 ? all : t.keys)}}` };
      case 'U': {
        if (c.changed === null) return { key: c.table, value: `{${head},"before":${image(t, c.before, all)},"after":${image(t, c.after, all)}}` };
        let after = image(t, c.after, [...t.keys, ...c.changed]);
        const missing = all.filter((x) => !t.keys.includes(x) && !c.changed!.includes(x));
        if (missing.length > 0 && r() < 0.5) after = `${after.slice(0, -1)},${missing.map((m) => `${JSON.stringify(m)}:null,${JSON.stringify(`${m}_isMissing`)}:true`).join(',')}}`;
        return { key: c.table, value: `{${head},"before":${image(t, c.before, t.keys)},"after":${after}}` };
      }
    }
  });
}

/** A table's final rows as canonicalRows shows them, without `except` columns. */
export function expectedTableRows(table: string, rows: readonly Row[], except: readonly string[] = []): Record<string, string | null>[] {
  const t = TABLES.find((x) => x.name === table)!;
  return rows.map((row) => Object.fromEntries(t.columns.filter((c) => !except.includes(c.name)).map((c) => [c.name, row[c.name] === null ? null : c.canon(row[c.name])])));
}

/**
 * A table's history as SCD type 2 keeps it (canonical form): one version per change of `table` in
 * log order, from its commit time until the next change of its key (or a truncate), the open ones
 * current. Computed from the model's log.
 */
export function expectedTableHistory(table: string, log: readonly RoutedChange[]): Record<string, string | boolean | null>[] {
  const t = TABLES.find((x) => x.name === table)!;
  const open = new Map<string, { row: Row; from: number }>();
  const out: Record<string, string | boolean | null>[] = [];
  const end = (row: Row, at: number) => {
    const v = open.get(keyOf(t, row));
    if (v === undefined) return;
    out.push({ ...expectedTableRows(table, [v.row])[0], __valid_from: String(v.from), __valid_to: String(at), __is_current: false });
    open.delete(keyOf(t, row));
  };
  for (const c of log) {
    if (c.table !== table) continue;
    switch (c.op) {
      case 'T': for (const v of [...open.values()]) end(v.row, c.ts); break;
      case 'D': end(c.before, c.ts); break;
      case 'I': end(c.after, c.ts); open.set(keyOf(t, c.after), { row: c.after, from: c.ts }); break;
      case 'U': end(c.before, c.ts); end(c.after, c.ts); open.set(keyOf(t, c.after), { row: c.after, from: c.ts }); break;
    }
  }
  for (const v of open.values()) out.push({ ...expectedTableRows(table, [v.row])[0], __valid_from: String(v.from), __valid_to: null, __is_current: true });
  return out;
}
