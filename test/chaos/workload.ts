/**
 * The seed job's input for a chaos run, produced phased as in test/e2e/seed-job.test.ts so that
 * lateness never depends on how (re)tried batches cut the stream:
 *  - in-order events, never more than 2 minutes of event time behind the newest (delay 10 minutes),
 *    sent in units of UNIT events; a unit whose send fails (e.g. during a Kafka restart) is sent
 *    again whole, so some records may be in the topic twice — the verdict reads the topic back;
 *  - late events, produced only once a committed batch's watermark is past their windows;
 *  - a few events far ahead that close every window.
 * A unit spans UNIT / EVENTS_PER_SECOND = 200 s of event time, so a resent unit's records are at most
 * 200 s + 2 min behind the newest, less than the 10-minute delay: still never late.
 */
import { EventBatch, EventGenerator, produceEvents } from '@tributary/client';

export const MINUTE = 60_000_000;
export const WINDOW = 5 * MINUTE;
export const DELAY = 10 * MINUTE;
export const PARTITIONS = 8;
const UNIT = 20_000;
const EVENTS_PER_SECOND = 100;

export class Workload {
  readonly gen: EventGenerator;
  /** event_id of every late event produced. */
  readonly lateEventIds: number[] = [];
  produced = 0;
  sendRetries = 0;
  /** The earliest event time of the in-order events produced so far (µs). */
  firstMicros = Infinity;

  /** `eventsPerSecond` below 50 would let a resent unit span more than the delay allows (see above). */
  constructor(seed: number, private readonly bootstrap: string, private readonly topic: string, private readonly log: (m: string) => void, eventsPerSecond = EVENTS_PER_SECOND) {
    if (UNIT / eventsPerSecond + 120 >= DELAY / 1_000_000) throw new Error(`chaos workload: ${eventsPerSecond} events/s makes a unit span too much event time`);
    this.gen = new EventGenerator({ seed, customers: 3000, eventsPerSecond, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
  }

  async inOrder(count: number): Promise<void> {
    for (let left = count; left > 0; left -= UNIT) {
      const batch = this.gen.phaseInOrder(Math.min(UNIT, left));
      for (const t of batch.eventTimeMicros) if (t < this.firstMicros) this.firstMicros = t;
      await this.send(batch);
    }
  }

  /** The newest event time so far minus `behindMicros`, rounded down to a window boundary. */
  windowEndBehindNewest(behindMicros: number): number {
    return Math.floor((this.gen.newestMicros - behindMicros) / WINDOW) * WINDOW;
  }

  /** Late events in windows ending at or before `windowEndMicros` (a committed watermark must be past it). */
  async late(count: number, windowEndMicros: number): Promise<void> {
    const batch = this.gen.phaseLate(count, windowEndMicros);
    for (const id of batch.eventIds) this.lateEventIds.push(id);
    await this.send(batch);
  }

  async closeAll(): Promise<void> {
    await this.send(this.gen.phaseCloseAll(3));
  }

  /** The watermark the engine reaches once it has read everything produced (µs, as committed). */
  finalWatermarkMicros(): number {
    return this.gen.watermarkMicros;
  }

  private async send(batch: EventBatch): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await produceEvents(this.bootstrap, this.topic, PARTITIONS, batch);
        this.produced += batch.count;
        return;
      } catch (err) {
        if (tries >= 60) throw err;
        this.sendRetries++;
        this.log(`producing ${batch.count} events failed (${(err as Error).message}); sending them again in 2 s`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }
}
