/**
 * Benchmark (not a test): rows/s of PartialAggregator.add() + drainPartitions() over 1M rows and
 * 100k customers in batches of 64k rows, with event times moving forward across 5-minute windows
 * (with some disorder); then the partials' codec. (The state of a partition is the general
 * group-by's: group-by/bench-group-by.ts.)
 * Times are user CPU ms (the machine is shared). Run: node <outDir>/aggregate/bench-aggregate.js
 */
import { PartialAggregator } from './partial-aggregator';
import { decodePartialSet, encodePartialSet } from './partial-codec';

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

  for (let round = 0; round < 4; round++) {
    let aggMs = 0;
    let codecMs = 0;
    let partials = 0;
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
      for (const set of result.partitions) partials += decodePartialSet(encodePartialSet(set)).length;
      codecMs += cpuNow() - t;
    }
    const rate = (n: number, ms: number): string => `${((n / ms) * 1e3 / 1e6).toFixed(2)} M/s`;
    console.log(
      `round ${round} (${round % 2 === 1 ? 'reused' : 'fresh'} drain buffers): add+drain ${aggMs.toFixed(0)} ms (${rate(ROWS, aggMs)} rows); ` +
        `encode+decode ${codecMs.toFixed(0)} ms (${rate(partials, codecMs)} partial rows)`,
    );
  }
}

run();
