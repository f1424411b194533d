import assert from 'node:assert/strict';
import { DIRECT_ARRAYS_MAP_SIDE, DIRECT_ARRAYS_STATE } from './direct-int-keys';
import { DATE, INT, LONG, STRING, SqlField, TIMESTAMP, sqlField } from '@tributary/common';
import { Cell, batch, rowsOf, sortedLines } from './group-by.test-support';
import { groupLayout } from './group-layout';
import { GroupTable } from './group-table';

const W = 300_000_000;
const T = 1_714_565_100_000_000;

/** A small deterministic generator (xorshift32), so that a failure names its seed. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function layoutOf(windowed: boolean, keyType = INT) {
  const input: SqlField[] = [sqlField('ts', TIMESTAMP), sqlField('k', keyType), sqlField('v', LONG)];
  return groupLayout({
    window: windowed ? { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 } : null,
    keys: [{ column: 1, field: input[1] }],
    aggregates: [
      { fn: 'count', column: null, field: sqlField('n', LONG, false) },
      { fn: 'sum', column: 2, field: sqlField('total', LONG) },
    ],
    schema: [],
  }, input);
}

/**
 * Rows over `windows` windows and keys mostly in [lo, lo + range), with nulls, keys far outside
 * that range and extreme ints, so that the cache meets every case: known, new, out of range, null
 * key, more windows than it keeps. `clean`: keys in range only (the first rows set the cache's range).
 */
function rows(random: () => number, count: number, windows: number, lo: number, range: number, clean = false): Cell[][] {
  const out: Cell[][] = [];
  for (let i = 0; i < count; i++) {
    const w = Math.floor(random() * windows);
    const r = clean ? 1 : random();
    const k = r < 0.03 ? null : r < 0.05 ? (random() < 0.5 ? -2147483648 : 2147483647) : r < 0.08 ? lo + range * 40 + Math.floor(random() * 5) : lo + Math.floor(random() * range);
    out.push([BigInt(T + w * W + Math.floor(random() * W)), k, BigInt(Math.floor(random() * 1000) - 500)]);
  }
  return out;
}

describe('DirectIntKeys (the lone int key cache of a map task\'s table)', () => {
  for (const windowed of [true, false]) {
    for (const [seed, arrays] of [[1, DIRECT_ARRAYS_MAP_SIDE], [7, DIRECT_ARRAYS_MAP_SIDE], [42, DIRECT_ARRAYS_STATE], [1234, DIRECT_ARRAYS_STATE]]) {
      it(`${windowed ? 'windowed' : 'no window'}, seed ${seed}, ${arrays} arrays: the same groups, ids and sums as the table alone, across adds, late rows, clears and retain`, () => {
        const layout = layoutOf(windowed);
        const random = rng(seed);
        const cached = new GroupTable(layout, 16, arrays);
        const plain = new GroupTable(layout, 16, 0);
        const lo = Math.floor(random() * 2000) - 1000;
        for (let round = 0; round < 3; round++) {
          for (let chunk = 0; chunk < 6; chunk++) {
            // more windows than the cache keeps (32) in some chunks, after chunks of few windows (the
            // cache makes arrays on the spot until one is refused); late rows skipped in others
            const b = batch([sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('v', LONG)],
              rows(random, 700, [3, 12, 45][chunk % 3], lo, 3000, round === 0 && chunk === 0));
            const watermark = chunk === 3 ? T + 2 * W : -Infinity;
            const a = cached.addRows(b, watermark);
            const p = plain.addRows(b, watermark);
            assert.deepEqual(a, p);
            assert.ok(cached.keys.directKeysActive, 'the cache is in use');
            assert.equal(cached.size, plain.size);
            // the same groups with the same values (ids may differ: the cache numbers the new groups
            // of a known window as it meets them, before the table numbers the rows it was left)
            assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
          }
          if (round === 0 && windowed) {
            // each table's own ids: the same groups are kept
            for (const table of [cached, plain]) {
              const keep = new Uint8Array(table.size);
              for (let g = 0; g < table.size; g++) keep[g] = table.windowStartOf(g) >= T + 4 * W ? 1 : 0;
              table.retain(keep);
            }
          } else {
            cached.clear();
            plain.clear();
          }
        }
      });
    }
  }

  it('a first batch whose keys are all null sets no range and makes no array: the next batches of its windows are right', () => {
    for (const arrays of [DIRECT_ARRAYS_MAP_SIDE, DIRECT_ARRAYS_STATE]) {
      const layout = layoutOf(true);
      const cached = new GroupTable(layout, 16, arrays);
      const plain = new GroupTable(layout, 16, 0);
      const fields = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('v', LONG)];
      const nulls: Cell[][] = [];
      for (let i = 0; i < 50; i++) nulls.push([BigInt(T + (i % 3) * W + i), null, BigInt(i)]);
      const keyed: Cell[][] = [];
      for (let i = 0; i < 300; i++) keyed.push([BigInt(T + (i % 3) * W + i), i % 40, BigInt(i)]);
      for (const b of [batch(fields, nulls), batch(fields, keyed), batch(fields, keyed)]) {
        cached.addRows(b, -Infinity);
        plain.addRows(b, -Infinity);
      }
      assert.ok(cached.keys.directKeysActive, 'the cache is in use');
      assert.equal(cached.size, 3 * 40 + 3, 'one group per (window, key) and one null-key group per window');
      assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
    }
  });

  it('adds the new groups of a known window itself, each once, and the table finds them after it grows and after retain', () => {
    const layout = layoutOf(true);
    const cached = new GroupTable(layout, 16, DIRECT_ARRAYS_MAP_SIDE);
    const plain = new GroupTable(layout, 16, 0);
    const fields = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('v', LONG)];
    // chunk 0 makes the window's array (keys 0..99); later chunks bring new keys of that window,
    // each twice in a chunk, past the table's first capacity (16 groups) so that it grows
    for (let chunk = 0; chunk < 4; chunk++) {
      const cells: Cell[][] = [];
      for (let k = chunk * 100; k < chunk * 100 + 100; k++) for (let copy = 0; copy < 2; copy++) cells.push([BigInt(T + k), k, BigInt(k + copy)]);
      const b = batch(fields, cells);
      cached.addRows(b, -Infinity);
      plain.addRows(b, -Infinity);
      assert.equal(cached.size, plain.size, `chunk ${chunk}: one group per key`);
    }
    assert.equal(cached.size, 400);
    assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
    // keep half; the retained table must find every kept group by probing, and add none twice
    const keep = new Uint8Array(cached.size);
    for (let g = 0; g < cached.size; g += 2) keep[g] = 1;
    cached.retain(keep);
    const keepPlain = new Uint8Array(plain.size);
    const kept = new Set(rowsOf(cached.rows()).map((r) => String(r[1])));
    rowsOf(plain.rows()).forEach((r, g) => { keepPlain[g] = kept.has(String(r[1])) ? 1 : 0; });
    plain.retain(keepPlain);
    const again: Cell[][] = [];
    for (let k = 0; k < 400; k++) again.push([BigInt(T + k), k, 1n]);
    cached.addRows(batch(fields, again), -Infinity);
    plain.addRows(batch(fields, again), -Infinity);
    assert.equal(cached.size, 400);
    assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
  });

  it('a date key is cached too, and a first range wider than the cache turns it off without changing results', () => {
    for (const [type, lo, range, active] of [[DATE, 19000, 500, true], [INT, 0, 10_000_000, false]] as const) {
      const layout = layoutOf(true, type);
      const random = rng(99);
      const cached = new GroupTable(layout, 16, DIRECT_ARRAYS_MAP_SIDE);
      const plain = new GroupTable(layout, 16, 0);
      for (let chunk = 0; chunk < 5; chunk++) {
        const b = batch([sqlField('ts', TIMESTAMP), sqlField('k', type), sqlField('v', LONG)], rows(random, 500, 4, lo, range, chunk === 0));
        cached.addRows(b, -Infinity);
        plain.addRows(b, -Infinity);
      }
      assert.equal(cached.keys.directKeysActive, active);
      assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
    }
  });

  function contentHash(text: string): number {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
    return h;
  }

  /** The layout of (window?, string s, int k) or (window?, int k, string s): the cache keyed by window and the string's id. */
  function twoKeyLayout(windowed: boolean, stringFirst: boolean) {
    const input: SqlField[] = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('s', STRING), sqlField('v', LONG)];
    const keys = stringFirst ? [2, 1] : [1, 2];
    return groupLayout({
      window: windowed ? { column: 0, sizeMicros: W, slideMicros: W, startMicros: 0 } : null,
      keys: keys.map((c) => ({ column: c, field: input[c] })),
      aggregates: [
        { fn: 'count', column: null, field: sqlField('n', LONG, false) },
        { fn: 'sum', column: 3, field: sqlField('total', LONG) },
      ],
      schema: [],
    }, input);
  }

  for (const windowed of [true, false]) {
    for (const stringFirst of [true, false]) {
      for (const seed of [3, 11, 77]) {
        it(`a string key beside the int key (${stringFirst ? 'string first' : 'int first'}, ${windowed ? 'windowed' : 'no window'}, seed ${seed}): the same groups and sums as the table alone, with null strings, more (window, string) pairs than the cache keeps, clears and retain`, () => {
          const layout = twoKeyLayout(windowed, stringFirst);
          const random = rng(seed);
          const cached = new GroupTable(layout, 16, DIRECT_ARRAYS_MAP_SIDE);
          const plain = new GroupTable(layout, 16, 0);
          const fields = [sqlField('ts', TIMESTAMP), sqlField('k', INT), sqlField('s', STRING), sqlField('v', LONG)];
          const lo = Math.floor(random() * 2000) - 1000;
          for (let round = 0; round < 3; round++) {
            for (let chunk = 0; chunk < 6; chunk++) {
              // few strings in most chunks; 40 strings × 12 windows in some (more pairs than arrays)
              const strings = chunk % 3 === 2 ? 40 : 5;
              const base = rows(random, 700, chunk % 2 === 0 ? 3 : 12, lo, 3000, round === 0 && chunk === 0);
              const cells = base.map((r) => {
                const x = random();
                const s = x < 0.04 ? null : `type-${Math.floor(random() * strings)}`;
                return [r[0], r[1], s, r[2]] as Cell[];
              });
              const b = batch(fields, cells);
              const watermark = chunk === 3 ? T + 2 * W : -Infinity;
              assert.deepEqual(cached.addRows(b, watermark), plain.addRows(b, watermark));
              assert.ok(cached.keys.directKeysActive, 'the cache is in use');
              assert.equal(cached.size, plain.size);
              assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
            }
            if (round === 0) {
              // keep about two groups in three, chosen by their content (ids differ between the
              // tables): ids and dictionaries compact, and every string but the few kept ones leaves
              for (const table of [cached, plain]) {
                const lines = rowsOf(table.rows()).map((r) => sortedLines([r.slice(0, -2)])[0]);
                const keep = new Uint8Array(table.size);
                for (let g = 0; g < table.size; g++) keep[g] = contentHash(lines[g]) % 3 !== 0 && !/type-(1|2)\d/.test(lines[g]) ? 1 : 0;
                table.retain(keep);
              }
              assert.equal(cached.size, plain.size);
              assert.deepEqual(sortedLines(rowsOf(cached.rows())), sortedLines(rowsOf(plain.rows())));
            } else {
              cached.clear();
              plain.clear();
            }
          }
        });
      }
    }
  }
});
