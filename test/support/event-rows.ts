/**
 * Helpers of the end-to-end tests that produce JSON records and compare a table's rows:
 * batchOf wraps record values as the producer's EventBatch (keys spread over 17 values; the load
 * generator's typed columns unused), assertSameRows compares canonical rows in any order.
 */
import assert from 'node:assert/strict';
import type { CanonicalValue } from '@tributary/common';
import type { EventBatch } from '@tributary/client';

export function batchOf(values: (string | Buffer)[]): EventBatch {
  const count = values.length;
  return {
    count,
    keys: values.map((_, i) => String(i % 17)),
    values: values.map((v) => (typeof v === 'string' ? Buffer.from(v) : v)),
    eventIds: new Float64Array(count),
    customerIds: new Int32Array(count),
    eventTimeMicros: new Float64Array(count),
    amountCents: new Float64Array(count),
  };
}

/** Rows sorted by their JSON text (a canonical order for comparison). */
export function sortedRows(rows: Record<string, CanonicalValue>[]): Record<string, CanonicalValue>[] {
  return rows.map((r) => ({ text: JSON.stringify(r), r })).sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)).map((x) => x.r);
}

/** The same rows in any order: counts first, then row by row in sortedRows order. */
export function assertSameRows(actual: Record<string, CanonicalValue>[], expected: Record<string, CanonicalValue>[]): void {
  const a = sortedRows(actual);
  const e = sortedRows(expected);
  assert.equal(a.length, e.length, `row count: got ${a.length}, expected ${e.length}`);
  for (let i = 0; i < e.length; i++) assert.deepEqual(a[i], e[i], `row ${i}`);
}
