/**
 * The benchmark's load generator: seeded customer events written as bytes straight into Kafka
 * record batches (RecordBatchBuilder) and sent with the engine's own producer, several batches in
 * flight — the stock kafkajs path (produceEvents) moves ~60 k events/s here, far below what the
 * engine reads. Records: key = customer_id as text, partition = Kafka's murmur2 partitioner of the
 * key, value = {"event_id":…,"customer_id":…,"event_type":…,"amount":…,"timestamp":"…Z"} with the
 * amount a JSON number or a numeric string with 2 decimals (negative for refunds).
 *
 * Event time either follows a synthetic clock (eventsPerSecond from startMicros, in order,
 * microsecond fractions) or, with `realClock`, is the wall clock at generation, in milliseconds,
 * and equals the record's Kafka timestamp (CreateTime): latency is measured from it.
 * `rate` paces the sending in events per second (each tick sends what is due, so batches stay small).
 */
import { createRecordProducer, InvalidArgumentError, RecordBatchBuilder } from '@tributary/common';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopic } from './produce';
import { Xoshiro128 } from './prng';

export interface LoadOptions {
  seed: number;
  customers: number;
  /** Synthetic event clock: first event time (µs) and events per second of event time. */
  startMicros?: number;
  eventsPerSecond?: number;
  /** Event time = Kafka timestamp = wall clock at generation (ms). */
  realClock?: boolean;
  /** Events per second sent; unlimited when absent. */
  rate?: number;
  /** Records per batch and partition when not paced. Default 5000. */
  batchRecords?: number;
  /** Produce requests in flight. Default 8. */
  inFlight?: number;
  firstEventId?: number;
  /** Customers in order from this id (one event each) instead of drawn at random. */
  sequentialFrom?: number;
  /** Called after each acknowledged batch with the events acknowledged so far. */
  onProgress?: (sent: number) => void;
  /** Stops early (pacing runs until stopped when `total` is Infinity). */
  signal?: AbortSignal;
}

export interface LoadResult {
  sent: number;
  durationMs: number;
  /** Sum of every amount sent, cents (exact: below 2^53 for any realistic run). */
  sumCents: number;
  minEventMicros: number;
  maxEventMicros: number;
}

/** Below the broker's default message.max.bytes (1 MiB) with room for one more record. */
const MAX_BATCH_BYTES = 900 * 1024;
const TYPES = ['purchase', 'view', 'add_to_cart', 'checkout'].map((t) => Buffer.from(t));
const REFUND = Buffer.from('refund');
const P1 = Buffer.from('{"event_id":');
const P2 = Buffer.from(',"customer_id":');
const P3 = Buffer.from(',"event_type":"');
const P4 = Buffer.from('","amount":');
const P5 = Buffer.from(',"timestamp":"');
const P6 = Buffer.from('"}');

/** Encodes events into one batch builder per partition. */
export class LoadEncoder {
  private readonly rng: Xoshiro128;
  private readonly scratch = Buffer.allocUnsafe(512);
  private readonly key = Buffer.allocUnsafe(16);
  private readonly partitionOf: Int32Array;
  private sequence = 0;
  private nextId: number;
  private tick = 0;
  private secondsAt = -1;
  private readonly secondsText = Buffer.alloc(19);
  sumCents = 0;
  minEventMicros = Infinity;
  maxEventMicros = -Infinity;

  constructor(private readonly o: LoadOptions, readonly partitions: number) {
    if (!Number.isInteger(o.customers) || o.customers < 1) throw new InvalidArgumentError(`customers must be a positive integer, got ${o.customers}`);
    this.rng = new Xoshiro128(o.seed);
    this.nextId = o.firstEventId ?? 0;
    this.partitionOf = new Int32Array(Math.max(o.customers, (o.sequentialFrom ?? 0) + 1) + 1).fill(-1);
  }

  /** Appends one event to `builders[partition]`; returns the partition. */
  append(builders: RecordBatchBuilder[]): number {
    const o = this.o;
    const rng = this.rng;
    let micros: number;
    let timestampMs: number;
    if (o.realClock) {
      timestampMs = Date.now();
      micros = timestampMs * 1000;
    } else {
      micros = (o.startMicros ?? Date.UTC(2026, 0, 1) * 1000) + Math.floor((this.tick++ * 1_000_000) / (o.eventsPerSecond ?? 100_000));
      timestampMs = Math.floor(micros / 1000);
    }
    if (micros < this.minEventMicros) this.minEventMicros = micros;
    if (micros > this.maxEventMicros) this.maxEventMicros = micros;
    const customer = o.sequentialFrom !== undefined ? o.sequentialFrom + this.sequence++ : 1 + (((rng.nextUint32() / 4294967296) * o.customers) | 0);
    const r = rng.nextUint32();
    const refund = (r & 31) === 0; // 1 in 32
    const cents = (1 + (rng.nextUint32() % 100_000)) * (refund ? -1 : 1);
    this.sumCents += cents;
    const b = this.scratch;
    let p = put(b, 0, P1);
    p = digits(b, p, this.nextId++);
    p = put(b, p, P2);
    p = digits(b, p, customer);
    p = put(b, p, P3);
    p = put(b, p, refund ? REFUND : TYPES[(r >>> 5) & 3]);
    p = put(b, p, P4);
    const quoted = (r >>> 7) & 1;
    if (quoted) b[p++] = 0x22;
    if (cents < 0) b[p++] = 0x2d;
    const abs = Math.abs(cents);
    p = digits(b, p, Math.floor(abs / 100));
    b[p++] = 0x2e;
    b[p++] = 0x30 + (((abs % 100) / 10) | 0);
    b[p++] = 0x30 + (abs % 10);
    if (quoted) b[p++] = 0x22;
    p = put(b, p, P5);
    p = this.timestamp(b, p, micros, o.realClock === true);
    p = put(b, p, P6);
    const keyLength = digits(this.key, 0, customer);
    const cached = customer < this.partitionOf.length;
    let partition = cached ? this.partitionOf[customer] : -1;
    if (partition < 0) {
      partition = (murmur2(this.key.subarray(0, keyLength)) & 0x7fffffff) % this.partitions;
      if (cached) this.partitionOf[customer] = partition;
    }
    builders[partition].append(this.key, b, 0, p, timestampMs, keyLength);
    return partition;
  }

  /** ISO-8601 UTC with 3 (real clock, ms) or 6 fraction digits. */
  private timestamp(b: Buffer, p: number, micros: number, millis: boolean): number {
    const seconds = Math.floor(micros / 1_000_000);
    if (seconds !== this.secondsAt) {
      this.secondsAt = seconds;
      this.secondsText.write(new Date(seconds * 1000).toISOString().slice(0, 19), 'latin1');
    }
    b.set(this.secondsText, p);
    p += 19;
    b[p++] = 0x2e;
    let frac = micros - seconds * 1_000_000;
    let n = 6;
    if (millis) { frac = Math.floor(frac / 1000); n = 3; }
    for (let i = n - 1; i >= 0; i--) { b[p + i] = 0x30 + (frac % 10); frac = Math.floor(frac / 10); }
    p += n;
    b[p++] = 0x5a; // Z
    return p;
  }
}

/** Creates the topic if needed and sends `total` events (Infinity with `rate` or `signal`: until stopped). */
export async function produceLoad(brokers: string | string[], topic: string, partitions: number, total: number, o: LoadOptions): Promise<LoadResult> {
  const list = typeof brokers === 'string' ? brokers.split(',') : brokers;
  if (o.rate !== undefined && !(o.rate > 0)) throw new InvalidArgumentError(`rate must be positive, got ${o.rate}`);
  await ensureTopic(new Kafka({ brokers: list, clientId: 'tributary-load', logLevel: logLevel.ERROR }), topic, partitions);
  const producer = await createRecordProducer({ brokers: list, clientId: 'tributary-load' });
  const enc = new LoadEncoder(o, partitions);
  const free: RecordBatchBuilder[] = [];
  const builders = Array.from({ length: partitions }, () => new RecordBatchBuilder());
  const maxInFlight = o.inFlight ?? 8;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let generated = 0;
  let sent = 0;
  const started = Date.now();

  const flush = async (partition: number): Promise<void> => {
    const b = builders[partition];
    if (b.count === 0) return;
    builders[partition] = free.pop() ?? new RecordBatchBuilder();
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (failure) throw failure;
    const n = b.count;
    const p = producer.send(topic, partition, b.finish()).then(
      () => { sent += n; b.reset(); free.push(b); o.onProgress?.(sent); },
      (e) => { failure = failure ?? e; },
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const perBatch = o.batchRecords ?? 5000;
  try {
    if (o.rate === undefined) {
      while (generated < total && !o.signal?.aborted) {
        const part = enc.append(builders);
        generated++;
        if (builders[part].count >= perBatch || builders[part].size >= MAX_BATCH_BYTES) await flush(part);
      }
    } else {
      // Each tick generates the events due by now and sends every partition's batch.
      const tickMs = 5;
      while (generated < total && !o.signal?.aborted) {
        const due = Math.min(total, Math.floor(((Date.now() - started) * o.rate) / 1000));
        while (generated < due) {
          const part = enc.append(builders);
          generated++;
          if (builders[part].count >= perBatch || builders[part].size >= MAX_BATCH_BYTES) await flush(part);
        }
        for (let q = 0; q < partitions; q++) await flush(q);
        await new Promise((r) => setTimeout(r, tickMs));
      }
    }
    for (let q = 0; q < partitions; q++) await flush(q);
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    await Promise.allSettled(inFlight);
    await producer.close();
  }
  return { sent, durationMs: Date.now() - started, sumCents: enc.sumCents, minEventMicros: enc.minEventMicros, maxEventMicros: enc.maxEventMicros };
}

function put(b: Buffer, p: number, s: Buffer): number {
  for (let i = 0; i < s.length; i++) b[p + i] = s[i];
  return p + s.length;
}

/** Decimal digits of a non-negative integer below 2^53. */
function digits(b: Buffer, p: number, v: number): number {
  if (v < 10) { b[p] = 0x30 + v; return p + 1; }
  let n = 0;
  for (let x = v; x >= 1; x = Math.floor(x / 10)) n++;
  for (let i = n - 1; i >= 0; i--) { b[p + i] = 0x30 + (v % 10); v = Math.floor(v / 10); }
  return p + n;
}

/** Kafka's murmur2 of the key bytes (org.apache.kafka.common.utils.Utils.murmur2), as the Java default partitioner uses it. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) {
    h ^= data[whole];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
