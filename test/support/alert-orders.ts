/**
 * The seed's alerting case for sink tests: orders (customer_id, amount DECIMAL(10,2), timestamp),
 * the alert job of examples/alert-job.js (5-minute windows per customer, total_amount > 10000,
 * update mode) and its
 * expected output computed here, independently of the engine: for every batch N (its ranges read
 * from the checkpoint's offsets log, `<checkpoint>/offsets/<N>` = `v1\n<json>\n`), the keys its
 * records touched, with their totals over every record up to the end of N, where above 10000.
 *
 * Orders are in order within 30 s and the watermark delay is 10 minutes, so no order is ever late
 * and no window leaves state before its last order: the expected rows need no watermark logic.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventBatch } from '@tributary/client';
import { REPO_ROOT, type StreamingQuery, type TributarySession } from '@tributary/client';
import type { TopicRecord } from './oracle/read-topic';
import { BASE, centsText, iso, MINUTE, rng, SECOND } from './visits';

export interface Order { customer: number; cents: bigint; us: number }

export const WINDOW = 5 * MINUTE;
/** The alert threshold, 10000.00, in cents. */
export const THRESHOLD_CENTS = 1_000_000n;

/** `n` orders from `fromUs`, 100 ms of event time apart, each up to 30 s behind the newest; amounts ≥ 0.01. */
export function ordersInOrder(n: number, fromUs: number, seed: number, customers = 40): Order[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    customer: r(customers),
    cents: BigInt(1 + r(20_000)) + (r(60) === 0 ? BigInt(100_000 + r(500_000)) : 0n),
    us: fromUs + i * 100_000 - r(30 * SECOND) + 30 * SECOND,
  }));
}

export function orderBatch(orders: readonly Order[]): EventBatch {
  const count = orders.length;
  return {
    count,
    keys: orders.map((o) => String(o.customer)),
    values: orders.map((o) => Buffer.from(`{"customer_id":${o.customer},"amount":"${centsText(o.cents)}","timestamp":"${iso(o.us)}"}`)),
    eventIds: new Float64Array(count),
    customerIds: new Int32Array(count),
    eventTimeMicros: new Float64Array(count),
    amountCents: new Float64Array(count),
  };
}

export { BASE };

/**
 * Runs examples/alert-job.js (the README's alert job) as `tributary submit` loads it, with `opts`
 * (its key=value options).
 */
export async function startAlertJob(spark: TributarySession, opts: Record<string, string | number>): Promise<StreamingQuery> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const alertJob = require(path.join(REPO_ROOT, 'examples', 'alert-job.js')) as (s: TributarySession, o: Record<string, string | number>) => Promise<StreamingQuery>;
  return alertJob(spark, opts);
}

/** An alert as `<window start µs>|<customer>|<total cents>`. */
export function alertText(windowStartUs: bigint | string, customer: number | string, cents: bigint): string {
  return `${windowStartUs}|${customer}|${cents}`;
}

/** '-12.3' → -1230n (exact). */
export function centsOf(text: string): bigint {
  const neg = text.startsWith('-');
  const [i, f = ''] = (neg ? text.slice(1) : text).split('.');
  const v = BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
}

/** The batches' ranges from the checkpoint's offsets log, by batch id. */
export function plannedRanges(checkpoint: string): Map<number, { partition: number; from: bigint; to: bigint }[]> {
  const dir = path.join(checkpoint, 'offsets');
  const out = new Map<number, { partition: number; from: bigint; to: bigint }[]>();
  for (const f of fs.readdirSync(dir).filter((n) => /^\d+$/.test(n))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const plan = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { sources: { partitions: { partition: number; from: string; to: string }[] }[] };
    out.set(Number(f), plan.sources[0].partitions.map((p) => ({ partition: p.partition, from: BigInt(p.from), to: BigInt(p.to) })));
  }
  return out;
}

/** The alerts every committed batch emits (alertText), over `records` of the orders topic, batches 0..lastBatch. */
export function expectedAlerts(records: readonly TopicRecord[], ranges: Map<number, { partition: number; from: bigint; to: bigint }[]>, lastBatch: number): string[] {
  const byPartition = new Map<number, TopicRecord[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  const totals = new Map<string, bigint>();
  const out: string[] = [];
  for (let n = 0; n <= lastBatch; n++) {
    const touched = new Set<string>();
    for (const range of ranges.get(n) ?? []) {
      for (const r of byPartition.get(range.partition) ?? []) {
        const off = BigInt(r.offset);
        if (off < range.from || off >= range.to) continue;
        const text = String(r.value);
        const customer = Number(/"customer_id":(\d+)/.exec(text)![1]);
        const cents = centsOf(/"amount":"([0-9.]+)"/.exec(text)![1]);
        const ts = /"timestamp":"([^"]+)"/.exec(text)![1];
        const us = BigInt(Date.parse(`${ts.slice(0, 19)}Z`)) * 1000n + BigInt(ts.slice(20, 26));
        const start = us - (us % BigInt(WINDOW));
        const key = `${start}|${customer}`;
        totals.set(key, (totals.get(key) ?? 0n) + cents);
        touched.add(key);
      }
    }
    for (const key of touched) {
      const total = totals.get(key)!;
      if (total > THRESHOLD_CENTS) out.push(`${key}|${total}`);
    }
  }
  return out.sort();
}

/** The checkpoint's newest committed batch (`<checkpoint>/commits/<N>`), or -1. */
export function lastCommittedBatch(checkpoint: string): number {
  const dir = path.join(checkpoint, 'commits');
  if (!fs.existsSync(dir)) return -1;
  return Math.max(-1, ...fs.readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number));
}

/** Offsets the batches up to `batch` read, summed over partitions. */
export function offsetsReadBy(ranges: Map<number, { partition: number; from: bigint; to: bigint }[]>, batch: number): bigint {
  let total = 0n;
  for (let n = 0; n <= batch; n++) for (const r of ranges.get(n) ?? []) total += r.to - r.from;
  return total;
}
