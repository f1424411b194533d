/**
 * The steady-rate load generator as its own process, so its CPU is measured apart from the rest:
 *   node generator-process.js <broker> <topic> <partitions> <rate> <durationMs> <customers> <seed>
 * Sends rate × duration events with event time = Kafka timestamp = the wall clock; prints the
 * LoadResult as one JSON line.
 */
import { produceLoad } from '@tributary/client';

async function main(): Promise<void> {
  const [broker, topic, partitions, rate, durationMs, customers, seed] = process.argv.slice(2);
  const total = Math.round((Number(rate) * Number(durationMs)) / 1000);
  const result = await produceLoad(broker, topic, Number(partitions), total, {
    seed: Number(seed), customers: Number(customers), realClock: true, rate: Number(rate),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
