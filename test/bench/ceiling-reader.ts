/**
 * One reader of the ceiling measurement, run as its own process (as an executor is):
 *   node ceiling-reader.js <broker> <topic> <partition:from:to>...
 * Reads each range with the engine's range reader (createRangeReader), one after another as a map
 * task does, and only locates the values (sums their lengths; no JSON). Prints one JSON line:
 * { records, valueBytes, ms, cpuMs }.
 */
import { createRangeReader } from '@tributary/common';

async function main(): Promise<void> {
  const [broker, topic, ...specs] = process.argv.slice(2);
  const reader = await createRangeReader({ brokers: [broker], clientId: 'tributary-bench-ceiling' });
  let records = 0;
  let valueBytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (const spec of specs) {
      const [partition, from, to] = spec.split(':');
      await reader.read({ topic, partition: Number(partition), from: BigInt(from), to: BigInt(to) }, (c) => {
        records += c.count;
        const lengths = c.valueLength;
        for (let i = 0; i < c.count; i++) valueBytes += lengths[i];
      });
    }
  } finally {
    await reader.close();
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ records, valueBytes, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
