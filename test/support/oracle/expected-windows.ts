/**
 * The expected content of the aggregate table, computed independently of the engine: plain JSON.parse,
 * amounts by BigInt string arithmetic, timestamps by Date.parse plus the microsecond digits by hand,
 * grouping in plain Maps. Semantics (Spark, append mode):
 *  - a window is [start, start + window), aligned to the epoch, end exclusive;
 *  - rows named in lateEventIds (by their JSON event_id) are dropped, but still count for the max
 *    event time, as the engine sees them as valid rows (the phased scenarios make them old, so they
 *    never raise it);
 *  - the final watermark is max event time of the valid rows − delay; a window is in the table when
 *    its end ≤ that watermark.
 * Values that are not a valid event (accepted forms of the design brief) are counted as bad records
 * and take no part.
 */
export interface ExpectedRow {
  windowStartMicros: bigint;
  windowEndMicros: bigint;
  customerId: number;
  count: number;
  sumCents: bigint;
}

export interface OracleOptions {
  windowMicros: number | bigint;
  delayMicros: number | bigint;
  /** event_id values of the events the test made late. */
  lateEventIds?: Iterable<number>;
  /** Offset applied to timestamps written without one (the query's time zone), minutes east of UTC. */
  defaultOffsetMinutes?: number;
}

export interface Expected {
  rows: ExpectedRow[];
  /** null when there was no valid event. */
  maxEventTimeMicros: bigint | null;
  watermarkMicros: bigint | null;
  badRecords: number;
  lateRows: number;
  /** Rows of windows not closed by the final watermark (not in the table yet). */
  openRows: number;
}

export type OracleEvent = Buffer | Uint8Array | string | { value: Buffer | Uint8Array | string | null };

interface ParsedEvent {
  id: number | undefined;
  customerId: number;
  cents: bigint;
  micros: bigint;
}

export function expectedWindows(events: Iterable<OracleEvent>, options: OracleOptions): ExpectedRow[] {
  return computeExpected(events, options).rows;
}

export function computeExpected(events: Iterable<OracleEvent>, options: OracleOptions): Expected {
  const w = BigInt(options.windowMicros);
  const delay = BigInt(options.delayMicros);
  const late = new Set(options.lateEventIds ?? []);
  const groups = new Map<string, ExpectedRow>();
  const lateWindowEnds: [number, bigint][] = [];
  let max: bigint | null = null;
  let bad = 0;
  let lateRows = 0;
  for (const e of events) {
    const parsed = parseEvent(e, options.defaultOffsetMinutes ?? 0);
    if (parsed === null) {
      bad++;
      continue;
    }
    if (max === null || parsed.micros > max) max = parsed.micros;
    const start = floorDiv(parsed.micros, w) * w;
    if (parsed.id !== undefined && late.has(parsed.id)) {
      lateRows++;
      lateWindowEnds.push([parsed.id, start + w]);
      continue;
    }
    const key = `${start}|${parsed.customerId}`;
    let row = groups.get(key);
    if (row === undefined) {
      row = { windowStartMicros: start, windowEndMicros: start + w, customerId: parsed.customerId, count: 0, sumCents: 0n };
      groups.set(key, row);
    }
    row.count++;
    row.sumCents += parsed.cents;
  }
  const watermark = max === null ? null : max - delay;
  for (const [id, end] of lateWindowEnds) {
    if (watermark === null || end > watermark) {
      throw new Error(`event ${id} is declared late, but its window (end ${end} µs) is still open at the final watermark ${watermark} µs`);
    }
  }
  const all = [...groups.values()];
  const rows = watermark === null ? [] : all.filter((r) => r.windowEndMicros <= watermark);
  rows.sort(compareRows);
  return { rows, maxEventTimeMicros: max, watermarkMicros: watermark, badRecords: bad, lateRows, openRows: all.length - rows.length };
}

export function compareRows(a: { windowStartMicros: bigint; customerId: number }, b: { windowStartMicros: bigint; customerId: number }): number {
  if (a.windowStartMicros !== b.windowStartMicros) return a.windowStartMicros < b.windowStartMicros ? -1 : 1;
  return a.customerId - b.customerId;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function parseEvent(e: OracleEvent, defaultOffsetMinutes: number): ParsedEvent | null {
  const raw = typeof e === 'string' || e instanceof Uint8Array ? e : e.value;
  if (raw === null) return null;
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  const f = o as Record<string, unknown>;
  const customerId = f.customer_id;
  if (typeof customerId !== 'number' || !Number.isInteger(customerId) || customerId < -(2 ** 31) || customerId > 2 ** 31 - 1) return null;
  const cents = amountCents(f.amount);
  const micros = typeof f.timestamp === 'string' ? timestampMicros(f.timestamp, defaultOffsetMinutes) : null;
  if (cents === null || micros === null) return null;
  return { id: typeof f.event_id === 'number' ? f.event_id : undefined, customerId, cents, micros };
}

/** A JSON number or numeric string that fits decimal(10,2) (at most 2 decimals, 10 digits), as exact cents. */
export function amountCents(amount: unknown): bigint | null {
  let text: string;
  if (typeof amount === 'string') text = amount.trim();
  else if (typeof amount === 'number' && Number.isFinite(amount)) text = String(amount); // shortest round-trip text: exact for ≤ 15 digits
  else return null;
  const m = /^([+-]?)(\d+)(?:\.(\d{0,2}))?$/.exec(text);
  if (m === null) return null;
  const whole = m[2].replace(/^0+(?=\d)/, '');
  const fraction = m[3] ?? '';
  if (whole.length > 8) return null; // decimal(10,2): 8 digits before the point
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** ISO-8601 ('T' or space, 0–9 fraction digits truncated to µs, 'Z', ±hh:mm or none) → epoch µs. */
export function timestampMicros(text: string, defaultOffsetMinutes = 0): bigint | null {
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d{0,9}))?(Z|[+-]\d\d:\d\d)?$/.exec(text);
  if (m === null) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(ms)) return null;
  const micros = BigInt((m[3] ?? '').slice(0, 6).padEnd(6, '0'));
  let offsetMinutes = defaultOffsetMinutes;
  if (m[4] !== undefined && m[4] !== 'Z') {
    offsetMinutes = (m[4][0] === '-' ? -1 : 1) * (Number(m[4].slice(1, 3)) * 60 + Number(m[4].slice(4, 6)));
  } else if (m[4] === 'Z') {
    offsetMinutes = 0;
  }
  return BigInt(ms) * 1000n + micros - BigInt(offsetMinutes) * 60_000_000n;
}
