/**
 * Rows of a seed-job output table as exact values, read independently of the engine's readers: window bounds in µs, counts and cents as bigint,
 * read straight from the Arrow buffers (timestamps are int64 µs; decimal(20,2) is a 128-bit
 * two's-complement integer of cents in four little-endian 32-bit words).
 */
import * as arrow from 'apache-arrow';

export interface AggregateRow {
  windowStartMicros: bigint;
  windowEndMicros: bigint;
  customerId: number;
  eventCount: bigint;
  totalCents: bigint;
}

export function aggregateRows(table: arrow.Table): AggregateRow[] {
  const rows: AggregateRow[] = [];
  for (const batch of table.batches) {
    const window = batch.getChild('window')!.data[0];
    const starts = int64Values(window.children[0]);
    const ends = int64Values(window.children[1]);
    const customers = batch.getChild('customer_id')!.data[0];
    const counts = int64Values(batch.getChild('event_count')!.data[0]);
    const sums = batch.getChild('total_amount')!.data[0];
    const sumWords = sums.values as Uint32Array;
    const customerValues = customers.values as Int32Array;
    for (let i = 0; i < batch.numRows; i++) {
      rows.push({
        windowStartMicros: starts(i),
        windowEndMicros: ends(i),
        customerId: customerValues[customers.offset + i],
        eventCount: counts(i),
        totalCents: decimal128(sumWords, (sums.offset + i) * 4),
      });
    }
  }
  return rows;
}

function int64Values(data: arrow.Data): (i: number) => bigint {
  const values = data.values as unknown as BigInt64Array | Int32Array;
  if (values instanceof BigInt64Array) return (i) => values[data.offset + i];
  const words = values as Int32Array;
  return (i) => {
    const j = (data.offset + i) * 2;
    return (BigInt(words[j + 1]) << 32n) | BigInt(words[j] >>> 0);
  };
}

function decimal128(words: Uint32Array, at: number): bigint {
  const v = (BigInt(words[at + 3]) << 96n) | (BigInt(words[at + 2]) << 64n) | (BigInt(words[at + 1]) << 32n) | BigInt(words[at]);
  return v >= 1n << 127n ? v - (1n << 128n) : v;
}

/** cents → '1234.56' / '-0.05'. */
export function formatCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const s = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** µs since the epoch → ISO-8601 with microseconds. */
export function formatMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = ((micros % 1000n) + 1000n) % 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 23)}${sub.toString().padStart(3, '0')}Z`;
}
