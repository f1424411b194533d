/**
 * `tributary produce`: seeded, reproducible customer events into Kafka (keys = customer_id), in
 * order with a share of out-of-order events (never more than --max-disorder behind the newest), then
 * a few events far ahead that close every window produced (--close, default on).
 */
import { EventGenerator, inOrderChunks } from '../produce/event-generator';
import { produceEvents } from '../produce/produce';
import { ParsedArgs, intOption, required } from './main';

const MINUTE = 60_000_000;
const WINDOW = 5 * MINUTE;

export async function runProduceCommand(args: ParsedArgs): Promise<number> {
  const bootstrap = required(args, 'bootstrap');
  const topic = required(args, 'topic');
  const count = intOption(args, 'count', 100_000);
  const partitions = intOption(args, 'partitions', 8);
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
  async function* withLate() {
    for (const chunk of inOrderChunks(generator, count, 20_000)) {
      yield chunk;
      const late = Math.round(chunk.count * lateShare);
      if (late > 0) yield generator.phaseLate(late, generator.watermarkMicros - 2 * WINDOW);
    }
  }
  const result = await produceEvents(bootstrap, topic, partitions, withLate(), rate);
  const closing = await produceEvents(bootstrap, topic, partitions, generator.phaseCloseAll(3));
  console.log(`produced ${result.sent + closing.sent} events to ${topic} (${partitions} partitions) in ${((result.durationMs + closing.durationMs) / 1000).toFixed(1)} s`);
  return 0;
}
