/**
 * Micro-benchmark of the Kafka read path (not a test):
 *   node packages/common/dist/kafka/bench-reader.js [--records N] [--broker host:port] [--no-broker] [--json]
 * 1. the decoder alone over in-memory record sets of ~100-byte JSON events (locate only, with and
 *    without CRC checks, and gzip/lz4/zstd-compressed batches);
 * 2. the range reader over a real broker: produces N events to a fresh topic, then reads them back.
 * With --json, prints one JSON object per measurement ({ name, records, seconds, recordsPerSecond, ... }).
 */
import { connectKafkaAdmin } from './admin';
import { createRangeReader } from './range-reader';
import { RecordBatchDecoder } from './record-batch';
import { encodeBatch, TestCodec, TestRecord } from './test-batches';
import { registerTestZstdCodec } from './test-codecs';

interface Measurement {
  name: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  [k: string]: unknown;
}

function event(i: number): Buffer {
  const ts = new Date(1_700_000_000_000 + i * 7).toISOString();
  // Field names of the same lengths as the seed job's events, so values are as long as theirs.
  return Buffer.from(`{"subscriber":${i % 100_000},"price_":"${(i % 10_000) / 100}","timestamp":"${ts}","event_kind":"purchase"}`);
}

function recordSet(records: number, perBatch: number, codec: TestCodec, zstd?: (b: Uint8Array) => Uint8Array): Buffer {
  const batches: Buffer[] = [];
  for (let base = 0; base < records; base += perBatch) {
    const n = Math.min(perBatch, records - base);
    const recs: TestRecord[] = Array.from({ length: n }, (_, j) => ({
      offsetDelta: j,
      timestampDelta: j,
      key: null,
      value: event(base + j),
    }));
    batches.push(encodeBatch({ baseOffset: base, baseTimestamp: 1_700_000_000_000, codec, records: recs, zstd }));
  }
  return Buffer.concat(batches);
}

function benchDecoder(name: string, bytes: Buffer, records: number, verifyCrc: boolean, rounds: number): Measurement {
  const decoder = new RecordBatchDecoder({ verifyCrc });
  let checksum = 0;
  const run = () => {
    decoder.begin('bench', 0, bytes, 0, records);
    for (let c = decoder.next(); c !== null; c = decoder.next()) checksum += c.valueLength[c.count - 1] + c.count;
  };
  run(); // warm up
  const t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) run();
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (checksum === 0) throw new Error('nothing decoded');
  return { name, records: records * rounds, seconds, recordsPerSecond: (records * rounds) / seconds, mibPerSecond: (bytes.length * rounds) / seconds / 2 ** 20 };
}

async function benchBroker(broker: string, records: number): Promise<Measurement[]> {
  const admin = await connectKafkaAdmin({ brokers: [broker] });
  const topic = `tributary-bench-reader-${Date.now()}`;
  const out: Measurement[] = [];
  try {
    await admin.createTopic(topic, 1);
    const perSend = 5000;
    for (let base = 0; base < records; base += perSend) {
      const n = Math.min(perSend, records - base);
      await admin.produceBatch(topic, Array.from({ length: n }, (_, j) => ({ partition: 0, value: event(base + j) })), 'none');
    }
    for (const verifyCrc of [true, false]) {
      const reader = await createRangeReader({ brokers: [broker], verifyCrc });
      try {
        let seen = 0;
        const t = process.hrtime.bigint();
        const stats = await reader.read({ topic, partition: 0, from: 0n, to: BigInt(records) }, (c) => {
          seen += c.count;
        });
        const seconds = Number(process.hrtime.bigint() - t) / 1e9;
        if (seen !== records) throw new Error(`read ${seen} records, expected ${records}`);
        out.push({ ...stats, name: `reader over broker${verifyCrc ? '' : ', no CRC'}`, records, seconds, recordsPerSecond: records / seconds });
      } finally {
        await reader.close();
      }
    }
  } finally {
    await admin.close();
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const records = Number(arg('--records') ?? 200_000);
  const broker = arg('--broker') ?? process.env.TRIBUTARY_TEST_KAFKA;
  const json = args.includes('--json');
  const report = (m: Measurement) => {
    if (json) console.log(JSON.stringify(m));
    else {
      const extra = Object.entries(m)
        .filter(([k]) => !['name', 'records', 'seconds', 'recordsPerSecond'].includes(k))
        .map(([k, v]) => `${k} ${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`)
        .join(', ');
      console.log(`${m.name.padEnd(36)} ${(m.recordsPerSecond / 1e6).toFixed(2).padStart(6)} M records/s (${m.records} in ${m.seconds.toFixed(3)} s; ${extra})`);
    }
  };

  await registerTestZstdCodec();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zstdWasm = require('@bokuweb/zstd-wasm');
  const zstd = (b: Uint8Array) => zstdWasm.compress(b, 3);
  const n = 100_000;
  const plain = recordSet(n, 1000, 'none');
  report(benchDecoder('decoder, uncompressed, CRC checked', plain, n, true, 10));
  report(benchDecoder('decoder, uncompressed, no CRC', plain, n, false, 20));
  for (const codec of ['gzip', 'lz4', 'zstd'] as TestCodec[]) {
    report(benchDecoder(`decoder, ${codec}`, recordSet(n, 1000, codec, zstd), n, true, 3));
  }
  if (!args.includes('--no-broker')) {
    if (!broker) throw new Error('give --broker host:port (or TRIBUTARY_TEST_KAFKA), or --no-broker');
    for (const m of await benchBroker(broker, records)) report(m);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
