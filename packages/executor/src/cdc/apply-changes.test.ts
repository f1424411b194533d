import assert from 'node:assert/strict';
import { batchOf, ColumnBatch, decimalType, LONG, OP, sqlField, STRING, TestValue } from '@tributary/common';
import { applyChanges, CdcRows } from './apply-changes';
import { CdcKeyState } from './cdc-key-state';

const SCHEMA = [sqlField('id', LONG, false), sqlField('name', STRING), sqlField('amount', decimalType(10, 2))];
const COLS = SCHEMA.map((f) => f.name);
type Row = { id: number; name: string | null; amount: number | null };
type Op = 'I' | 'U' | 'D' | 'T';
/** A change as a test writes it: `row` holds the columns it carries (a partial update: some). */
interface C { op: Op; pos: [number, number]; row?: Partial<Row>; time?: number }
const OPS = { I: OP.INSERT, U: OP.UPDATE, D: OP.DELETE, T: OP.TRUNCATE };

function rowsOfChanges(list: readonly C[]): CdcRows {
  const n = list.length;
  const plain = list.map((c) => {
    const r: Record<string, TestValue> = {};
    for (const k of COLS) {
      const v = (c.row as Record<string, unknown> | undefined)?.[k];
      r[k] = v === undefined || v === null ? null : k === 'name' ? (v as string) : BigInt(v as number);
    }
    return r;
  });
  return {
    count: n,
    op: Uint8Array.from(list, (c) => OPS[c.op]),
    posMajor: Float64Array.from(list, (c) => c.pos[0]),
    posMinor: Float64Array.from(list, (c) => c.pos[1]),
    opTime: Float64Array.from(list, (c) => c.time ?? NaN),
    tie: Float64Array.from(list, (_, i) => i),
    present: COLS.map((k) => Uint8Array.from(list, (c) => (c.op === 'I' || (c.row !== undefined && k in c.row) ? 1 : 0))),
    row: batchOf(SCHEMA, plain),
  };
}

function table(rows: readonly Row[]): ColumnBatch {
  return batchOf(SCHEMA, rows.map((r) => ({ id: BigInt(r.id), name: r.name, amount: r.amount === null ? null : BigInt(r.amount) })));
}

function plainRows(b: ColumnBatch): Row[] {
  const out: Row[] = [];
  const [id, name, amount] = b.columns as unknown as [{ values: Float64Array }, { validity: Uint8Array | null; offsets: Int32Array; data: Uint8Array }, { validity: Uint8Array | null; values: Float64Array }];
  for (let i = 0; i < b.count; i++) {
    out.push({
      id: id.values[i],
      name: name.validity !== null && name.validity[i] === 0 ? null : Buffer.from(name.data.subarray(name.offsets[i], name.offsets[i + 1])).toString(),
      amount: amount.validity !== null && amount.validity[i] === 0 ? null : amount.values[i],
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** A CDC table of one partition: its rows and key state, batch after batch. */
class Table {
  rows: ColumnBatch = table([]);
  readonly state = new CdcKeyState();
  constructor(readonly retention = 1e12) {}
  batch(list: readonly C[]) {
    const r = applyChanges({ changes: rowsOfChanges(list), current: this.rows, keyColumns: [0], state: this.state, tombstoneRetentionMicros: this.retention });
    this.rows = r.rows;
    this.state.mark();
    return r;
  }
  get plain(): Row[] { return plainRows(this.rows); }
}

describe('applying changes to a table (SCD type 1)', () => {
  it('reduces several changes of one key in a batch by position, whatever their arrival order', () => {
    const t = new Table();
    t.batch([
      { op: 'U', pos: [0, 30], row: { id: 1, name: 'c', amount: 3 } },
      { op: 'I', pos: [0, 10], row: { id: 1, name: 'a', amount: 1 } },
      { op: 'U', pos: [0, 20], row: { id: 1, name: 'b', amount: 2 } },
      { op: 'I', pos: [0, 11], row: { id: 2, name: 'x', amount: 9 } },
      { op: 'D', pos: [0, 12], row: { id: 2 } },
    ]);
    assert.deepEqual(t.plain, [{ id: 1, name: 'c', amount: 3 }]);
  });

  it('ignores a change older than the one the table holds, in a later batch, and a replay of the same change', () => {
    const t = new Table();
    t.batch([{ op: 'I', pos: [1, 5], row: { id: 1, name: 'new', amount: 5 } }]);
    const r = t.batch([
      { op: 'U', pos: [0, 9_999_999_999], row: { id: 1, name: 'old', amount: 4 } },
      { op: 'I', pos: [1, 5], row: { id: 1, name: 'replayed', amount: 0 } },
    ]);
    assert.equal(r.ignored, 2);
    assert.deepEqual(t.plain, [{ id: 1, name: 'new', amount: 5 }]);
  });

  it('keeps a tombstone so a late older insert cannot bring a deleted row back, until the retention has passed', () => {
    const t = new Table(1000);
    t.batch([{ op: 'I', pos: [0, 1], row: { id: 7, name: 'a', amount: 1 }, time: 10 }]);
    t.batch([{ op: 'D', pos: [0, 3], row: { id: 7 }, time: 20 }]);
    assert.deepEqual(t.plain, []);
    t.batch([{ op: 'I', pos: [0, 2], row: { id: 7, name: 'late', amount: 2 }, time: 15 }]);
    assert.deepEqual(t.plain, [], 'the late insert at 2 is older than the delete at 3');
    const r = t.batch([{ op: 'I', pos: [0, 9], row: { id: 8, name: 'b', amount: 1 }, time: 1021 }]);
    assert.equal(r.tombstonesEvicted, 1, 'source time 1021 is past the delete (20) by more than 1000 µs');
    assert.equal(t.state.slotOf('7'), -1);
  });

  it('changes only the columns a partial update carries, from the table row or an earlier change of the batch', () => {
    const t = new Table();
    t.batch([{ op: 'I', pos: [0, 1], row: { id: 1, name: 'a', amount: 100 } }, { op: 'I', pos: [0, 2], row: { id: 2, name: 'b', amount: 200 } }]);
    t.batch([
      { op: 'U', pos: [0, 3], row: { id: 1, amount: 150 } },
      { op: 'U', pos: [0, 5], row: { id: 2, name: null } },
      { op: 'I', pos: [0, 6], row: { id: 3, name: 'c', amount: 1 } },
      { op: 'U', pos: [0, 7], row: { id: 3, amount: 2 } },
      { op: 'U', pos: [0, 8], row: { id: 3, name: 'cc' } },
    ]);
    assert.deepEqual(t.plain, [{ id: 1, name: 'a', amount: 150 }, { id: 2, name: null, amount: 200 }, { id: 3, name: 'cc', amount: 2 }]);
  });

  it('truncates: rows changed at or before the truncate go, later ones stay, and older changes that arrive later are ignored', () => {
    const t = new Table();
    t.batch([
      { op: 'I', pos: [0, 1], row: { id: 1, name: 'a', amount: 1 } },
      { op: 'I', pos: [0, 12], row: { id: 2, name: 'after', amount: 2 } }, // from another Kafka partition, ahead of the truncate
    ]);
    t.batch([{ op: 'T', pos: [0, 10] }, { op: 'U', pos: [0, 5], row: { id: 3, name: 'before', amount: 3 } }]);
    assert.deepEqual(t.plain, [{ id: 2, name: 'after', amount: 2 }]);
    t.batch([{ op: 'I', pos: [0, 9], row: { id: 4, name: 'late', amount: 4 } }, { op: 'T', pos: [0, 8] }, { op: 'I', pos: [0, 11], row: { id: 5, name: 'e', amount: 5 } }]);
    assert.deepEqual(t.plain, [{ id: 2, name: 'after', amount: 2 }, { id: 5, name: 'e', amount: 5 }]);
  });

  it('ends equal to a seeded source database after its log is delivered in batches with replays and duplicates', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = mulberry32(seed);
      const { log, final } = sourceDatabase(rnd, 400);
      // Two Kafka partitions by key (truncates on 0); each keeps its order. Batches take a random
      // slice of each; now and then a partition's earlier records are delivered again.
      const parts: C[][] = [[], []];
      for (const c of log) parts[c.op === 'T' ? 0 : (c.row?.id as number) % 2].push(c);
      const at = [0, 0];
      const t = new Table();
      while (at[0] < parts[0].length || at[1] < parts[1].length) {
        const batch: C[] = [];
        for (let p = 0; p < 2; p++) {
          const take = Math.floor(rnd() * 30);
          batch.push(...parts[p].slice(at[p], at[p] + take));
          at[p] = Math.min(parts[p].length, at[p] + take);
          if (rnd() < 0.3 && at[p] > 0) {
            const from = Math.floor(rnd() * at[p]);
            batch.push(...parts[p].slice(from, Math.min(at[p], from + 20)));
          }
        }
        t.batch(batch);
      }
      assert.deepEqual(t.plain, final, `seed ${seed}`);
    }
  });
});

/** A source table played by a seeded generator: its change log (positions increasing) and its final rows. */
function sourceDatabase(rnd: () => number, steps: number): { log: C[]; final: Row[] } {
  const rows = new Map<number, Row>();
  const log: C[] = [];
  let pos = 1;
  let nextId = 1;
  const next = (): [number, number] => [Math.floor(pos / 100), pos++ % 100];
  for (let s = 0; s < steps; s++) {
    const live = [...rows.keys()];
    const pick = () => live[Math.floor(rnd() * live.length)];
    const r = rnd();
    if (live.length === 0 || r < 0.35) {
      const row = { id: nextId++, name: `n${s}`, amount: Math.floor(rnd() * 1000) };
      rows.set(row.id, row);
      log.push({ op: 'I', pos: next(), row: { ...row } });
    } else if (r < 0.55) {
      const row = rows.get(pick()) as Row;
      row.amount = Math.floor(rnd() * 1000);
      row.name = rnd() < 0.2 ? null : `u${s}`;
      log.push({ op: 'U', pos: next(), row: { ...row } });
    } else if (r < 0.75) {
      const row = rows.get(pick()) as Row;
      row.amount = Math.floor(rnd() * 1000);
      log.push({ op: 'U', pos: next(), row: { id: row.id, amount: row.amount } }); // compressed
    } else if (r < 0.87) {
      const id = pick();
      rows.delete(id);
      log.push({ op: 'D', pos: next(), row: { id } });
    } else if (r < 0.97) {
      // a key update: delete of the old key, insert of the new row, at one position
      const old = rows.get(pick()) as Row;
      rows.delete(old.id);
      const row = { ...old, id: nextId++ };
      rows.set(row.id, row);
      const p = next();
      log.push({ op: 'D', pos: p, row: { id: old.id } }, { op: 'I', pos: p, row: { ...row } });
    } else {
      rows.clear();
      log.push({ op: 'T', pos: next() });
    }
  }
  return { log, final: [...rows.values()].sort((a, b) => a.id - b.id) };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
