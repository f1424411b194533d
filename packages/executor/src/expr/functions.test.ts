import assert from 'node:assert/strict';
import {
  literal, resolveCall, resolveCast, simpleString, sqlField, type ColumnBatch, type RExpr, type Vector,
} from '@tributary/common';
import { evaluate } from './evaluate';
import { valuesOf, vectorOf, type JsValue } from './columns.test-support';
import { CASES, CAST_CASES, type Arg } from './function-cases.test-support';

/** A batch whose columns are the case's column arguments, each with the given rows. */
function batchOf(args: readonly Arg[], rows: (JsValue | 'null')[]): { batch: ColumnBatch; exprs: RExpr[] } {
  const columns: Vector[] = [];
  const exprs: RExpr[] = [];
  for (const a of args) {
    if ('lit' in a) {
      exprs.push(literal(a.lit as string | number | boolean | null, a.type));
      continue;
    }
    const values = rows.map((r) => (r === 'null' ? null : a.value));
    exprs.push({ kind: 'column', index: columns.length, type: a.col, nullable: true });
    columns.push(vectorOf(a.col, values));
  }
  const schema = columns.map((c, i) => sqlField(`c${i}`, c.type));
  return { batch: { count: rows.length, schema, columns }, exprs };
}

describe('functions: Spark case tables through resolveCall and evaluate', () => {
  for (const c of CASES) {
    it(`${c.fn}: ${c.sql}`, () => {
      const ctx = { timeZone: c.timeZone ?? 'UTC' };
      // One row.
      const one = batchOf(c.args, ['v']);
      const call = resolveCall(c.fn, one.exprs, ctx);
      assert.equal(simpleString(call.type), c.type, 'result type');
      assert.deepEqual(valuesOf(evaluate(call, one.batch, ctx), 1), [c.expect]);
      // Three rows, the middle one with every column argument null.
      const three = batchOf(c.args, ['v', 'null', 'v']);
      const call3 = resolveCall(c.fn, three.exprs, ctx);
      const onNull = c.onNull === undefined ? null : c.onNull;
      assert.deepEqual(valuesOf(evaluate(call3, three.batch, ctx), 3), [c.expect, onNull, c.expect]);
    });
  }
});

describe('cast: Spark 3.5 non-ANSI case table through resolveCast and evaluate', () => {
  for (const c of CAST_CASES) {
    it(c.sql, () => {
      const ctx = { timeZone: c.timeZone ?? 'UTC' };
      const batch: ColumnBatch = { count: 3, schema: [sqlField('c0', c.from)], columns: [vectorOf(c.from, [c.value, null, c.value])] };
      const expr = resolveCast({ kind: 'column', index: 0, type: c.from, nullable: true }, c.to);
      assert.equal(simpleString(expr.type), simpleString(c.to));
      assert.deepEqual(valuesOf(evaluate(expr, batch, ctx), 3), [c.expect, null, c.expect]);
      // The same value as a literal column of one row.
      const one: ColumnBatch = { count: 1, schema: batch.schema, columns: [vectorOf(c.from, [c.value])] };
      assert.deepEqual(valuesOf(evaluate(expr, one, ctx), 1), [c.expect]);
    });
  }
});

describe('functions: the cases of one call shape in one batch, nulls between them', () => {
  // Cases that differ only in their column values share a batch: rows case1, null, case2, null, …
  const groups = new Map<string, typeof CASES>();
  for (const c of CASES) {
    const shape = JSON.stringify([c.fn, c.timeZone, c.args.map((a) => ('lit' in a ? a : { col: a.col }))], (_, v) => (typeof v === 'bigint' ? String(v) : v));
    groups.set(shape, [...(groups.get(shape) ?? []), c]);
  }
  for (const cases of [...groups.values()].filter((g) => g.length > 1)) {
    it(`${cases[0].fn}: ${cases.length} cases in one batch of ${cases.length * 2} rows`, () => {
      const ctx = { timeZone: cases[0].timeZone ?? 'UTC' };
      const columns: Vector[] = [];
      const exprs: RExpr[] = [];
      cases[0].args.forEach((a, k) => {
        if ('lit' in a) {
          exprs.push(literal(a.lit as string | number | boolean | null, a.type));
          return;
        }
        const values = cases.flatMap((c) => [(c.args[k] as { value: JsValue }).value, null]);
        exprs.push({ kind: 'column', index: columns.length, type: a.col, nullable: true });
        columns.push(vectorOf(a.col, values));
      });
      const batch: ColumnBatch = { count: cases.length * 2, schema: columns.map((c, i) => sqlField(`c${i}`, c.type)), columns };
      const expected = cases.flatMap((c) => [c.expect, c.onNull === undefined ? null : c.onNull]);
      assert.deepEqual(valuesOf(evaluate(resolveCall(cases[0].fn, exprs, ctx), batch, ctx), batch.count), expected);
    });
  }
});

describe('cast: the cases of one type pair in one batch, nulls between them', () => {
  const groups = new Map<string, typeof CAST_CASES>();
  for (const c of CAST_CASES) {
    const key = `${simpleString(c.from)}→${simpleString(c.to)}@${c.timeZone ?? 'UTC'}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [key, cases] of [...groups.entries()].filter(([, g]) => g.length > 1)) {
    it(`${key}: ${cases.length} cases in one batch`, () => {
      const ctx = { timeZone: cases[0].timeZone ?? 'UTC' };
      const from = cases[0].from;
      const batch: ColumnBatch = {
        count: cases.length * 2,
        schema: [sqlField('c0', from)],
        columns: [vectorOf(from, cases.flatMap((c) => [c.value, null]))],
      };
      const expr = resolveCast({ kind: 'column', index: 0, type: from, nullable: true }, cases[0].to);
      assert.deepEqual(valuesOf(evaluate(expr, batch, ctx), batch.count), cases.flatMap((c) => [c.expect, null]));
    });
  }
});
