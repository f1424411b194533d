/**
 * Micro-benchmark (not a test): events/s of EventDecoder and of the StructDecoder with the seed
 * schema (customer_id int, event_type string, amount decimal(10,2), timestamp timestamp, plus the
 * Kafka offset and timestamp columns the seed job reads) over the same ~100-byte JSON events in
 * chunks of 64k records, against JSON.parse + inexact conversion for reference. Run with
 *   node packages/common/<outDir>/decode/bench-decoder.js [seconds] [rounds]
 * Rounds alternate the two decoders (the figure of each is its best round).
 */
import type { ScanSpec } from '../plan/resolved-query';
import { decimalType, INT, LONG, sqlField, STRING, structType, TIMESTAMP } from '../schema/sql-type';
import { createEventColumns } from './event-columns';
import { EventDecoder } from './event-decoder';
import { chunkOf } from './record-chunk-fixture';
import { createStructDecoder } from './struct-decoder';

const SEED_FIELDS = [
  sqlField('customer_id', INT),
  sqlField('event_type', STRING),
  sqlField('amount', decimalType(10, 2)),
  sqlField('timestamp', TIMESTAMP),
];

const SEED_SCAN: ScanSpec = {
  kafkaColumns: ['offset', 'timestamp'],
  json: { schema: SEED_FIELDS, timeZone: 'UTC' },
  schema: [sqlField('offset', LONG, false), sqlField('timestamp', TIMESTAMP, false), sqlField('event', structType(SEED_FIELDS), false)],
  maxValueBytes: 64 * 1024,
};

const TYPES = ['view', 'click', 'purchase', 'add_to_cart', 'refund'];

function sampleEvents(n: number): string[] {
  const out: string[] = [];
  let seed = 42;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < n; i++) {
    const cents = Math.floor(rnd() * 100000);
    const ms = 1_700_000_000_000 + Math.floor(rnd() * 86_400_000);
    out.push(
      JSON.stringify({
        customer_id: Math.floor(rnd() * 100000),
        event_type: TYPES[i % TYPES.length],
        amount: (cents / 100).toFixed(2),
        timestamp: new Date(ms).toISOString().replace('Z', '123Z'),
      }),
    );
  }
  return out;
}

/**
 * Runs `round` for about `seconds` of wall time. Prints events per wall second and per CPU second of
 * this process (the latter is what to compare on a shared machine, where wall time includes waiting).
 */
function measure(label: string, seconds: number, perRound: number, round: () => void): number {
  round(); // warm up
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < seconds) {
    round();
    rounds++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallRate = (rounds * perRound) / elapsed / 1e6;
  const cpuRate = (rounds * perRound) / cpuSeconds / 1e6;
  console.log(`${label}: ${wallRate.toFixed(2)} M events/s wall, ${cpuRate.toFixed(2)} M events/CPU-s`);
  return cpuRate;
}

function main(): void {
  const seconds = Number(process.argv[2] ?? 2);
  const events = sampleEvents(65536);
  const chunk = chunkOf(events);
  const avg = events.reduce((s, e) => s + Buffer.byteLength(e), 0) / events.length;
  console.log(`${events.length} events per chunk, ${avg.toFixed(0)} bytes on average`);

  const rounds = Number(process.argv[3] ?? 3);
  const decoder = new EventDecoder();
  const cols = createEventColumns(65536);
  const structDecoder = createStructDecoder(SEED_SCAN);
  let bad = 0;
  let bestEvent = 0;
  let bestStruct = 0;
  for (let r = 0; r < rounds; r++) {
    bestEvent = Math.max(bestEvent, measure('EventDecoder (byte scanner)', seconds, events.length, () => {
      cols.count = 0;
      decoder.decode(chunk, cols, () => bad++);
    }));
    if (bad !== 0 || cols.count !== events.length) throw new Error(`expected all rows good, ${bad} bad`);
    bestStruct = Math.max(bestStruct, measure('StructDecoder (seed schema + offset, timestamp)', seconds, events.length, () => {
      const batch = structDecoder.decode(chunk, () => bad++);
      if (batch.count !== events.length) throw new Error(`expected all rows good, ${bad} bad`);
    }));
  }
  console.log(
    `best of ${rounds}: EventDecoder ${bestEvent.toFixed(2)}, StructDecoder ${bestStruct.toFixed(2)} M events/CPU-s ` +
      `(${((100 * bestStruct) / bestEvent).toFixed(0)}%)`,
  );

  const ids = new Int32Array(events.length);
  const amounts = new Float64Array(events.length);
  const times = new Float64Array(events.length);
  measure('JSON.parse + Math.round(amount*100) + Date.parse (reference, inexact)', seconds, events.length, () => {
    for (let i = 0; i < events.length; i++) {
      const s = chunk.buf.toString('utf8', chunk.valueStart[i], chunk.valueStart[i] + chunk.valueLength[i]);
      const o = JSON.parse(s);
      ids[i] = o.customer_id;
      amounts[i] = Math.round(Number(o.amount) * 100);
      times[i] = Date.parse(o.timestamp) * 1000;
    }
  });
}

main();
