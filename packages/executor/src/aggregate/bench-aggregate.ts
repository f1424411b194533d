/**
 * Benchmark (not a test): rows/s of PartialAggregator.add() + drainPartitions() over 1M rows and
 * 100k customers in batches of 64k rows, with event times moving forward across 5-minute windows
 * (with some disorder); then WindowStateTable.merge + evict + changesSinceMark, and the codec.
 * Times are user CPU ms (the machine is shared). Run: node <outDir>/aggregate/bench-aggregate.js
 */
import { PartialAggregator } from './partial-aggregator';
import { decodePartialSet, encodeChangeSet, encodePartialSet } from './partial-codec';
import { PartialSet } from './partial-set';
import { WindowStateTable } from './state-table';

const ROWS = 1_000_000;
const CUSTOMERS = 100_000;
const BATCH = 65_536;
const PARTITIONS = 8;
const W = 300_000_000;
const T0 = 1714565100_000_000;

function makeInput() {
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const times = new Float64Array(ROWS);
  const customers = new Int32Array(ROWS);
  const amounts = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    // ~1,000 events per second of event time, up to 30 s out of order
    times[i] = T0 + i * 1000 - Math.floor(rand() * 30_000_000);
    customers[i] = Math.floor(rand() * CUSTOMERS);
    amounts[i] = Math.floor(rand() * 1_000_000);
  }
  return { times, customers, amounts };
}

/** User CPU time in ms: the machine is shared, so wall time overstates our cost. */
const cpuNow = (): number => process.cpuUsage().user / 1000;

function run(): void {
  const input = makeInput();
  const agg = new PartialAggregator();
  const state: WindowStateTable[] = [];
  for (let p = 0; p < PARTITIONS; p++) state.push(new WindowStateTable({ windowMicros: W }));

  for (let round = 0; round < 4; round++) {
    let aggMs = 0;
    let mergeMs = 0;
    let codecMs = 0;
    let partials = 0;
    let emitted = 0;
    for (let from = 0; from < ROWS; from += BATCH) {
      const to = Math.min(ROWS, from + BATCH);
      const cols = {
        count: to - from,
        eventTimeMicros: input.times.subarray(from, to),
        customerId: input.customers.subarray(from, to),
        amountCents: input.amounts.subarray(from, to),
      };
      let t = cpuNow();
      agg.add(cols, { windowMicros: W, lateWatermarkMicros: -Infinity });
      const result = agg.drainPartitions(PARTITIONS, { reuseBuffers: round % 2 === 1 });
      aggMs += cpuNow() - t;

      t = cpuNow();
      const decoded: PartialSet[] = result.partitions.map((s) => decodePartialSet(encodePartialSet(s)));
      codecMs += cpuNow() - t;

      t = cpuNow();
      const watermark = result.maxEventTimeMicros - 600_000_000;
      for (let p = 0; p < PARTITIONS; p++) {
        partials += decoded[p].length;
        state[p].merge(decoded[p]);
        emitted += state[p].evict(watermark).length;
        state[p].changesSinceMark();
        state[p].mark();
      }
      mergeMs += cpuNow() - t;
    }
    const rate = (n: number, ms: number): string => `${((n / ms) * 1e3 / 1e6).toFixed(2)} M/s`;
    console.log(
      `round ${round} (${round % 2 === 1 ? 'reused' : 'fresh'} drain buffers): add+drain ${aggMs.toFixed(0)} ms (${rate(ROWS, aggMs)} rows); ` +
        `encode+decode ${codecMs.toFixed(0)} ms (${rate(partials, codecMs)} partial rows); ` +
        `merge+evict+changes ${mergeMs.toFixed(0)} ms (${rate(partials, mergeMs)} partial rows); ` +
        `emitted ${emitted}`,
    );
  }
  const snap = state[0].snapshot();
  const t = cpuNow();
  const bytes = encodeChangeSet({ upserts: snap, deletedWindowStartsMicros: new Float64Array(0) });
  console.log(`state snapshot of partition 0: ${snap.length} rows, ${bytes.length} bytes, ` +
    `${(cpuNow() - t).toFixed(1)} ms to encode`);
}

run();
