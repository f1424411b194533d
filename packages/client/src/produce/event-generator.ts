import { InvalidArgumentError } from '@tributary/common';
import { Xoshiro128 } from './prng';

/**
 * Reproducible customer events for the reference job, as Kafka records: key = customer_id as text,
 * value = JSON {"event_id", "customer_id", "event_type", "amount", "timestamp"} (event_id is an extra
 * field the engine ignores; the oracle uses it to name late events).
 *
 * Forms used (all within the accepted input forms): amount as a JSON number or a numeric string, with
 * 2, 1 or 0 decimals when the trailing digits are zeros, negative for refunds; timestamp ISO-8601 with
 * 'T', 'Z' or a ±hh:mm offset, and 0–9 fraction digits. Digits past the 6th are random sub-microsecond
 * noise: the event time is the value truncated to microseconds, as Spark reads it. Each event's exact
 * time in microseconds is recorded alongside its bytes.
 *
 * Lateness does not depend on how the engine cuts batches, by phases:
 *  - phaseInOrder: no event is more than maxDisorder (< the watermark delay) behind the newest event
 *    time produced before it, so none is late in any batching — provided no batch reads one partition
 *    more than (delay − maxDisorder) of event time ahead of another (the producer sends chunks in order).
 *  - phaseLate(n, windowEndBefore): events in windows ending at or before `windowEndBefore`; a test
 *    produces them only after a batch with watermark ≥ windowEndBefore committed, so they are late in
 *    every batching, and being old they never raise the max event time.
 *  - phaseCloseAll: events at newest + delay + 2 × window, which move the watermark past the end of
 *    every window produced so far.
 */
export interface GeneratorOptions {
  seed: number;
  /** customer_id is drawn uniformly from 1..customers. */
  customers: number;
  /** Event time of the first in-order event, epoch microseconds. */
  startMicros?: number;
  /** In-order events per second of event time. */
  eventsPerSecond?: number;
  /** Share of in-order-phase events placed behind the newest event time, 0..1. */
  outOfOrderShare?: number;
  /** How far behind the newest event time such an event may be, µs; must be below delayMicros. */
  maxDisorderMicros?: number;
  windowMicros?: number;
  delayMicros?: number;
  /** Largest |amount| in cents; at most 9,999,999,999 (decimal(10,2)). */
  maxAmountCents?: number;
  /** Share of negative amounts (event_type 'refund'). */
  refundShare?: number;
  firstEventId?: number;
}

/** Generated events, column-wise: record i is keys[i] / values[i]. */
export interface EventBatch {
  count: number;
  keys: string[];
  values: Buffer[];
  eventIds: Float64Array;
  customerIds: Int32Array;
  /** The exact event time, epoch µs (sub-microsecond digits truncated). */
  eventTimeMicros: Float64Array;
  amountCents: Float64Array;
}

export const DEFAULT_START_MICROS = Date.UTC(2026, 0, 1) * 1000;
const MINUTE = 60_000_000;
const MAX_AMOUNT_CENTS = 9_999_999_999;
const EVENT_TYPES = ['purchase', 'view', 'add_to_cart', 'checkout'];
/** Offsets in minutes and as written. */
const OFFSETS: [number, string][] = [[120, '+02:00'], [-300, '-05:00'], [330, '+05:30'], [-210, '-03:30'], [0, '+00:00'], [840, '+14:00'], [-720, '-12:00']];

export class EventGenerator {
  private readonly rng: Xoshiro128;
  private readonly o: Required<GeneratorOptions>;
  private clockOrigin: number;
  private clockTicks = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private nextId: number;
  private readonly secondsCache = new Map<number, string>();

  constructor(options: GeneratorOptions) {
    this.o = {
      startMicros: DEFAULT_START_MICROS,
      eventsPerSecond: 1000,
      outOfOrderShare: 0,
      maxDisorderMicros: 0,
      windowMicros: 5 * MINUTE,
      delayMicros: 10 * MINUTE,
      maxAmountCents: 100_000,
      refundShare: 0.05,
      firstEventId: 0,
      ...options,
    };
    const o = this.o;
    const problems: string[] = [];
    if (!Number.isInteger(o.customers) || o.customers < 1 || o.customers > 2 ** 31 - 1) problems.push(`customers must be an integer in 1..2^31-1, got ${o.customers}`);
    if (!(o.eventsPerSecond > 0)) problems.push(`eventsPerSecond must be positive, got ${o.eventsPerSecond}`);
    if (!(o.outOfOrderShare >= 0 && o.outOfOrderShare <= 1)) problems.push(`outOfOrderShare must be in 0..1, got ${o.outOfOrderShare}`);
    if (!Number.isSafeInteger(o.maxDisorderMicros) || o.maxDisorderMicros < 0 || o.maxDisorderMicros >= o.delayMicros) {
      problems.push(`maxDisorderMicros must be an integer in 0..delayMicros-1 (${o.delayMicros - 1}), got ${o.maxDisorderMicros}`);
    }
    if (o.outOfOrderShare > 0 && o.maxDisorderMicros < 1) problems.push('outOfOrderShare > 0 needs maxDisorderMicros ≥ 1');
    if (!Number.isSafeInteger(o.windowMicros) || o.windowMicros % 1_000_000 !== 0 || o.windowMicros <= 0) problems.push(`windowMicros must be a positive whole number of seconds, got ${o.windowMicros}`);
    if (!Number.isSafeInteger(o.maxAmountCents) || o.maxAmountCents < 1 || o.maxAmountCents > MAX_AMOUNT_CENTS) problems.push(`maxAmountCents must be an integer in 1..${MAX_AMOUNT_CENTS}, got ${o.maxAmountCents}`);
    if (problems.length > 0) throw new InvalidArgumentError(`invalid generator options: ${problems.join('; ')}`);
    this.rng = new Xoshiro128(o.seed);
    this.clockOrigin = o.startMicros;
    this.nextId = o.firstEventId;
  }

  /** The newest event time produced so far (µs), or -Infinity before the first event. */
  get newestMicros(): number {
    return this.newest;
  }

  /** The watermark the engine reaches once it has read everything produced so far: newest − delay. */
  get watermarkMicros(): number {
    return this.newest - this.o.delayMicros;
  }

  /** Events never late in any batching (see the class comment). */
  phaseInOrder(count: number): EventBatch {
    const o = this.o;
    return this.generate(count, () => {
      const base = this.clockOrigin + Math.floor((this.clockTicks++ * 1_000_000) / o.eventsPerSecond);
      if (this.newest > Number.NEGATIVE_INFINITY && o.outOfOrderShare > 0 && this.rng.chance(o.outOfOrderShare)) {
        return this.newest - 1 - this.rng.nextBigRange(o.maxDisorderMicros);
      }
      return Math.max(base, this.newest);
    }, true);
  }

  /**
   * Events stamped uniformly in the `spanWindows` windows that end at or before `windowEndBefore` (µs):
   * late once a batch with watermark ≥ windowEndBefore has committed.
   */
  phaseLate(count: number, windowEndBeforeMicros: number, spanWindows = 3): EventBatch {
    const w = this.o.windowMicros;
    const limit = Math.floor(windowEndBeforeMicros / w) * w; // every t < limit has window end ≤ windowEndBefore
    if (limit > this.newest) {
      throw new InvalidArgumentError(`phaseLate: windows ending by ${windowEndBeforeMicros} are not behind the newest event time ${this.newest}`);
    }
    return this.generate(count, () => limit - 1 - this.rng.nextBigRange(spanWindows * w), false);
  }

  /** `count` events at newest + delay + 2 × window: every window produced before ends below the new watermark. */
  phaseCloseAll(count = 3): EventBatch {
    if (this.newest === Number.NEGATIVE_INFINITY) throw new InvalidArgumentError('phaseCloseAll: no event produced yet');
    const target = this.newest + this.o.delayMicros + 2 * this.o.windowMicros;
    const batch = this.generate(count, () => target, true);
    this.clockOrigin = this.newest;
    this.clockTicks = 1;
    return batch;
  }

  /**
   * `count` events with times from `time()`, moved onto the grid of the chosen fraction digits: up for
   * events that may become the newest (never further behind), down for late ones (never into an open window).
   */
  private generate(count: number, time: () => number, inOrder: boolean): EventBatch {
    const batch: EventBatch = {
      count,
      keys: new Array<string>(count),
      values: new Array<Buffer>(count),
      eventIds: new Float64Array(count),
      customerIds: new Int32Array(count),
      eventTimeMicros: new Float64Array(count),
      amountCents: new Float64Array(count),
    };
    const rng = this.rng;
    const parts: string[] = [];
    const ends = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const candidate = time();
      const digits = rng.nextInt(10);
      const grid = 10 ** (6 - Math.min(digits, 6));
      const t = inOrder ? Math.ceil(candidate / grid) * grid : Math.floor(candidate / grid) * grid;
      if (inOrder && t > this.newest) this.newest = t;
      const customer = 1 + rng.nextInt(this.o.customers);
      const refund = rng.chance(this.o.refundShare);
      const cents = (1 + rng.nextBigRange(this.o.maxAmountCents)) * (refund ? -1 : 1);
      const type = refund ? 'refund' : EVENT_TYPES[rng.nextInt(EVENT_TYPES.length)];
      const id = this.nextId++;
      const json = this.json(id, customer, type, this.amountText(cents), this.timestampText(t, digits));
      ends[i] = (i === 0 ? 0 : ends[i - 1]) + json.length; // ASCII only: characters are bytes
      parts.push(json);
      batch.keys[i] = String(customer);
      batch.eventIds[i] = id;
      batch.customerIds[i] = customer;
      batch.eventTimeMicros[i] = t;
      batch.amountCents[i] = cents;
    }
    const bytes = Buffer.from(parts.join(''), 'latin1');
    for (let i = 0; i < count; i++) batch.values[i] = bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
    return batch;
  }

  private json(id: number, customer: number, type: string, amount: string, timestamp: string): string {
    if (this.rng.chance(0.1)) {
      return `{"timestamp":"${timestamp}", "amount":${amount}, "event_type":"${type}", "customer_id":${customer}, "event_id":${id}}`;
    }
    return `{"event_id":${id},"customer_id":${customer},"event_type":"${type}","amount":${amount},"timestamp":"${timestamp}"}`;
  }

  /** 2 decimals, or fewer when the dropped digits are zeros; quoted half of the time. */
  private amountText(cents: number): string {
    const abs = Math.abs(cents);
    let text = `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
    if (this.rng.chance(0.3)) text = text.replace(/\.?0+$/, '');
    return this.rng.chance(0.5) ? `"${text}"` : text;
  }

  /** 'YYYY-MM-DDTHH:MM:SS' of epoch seconds, cached: consecutive events mostly share a second. */
  private secondsText(seconds: number): string {
    let text = this.secondsCache.get(seconds);
    if (text === undefined) {
      if (this.secondsCache.size >= 4096) this.secondsCache.clear();
      text = new Date(seconds * 1000).toISOString().slice(0, 19);
      this.secondsCache.set(seconds, text);
    }
    return text;
  }

  /** `t` (µs, on the grid of `digits` fraction digits) in UTC 'Z' or a local time with a ±hh:mm offset. */
  private timestampText(t: number, digits: number): string {
    const useOffset = this.rng.chance(0.4);
    const [minutes, suffix] = useOffset ? OFFSETS[this.rng.nextInt(OFFSETS.length)] : [0, 'Z'];
    const local = t + minutes * MINUTE;
    const secondsPart = this.secondsText(Math.floor(local / 1_000_000));
    const micros = String(((local % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
    let fraction = digits === 0 ? '' : `.${micros.slice(0, Math.min(digits, 6))}`;
    for (let d = 6; d < digits; d++) fraction += String(this.rng.nextInt(10));
    return `${secondsPart}${fraction}${suffix}`;
  }
}

/** One in-order phase of `count` events: generateEvents({ seed, customers, count, … }). */
export function generateEvents(options: GeneratorOptions & { count: number }): EventBatch {
  const { count, ...rest } = options;
  return new EventGenerator(rest).phaseInOrder(count);
}

/** `total` in-order events in batches of `chunk`, for sending much more than fits in memory at once. */
export function* inOrderChunks(generator: EventGenerator, total: number, chunk = 10_000): Generator<EventBatch> {
  for (let done = 0; done < total; done += chunk) yield generator.phaseInOrder(Math.min(chunk, total - done));
}
