import assert from 'node:assert/strict';
import type { ExprSpec, LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import { decimalType, INT, LONG, sqlField, STRING, TIMESTAMP } from '../schema/sql-type';
import { alias, call, col, lit, parse, resolve, specOf, window } from '../testing/plan-builders';
import { diffResolved } from './restart-diff';

const schema = [sqlField('user_id', INT), sqlField('account', LONG), sqlField('kind', STRING), sqlField('price', decimalType(12, 2)), sqlField('ts', TIMESTAMP), sqlField('created', TIMESTAMP)];
const parsed: LogicalOp[] = [{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }];

/** The Why job with its parts replaceable. */
function aggregation(parts: { keys?: ExprSpec[]; aggregates?: ExprSpec[]; before?: LogicalOp[]; after?: LogicalOp[]; time?: string } = {}): QuerySpecV2 {
  const time = parts.time ?? 'ts';
  return specOf([
    ...parsed,
    ...(parts.before ?? []),
    { op: 'withWatermark', column: time, delay: '10 minutes' },
    {
      op: 'aggregate',
      keys: parts.keys ?? [window(time, '1 minute'), col('user_id')],
      aggregates: parts.aggregates ?? [alias(call('count'), 'n'), alias(call('sum', col('price')), 'revenue')],
    },
    ...(parts.after ?? []),
  ]);
}

function ingest(condition: ExprSpec, columns: string[] = ['user_id', 'kind']): QuerySpecV2 {
  return specOf([...parsed, { op: 'filter', condition }, { op: 'select', exprs: columns.map(col) }]);
}

const diff = (a: QuerySpecV2, b: QuerySpecV2): string[] => diffResolved(resolve(a), resolve(b));

describe('diffResolved: what a restart on an existing checkpoint may change', () => {
  it('accepts the same query', () => {
    assert.deepEqual(diff(aggregation(), aggregation()), []);
  });

  it("accepts an ingest job's changed filter and projection", () => {
    assert.deepEqual(diff(ingest(call('=', col('kind'), lit('a'))), ingest(call('!=', col('kind'), lit('b')), ['kind', 'price', 'ts'])), []);
  });

  it('accepts a changed filter before the aggregation, a computed column after it, renamed aliases and a renamed key of the same type', () => {
    const before = aggregation();
    const after = aggregation({
      before: [{ op: 'filter', condition: call('>', col('price'), lit(0)) }, { op: 'withColumnRenamed', from: 'user_id', to: 'uid' }],
      keys: [window('ts', '1 minute'), col('uid')],
      aggregates: [alias(call('count'), 'events'), alias(call('sum', col('price')), 'total')],
      after: [{ op: 'withColumn', name: 'day', expr: call('to_date', col('window.start')) }],
    });
    assert.deepEqual(diff(before, after), []);
  });

  it('accepts a changed watermark delay and trigger', () => {
    const after = aggregation();
    (after.plan[2] as { delay: string }).delay = '1 hour';
    after.trigger = { kind: 'availableNow' };
    assert.deepEqual(diff(aggregation(), after), []);
  });

  it('refuses a key of another type', () => {
    assert.deepEqual(diff(aggregation(), aggregation({ keys: [window('ts', '1 minute'), col('account')] })), [
      'the grouping keys changed from [user_id int] to [account bigint]',
    ]);
  });

  it('refuses a key more', () => {
    assert.deepEqual(diff(aggregation(), aggregation({ keys: [window('ts', '1 minute'), col('user_id'), col('kind')] })), [
      'the grouping keys changed from [user_id int] to [user_id int, kind string]',
    ]);
  });

  it('refuses another aggregate function or one aggregate less', () => {
    assert.deepEqual(diff(aggregation(), aggregation({ aggregates: [alias(call('count'), 'n'), alias(call('max', col('price')), 'revenue')] })), [
      'the aggregates changed from [n = count → bigint, revenue = sum → decimal(22,2)] to [n = count → bigint, revenue = max → decimal(12,2)]',
    ]);
    assert.deepEqual(diff(aggregation(), aggregation({ aggregates: [alias(call('count'), 'n')] })), [
      'the aggregates changed from [n = count → bigint, revenue = sum → decimal(22,2)] to [n = count → bigint]',
    ]);
  });

  it('refuses another window duration or time column', () => {
    assert.deepEqual(diff(aggregation(), aggregation({ keys: [window('ts', '5 minutes'), col('user_id')] })), [
      'the window changed from window(ts, 1 minute) to window(ts, 5 minutes)',
    ]);
    assert.deepEqual(diff(aggregation(), aggregation({ time: 'created' })), [
      'the window changed from window(ts, 1 minute) to window(created, 1 minute)',
    ]);
  });

  it("refuses another window slide or startTime (the state's windows would start elsewhere)", () => {
    const sliding = (slide: string, startTime?: string) => aggregation({
      keys: [{ kind: 'window', column: col('ts'), duration: '10 minutes', slide, ...(startTime === undefined ? {} : { startTime }) }, col('user_id')],
    });
    assert.deepEqual(diff(sliding('1 minute'), sliding('1 minute')), []);
    assert.deepEqual(diff(sliding('1 minute'), sliding('2 minutes')), [
      'the window changed from window(ts, 10 minutes, slide 1 minute) to window(ts, 10 minutes, slide 2 minutes)',
    ]);
    assert.deepEqual(diff(sliding('10 minutes'), sliding('1 minute')), [
      'the window changed from window(ts, 10 minutes) to window(ts, 10 minutes, slide 1 minute)',
    ]);
    assert.deepEqual(diff(sliding('1 minute'), sliding('1 minute', '-15 seconds')), [
      'the window changed from window(ts, 10 minutes, slide 1 minute) to window(ts, 10 minutes, slide 1 minute, start -15 seconds)',
    ]);
  });

  it('refuses another topic, another number of shuffle partitions and another output mode', () => {
    const after = aggregation();
    after.source.topic = 'events2';
    after.options.shufflePartitions = 16;
    after.sink.outputMode = 'complete';
    assert.deepEqual(diff(aggregation(), after), [
      "the source topic changed from 'events' to 'events2'",
      'shufflePartitions changed from 8 to 16',
      "the output mode changed from 'append' to 'complete'",
    ]);
  });

  it('refuses turning an ingest job into an aggregation and back', () => {
    const ingestJob = ingest(call('=', col('kind'), lit('a')));
    assert.deepEqual(diff(ingestJob, aggregation()), ['the query changed from an ingest job (no aggregation) to an aggregation']);
    assert.deepEqual(diff(aggregation(), ingestJob), ['the query changed from an aggregation to an ingest job (no aggregation)']);
  });

  it('refuses a window added to a group-by', () => {
    const complete = (keys: ExprSpec[]): QuerySpecV2 => {
      const s = specOf([...parsed, { op: 'aggregate', keys, aggregates: [alias(call('count'), 'n')] }], { outputMode: 'complete' });
      return s;
    };
    assert.deepEqual(diff(complete([col('kind')]), complete([window('ts', '1 minute'), col('kind')])), [
      'the window changed from none to window(ts, 1 minute)',
    ]);
  });
});
