/**
 * approx_count_distinct end to end over 1,000,000 distinct values on a real cluster (Kafka, Redis,
 * driver + executor processes, Delta on disk), in complete mode: over every row (a global
 * aggregation) and per group of a string key, within 3·rsd of the exact count (a Set over the
 * generated values); then GroupedData's shortcuts count(), avg(), min(), max(), sum() over the same
 * records, compared with a plain calculation. Runs outside `npm test` (npm run test:large): a
 * million records take minutes here.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { canonicalRows, readTableRows, type CanonicalValue } from '@tributary/common';
import {
  approxCountDistinct, col, count, DoubleType, DriverClient, fromJson, GrpcSubmitter, IntegerType, LongType, max, min,
  produceEvents, StringType, StructField, StructType, TimestampType, TributarySession,
} from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { assertSameRows, batchOf } from '../support/event-rows';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const SECOND = 1_000_000;
/** 2026-03-01T00:00:00Z in µs. */
const BASE = Date.UTC(2026, 2, 1) * 1000;

function rng(seed: number): (m: number) => number {
  let s = seed;
  return (m) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * m); };
}

function iso(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % SECOND).padStart(6, '0')}Z`;
}

function session(client: DriverClient, name: string): TributarySession {
  return TributarySession.builder().appName(name).submitter(new GrpcSubmitter(client)).getOrCreate();
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const byBytes = (a: string, b: string): number => Buffer.compare(utf8(a), utf8(b));
/** The least of many numbers (Math.min(...xs) overflows the stack past a few hundred thousand). */
const least = (xs: number[]): number => xs.reduce((a, b) => (b < a ? b : a), Infinity);

/** Within approx_count_distinct's bound (3·rsd of the exact count, +1), the estimate is replaced by the exact count for comparison. */
function approxWithin(rows: Record<string, CanonicalValue>[], expected: Map<string, Record<string, CanonicalValue>>, keyOf: (r: Record<string, CanonicalValue>) => string, column: string, rsd: number): Record<string, CanonicalValue>[] {
  return rows.map((r) => {
    const e = expected.get(keyOf(r));
    if (e === undefined) return r;
    const exact = Number(e[column]);
    const est = Number(r[column]);
    return Math.abs(est - exact) <= 3 * rsd * exact + 1 ? { ...r, [column]: e[column] } : r;
  });
}

describe('approx_count_distinct over 1,000,000 distinct values on a real cluster (Kafka, Redis, driver + executors, Delta)', function () {
  this.timeout(30 * 60_000);
  const env = clusterPerTest('tributary-approx-distinct-', 2);

  it("approx_count_distinct within its bound over 1,000,000 distinct values (all rows, and per group), and GroupedData's count(), avg(), min(), max(), sum()", async () => {
    const topic = `distinct_${Date.now()}`;
    const bootstrap = testKafka();
    const n = 1_000_000;
    const r = rng(23);
    const rowsIn = Array.from({ length: n }, (_, i) => ({
      kind: ['a', 'b', 'c'][i % 3], u: BigInt(i) * 7_919n + 1_000_000_000_000n, name: `user-${r(90_000)}`, qty: r(4) === 0 ? null : r(1000), x: r(50) * 0.5,
    }));
    const values = rowsIn.map((e) => `{"kind":"${e.kind}","u":${e.u},"name":"${e.name}",${e.qty === null ? '' : `"qty":${e.qty},`}"x":${e.x},"ts":"${iso(BASE)}"}`);
    await produceEvents(bootstrap, topic, 4, batchOf(values));
    const schema = new StructType([
      new StructField('kind', StringType()), new StructField('u', LongType()), new StructField('name', StringType()),
      new StructField('qty', IntegerType()), new StructField('x', DoubleType()), new StructField('ts', TimestampType()),
    ]);
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const spark = session(client, 'distinct');
    const source = () => spark.readStream.format('kafka').option('kafka.bootstrap.servers', bootstrap).option('subscribe', topic)
      .option('startingOffsets', 'earliest').option('maxOffsetsPerTrigger', 250_000).load()
      .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*');
    const run = async (name: string, frame: ReturnType<typeof source>): Promise<Record<string, CanonicalValue>[]> => {
      const table = path.join(env.dir, 'delta', name);
      const query = await frame.writeStream.format('delta').outputMode('complete').option('checkpointLocation', path.join(env.dir, `chk-${name}`))
        .trigger({ availableNow: true }).start(table);
      assert.equal(await query.awaitTermination(5 * 60_000), true, `${name} finishes`);
      assert.equal(await query.exception(), null);
      return canonicalRows(await readTableRows(storage, table));
    };

    const byKind = new Map<string, typeof rowsIn>();
    for (const e of rowsIn) {
      const list = byKind.get(e.kind);
      if (list === undefined) byKind.set(e.kind, [e]); else list.push(e);
    }

    // Every row: 1,000,000 distinct longs, by a global aggregation (groupBy() with no key).
    const all = await run('distinct_all', source().agg(approxCountDistinct(col('u'), 0.01).alias('du'), count('*').alias('n')));
    const exactAll = new Set(rowsIn.map((e) => e.u)).size;
    assert.equal(exactAll, 1_000_000);
    assert.equal(all.length, 1, 'one row');
    const est = Number(all[0].du);
    console.log(`      all rows: du ${est} of ${exactAll} (error ${(((est - exactAll) / exactAll) * 100).toFixed(3)}%, rsd 1%)`);
    assert.ok(Math.abs(est - exactAll) <= 3 * 0.01 * exactAll, `approx_count_distinct(u, 0.01) = ${est}, exact ${exactAll}: beyond 3·rsd`);
    assert.equal(all[0].n, String(n));

    const distinct = await run('distinct', source().groupBy('kind').agg(
      approxCountDistinct(col('u'), 0.02).alias('du'), approxCountDistinct('name').alias('dn'), count('*').alias('n'),
    ));
    const exact = new Map([...byKind].map(([kind, rows]) => [kind, { kind, du: String(new Set(rows.map((e) => e.u)).size), dn: String(new Set(rows.map((e) => e.name)).size), n: String(rows.length) }]));
    const errors = distinct.map((row) => `${row.kind}: du ${row.du} of ${exact.get(row.kind as string)?.du}, dn ${row.dn} of ${exact.get(row.kind as string)?.dn}`);
    console.log(`      ${errors.join('; ')}`);
    const keyOf = (row: Record<string, CanonicalValue>): string => row.kind as string;
    const checked = approxWithin(approxWithin(distinct, exact, keyOf, 'du', 0.02), exact, keyOf, 'dn', 0.05);
    assertSameRows(checked, [...exact.values()]);

    // GroupedData's shortcuts, with Spark's column names (Delta refuses '(' in a name: renamed as a Spark user does)
    const nn = <T>(xs: (T | null)[]): T[] => xs.filter((v): v is T => v !== null);
    const expectedBy = (f: (rows: typeof rowsIn) => Record<string, CanonicalValue>): Record<string, CanonicalValue>[] => [...byKind].map(([kind, rows]) => ({ kind, ...f(rows) }));
    assertSameRows(await run('count', source().groupBy('kind').count()), expectedBy((rows) => ({ count: String(rows.length) })));
    assertSameRows(await run('avg', source().groupBy('kind').avg('qty', 'x').withColumnRenamed('avg(qty)', 'avg_qty').withColumnRenamed('avg(x)', 'avg_x')), expectedBy((rows) => {
      const q = nn(rows.map((e) => e.qty));
      return { avg_qty: q.reduce((a, b) => a + b, 0) / q.length, avg_x: rows.reduce((a, e) => a + e.x, 0) / rows.length };
    }));
    assertSameRows(await run('minmax', source().groupBy('kind').agg(min('qty').alias('lo'), max('name').alias('top'))), expectedBy((rows) => ({
      lo: String(least(nn(rows.map((e) => e.qty)))), top: rows.map((e) => e.name).reduce((a, b) => (byBytes(a, b) >= 0 ? a : b)),
    })));
    assertSameRows(await run('min', source().groupBy('kind').min('qty').withColumnRenamed('min(qty)', 'lo')), expectedBy((rows) => ({ lo: String(least(nn(rows.map((e) => e.qty)))) })));
    assertSameRows(await run('max', source().groupBy('kind').max('x').withColumnRenamed('max(x)', 'hi')), expectedBy((rows) => ({ hi: -least(rows.map((e) => -e.x)) })));
    assertSameRows(await run('sum', source().groupBy('kind').sum('qty').withColumnRenamed('sum(qty)', 'total')), expectedBy((rows) => ({ total: String(nn(rows.map((e) => e.qty)).reduce((a, b) => a + b, 0)) })));
  });
});
