import assert from 'node:assert/strict';
import { BooleanVector, ColumnBatch, concatBatches, ExactVector, SCD2_FIELDS } from '@tributary/common';
import { C, mulberry32, plainRows, rowsOfChanges, SCHEMA, sourceDatabase, table } from './apply-changes.fixture';
import { applyChangesScd2 } from './apply-changes-scd2';
import { CdcKeyState } from './cdc-key-state';

const FULL = [...SCHEMA, ...SCD2_FIELDS];
interface Version { id: number; name: string | null; amount: number | null; from: number; to: number | null; current: boolean }

class History {
  rows: ColumnBatch = { ...table([]), schema: FULL, columns: [...table([]).columns, ...emptyScd2()] };
  readonly state = new CdcKeyState();
  batch(list: readonly C[]) {
    const r = applyChangesScd2({ changes: rowsOfChanges(list), current: this.rows, keyColumns: [0], state: this.state, tombstoneRetentionMicros: 1e12 });
    this.rows = r.rows.count === this.rows.count && !r.changed ? this.rows : concatBatches(FULL, [r.rows]);
    this.state.mark();
    return r;
  }
  get versions(): Version[] {
    const data = plainRows({ count: this.rows.count, schema: SCHEMA, columns: this.rows.columns.slice(0, 3) }, false);
    const from = this.rows.columns[3] as ExactVector;
    const to = this.rows.columns[4] as ExactVector;
    const cur = this.rows.columns[5] as BooleanVector;
    return data.map((d, i) => ({ ...d, from: from.values[i], to: to.validity !== null && to.validity[i] === 0 ? null : to.values[i], current: cur.values[i] === 1 })).sort(byVersion);
  }
}

function emptyScd2() {
  return [
    { type: { kind: 'timestamp' as const }, validity: null, values: new Float64Array(0), wide: null },
    { type: { kind: 'timestamp' as const }, validity: null, values: new Float64Array(0), wide: null },
    { type: { kind: 'boolean' as const }, validity: null, values: new Uint8Array(0) },
  ];
}

function byVersion(a: Version, b: Version): number {
  return a.id - b.id || a.from - b.from || (a.to ?? Infinity) - (b.to ?? Infinity);
}

/** The history a source's log makes, replayed in log order (the model's truth): one version per change. */
function historyOf(log: readonly C[]): Version[] {
  const open = new Map<number, Version>();
  const out: Version[] = [];
  const end = (id: number, t: number) => {
    const v = open.get(id);
    if (v === undefined) return;
    out.push({ ...v, to: t, current: false });
    open.delete(id);
  };
  for (const c of log) {
    const t = c.time as number;
    if (c.op === 'T') { for (const id of [...open.keys()]) end(id, t); continue; }
    const id = c.row?.id as number;
    const prev = open.get(id);
    end(id, t);
    if (c.op === 'D') continue;
    const base = c.op === 'I' || prev === undefined ? { name: null, amount: null } : { name: prev.name, amount: prev.amount };
    open.set(id, { id, ...base, ...(c.row as object), from: t, to: null, current: true } as Version);
  }
  return [...out, ...open.values()].map((v) => ({ id: v.id, name: v.name ?? null, amount: v.amount ?? null, from: v.from, to: v.to, current: v.current })).sort(byVersion);
}

describe('applying changes to a table (SCD type 2)', () => {
  it('keeps one version per change, in position order, each ended by the next; a delete ends the current one', () => {
    const t = new History();
    t.batch([
      { op: 'U', pos: [0, 3], row: { id: 1, amount: 30 }, time: 300 },
      { op: 'I', pos: [0, 1], row: { id: 1, name: 'a', amount: 10 }, time: 100 },
      { op: 'I', pos: [0, 2], row: { id: 2, name: 'b', amount: 20 }, time: 200 },
    ]);
    t.batch([{ op: 'D', pos: [0, 4], row: { id: 2 }, time: 400 }, { op: 'I', pos: [0, 1], row: { id: 1, name: 'replayed', amount: 0 }, time: 100 }]);
    assert.deepEqual(t.versions, [
      { id: 1, name: 'a', amount: 10, from: 100, to: 300, current: false },
      { id: 1, name: 'a', amount: 30, from: 300, to: null, current: true },
      { id: 2, name: 'b', amount: 20, from: 200, to: 400, current: false },
    ]);
  });

  it('a truncate ends every current version changed at or before it, at its commit time; changes before it in its batch are history', () => {
    const t = new History();
    t.batch([{ op: 'I', pos: [0, 1], row: { id: 1, name: 'a', amount: 1 }, time: 10 }, { op: 'I', pos: [0, 9], row: { id: 2, name: 'b', amount: 2 }, time: 90 }]);
    t.batch([{ op: 'T', pos: [0, 5], time: 50 }, { op: 'U', pos: [0, 4], row: { id: 1, amount: 7 }, time: 40 }]);
    t.batch([{ op: 'U', pos: [0, 3], row: { id: 1, amount: 8 }, time: 30 }]);
    assert.deepEqual(t.versions, [
      { id: 1, name: 'a', amount: 1, from: 10, to: 40, current: false },
      { id: 1, name: 'a', amount: 7, from: 40, to: 50, current: false },
      { id: 2, name: 'b', amount: 2, from: 90, to: null, current: true },
    ]);
  });

  // History is exact when each truncate arrives in order with the changes around it (a change older
  // than a truncate that arrives after it is ignored, its version lost; docs/cdc.md): here the log
  // is one Kafka partition, in batches, with replays and duplicates.
  it('ends equal to the history of a seeded source database delivered in batches with replays and duplicates', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = mulberry32(seed);
      const { log } = sourceDatabase(rnd, 400);
      const t = new History();
      for (let at = 0; at < log.length;) {
        const take = Math.floor(rnd() * 40);
        const batch = log.slice(at, at + take);
        at += take;
        if (rnd() < 0.3 && at > 0) {
          const from = Math.floor(rnd() * at);
          batch.push(...log.slice(from, Math.min(at, from + 20)));
        }
        if (rnd() < 0.3 && batch.length > 0) batch.push(batch[Math.floor(rnd() * batch.length)]);
        t.batch(batch);
      }
      assert.deepEqual(t.versions, historyOf(log), `seed ${seed}`);
    }
  });
});
