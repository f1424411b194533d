import assert from 'node:assert/strict';
import type { ExprSpec, LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import { resolvedQueryFromProto, resolvedQueryToProto } from '../plan/resolved-query-proto';
import { decimalType, INT, sqlField, STRING, TIMESTAMP } from '../schema/sql-type';
import { alias, call, col, fields, lit, parse, resolve, specOf, window } from '../testing/plan-builders';
import { QueryResolutionError } from './problem';
import { diffResolved } from './restart-diff';

const schema = [sqlField('user_id', INT), sqlField('kind', STRING), sqlField('price', decimalType(12, 2)), sqlField('ts', TIMESTAMP), sqlField('created', TIMESTAMP)];
const parsed: LogicalOp[] = [{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }];
const session = (column: string, gap: ExprSpec | string): ExprSpec => call('session_window', col(column), typeof gap === 'string' ? lit(gap) : gap);
const aggregates = [alias(call('count'), 'n'), alias(call('sum', col('price')), 'revenue')];

function sessions(keys: ExprSpec[], opts: { watermarkOn?: string; outputMode?: 'append' | 'complete' | 'update' } = {}): QuerySpecV2 {
  return specOf([
    ...parsed,
    { op: 'withWatermark', column: opts.watermarkOn ?? 'ts', delay: '10 minutes' },
    { op: 'aggregate', keys, aggregates },
  ], { outputMode: opts.outputMode ?? 'append' });
}

function problems(spec: QuerySpecV2): readonly string[] {
  try {
    resolve(spec);
  } catch (e) {
    assert.ok(e instanceof QueryResolutionError, `expected a QueryResolutionError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the spec was accepted');
}

describe('session_window resolution', () => {
  it('resolves session_window(ts, gap) with a key: the session column first, Spark\'s name, the gap in µs', () => {
    const q = resolve(sessions([col('user_id'), session('ts', '5 minutes')]));
    const agg = q.aggregate!;
    assert.equal(agg.window, null);
    assert.deepEqual(agg.session, { column: 0, gapMicros: 300_000_000 });
    assert.deepEqual(fields(agg.schema), ['session_window struct<start:timestamp,end:timestamp> not null', 'user_id int', 'n bigint not null', 'revenue decimal(22,2)']);
    // the user's order comes back after the aggregation
    assert.deepEqual(fields(q.output), ['user_id int', 'session_window struct<start:timestamp,end:timestamp> not null', 'n bigint not null', 'revenue decimal(22,2)']);
    assert.deepEqual(resolvedQueryFromProto(resolvedQueryToProto(q)).aggregate?.session, { column: 0, gapMicros: 300_000_000 });
  });

  it('takes an alias for the session column', () => {
    const q = resolve(sessions([alias(session('ts', '30 seconds'), 'visit'), col('kind')]));
    assert.equal(q.aggregate!.schema[0].name, 'visit');
    assert.equal(q.aggregate!.session?.gapMicros, 30_000_000);
  });

  const cases: [string, QuerySpecV2, string[]][] = [
    ['a session window and no other key (Spark: global aggregation)', sessions([session('ts', '5 minutes')]), [
      'Global aggregation with session window in streaming query is not supported. Group by at least one column besides session_window.',
    ]],
    ['a gap computed per row', sessions([session('ts', call('concat', col('kind'), lit(' minutes'))), col('user_id')]), [
      "session_window with a gap computed per row (a dynamic gap duration) is not supported yet; give the gap as a constant duration, e.g. sessionWindow(col('ts'), '5 minutes')",
    ]],
    ['a zero gap', sessions([session('ts', '0 seconds'), col('user_id')]), ["session_window gap must be positive, got '0 seconds'"]],
    ['a session window over another column than the watermark\'s', sessions([session('created', '5 minutes'), col('user_id')]), [
      "the watermark is on column 'ts' but the session window is on 'created'; the watermark must be on the session window's time column",
    ]],
    ['a session window and a window', sessions([session('ts', '5 minutes'), window('ts', '1 minute'), col('user_id')]), [
      'Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.',
    ]],
    ['a session window over a string', sessions([session('kind', '5 minutes'), col('user_id')]), ['session_window column kind must be a timestamp, but it is string']],
  ];
  for (const [what, spec, expected] of cases) {
    it(`refuses ${what}`, () => assert.deepEqual(problems(spec), expected));
  }

  it('refuses update mode (Spark refuses it: a session has no stable key), whatever the sink says of update mode', () => {
    assert.ok(problems(sessions([session('ts', '5 minutes'), col('user_id')], { outputMode: 'update' })).includes(
      "Update output mode is not supported for a streaming aggregation with session window: a session's start and end change as it merges, so its row has no stable key; use append or complete mode",
    ));
  });

  it('runs in complete mode', () => {
    assert.equal(resolve(sessions([session('ts', '5 minutes'), col('user_id')], { outputMode: 'complete' })).sink.outputMode, 'complete');
  });

  it('refuses a restart with another gap, or a session window turned into a window', () => {
    const before = resolve(sessions([session('ts', '5 minutes'), col('user_id')]));
    assert.deepEqual(diffResolved(before, resolve(sessions([session('ts', '5 minutes'), col('user_id')]))), []);
    assert.deepEqual(diffResolved(before, resolve(sessions([session('ts', '10 minutes'), col('user_id')]))), [
      'the window changed from session_window(ts, gap 5 minutes) to session_window(ts, gap 10 minutes)',
    ]);
    assert.deepEqual(diffResolved(before, resolve(sessions([window('ts', '5 minutes'), col('user_id')]))), [
      'the window changed from session_window(ts, gap 5 minutes) to window(ts, 5 minutes)',
    ]);
  });
});
