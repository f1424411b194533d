import assert from 'node:assert/strict';
import { decimalType, LONG, sqlField, STRING, TIMESTAMP } from '@tributary/common';
import { decodeGroupPartials, GroupStateTable, groupLayout, imageFits } from '../aggregate/group-by';
import { batch, Cell, rowsOf, show } from '../aggregate/group-by/group-by.test-support';
import { SnapshotEncoder } from './snapshot-encoder';

const W = 60_000_000;
const input = [sqlField('ts', TIMESTAMP), sqlField('kind', STRING), sqlField('price', decimalType(38, 2))];
const layout = groupLayout({
  window: { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 },
  keys: [{ column: 1, field: input[1] }],
  aggregates: [
    { fn: 'count', column: null, field: sqlField('n', LONG, false) },
    { fn: 'sum', column: 2, field: sqlField('revenue', decimalType(38, 2)) },
  ],
  schema: [],
}, input);

/** Rows of groups [from, to), one group each: string keys (some null), sums of 37 digits, null sums. */
function rows(from: number, to: number): Cell[][] {
  const out: Cell[][] = [];
  for (let r = from; r < to; r++) {
    const kind = r % 97 === 0 && r < 300 ? null : `kind-${r}-${'x'.repeat(r % 7)}`; // one null key in each of the 4 windows
    const sum = r % 13 === 0 ? null : (r % 2 === 0 ? 1n : -1n) * (10n ** 36n + BigInt(r));
    out.push([BigInt((r % 4) * W), kind, BigInt(1 + (r % 3)), sum]);
  }
  return out;
}

const lines = (rs: readonly Cell[][]): string[] => rs.map((r) => r.map(show).join(' | '));

describe('SnapshotEncoder: group images encoded on the worker thread', function () {
  this.timeout(60_000);
  const encoder = new SnapshotEncoder();
  after(() => encoder.close());

  it('encodes a copy of the table into snapshot bytes the loader reads, and gives the same memory back for the next copy', async () => {
    const table = new GroupStateTable(layout, 16);
    table.merge(batch(layout.stateSchema, rows(0, 20_000)));
    const prepared = await encoder.prepare(table.imageSizes(1.5, 1024));
    assert.ok(imageFits(prepared, table.imageSizes()));
    const sizes = Object.fromEntries(Object.entries(prepared).map(([k, b]) => [k, b.byteLength]));

    const first = await encoder.encode(table.copyImage(prepared));
    assert.ok(Object.values(prepared).every((b) => b.byteLength === 0), 'the buffers went to the worker (detached here)');
    assert.deepEqual(lines(rowsOf(decodeGroupPartials(layout, first.bytes))), lines(rows(0, 20_000)));
    assert.deepEqual(Object.fromEntries(Object.entries(first.buffers).map(([k, b]) => [k, b.byteLength])), sizes, 'the same buffers come back');

    // The table changes (more groups, and existing groups merged again); the next snapshot reuses the memory.
    table.merge(batch(layout.stateSchema, rows(20_000, 25_000)));
    table.merge(batch(layout.stateSchema, rows(0, 100)));
    const model = new Map<string, Cell[]>(rows(0, 25_000).map((r) => [`${r[0]}/${r[1]}`, [...r]]));
    for (const r of rows(0, 100)) {
      const m = model.get(`${r[0]}/${r[1]}`) as Cell[];
      m[2] = (m[2] as bigint) + (r[2] as bigint);
      m[3] = m[3] === null ? r[3] : r[3] === null ? m[3] : (m[3] as bigint) + (r[3] as bigint);
    }
    assert.ok(imageFits(first.buffers, table.imageSizes()));
    const second = await encoder.encode(table.copyImage(first.buffers));
    assert.deepEqual(lines(rowsOf(decodeGroupPartials(layout, second.bytes))), lines([...model.values()]));
  });
});
