/**
 * The expected table of the string-key query (string-key-job.ts), computed independently of the
 * engine from the records the topic holds: plain JSON.parse, amounts as BigInt cents and timestamps
 * as BigInt µs by the oracle's text rules (test/support/oracle), grouping in a plain Map keyed by
 * (window start, event_type, customer_id). Lateness by the seed oracle's rule (computeExpected):
 *  - rows named in lateEventIds are dropped, but count for the max event time;
 *  - the final watermark is the max event time of the valid rows − delay; in append mode a window is
 *    in the table when its end ≤ that watermark, in update mode every group is (with its last value);
 *    every late row's window must be closed by then.
 * A record whose customer_id, amount or timestamp is not valid is a bad record and takes no part; an
 * event_type that is null or absent is the null key (from_json's null), any other non-string is bad.
 *
 * diffStringKeyRows compares the table's rows with them by (window, event_type, customer_id).
 *
 * Rows come in the table's canonical form (canonicalRows): window {start, end} as µs text, ints and
 * counts as decimal text, the decimal(20,2) sum as '123.45'.
 */
import { amountCents, timestampMicros, type TopicRecord } from '../support/oracle';

export interface StringKeyRow {
  window: { start: string; end: string };
  event_type: string | null;
  customer_id: string;
  n: string;
  total: string;
}

export interface StringKeyExpected {
  rows: StringKeyRow[];
  badRecords: number;
  lateRows: number;
  /** Rows of windows the final watermark has not closed (not in the table yet). */
  openRows: number;
}

export function expectedStringKeyRows(
  records: TopicRecord[],
  opts: { windowMicros: number; delayMicros: number; lateEventIds: Iterable<number>; outputMode?: 'append' | 'update' },
): StringKeyExpected {
  const size = BigInt(opts.windowMicros);
  const late = new Set(opts.lateEventIds);
  const groups = new Map<string, { start: bigint; type: string | null; customer: number; n: number; cents: bigint }>();
  const lateEnds: [number, bigint][] = [];
  let max: bigint | null = null;
  let bad = 0;
  for (const r of records) {
    const e = r.value === null ? null : parseEvent(r.value.toString('utf8'));
    if (e === null) { bad++; continue; }
    if (max === null || e.micros > max) max = e.micros;
    const start = e.micros >= 0n || e.micros % size === 0n ? (e.micros / size) * size : (e.micros / size - 1n) * size;
    if (e.id !== undefined && late.has(e.id)) { lateEnds.push([e.id, start + size]); continue; }
    const key = `${start}|${JSON.stringify(e.type)}|${e.customer}`;
    const g = groups.get(key) ?? { start, type: e.type, customer: e.customer, n: 0, cents: 0n };
    g.n++;
    g.cents += e.cents;
    groups.set(key, g);
  }
  const watermark = max === null ? null : max - BigInt(opts.delayMicros);
  for (const [id, end] of lateEnds) {
    if (watermark === null || end > watermark) throw new Error(`event ${id} is declared late, but its window (end ${end} µs) is open at the final watermark ${watermark} µs`);
  }
  const all = [...groups.values()];
  const closed = watermark === null ? [] : all.filter((g) => g.start + size <= watermark);
  const inTable = opts.outputMode === 'update' ? all : closed;
  const rows = inTable.map((g) => ({
    window: { start: String(g.start), end: String(g.start + size) }, event_type: g.type, customer_id: String(g.customer), n: String(g.n), total: centsText(g.cents),
  }));
  return { rows, badRecords: bad, lateRows: lateEnds.length, openRows: all.length - closed.length };
}

/** The key of a row for comparison: window start, event_type (JSON, so null differs from 'null'), customer_id. */
export function stringKeyRowKey(r: { window: { start: string }; event_type: string | null; customer_id: string }): string {
  return `${r.window.start}|${JSON.stringify(r.event_type)}|${r.customer_id}`;
}

/** Compares rows by (window, event_type, customer_id): missing, extra, different (counts or sums, window end) and duplicated rows. */
export function diffStringKeyRows(expected: StringKeyRow[], actual: StringKeyRow[], limit = 20): { equal: boolean; text: string } {
  const want = new Map(expected.map((r) => [stringKeyRowKey(r), r]));
  const seen = new Set<string>();
  const extra: StringKeyRow[] = [];
  const duplicated: StringKeyRow[] = [];
  const different: [StringKeyRow, StringKeyRow][] = [];
  for (const row of actual) {
    const key = stringKeyRowKey(row);
    if (seen.has(key)) { duplicated.push(row); continue; }
    seen.add(key);
    const e = want.get(key);
    if (e === undefined) extra.push(row);
    else if (e.window.end !== row.window.end || e.n !== row.n || e.total !== row.total) different.push([e, row]);
  }
  const missing = expected.filter((r) => !seen.has(stringKeyRowKey(r)));
  const show = (r: StringKeyRow) => JSON.stringify(r);
  const lines = [`expected ${expected.length} rows, got ${actual.length}: ${missing.length} missing, ${extra.length} extra, ${different.length} different, ${duplicated.length} duplicated`];
  const section = <T>(title: string, items: T[], text: (item: T) => string) => {
    if (items.length === 0) return;
    lines.push(`${title} (first ${Math.min(limit, items.length)} of ${items.length}):`);
    for (const item of items.slice(0, limit)) lines.push(`  ${text(item)}`);
  };
  section('missing', missing, show);
  section('extra', extra, show);
  section('different', different, ([e, a]) => `${show(e)}\n    but got ${show(a)}`);
  section('duplicated', duplicated, show);
  return { equal: missing.length + extra.length + different.length + duplicated.length === 0, text: lines.join('\n') };
}

function parseEvent(text: string): { id: number | undefined; type: string | null; customer: number; cents: bigint; micros: bigint } | null {
  let o: unknown;
  try { o = JSON.parse(text); } catch { return null; }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  const f = o as Record<string, unknown>;
  const customer = f.customer_id;
  if (typeof customer !== 'number' || !Number.isInteger(customer) || customer < -(2 ** 31) || customer >= 2 ** 31) return null;
  const type = f.event_type === undefined || f.event_type === null ? null : f.event_type;
  if (type !== null && typeof type !== 'string') return null;
  const cents = amountCents(f.amount);
  const micros = typeof f.timestamp === 'string' ? timestampMicros(f.timestamp) : null;
  if (cents === null || micros === null) return null;
  return { id: typeof f.event_id === 'number' ? f.event_id : undefined, type, customer, cents, micros };
}

function centsText(c: bigint): string {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
