import assert from 'node:assert/strict';
import type { LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import { aggregateInput, stepsOutput } from '../plan/resolved-query';
import { resolvedQueryFromProto, resolvedQueryToProto } from '../plan/resolved-query-proto';
import { checkResolvedQueryDocument } from '../checkpoint/resolved-query-document';
import { INT, LONG, sqlField, STRING, structType, TIMESTAMP } from '../schema/sql-type';
import { QueryResolutionError } from './problem';
import { diffResolved } from './restart-diff';
import { alias, call, col, fields, lit, parse, resolve, specOf, steps, window } from '../testing/plan-builders';

const schema = [sqlField('event_id', STRING), sqlField('user_id', INT), sqlField('amount', LONG), sqlField('ts', TIMESTAMP), sqlField('geo', structType([sqlField('city', STRING)]))];
const parsed: LogicalOp[] = [{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }];
const flat: LogicalOp = { op: 'select', exprs: [col('event_id'), col('user_id'), col('amount'), col('ts')] };
const watermark: LogicalOp = { op: 'withWatermark', column: 'ts', delay: '10 minutes' };
const SESSION = call('session_window', col('ts'), lit('5 minutes'));
const dedup = (columns: string[] | null, withinWatermark = false): LogicalOp => ({ op: 'dropDuplicates', columns, withinWatermark });

function problems(spec: QuerySpecV2): readonly string[] {
  try {
    resolve(spec);
  } catch (e) {
    assert.ok(e instanceof QueryResolutionError, `expected a QueryResolutionError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the spec was accepted');
}

describe('resolveQuery: dropDuplicates', () => {
  it('ends pre at dropDuplicates: keys are columns of its output, the event time among them; post projects after it', () => {
    const q = resolve(specOf([...parsed, flat, watermark, dedup(['EVENT_ID', 'ts']), { op: 'select', exprs: [col('event_id'), col('amount')] }]));
    assert.deepEqual(fields(stepsOutput(q.scan.schema, q.pre)), ['event_id string', 'user_id int', 'amount bigint', 'ts timestamp']);
    assert.deepEqual(q.dedup, { keys: [0, 3], withinWatermark: false });
    assert.deepEqual(q.eventTime, { column: 3, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 });
    assert.deepEqual(steps(q.post), ['project #0, #2']);
    assert.deepEqual(fields(q.output), ['event_id string', 'amount bigint']);
    assert.equal(q.options.lateRowsPath, null);
  });

  it('without names, every column is a key; dropDuplicatesWithinWatermark keys need not hold the event time', () => {
    assert.deepEqual(resolve(specOf([...parsed, flat, watermark, dedup(null)])).dedup, { keys: [0, 1, 2, 3], withinWatermark: false });
    assert.deepEqual(resolve(specOf([...parsed, flat, watermark, dedup(['user_id', 'event_id'], true)])).dedup, { keys: [1, 0], withinWatermark: true });
  });

  it('travels to the executors (proto) and into the checkpoint document unchanged; a query without it has none', () => {
    const q = resolve(specOf([...parsed, flat, watermark, dedup(['event_id'], true)]));
    assert.deepEqual(resolvedQueryFromProto(resolvedQueryToProto(q)), q);
    assert.deepEqual(checkResolvedQueryDocument(JSON.parse(JSON.stringify(q)), 'q').dedup, { keys: [0], withinWatermark: true });
    const plain = resolve(specOf([...parsed, flat]));
    assert.equal('dedup' in plain, false);
    assert.equal('dedup' in resolvedQueryFromProto(resolvedQueryToProto(plain)), false);
  });

  const cases: [string, QuerySpecV2, string[]][] = [
    ['dropDuplicates without a watermark', specOf([...parsed, flat, dedup(['event_id', 'ts'])]), [
      "dropDuplicates without a watermark is not supported: its state would grow without bound; call withWatermark('<event time>', '<delay>') before it and include the event-time column in the keys, or use dropDuplicatesWithinWatermark",
    ]],
    ['dropDuplicates whose keys miss the event time', specOf([...parsed, flat, watermark, dedup(['event_id'])]), [
      "dropDuplicates keys must include the watermark's column 'ts': without it its state would never leave (Spark keeps it forever); add it to the keys, or use dropDuplicatesWithinWatermark, whose keys expire by the watermark",
    ]],
    ['dropDuplicatesWithinWatermark without a watermark', specOf([...parsed, flat, dedup(['event_id'], true)]), [
      'dropDuplicatesWithinWatermark is not supported with streaming DataFrames/DataSets without watermark',
    ]],
    ['an unknown key', specOf([...parsed, flat, watermark, dedup(['id', 'ts'])]), [
      '[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name "id" among (event_id, user_id, amount, ts).',
    ]],
    ['a struct column at the dedup', specOf([...parsed, watermark, dedup(['event_id', 'ts'])]), [
      "dropDuplicates: column 'geo' is struct<city:string>; the rows are shuffled by their keys, which needs scalar columns: select the fields you need before dropDuplicates",
    ]],
    ['dropDuplicates after an aggregation', specOf([...parsed, flat, watermark, { op: 'aggregate', keys: [window('ts', '1 minute'), col('user_id')], aggregates: [alias(call('count'), 'n')] }, dedup(['user_id'])]), [
      'dropDuplicates after an aggregation is not supported yet; its rows are already one per window and grouping keys',
    ]],
    ['withWatermark after dropDuplicates', specOf([...parsed, flat, dedup(['event_id'], true), watermark]), [
      'dropDuplicatesWithinWatermark is not supported with streaming DataFrames/DataSets without watermark',
    ]],
    ['dropDuplicates after the watermark column was dropped', specOf([...parsed, flat, watermark, { op: 'drop', columns: ['ts'] }, dedup(['event_id'])]), [
      "dropDuplicates: the watermark's column is not among the columns here (dropped or not selected after withWatermark); keep it until dropDuplicates, whose state leaves by it",
    ]],
    ['two dropDuplicates', specOf([...parsed, flat, watermark, dedup(['event_id', 'ts']), dedup(['user_id', 'ts'])]), ['only one dropDuplicates is supported in a query']],
    ['a late-rows table', specOf([...parsed, flat, watermark, dedup(['event_id', 'ts'])], {}, { lateRows: 'table' }), [
      "lateRows 'table' is not supported with dropDuplicates yet; its late rows are dropped and counted (numRowsDroppedByWatermark)",
    ]],
  ];
  for (const [what, spec, expected] of cases) {
    it(`refuses ${what}`, () => assert.deepEqual(problems(spec), expected));
  }

  it('before an aggregation: pre ends at dropDuplicates, the operations between feed the aggregation, post follows it', () => {
    const q = resolve(specOf([
      ...parsed, flat, watermark, dedup(['event_id', 'ts']),
      { op: 'filter', condition: call('>', col('amount'), lit(10)) },
      { op: 'aggregate', keys: [window('ts', '1 minute'), col('user_id')], aggregates: [alias(call('count'), 'n'), alias(call('sum', col('amount')), 'total')] },
    ]));
    assert.deepEqual(fields(stepsOutput(q.scan.schema, q.pre)), ['event_id string', 'user_id int', 'amount bigint', 'ts timestamp']);
    assert.deepEqual(q.eventTime, { column: 3, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 });
    assert.equal(q.dedup?.withinWatermark, false);
    assert.deepEqual(q.dedup?.keys, [0, 3]);
    // the filter, then the aggregation's input projection: event time (also the window's time), key, sum's input
    assert.deepEqual(steps(q.dedup?.beforeAggregate ?? []), ["filter >(#2, '10':int)", 'project #3, #1, #2']);
    assert.deepEqual(fields(aggregateInput(q)), ['ts timestamp', 'user_id int', 'amount bigint']);
    assert.equal(q.aggregate?.window?.column, 0);
    assert.deepEqual(q.aggregate?.keys.map((k) => k.column), [1]);
    assert.deepEqual(q.aggregate?.aggregates.map((a) => a.column), [null, 2]);
    assert.deepEqual(fields(q.output), ['window struct<start:timestamp,end:timestamp> not null', 'user_id int', 'n bigint not null', 'total bigint']);
    assert.deepEqual(resolvedQueryFromProto(resolvedQueryToProto(q)), q);
    assert.deepEqual(checkResolvedQueryDocument(JSON.parse(JSON.stringify(q)), 'q'), q);
  });

  it('before a session window: the session time is the dedup event time, the steps between feed the aggregation', () => {
    const q = resolve(specOf([
      ...parsed, flat, watermark, dedup(['event_id', 'ts']),
      { op: 'aggregate', keys: [col('user_id'), SESSION], aggregates: [alias(call('count'), 'n'), alias(call('sum', col('amount')), 'total')] },
    ]));
    assert.deepEqual(q.dedup?.keys, [0, 3]);
    assert.deepEqual(fields(aggregateInput(q)), ['ts timestamp', 'user_id int', 'amount bigint']);
    assert.equal(q.aggregate?.window ?? null, null);
    assert.equal(q.aggregate?.session?.column, 0);
    assert.deepEqual(fields(q.output), ['user_id int', 'session_window struct<start:timestamp,end:timestamp> not null', 'n bigint not null', 'total bigint']);
    assert.deepEqual(resolvedQueryFromProto(resolvedQueryToProto(q)), q);
    assert.deepEqual(checkResolvedQueryDocument(JSON.parse(JSON.stringify(q)), 'q'), q);
  });

  it('a filter after dropDuplicates stays in post, and the dedup sees every row', () => {
    const q = resolve(specOf([...parsed, flat, watermark, dedup(['event_id', 'ts']), { op: 'filter', condition: call('>', col('amount'), lit(10)) }]));
    assert.equal(q.post.length, 1);
    assert.equal(q.post[0].kind, 'filter');
  });
});

describe('diffResolved: dropDuplicates on a restart', () => {
  const job = (...ops: LogicalOp[]): QuerySpecV2 => specOf([...parsed, flat, watermark, ...ops]);
  it('refuses adding, removing or changing it; accepts renamed keys of the same types', () => {
    assert.deepEqual(diffResolved(resolve(job()), resolve(job(dedup(['event_id', 'ts'])))), [
      'the deduplication changed from none to dropDuplicates([event_id string, ts timestamp])',
    ]);
    assert.deepEqual(diffResolved(resolve(job(dedup(['event_id', 'ts']))), resolve(job(dedup(['user_id', 'ts'])))), [
      'the deduplication changed from dropDuplicates([event_id string, ts timestamp]) to dropDuplicates([user_id int, ts timestamp])',
    ]);
    assert.deepEqual(diffResolved(resolve(job(dedup(['event_id'], true))), resolve(job(dedup(['event_id', 'ts'])))), [
      'the deduplication changed from dropDuplicatesWithinWatermark([event_id string]) to dropDuplicates([event_id string, ts timestamp])',
    ]);
    const counted = (size: string): QuerySpecV2 => job(dedup(['event_id', 'ts']), { op: 'aggregate', keys: [col('user_id'), window('ts', size)], aggregates: [alias(call('count'), 'n')] });
    assert.deepEqual(diffResolved(resolve(counted('1 minute')), resolve(counted('2 minutes'))), ['the window changed from window(ts, 1 minute) to window(ts, 2 minutes)']);
    const sessions = (gap: string): QuerySpecV2 => job(dedup(['event_id', 'ts']), { op: 'aggregate', keys: [col('user_id'), call('session_window', col('ts'), lit(gap))], aggregates: [alias(call('count'), 'n')] });
    assert.deepEqual(diffResolved(resolve(sessions('5 minutes')), resolve(sessions('5 minutes'))), []);
    assert.deepEqual(diffResolved(resolve(sessions('5 minutes')), resolve(sessions('10 minutes'))), ['the window changed from session_window(ts, gap 5 minutes) to session_window(ts, gap 10 minutes)']);
    const renamed = specOf([...parsed, flat, { op: 'withColumnRenamed', from: 'event_id', to: 'id' }, watermark, dedup(['id', 'ts'])]);
    assert.deepEqual(diffResolved(resolve(job(dedup(['event_id', 'ts']))), resolve(renamed)), []);
  });
});
