/**
 * Visits for aggregation tests of a query that is not the seed's shape: JSON records
 * `{"seq":…, "user":…, "cost":…, "at":…}` (a string key, decimal(12,2) costs, µs timestamps), their
 * exact values kept beside them for independent calculations, and the schema a job parses them with.
 * `seq` is unique and names a record when it is read back from Kafka.
 */
import { DecimalType, LongType, StringType, StructField, StructType, TimestampType, type EventBatch } from '@tributary/client';

export const SECOND = 1_000_000;
export const MINUTE = 60 * SECOND;
/** 2026-03-01T00:00:00Z in µs. */
export const BASE = Date.UTC(2026, 2, 1) * 1000;

export const VISIT_SCHEMA = new StructType([
  new StructField('seq', LongType()),
  new StructField('user', StringType()),
  new StructField('cost', DecimalType(12, 2)),
  new StructField('at', TimestampType()),
]);

/** One record; `user` null: the field is missing. Cents and µs exact. */
export interface Visit { seq: number; user: string | null; cents: bigint; us: number }

/** A deterministic pseudo-random generator (LCG, its high bits: the low bits cycle quickly): an integer in [0, m). */
export function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

const USERS = ['ana', 'bo', 'bot', 'cé', 'dan', 'eve'];

/** A user name such as 'cé-17'; one in 50 is null. */
export function userOf(r: (m: number) => number): string | null {
  return r(50) === 0 ? null : `${USERS[r(USERS.length)]}-${r(30)}`;
}

/**
 * `n` visits in event-time order from `fromUs`, 20 ms apart, each up to 30 s behind the newest (so
 * never late under a watermark delay of 1 minute), seq from `firstSeq`, costs in [−200, 800).
 */
export function visitsInOrder(n: number, fromUs: number, firstSeq: number, r: (m: number) => number): Visit[] {
  const out: Visit[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ seq: firstSeq + i, user: userOf(r), cents: BigInt(r(100_000)) - 20_000n, us: fromUs + i * 20_000 - r(30 * SECOND) + 30 * SECOND });
  }
  return out;
}

export function centsText(c: bigint): string {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

/** µs since the epoch → 'YYYY-MM-DDThh:mm:ss.ffffffZ'. */
export function iso(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % SECOND).padStart(6, '0')}Z`;
}

export function visitJson(v: Visit): string {
  const user = v.user === null ? '' : `"user":"${v.user}",`;
  return `{"seq":${v.seq},${user}"cost":${centsText(v.cents)},"at":"${iso(v.us)}"}`;
}

export function visitBatch(visits: readonly Visit[]): EventBatch {
  const count = visits.length;
  return {
    count,
    keys: visits.map((v) => String(v.seq % 13)),
    values: visits.map((v) => Buffer.from(visitJson(v))),
    eventIds: new Float64Array(count),
    customerIds: new Int32Array(count),
    eventTimeMicros: new Float64Array(count),
    amountCents: new Float64Array(count),
  };
}

/** Per (1-minute window, user): the count and the sum of cost, as the job's table holds them (canonical rows). */
export function visitsPerMinute(visits: Iterable<Visit>): { window: { start: string; end: string }; user: string | null; visits: string; spent: string }[] {
  const groups = new Map<string, { start: number; user: string | null; n: number; cents: bigint }>();
  for (const v of visits) {
    const start = Math.floor(v.us / MINUTE) * MINUTE;
    const key = `${start}/${v.user}`;
    const g = groups.get(key) ?? { start, user: v.user, n: 0, cents: 0n };
    g.n++;
    g.cents += v.cents;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ window: { start: String(g.start), end: String(g.start + MINUTE) }, user: g.user, visits: String(g.n), spent: centsText(g.cents) }));
}
