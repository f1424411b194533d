/**
 * One reader of the ceiling measurements, run as its own process (as an executor is):
 *   node ceiling-reader.js <locate|decode> <broker> <topic> <partition:from:to>...
 * Reads each range with the engine's range reader (createRangeReader), one after another as a map
 * task does.
 *   locate: only locates the values (sums their lengths; no JSON): the reader ceiling.
 *   decode: also runs the engine's struct decoder with the seed job's scan (validation + typed
 *           columns) over every value, as a map task does before aggregating: the bound for any engine that must validate
 *           its input, with no aggregation, shuffle, state or commit.
 * Prints one JSON line: { records, valueBytes, badRecords, ms, cpuMs }.
 */
import { createRangeReader, createStructDecoder, RecordChunk, referenceQuery } from '@tributary/common';

async function main(): Promise<void> {
  const [mode, broker, topic, ...specs] = process.argv.slice(2);
  if (mode !== 'locate' && mode !== 'decode') throw new Error(`mode must be locate or decode, got ${mode}`);
  const reader = await createRangeReader({ brokers: [broker], clientId: 'tributary-bench-ceiling' });
  const onChunk = mode === 'locate' ? locator() : decoder();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (const spec of specs) {
      const [partition, from, to] = spec.split(':');
      await reader.read({ topic, partition: Number(partition), from: BigInt(from), to: BigInt(to) }, onChunk.chunk);
    }
  } finally {
    await reader.close();
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ ...onChunk.totals(), ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}

interface ChunkSink {
  chunk: (c: RecordChunk) => void;
  totals: () => { records: number; valueBytes: number; badRecords: number };
}

function locator(): ChunkSink {
  let records = 0;
  let valueBytes = 0;
  return {
    chunk: (c) => {
      records += c.count;
      const lengths = c.valueLength;
      for (let i = 0; i < c.count; i++) valueBytes += lengths[i];
    },
    totals: () => ({ records, valueBytes, badRecords: 0 }),
  };
}

/** The locator's work, then the struct decoder of the seed job's scan (as its map tasks decode) over every value. */
function decoder(): ChunkSink {
  const located = locator();
  const decode = createStructDecoder(referenceQuery().scan);
  let badRecords = 0;
  return {
    chunk: (c) => {
      located.chunk(c);
      decode.decode(c, () => badRecords++);
    },
    totals: () => ({ ...located.totals(), badRecords }),
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
