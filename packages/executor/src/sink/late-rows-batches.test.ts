import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  asBatchId, commit, createTable, decimalType, deltaSchemaOf, lateRowsTableSchema, QuerySpecV2, readSnapshot, readTableRows, RecordChunk, resolveQuery,
  sqlField, STRING, stepsOutput, TIMESTAMP,
} from '@tributary/common';
import { batch, Cell } from '../aggregate/group-by/group-by.test-support';
import { groupLayout, PartialGroupAggregator } from '../aggregate/group-by';
import { LateRowsBatches } from './late-rows-batches';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const MINUTE = 60_000_000;
const T = 1_772_323_200_000_000; // 2026-03-01T00:00:00Z

/** A job with a string key and its own field names: per minute and user, the count and the revenue. */
function query() {
  const schema = [sqlField('user', STRING), sqlField('price', decimalType(12, 2)), sqlField('at', TIMESTAMP)];
  const col = (name: string) => ({ kind: 'col', name }) as const;
  const spec: QuerySpecV2 = {
    version: 2,
    source: { format: 'kafka', bootstrapServers: 'localhost:9092', topic: 'clicks', startingOffsets: 'earliest', failOnDataLoss: true },
    plan: [
      { op: 'select', exprs: [{ kind: 'alias', name: 'e', expr: { kind: 'fromJson', expr: { kind: 'cast', expr: col('value'), to: STRING }, schema } }] },
      { op: 'select', exprs: [col('e.*')] },
      { op: 'withWatermark', column: 'at', delay: '1 minute' },
      {
        op: 'aggregate',
        keys: [{ kind: 'window', column: col('at'), duration: '1 minute' }, col('user')],
        aggregates: [{ kind: 'alias', name: 'n', expr: { kind: 'call', fn: 'count', args: [] } }, { kind: 'alias', name: 'revenue', expr: { kind: 'call', fn: 'sum', args: [col('price')] } }],
      },
    ],
    sink: { format: 'delta', path: '/tables/clicks', outputMode: 'append', checkpointLocation: '/checkpoints/clicks' },
    trigger: { kind: 'processingTime', interval: '10 seconds' },
    options: { lateRows: 'table' },
  };
  return resolveQuery(spec);
}

/** A chunk of `n` records at offsets base.. with Kafka timestamps (ms; −1: none); only these arrays are read. */
function chunk(base: number, timestampsMs: number[]): RecordChunk {
  return {
    topic: 'clicks', partition: 2, count: timestampsMs.length,
    offset: Float64Array.from(timestampsMs, (_, i) => base + i), timestampMs: Float64Array.from(timestampsMs),
  } as unknown as RecordChunk;
}

describe('late rows of a resolved query', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-late-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the aggregator names exactly the rows whose window ended at or before the watermark; they land in the table with their records', async () => {
    const q = query();
    const input = stepsOutput(q.scan.schema, q.pre);
    const names = input.map((f) => f.name);
    const aggregator = new PartialGroupAggregator(groupLayout(q.aggregate!, input));
    const watermark = T + 2 * MINUTE; // windows [T, T+1m) and [T+1m, T+2m) are closed
    const schema = lateRowsTableSchema(q);
    const table = path.join(dir, 'clicks_late_rows');
    await createTable(storage, table, deltaSchemaOf(schema));
    const files = new LateRowsBatches(storage, table, schema, asBatchId(7), watermark, 2); // a file once 2 rows are held: one per chunk here
    const expected: string[] = [];
    const chunks: { user: string | null; price: bigint | null; at: number; kafkaMs: number }[][] = [
      [
        { user: 'ann', price: 1234n, at: T + 5, kafkaMs: 1_772_323_200_123 },
        { user: 'bob', price: null, at: T + 2 * MINUTE, kafkaMs: -1 }, // on time: its window ends at T+3m
        { user: null, price: 99n, at: T + 2 * MINUTE - 1, kafkaMs: 1 }, // late: ends exactly at the watermark
        { user: 'ann', price: 5n, at: T + 3 * MINUTE, kafkaMs: 2 },
      ],
      [
        { user: 'bób', price: -7n, at: T - 10 * MINUTE, kafkaMs: -1 },
        { user: 'cy', price: 10n ** 11n, at: T + MINUTE, kafkaMs: 3 },
        { user: 'cy', price: 1n, at: T + 2 * MINUTE + 1, kafkaMs: 4 },
      ],
    ];
    let base = 1000;
    for (const events of chunks) {
      // Rows come from records 1.. of the chunk (record 0 was a bad record, say): recordIndex maps them back.
      const rows = batch(input, events.map((e) => names.map((n): Cell => (n === 'user' ? e.user : n === 'price' ? e.price : BigInt(e.at)))));
      rows.recordIndex = Int32Array.from(events, (_, i) => i + 1);
      const c = chunk(base, [0, ...events.map((e) => e.kafkaMs)]);
      const late: number[] = [];
      const count = aggregator.add(rows, watermark, (r) => late.push(r));
      events.forEach((e, i) => {
        const windowEnd = Math.floor((e.at - T) / MINUTE) * MINUTE + T + MINUTE;
        if (windowEnd > watermark) return;
        expected.push([e.user, e.price, e.at, 'clicks', 2, base + i + 1, e.kafkaMs < 0 ? null : e.kafkaMs * 1000, 7, watermark].join('|'));
      });
      assert.equal(count, late.length);
      files.add(rows, Int32Array.from(late), c);
      await files.flushIfFull();
      base += 100;
    }
    const adds = await files.finish();
    assert.equal(files.rows, 4);
    assert.equal(adds.length, 2);
    const snapshot = await readSnapshot(storage, table);
    await commit(storage, table, adds.map((a) => ({ add: a })), { readVersion: snapshot.version, snapshot, operation: 'WRITE' });
    const rows = await readTableRows(storage, table);
    const [at, kafkaTs, wm] = ['at', 'kafka_timestamp', 'watermark'].map((c) => micros(rows, c));
    const got = rows.toArray().map((r: any, i) => {
      const o = r.toJSON();
      return [o.user, unscaled(o.price), at[i], o.topic, o.partition, o.offset, kafkaTs[i], o.batch_id, wm[i]].join('|');
    });
    assert.deepEqual(got.sort(), expected.sort());
  });
});

/** A decimal cell as read back (Arrow gives its unscaled 128-bit words), null for null. */
function unscaled(v: any): bigint | null {
  if (v === null) return null;
  const words = v as Uint32Array;
  let x = 0n;
  for (let i = words.length - 1; i >= 0; i--) x = (x << 32n) | BigInt(words[i]);
  return BigInt.asIntN(words.length * 32, x);
}

/** A timestamp column's stored µs (Arrow's row view gives milliseconds), null for nulls. */
function micros(table: any, name: string): (number | null)[] {
  const out: (number | null)[] = [];
  for (const d of table.getChild(name).data) {
    const v = d.values as BigInt64Array;
    for (let i = 0; i < d.length; i++) out.push(d.getValid(i) ? Number(v[i]) : null);
  }
  return out;
}
