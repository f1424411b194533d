import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddFile, canonicalRows, ColumnBatch, commit, optimize, writeCheckpoint, createTable, deltaSchemaOf, LONG, readSnapshot, readTableRows, removeFor, sqlField, STRING, TIMESTAMP, type SqlField,
} from '@tributary/common';
import { keyStrings, mergeUpdates, PARTITION_TAG, WINDOW_RANGE_TAG } from './update-merge';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const MINUTE = 60_000_000;
const OUTPUT: SqlField[] = [
  sqlField('window', { kind: 'struct', fields: [sqlField('start', TIMESTAMP), sqlField('end', TIMESTAMP)] }, false),
  sqlField('user', STRING),
  sqlField('n', LONG, false),
];
const KEYS = { window: 0, keys: [1] };

/** Rows (window start in minutes, user or null, n) as the output's columns. */
function rowsOf(rows: [number, string | null, number][]): ColumnBatch {
  const n = rows.length;
  const enc = new TextEncoder();
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = [];
  let at = 0;
  rows.forEach(([, u], i) => { const b = enc.encode(u ?? ''); parts.push(b); at += b.length; offsets[i + 1] = at; });
  const data = new Uint8Array(at);
  parts.reduce((o, b) => { data.set(b, o); return o + b.length; }, 0);
  const validity = rows.some((r) => r[1] === null) ? Uint8Array.from(rows, (r) => (r[1] === null ? 0 : 1)) : null;
  return {
    count: n,
    schema: OUTPUT,
    columns: [
      { type: OUTPUT[0].type as never, validity: null, children: [
        { type: TIMESTAMP as never, validity: null, values: Float64Array.from(rows, (r) => r[0] * MINUTE), wide: null },
        { type: TIMESTAMP as never, validity: null, values: Float64Array.from(rows, (r) => (r[0] + 1) * MINUTE), wide: null },
      ] },
      { type: STRING as never, validity, offsets, data },
      { type: LONG as never, validity: null, values: Float64Array.from(rows, (r) => r[2]), wide: null },
    ],
  } as ColumnBatch;
}

async function batch(table: string, version: number, partition: number, rows: [number, string | null, number][], changed = rows): Promise<{ removed: string[]; adds: AddFile[]; kept: number }> {
  const snapshot = await readSnapshot(storage, table);
  const r = await mergeUpdates({
    storage, tablePath: table, snapshot, partition, output: OUTPUT, keys: KEYS, windowSizeMicros: MINUTE,
    changed: rowsOf(changed), changedKeyColumns: [0, 1], rows: rowsOf(rows),
  });
  const live = new Map([...snapshot.files.values()].map((a) => [a.path, a]));
  const actions = [...r.removedPaths.map((p) => ({ remove: removeFor(live.get(p) as AddFile, 0) })), ...r.adds.map((a) => ({ add: a }))];
  await commit(storage, table, actions, { readVersion: snapshot.version, snapshot, operation: 'STREAMING UPDATE', txn: { appId: 'q', version } });
  return { removed: r.removedPaths, adds: r.adds, kept: r.keptRows };
}

function tableRows(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => `${(r.window as { start: string }).start}/${r.user}/${r.n}`).sort();
}

describe('update-mode merge (copy-on-write by key)', () => {
  let dir = '';
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-update-merge-')); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('replaces changed keys with their new rows, keeps the others, and rewrites only the files of the window ranges touched', async () => {
    const table = path.join(dir, 't');
    await createTable(storage, table, deltaSchemaOf(OUTPUT));
    // Window ranges are 4 windows wide: minutes 0–3 and 8–11 are two ranges.
    await batch(table, 0, 3, [[0, 'a', 1], [1, 'b', 2], [8, 'a', 5], [1, null, 7]]);
    const first = await readSnapshot(storage, table);
    assert.equal(first.files.size, 2, 'one file per window range');
    for (const f of first.files.values()) assert.equal(f.tags?.[PARTITION_TAG], '3');
    assert.deepEqual([...first.files.values()].map((f) => f.tags?.[WINDOW_RANGE_TAG]).sort(), [String(0), String(8 * MINUTE)]);

    // The key (1, 'b') changes, (1, null) changes, (2, 'c') is new: only range 0 is rewritten.
    const second = await batch(table, 1, 3, [[1, 'b', 3], [2, 'c', 1], [1, null, 8]]);
    assert.equal(second.removed.length, 1);
    assert.equal(second.kept, 1, 'the row (0, a) is carried over');
    const rows = tableRows(canonicalRows(await readTableRows(storage, table)));
    assert.deepEqual(rows, [`${0}/a/1`, `${60000000}/b/3`, `${60000000}/null/8`, `${120000000}/c/1`, `${480000000}/a/5`].sort());
  });

  it('deletes a changed key whose new row a filter after the aggregation dropped', async () => {
    const table = path.join(dir, 't');
    await createTable(storage, table, deltaSchemaOf(OUTPUT));
    await batch(table, 0, 0, [[0, 'a', 1], [0, 'b', 1]]);
    await batch(table, 1, 0, [], [[0, 'a', 9]]);
    assert.deepEqual(tableRows(canonicalRows(await readTableRows(storage, table))), ['0/b/1']);
  });

  it('leaves alone the files of other shuffle partitions', async () => {
    const table = path.join(dir, 't');
    await createTable(storage, table, deltaSchemaOf(OUTPUT));
    await batch(table, 0, 0, [[0, 'a', 1]]);
    const other = await batch(table, 1, 1, [[0, 'z', 1]]);
    assert.equal(other.removed.length, 0);
    assert.equal(tableRows(canonicalRows(await readTableRows(storage, table))).length, 2);
  });

  it('keeps its layout through a checkpoint and OPTIMIZE: tags survive, only files of one group are combined', async () => {
    const table = path.join(dir, 't');
    await createTable(storage, table, deltaSchemaOf(OUTPUT));
    await batch(table, 0, 0, [[0, 'a', 1]]);
    await batch(table, 1, 0, [[8, 'b', 1]]);
    await batch(table, 2, 1, [[0, 'c', 1]]);
    await batch(table, 3, 1, [[1, 'd', 1]]);
    const before = await readSnapshot(storage, table);
    // (1, d) is in partition 1's range-0 group, whose file's statistics (window 0 only) exclude it: a second file there.
    assert.equal(before.files.size, 4);
    await writeCheckpoint(storage, before);
    await optimize(storage, table);
    const after = await readSnapshot(storage, table);
    const groups = [...after.files.values()].map((f) => `${f.tags?.[PARTITION_TAG]}@${f.tags?.[WINDOW_RANGE_TAG]}`).sort();
    assert.deepEqual(groups, ['0@0', `0@${8 * MINUTE}`, '1@0']);
    await batch(table, 4, 1, [[1, 'd', 2]]);
    assert.deepEqual(tableRows(canonicalRows(await readTableRows(storage, table))), ['0/a/1', '0/c/1', `${MINUTE}/d/2`, `${8 * MINUTE}/b/1`].sort());
  });

  it('encodes keys so that null, empty string and values differ', () => {
    const k = keyStrings(rowsOf([[0, null, 1], [0, '', 1], [0, 'a', 1], [0, 'a', 2]]), [0, 1]);
    assert.equal(new Set(k).size, 3);
    assert.equal(k[2], k[3]);
  });
});

