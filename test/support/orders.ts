/**
 * Orders for ingest-job tests: deterministic nested JSON records (a struct with a nullable field,
 * an array of structs, decimal(12,2) totals, µs timestamps over three days of March 2026), their
 * exact values kept beside them for independent calculations, and the schema a job parses them with.
 */
import { ArrayType, DecimalType, IntegerType, LongType, StringType, StructField, StructType, TimestampType, type EventBatch } from '@tributary/client';

export interface Order {
  order_id: number;
  user: { id: number; name: string; tier: string | null };
  items: { sku: string; qty: number }[];
  /** Cents, exact. */
  totalCents: bigint;
  /** 'YYYY-MM-DDThh:mm:ss.ffffffZ' */
  ts: string;
  tsMicros: bigint;
}

const TIERS = ['gold', 'silver', null];

/** Deterministic orders over 3 days of 2026, with µs timestamps and totals up to 10^9 (12,2). */
export function orders(n: number, firstId = 0): Order[] {
  const out: Order[] = [];
  let seed = 7 + firstId;
  // A linear congruential generator; its high bits only (the low bits repeat with short periods).
  const rnd = (m: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * m); };
  const start = BigInt(Date.UTC(2026, 2, 1)) * 1000n;
  for (let i = 0; i < n; i++) {
    const tsMicros = start + BigInt(rnd(3 * 86_400)) * 1_000_000n + BigInt(rnd(1_000_000));
    const ms = Number(tsMicros / 1000n);
    const ts = `${new Date(ms).toISOString().slice(0, 19)}.${String(tsMicros % 1_000_000n).padStart(6, '0')}Z`;
    const items = Array.from({ length: rnd(3) }, (_, k) => ({ sku: `sku-${rnd(50)}-${k}`, qty: 1 + rnd(5) }));
    const big = rnd(10) === 0;
    const totalCents = big ? BigInt(rnd(1_000_000)) * 100_000n + BigInt(rnd(100_000)) : BigInt(rnd(200_00));
    out.push({ order_id: 1_000_000_000_000 + firstId + i, user: { id: rnd(500), name: `user ${rnd(500)} é`, tier: TIERS[rnd(3)] }, items, totalCents, ts, tsMicros });
  }
  return out;
}

export function centsText(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

export function json(o: Order): string {
  const tier = o.user.tier === null ? (o.order_id % 2 === 0 ? ',"tier":null' : '') : `,"tier":"${o.user.tier}"`;
  return `{"order_id":${o.order_id},"user":{"id":${o.user.id},"name":"${o.user.name}"${tier}},"items":${JSON.stringify(o.items)},`
    + `"total":${centsText(o.totalCents)},"ts":"${o.ts}","extra":{"ignored":[1,2,3]}}`;
}

export function batchOf(values: string[]): EventBatch {
  const count = values.length;
  return {
    count,
    keys: values.map((_, i) => String(i % 13)),
    values: values.map((v) => Buffer.from(v)),
    eventIds: new Float64Array(count),
    customerIds: new Int32Array(count),
    eventTimeMicros: new Float64Array(count),
    amountCents: new Float64Array(count),
  };
}

export const ORDER_SCHEMA = new StructType([
  new StructField('order_id', LongType()),
  new StructField('user', new StructType([
    new StructField('id', IntegerType()),
    new StructField('name', StringType()),
    new StructField('tier', StringType()),
  ])),
  new StructField('items', ArrayType(new StructType([new StructField('sku', StringType()), new StructField('qty', IntegerType())]))),
  new StructField('total', DecimalType(12, 2)),
  new StructField('ts', TimestampType()),
]);
