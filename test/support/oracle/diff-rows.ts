import { compareRows, type ExpectedRow } from './expected-windows';

/** A row read back from the table; numeric columns may come as number, bigint or decimal text. */
export interface ActualRow {
  windowStartMicros: bigint | number;
  windowEndMicros: bigint | number;
  customerId: number;
  count: number | bigint;
  /** Cents as an integer, or the decimal(20,2) value as text ('12.34'). */
  sumCents: bigint | number | string;
}

export interface RowsDiff {
  equal: boolean;
  missing: ExpectedRow[];
  extra: ExpectedRow[];
  different: { expected: ExpectedRow; actual: ExpectedRow }[];
  /** Rows the table holds more than once for one (window, customer). */
  duplicated: ExpectedRow[];
  /** A readable dump for assertion messages: counts, then the first `limit` of each kind. */
  text: string;
}

/** Compares table rows by (window start, customer_id); rows within each list are reported in that order. */
export function diffRows(expected: ExpectedRow[], actual: ActualRow[], limit = 20): RowsDiff {
  const normal = actual.map(normalise).sort(compareRows);
  const want = new Map(expected.map((r) => [rowKey(r), r]));
  const seen = new Set<string>();
  const extra: ExpectedRow[] = [];
  const different: RowsDiff['different'] = [];
  const duplicated: ExpectedRow[] = [];
  for (const row of normal) {
    const key = rowKey(row);
    if (seen.has(key)) {
      duplicated.push(row);
      continue;
    }
    seen.add(key);
    const e = want.get(key);
    if (e === undefined) extra.push(row);
    else if (e.windowEndMicros !== row.windowEndMicros || e.count !== row.count || e.sumCents !== row.sumCents) different.push({ expected: e, actual: row });
  }
  const missing = [...expected].sort(compareRows).filter((r) => !seen.has(rowKey(r)));
  const equal = missing.length + extra.length + different.length + duplicated.length === 0;
  const lines = [
    `expected ${expected.length} rows, got ${actual.length}: ${missing.length} missing, ${extra.length} extra, ` +
      `${different.length} different, ${duplicated.length} duplicated`,
  ];
  const section = <T>(title: string, items: T[], show: (item: T) => string): void => {
    if (items.length === 0) return;
    lines.push(`${title} (first ${Math.min(limit, items.length)} of ${items.length}):`);
    for (const item of items.slice(0, limit)) lines.push(`  ${show(item)}`);
  };
  section('missing', missing, formatRow);
  section('extra', extra, formatRow);
  section('different', different, (d) => `${formatRow(d.expected)}\n    but got count ${d.actual.count}, sum ${formatCents(d.actual.sumCents)}${d.actual.windowEndMicros === d.expected.windowEndMicros ? '' : `, end ${formatMicros(d.actual.windowEndMicros)}`}`);
  section('duplicated', duplicated, formatRow);
  return { equal, missing, extra, different, duplicated, text: lines.join('\n') };
}

function rowKey(r: { windowStartMicros: bigint; customerId: number }): string {
  return `${r.windowStartMicros}|${r.customerId}`;
}

function normalise(r: ActualRow): ExpectedRow {
  return {
    windowStartMicros: BigInt(r.windowStartMicros),
    windowEndMicros: BigInt(r.windowEndMicros),
    customerId: Number(r.customerId),
    count: Number(r.count),
    sumCents: typeof r.sumCents === 'string' ? decimalTextToCents(r.sumCents) : BigInt(r.sumCents),
  };
}

function decimalTextToCents(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (m === null) throw new Error(`sum ${JSON.stringify(text)} is not a decimal with at most 2 decimals`);
  const cents = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

export function formatRow(r: ExpectedRow): string {
  return `[${formatMicros(r.windowStartMicros)}, ${formatMicros(r.windowEndMicros)}) customer ${r.customerId}: count ${r.count}, sum ${formatCents(r.sumCents)}`;
}

/** Epoch µs as ISO-8601 UTC with 6 fraction digits. */
export function formatMicros(micros: bigint): string {
  const seconds = micros >= 0n ? micros / 1_000_000n : -((-micros + 999_999n) / 1_000_000n);
  const fraction = micros - seconds * 1_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}

export function formatCents(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
