/**
 * Benchmark (not a test): rows/s of the general group-by, PartialGroupAggregator.add() +
 * drainPartitions(), grouping 1M rows by (5-minute window, int key of 10k values, string key of 20
 * values) with count('*') and sum(decimal(10,2)), in batches of 64k rows with event times moving
 * forward (some disorder), draining per batch and once per 1M rows; then GroupStateTable merge +
 * evict + change set, and the codec.
 * Times are user CPU ms (the machine is shared). Run: node <outDir>/aggregate/group-by/bench-group-by.js
 */
import { ColumnBatch, DATE, INT, STRING, TIMESTAMP, Vector, decimalType, sqlField } from '@tributary/common';
import { decodeGroupPartials, encodeGroupChanges, encodeGroupPartials } from './group-codec';
import { groupLayout } from './group-layout';
import { GroupStateTable } from './group-state-table';
import { PartialGroupAggregator } from './partial-group-aggregator';

const ROWS = 1_000_000;
const INT_KEYS = 10_000;
const STRINGS = 20;
const BATCH = 65_536;
const PARTITIONS = 8;
const W = 300_000_000;
const T0 = 1714565100_000_000;

const input = [
  sqlField('ts', TIMESTAMP),
  sqlField('customer', INT),
  sqlField('kind', STRING),
  sqlField('amount', decimalType(10, 2)),
  sqlField('day', DATE),
];
const layout = groupLayout(
  {
    window: { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 },
    keys: [
      { column: 1, field: input[1] },
      { column: 2, field: input[2] },
    ],
    aggregates: [
      { fn: 'count', column: null, field: sqlField('n', { kind: 'long' }, false) },
      { fn: 'sum', column: 3, field: sqlField('total', decimalType(20, 2)) },
    ],
    schema: [],
  },
  input,
);

function makeBatches(): ColumnBatch[] {
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const words = Array.from({ length: STRINGS }, (_, i) => new TextEncoder().encode(`event-${i}-${'ä'.repeat(i % 3)}`));
  const batches: ColumnBatch[] = [];
  for (let from = 0; from < ROWS; from += BATCH) {
    const n = Math.min(BATCH, ROWS - from);
    const ts = new Float64Array(n);
    const customer = new Int32Array(n);
    const amount = new Float64Array(n);
    const offsets = new Int32Array(n + 1);
    const chosen = new Int32Array(n);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      ts[i] = T0 + (from + i) * 1000 - Math.floor(rand() * 30_000_000);
      customer[i] = Math.floor(rand() * INT_KEYS);
      amount[i] = Math.floor(rand() * 1_000_000);
      chosen[i] = Math.floor(rand() * STRINGS);
      bytes += words[chosen[i]].length;
      offsets[i + 1] = bytes;
    }
    const data = new Uint8Array(bytes);
    for (let i = 0; i < n; i++) data.set(words[chosen[i]], offsets[i]);
    const columns: Vector[] = [
      { type: { kind: 'timestamp' }, validity: null, values: ts, wide: null },
      { type: { kind: 'int' }, validity: null, values: customer },
      { type: { kind: 'string' }, validity: null, offsets, data },
      { type: decimalType(10, 2) as never, validity: null, values: amount, wide: null },
      { type: { kind: 'date' }, validity: null, values: new Int32Array(n) },
    ];
    batches.push({ count: n, schema: input, columns });
  }
  return batches;
}

const cpuNow = (): number => process.cpuUsage().user / 1000;

const rate = (n: number, ms: number): string => `${((n / ms) * 1e3 / 1e6).toFixed(2)} M/s`;

/**
 * Map side alone: add every 64k-row batch, drainPartitions every `drainEvery` batches (1: per batch,
 * as bench-aggregate does; 16: once per 1M rows, as a map task that reads 1M events drains once),
 * best of several rounds (the machine is shared).
 */
function runMapSide(batches: ColumnBatch[], rounds: number, drainEvery: number): void {
  const agg = new PartialGroupAggregator(layout);
  let best = Infinity;
  let bestAdd = Infinity;
  for (let round = 0; round < rounds; round++) {
    let addMs = 0;
    let drainMs = 0;
    let partials = 0;
    let added = 0;
    for (const batch of batches) {
      let t = cpuNow();
      agg.add(batch, -Infinity);
      addMs += cpuNow() - t;
      if (++added % drainEvery !== 0 && added !== batches.length) continue;
      t = cpuNow();
      const result = agg.drainPartitions(PARTITIONS);
      drainMs += cpuNow() - t;
      for (const p of result.partitions) partials += p.count;
    }
    best = Math.min(best, addMs + drainMs);
    bestAdd = Math.min(bestAdd, addMs);
    console.log(`map side (drain every ${drainEvery} batches) round ${round}: add ${addMs.toFixed(0)} ms, drain ${drainMs.toFixed(0)} ms, ${rate(ROWS, addMs + drainMs)} rows/s; ${partials} partial rows`);
  }
  console.log(`map side (drain every ${drainEvery} batches) best: add ${rate(ROWS, bestAdd)} rows/s, add + drain ${rate(ROWS, best)} rows/s`);
}

function runPipeline(batches: ColumnBatch[], rounds: number): void {
  const agg = new PartialGroupAggregator(layout);
  const state: GroupStateTable[] = [];
  for (let p = 0; p < PARTITIONS; p++) state.push(new GroupStateTable(layout));
  for (let round = 0; round < rounds; round++) {
    let mapMs = 0;
    let codecMs = 0;
    let stateMs = 0;
    let partials = 0;
    let emitted = 0;
    for (const batch of batches) {
      let t = cpuNow();
      agg.add(batch, -Infinity);
      const result = agg.drainPartitions(PARTITIONS);
      mapMs += cpuNow() - t;
      t = cpuNow();
      const decoded = result.partitions.map((rows) => decodeGroupPartials(layout, encodeGroupPartials(layout, rows)));
      codecMs += cpuNow() - t;
      t = cpuNow();
      const watermark = result.maxEventTimeMicros - 600_000_000;
      for (let p = 0; p < PARTITIONS; p++) {
        partials += decoded[p].count;
        state[p].merge(decoded[p]);
        emitted += state[p].evictClosed(watermark).count;
        encodeGroupChanges(layout, state[p].changesSinceMark());
        state[p].mark();
      }
      stateMs += cpuNow() - t;
    }
    console.log(
      `pipeline round ${round}: map side ${mapMs.toFixed(0)} ms (${rate(ROWS, mapMs)} rows/s); codec ${codecMs.toFixed(0)} ms ` +
        `(${rate(partials, codecMs)} partial rows/s); state merge+evict+changes ${stateMs.toFixed(0)} ms (${rate(partials, stateMs)} partial rows/s); ${emitted} rows emitted`,
    );
  }
}

const batches = makeBatches();
runMapSide(batches, 6, 1);
runMapSide(batches, 6, 16);
runPipeline(batches, 3);
