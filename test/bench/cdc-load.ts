/**
 * The CDC benchmark's generator: a seeded source table BENCH.ACCOUNTS(ID BIGINT NOT NULL,
 * NAME STRING, BALANCE DECIMAL(12,2), UPDATED TIMESTAMP) whose change log is written to Kafka as
 * GoldenGate JSON (operation formatter) records, straight into Kafka record batches with the
 * engine's producer (as produceLoad does; kafkajs moves too few records per second here).
 *
 *   load     one insert per key 1..keys, in key order
 *   changes  `n` changes over those keys: a key drawn at random; a live key is updated (half of
 *            the updates full images, half compressed: key, BALANCE and UPDATED only) or, one time
 *            in five, deleted; a deleted key is inserted again
 *
 * Positions are GoldenGate's `pos` (20 digits), strictly increasing over both phases; op_ts
 * advances 100 µs per change. Record key = the ID as text; partition = ID mod partitions (every
 * change of a key in one partition, in order). The generator keeps which keys are live (one byte
 * per key) so that its changes are those of a real table; the run's row count is checked against it.
 */
import { createRecordProducer, RecordBatchBuilder } from '@tributary/common';
import { Kafka, logLevel } from 'kafkajs';
import { DecimalType, ensureTopic, LongType, StringType, StructField, StructType, TimestampType } from '@tributary/client';

export const CDC_BENCH_TABLE = 'BENCH.ACCOUNTS';
export const CDC_BENCH_COLUMNS = new StructType([
  new StructField('ID', LongType(), false), new StructField('NAME', StringType()), new StructField('BALANCE', DecimalType(12, 2)),
  new StructField('UPDATED', TimestampType()),
]);

const MAX_BATCH_BYTES = 900 * 1024;
const BASE_MICROS = Date.UTC(2026, 2, 1, 10) * 1000;

/** The source table's state across the two phases: positions continue, live keys are tracked. */
export class CdcSource {
  readonly live: Uint8Array;
  liveCount = 0;
  private pos = 1_000_000;
  private micros = BASE_MICROS;
  private state: number;

  constructor(readonly keys: number, seed: number) {
    this.live = new Uint8Array(keys + 1);
    this.state = seed >>> 0 || 1;
  }

  private random(): number {
    // xorshift32: the generator's own draws, seeded
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x / 4294967296;
  }

  /** The next change as (key, GoldenGate JSON); `load` inserts key `loadKey`. */
  next(loadKey?: number): { id: number; value: string } {
    this.pos += 1 + Math.floor(this.random() * 300);
    this.micros += 100;
    const id = loadKey ?? 1 + Math.floor(this.random() * this.keys);
    const opTs = timeText(this.micros);
    const head = `{"table":"${CDC_BENCH_TABLE}","op_type":"`;
    const tail = `","op_ts":"${opTs}","current_ts":"${opTs.replace(' ', 'T')}","pos":"${String(this.pos).padStart(20, '0')}","primary_keys":["ID"]`;
    const balance = centsText(Math.floor(this.random() * 2e8) - 1e7);
    const updated = timeText(this.micros - Math.floor(this.random() * 1e9));
    if (this.live[id] === 0) {
      this.live[id] = 1;
      this.liveCount++;
      return { id, value: `${head}I${tail},"after":{"ID":${id},"NAME":"account-${id}","BALANCE":${balance},"UPDATED":"${updated}"}}` };
    }
    const k = this.random();
    if (k < 0.2) {
      this.live[id] = 0;
      this.liveCount--;
      return { id, value: `${head}D${tail},"before":{"ID":${id}}}` };
    }
    if (k < 0.6) {
      return { id, value: `${head}U${tail},"before":{"ID":${id}},"after":{"ID":${id},"BALANCE":${balance},"UPDATED":"${updated}"}}` };
    }
    return { id, value: `${head}U${tail},"before":{"ID":${id}},"after":{"ID":${id},"NAME":"account-${id}-${Math.floor(k * 1000)}","BALANCE":${balance},"UPDATED":"${updated}"}}` };
  }
}

function centsText(c: number): string {
  const a = Math.abs(c);
  return `${c < 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** µs → "2026-03-01 10:00:00.123456" (GoldenGate's op_ts form, UTC). */
function timeText(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', ' ')}.${String(us % 1_000_000).padStart(6, '0')}`;
}

/**
 * Produces `count` changes of `source` (or, with `load`, the inserts of every key) to `topic`;
 * returns the records sent and the time it took.
 */
export async function produceChanges(
  brokers: string, topic: string, partitions: number, source: CdcSource, what: { load: true } | { changes: number },
): Promise<{ sent: number; ms: number }> {
  await ensureTopic(new Kafka({ brokers: [brokers], clientId: 'tributary-cdc-load', logLevel: logLevel.ERROR }), topic, partitions);
  const producer = await createRecordProducer({ brokers: [brokers], clientId: 'tributary-cdc-load' });
  const builders = Array.from({ length: partitions }, () => new RecordBatchBuilder());
  const free: RecordBatchBuilder[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let sent = 0;
  const started = Date.now();
  const flush = async (partition: number): Promise<void> => {
    const b = builders[partition];
    if (b.count === 0) return;
    builders[partition] = free.pop() ?? new RecordBatchBuilder();
    while (inFlight.size >= 8) await Promise.race(inFlight);
    if (failure) throw failure;
    const n = b.count;
    const p = producer.send(topic, partition, b.finish()).then(
      () => { sent += n; b.reset(); free.push(b); },
      (e) => { failure = failure ?? e; },
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const total = 'load' in what ? source.keys : what.changes;
  try {
    for (let i = 0; i < total; i++) {
      const { id, value } = source.next('load' in what ? i + 1 : undefined);
      const part = id % partitions;
      const key = Buffer.from(String(id), 'latin1');
      const bytes = Buffer.from(value, 'latin1');
      builders[part].append(key, bytes, 0, bytes.length, started);
      if (builders[part].count >= 5000 || builders[part].size >= MAX_BATCH_BYTES) await flush(part);
    }
    for (let q = 0; q < partitions; q++) await flush(q);
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    await Promise.allSettled(inFlight);
    await producer.close();
  }
  return { sent, ms: Date.now() - started };
}
