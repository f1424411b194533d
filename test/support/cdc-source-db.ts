/**
 * A source database played by a seeded generator, for the CDC end-to-end tests: one table
 * ORDERS(ID BIGINT NOT NULL, NAME STRING, AMOUNT DECIMAL(12,2), UPDATED TIMESTAMP, NOTE STRING)
 * changed by inserts, full and compressed updates, deletes, key updates and truncates, each at a
 * strictly increasing log position. The model keeps the table's rows itself (plain objects, BigInt
 * cents), so its final state is computed independently of the engine. The log renders as
 * GoldenGate JSON or Debezium JSON records, keyed by the row's key as the connectors key them.
 */
import { seededRandom } from '@tributary/common';
import type { EventBatch } from '@tributary/client';

export interface SourceRow { ID: bigint; NAME: string | null; AMOUNT: bigint | null; UPDATED: number | null; NOTE: string | null }
export type Column = Exclude<keyof SourceRow, 'ID'>;
const COLUMNS: Column[] = ['NAME', 'AMOUNT', 'UPDATED', 'NOTE'];

/** One change of the log; `changed` lists the columns a compressed update carries (null: a full image). */
export type SourceChange =
  | { op: 'I'; pos: bigint; ts: number; table: string; after: SourceRow }
  | { op: 'U'; pos: bigint; ts: number; table: string; before: SourceRow; after: SourceRow; changed: Column[] | null }
  | { op: 'D'; pos: bigint; ts: number; table: string; before: SourceRow }
  | { op: 'T'; pos: bigint; ts: number; table: string };

export const TABLE = 'SHOP.ORDERS';
export const OTHER_TABLE = 'SHOP.OTHER';
const BASE_MICROS = Date.UTC(2026, 2, 1, 10) * 1000;


/** Plays `steps` operations; truncates at the given steps. */
export function playSourceDatabase(seed: number, steps: number, truncateAt: readonly number[]): { log: SourceChange[]; final: SourceRow[] } {
  const r = seededRandom(seed);
  const rows = new Map<bigint, SourceRow>();
  const log: SourceChange[] = [];
  // GoldenGate-like positions: trail sequence × 10^10 + RBA; the RBA restarts with each trail file.
  let seq = 1n;
  let rba = 1000n;
  let ts = BASE_MICROS;
  let nextId = 1n;
  const next = () => {
    rba += BigInt(1 + Math.floor(r() * 500));
    if (r() < 0.01) { seq++; rba = BigInt(Math.floor(r() * 1000)); }
    ts += Math.floor(r() * 5000);
    return { pos: seq * 10_000_000_000n + rba, ts };
  };
  const value = (): Omit<SourceRow, 'ID'> => ({
    NAME: r() < 0.1 ? null : `name-${Math.floor(r() * 1e6)}`,
    AMOUNT: r() < 0.1 ? null : BigInt(Math.floor(r() * 2e9)) - 10n ** 9n,
    UPDATED: r() < 0.1 ? null : ts - Math.floor(r() * 1e9),
    NOTE: `note-${Math.floor(r() * 100)}`,
  });
  for (let s = 0; s < steps; s++) {
    if (truncateAt.includes(s)) {
      rows.clear();
      log.push({ op: 'T', table: TABLE, ...next() });
      continue;
    }
    if (r() < 0.05) {
      // a change of another table of the same source: not this query's
      log.push({ op: 'I', table: OTHER_TABLE, ...next(), after: { ID: nextId + 1_000_000n, ...value() } });
      continue;
    }
    const live = [...rows.keys()];
    const pick = () => rows.get(live[Math.floor(r() * live.length)]) as SourceRow;
    const k = r();
    if (live.length < 5 || k < 0.3) {
      const row = { ID: nextId++, ...value() };
      rows.set(row.ID, row);
      log.push({ op: 'I', table: TABLE, ...next(), after: { ...row } });
    } else if (k < 0.5) {
      const before = { ...pick() };
      const after = { ...before, ...value() };
      rows.set(after.ID, after);
      log.push({ op: 'U', table: TABLE, ...next(), before, after: { ...after }, changed: null });
    } else if (k < 0.75) {
      const before = { ...pick() };
      const fresh = value();
      const changed = COLUMNS.filter(() => r() < 0.4);
      if (changed.length === 0) changed.push('AMOUNT');
      const after = { ...before };
      for (const c of changed) (after as Record<string, unknown>)[c] = fresh[c];
      rows.set(after.ID, after);
      log.push({ op: 'U', table: TABLE, ...next(), before, after: { ...after }, changed });
    } else if (k < 0.9) {
      const before = { ...pick() };
      rows.delete(before.ID);
      log.push({ op: 'D', table: TABLE, ...next(), before });
    } else {
      // a primary-key update: the row moves to a new key
      const before = { ...pick() };
      const after = { ...before, ID: nextId++ };
      rows.delete(before.ID);
      rows.set(after.ID, after);
      log.push({ op: 'U', table: TABLE, ...next(), before, after: { ...after }, changed: null });
    }
  }
  return { log, final: [...rows.values()].sort((a, b) => (a.ID < b.ID ? -1 : 1)) };
}

/** A Kafka record: key and value (null: a Kafka tombstone). */
export interface SourceRecord { key: string; value: string | null }

/** The records as produceEvents sends them (the generator's columns unused). */
export function batchOfRecords(records: readonly SourceRecord[]): EventBatch {
  const n = records.length;
  return {
    count: n,
    keys: records.map((r) => r.key),
    values: records.map((r) => (r.value === null ? null : Buffer.from(r.value))) as Buffer[],
    eventIds: new Float64Array(n), customerIds: new Int32Array(n), eventTimeMicros: new Float64Array(n), amountCents: new Float64Array(n),
  };
}

/** The log's records with duplicates (a record again a little later) and a replay (an earlier stretch again) mixed in. */
export function withDuplicatesAndReplay(records: readonly SourceRecord[], seed: number): SourceRecord[] {
  const r = seededRandom(seed);
  const out: SourceRecord[] = [];
  const pending: { at: number; rec: SourceRecord }[] = [];
  records.forEach((rec, i) => {
    out.push(rec);
    if (r() < 0.04) pending.push({ at: i + 1 + Math.floor(r() * 40), rec });
    for (const p of pending.filter((x) => x.at === i)) out.push(p.rec);
    if (i === Math.floor(records.length * 0.6)) out.push(...records.slice(0, Math.floor(records.length * 0.25)));
  });
  return out;
}

function centsText(c: bigint): string {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

/** µs → "2026-03-01 10:00:00.123456" (GoldenGate's op_ts form, UTC) or ISO with 'T' and 'Z'. */
function timeText(us: number, iso: boolean): string {
  const d = new Date(Math.floor(us / 1000)).toISOString().slice(0, 19);
  const text = `${d}.${String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0')}`;
  return iso ? `${text}Z` : text.replace('T', ' ');
}

function image(row: SourceRow, columns: readonly Column[], iso: boolean, amountAsString: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ID: Number(row.ID) };
  for (const c of columns) {
    const v = row[c];
    if (v === null) out[c] = null;
    else if (c === 'AMOUNT') out[c] = amountAsString ? centsText(v as bigint) : RAW(centsText(v as bigint));
    else if (c === 'UPDATED') out[c] = timeText(v as number, iso);
    else out[c] = v;
  }
  return out;
}

/** A number written as its own text into the JSON (decimals are never passed through a double). */
const RAW = (text: string) => ({ raw: text });
function stringify(o: unknown): string {
  return JSON.stringify(o, (_k, v) => (v !== null && typeof v === 'object' && 'raw' in v ? `@@${v.raw}@@` : v)).replace(/"@@([-0-9.]*)@@"/g, '$1');
}

/** GoldenGate JSON (operation formatter) records; a compressed update may flag a column `_isMissing` instead of leaving it out. */
export function goldenGateRecords(log: readonly SourceChange[], seed: number): SourceRecord[] {
  const r = seededRandom(seed);
  return log.map((c) => {
    const head = { table: c.table, op_type: c.op, op_ts: timeText(c.ts, false), current_ts: timeText(c.ts + 1000, true).slice(0, -1), pos: String(c.pos).padStart(20, '0') };
    switch (c.op) {
      case 'T': return { key: 'truncate', value: stringify(head) };
      case 'I': return { key: String(c.after.ID), value: stringify({ ...head, primary_keys: ['ID'], after: image(c.after, COLUMNS, false, false) }) };
      case 'D': return { key: String(c.before.ID), value: stringify({ ...head, primary_keys: ['ID'], before: r() < 0.5 ? image(c.before, COLUMNS, false, false) : { ID: Number(c.before.ID) } }) };
      case 'U': {
        if (c.changed === null) {
          return { key: String(c.after.ID), value: stringify({ ...head, primary_keys: ['ID'], before: image(c.before, COLUMNS, false, false), after: image(c.after, COLUMNS, false, false) }) };
        }
        const after = image(c.after, c.changed, false, false);
        if (r() < 0.5) for (const m of COLUMNS.filter((x) => !c.changed!.includes(x))) { after[m] = null; after[`${m}_isMissing`] = true; }
        return { key: String(c.after.ID), value: stringify({ ...head, primary_keys: ['ID'], before: { ID: Number(c.before.ID) }, after }) };
      }
    }
  });
}

/**
 * Debezium JSON records (PostgreSQL connector, schemas disabled, decimal.handling.mode=string,
 * timestamps as ISO text): full images; a key update is a delete of the old key, a Kafka
 * tombstone, and a create of the new one; the position is source.lsn.
 */
export function debeziumRecords(log: readonly SourceChange[]): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const c of log) {
    const [schema, table] = c.table.toLowerCase().split('.');
    const source = { ts_ms: Math.floor(c.ts / 1000), db: 'shop', schema, table, lsn: RAW(String(c.pos)) };
    const env = (op: string, before: SourceRow | null, after: SourceRow | null) =>
      stringify({ before: before && image(before, COLUMNS, true, true), after: after && image(after, COLUMNS, true, true), op, ts_ms: Math.floor(c.ts / 1000) + 5, source });
    switch (c.op) {
      case 'T': out.push({ key: 'truncate', value: env('t', null, null) }); break;
      case 'I': out.push({ key: String(c.after.ID), value: env('c', null, c.after) }); break;
      case 'D': out.push({ key: String(c.before.ID), value: env('d', c.before, null) }, { key: String(c.before.ID), value: null }); break;
      case 'U':
        if (c.before.ID !== c.after.ID) {
          out.push({ key: String(c.before.ID), value: env('d', c.before, null) }, { key: String(c.before.ID), value: null }, { key: String(c.after.ID), value: env('c', null, c.after) });
        } else out.push({ key: String(c.after.ID), value: env('u', c.before, c.after) });
        break;
    }
  }
  return out;
}

/** The model's rows as the table shows them (canonical form of row-format.ts), NOTE left out. */
export function expectedRows(final: readonly SourceRow[]): Record<string, string | null>[] {
  return final.map((r) => ({
    ID: String(r.ID),
    NAME: r.NAME,
    AMOUNT: r.AMOUNT === null ? null : centsText(r.AMOUNT),
    UPDATED: r.UPDATED === null ? null : String(r.UPDATED),
  }));
}

/**
 * The table's history as SCD type 2 keeps it (canonical form, NOTE left out): one version per change
 * of TABLE in log order, from its commit time until the next change of its key (or a truncate), the
 * open ones current. Computed from the model's log, not by engine code.
 */
export function expectedHistory(log: readonly SourceChange[]): Record<string, string | boolean | null>[] {
  const open = new Map<bigint, { row: SourceRow; from: number }>();
  const out: Record<string, string | boolean | null>[] = [];
  const show = (row: SourceRow, from: number, to: number | null) => ({
    ...expectedRows([row])[0], __valid_from: String(from), __valid_to: to === null ? null : String(to), __is_current: to === null,
  });
  const end = (id: bigint, t: number) => {
    const v = open.get(id);
    if (v === undefined) return;
    out.push(show(v.row, v.from, t));
    open.delete(id);
  };
  for (const c of log) {
    if (c.table !== TABLE) continue;
    switch (c.op) {
      case 'T': for (const id of [...open.keys()]) end(id, c.ts); break;
      case 'D': end(c.before.ID, c.ts); break;
      case 'I': end(c.after.ID, c.ts); open.set(c.after.ID, { row: c.after, from: c.ts }); break;
      case 'U': end(c.before.ID, c.ts); end(c.after.ID, c.ts); open.set(c.after.ID, { row: c.after, from: c.ts }); break;
    }
  }
  for (const v of open.values()) out.push(show(v.row, v.from, null));
  return out;
}
