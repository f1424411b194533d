/**
 * `tributary produce`: seeded, reproducible customer events into Kafka (keys = customer_id), in
 * order with a share of out-of-order events (never more than --max-disorder behind the newest), then
 * a few events far ahead that close every window produced (--close, default on).
 *
 * `tributary produce --lines FILE` instead sends each non-empty line of FILE ('-': standard input)
 * as one record value, as it is (JSON lines for any job), keyed by its line number.
 */
import * as fs from 'node:fs';
import { EventGenerator, inOrderChunks, type EventBatch } from '../produce/event-generator';
import { produceEvents } from '../produce/produce';
import { ParsedArgs, intOption, required } from './main';
import { progressBar } from './progress-bar';

const MINUTE = 60_000_000;
const WINDOW = 5 * MINUTE;

export async function runProduceCommand(args: ParsedArgs): Promise<number> {
  const bootstrap = required(args, 'bootstrap');
  const topic = required(args, 'topic');
  const partitions = intOption(args, 'partitions', 8);
  if (typeof args.values.lines === 'string') return produceLines(bootstrap, topic, partitions, args.values.lines);
  const count = intOption(args, 'count', 100_000);
  const generator = new EventGenerator({
    seed: intOption(args, 'seed', 1),
    customers: intOption(args, 'customers', 1000),
    eventsPerSecond: intOption(args, 'events-per-second', 50),
    outOfOrderShare: Number(args.values['disorder-share'] ?? 0.1),
    maxDisorderMicros: 2 * MINUTE,
  });
  const rate = args.values.rate === undefined ? undefined : intOption(args, 'rate', 0);
  const lateShare = Number(args.values['late-share'] ?? 0);
  if (!(lateShare >= 0 && lateShare < 1)) throw new Error(`--late-share must be in [0, 1), got ${args.values['late-share']}`);
  // Late events: stamped in windows that closed two windows before the watermark this stream has
  // reached so far, so an engine that has read up to here drops them.
  const bar = progressBar(`producing to ${topic}`, count);
  let handed = 0;
  async function* withLate() {
    for (const chunk of inOrderChunks(generator, count, 20_000)) {
      yield chunk;
      // a chunk is asked for once the one before it is on its way
      handed += chunk.count;
      bar.update(handed);
      const late = Math.round(chunk.count * lateShare);
      if (late > 0) yield generator.phaseLate(late, generator.watermarkMicros - 2 * WINDOW);
    }
  }
  const result = await produceEvents(bootstrap, topic, partitions, withLate(), rate);
  const closing = await produceEvents(bootstrap, topic, partitions, generator.phaseCloseAll(3));
  bar.finish();
  console.log(`produced ${result.sent + closing.sent} events to ${topic} (${partitions} partitions) in ${((result.durationMs + closing.durationMs) / 1000).toFixed(1)} s`);
  return 0;
}

/** Each non-empty line of the file (or standard input for '-') as one record value. */
async function produceLines(bootstrap: string, topic: string, partitions: number, file: string): Promise<number> {
  const lines = fs.readFileSync(file === '-' ? 0 : file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const count = lines.length;
  const batch: EventBatch = {
    count,
    keys: lines.map((_, i) => String(i)),
    values: lines.map((l) => Buffer.from(l, 'utf8')),
    // The seed-event columns describe generated events only; unused here.
    eventIds: new Float64Array(count),
    customerIds: new Int32Array(count),
    eventTimeMicros: new Float64Array(count),
    amountCents: new Float64Array(count),
  };
  const result = await produceEvents(bootstrap, topic, partitions, batch);
  console.log(`produced ${result.sent} records to ${topic} (${partitions} partitions) from ${file === '-' ? 'standard input' : file}`);
  return 0;
}
