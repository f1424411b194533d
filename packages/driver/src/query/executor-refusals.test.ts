import assert from 'node:assert/strict';
import {
  DATE, decimalType, INT, resolveQuery, sqlField, STRING, TIMESTAMP, type ExprSpec, type LogicalOp, type QuerySpecV2, type SqlField,
} from '@tributary/common';
import { executorRefusals } from './executor-refusals';

const col = (name: string): ExprSpec => ({ kind: 'col', name });
const call = (fn: string, ...args: ExprSpec[]): ExprSpec => ({ kind: 'call', fn, args });
const alias = (expr: ExprSpec, name: string): ExprSpec => ({ kind: 'alias', expr, name });
const window = (column: string, duration: string): ExprSpec => ({ kind: 'window', column: col(column), duration });
const parse = (fields: SqlField[]): ExprSpec => alias({ kind: 'fromJson', expr: { kind: 'cast', expr: col('value'), to: STRING }, schema: fields }, 'data');
const specOf = (plan: LogicalOp[], sink: Partial<QuerySpecV2['sink']> = {}, options: QuerySpecV2['options'] = {}): QuerySpecV2 => ({
  version: 2,
  source: { format: 'kafka', bootstrapServers: 'localhost:9092', topic: 'events', startingOffsets: 'earliest', failOnDataLoss: true },
  plan,
  sink: { format: 'delta', path: '/tables/out', outputMode: 'append', checkpointLocation: '/checkpoints/out', ...sink },
  trigger: { kind: 'processingTime', interval: '10 seconds' },
  options,
});

const schema = [sqlField('user_id', INT), sqlField('kind', STRING), sqlField('price', decimalType(38, 2)), sqlField('day', DATE), sqlField('ts', TIMESTAMP)];
const parsed: LogicalOp[] = [{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }];
const watermark: LogicalOp = { op: 'withWatermark', column: 'ts', delay: '1 minute' };
const agg = (...aggregates: ExprSpec[]): LogicalOp => ({ op: 'aggregate', keys: [window('ts', '1 minute'), col('kind')], aggregates });

describe('executorRefusals', () => {
  it('accepts ingest jobs, and count, sum (decimal(38) included), min and max over ordered types', () => {
    assert.deepEqual(executorRefusals(resolveQuery(specOf(parsed))), []);
    const q = resolveQuery(specOf([...parsed, watermark, agg(
      alias(call('count'), 'n'), alias(call('count', col('price')), 'priced'), alias(call('sum', col('price')), 'revenue'),
      alias(call('min', col('day')), 'first_day'), alias(call('max', col('ts')), 'last'),
    )]));
    assert.deepEqual(executorRefusals(q), []);
  });

  it('accepts a late-rows table in append mode', () => {
    const q = resolveQuery(specOf([...parsed, watermark, agg(alias(call('count'), 'n'))], {}, { lateRows: 'table' }));
    assert.deepEqual(executorRefusals(q), []);
  });

  it('accepts avg, approx_count_distinct and min/max over strings', () => {
    const q = resolveQuery(specOf([...parsed, watermark, agg(
      alias(call('avg', col('user_id')), 'a'), alias(call('approx_count_distinct', col('user_id')), 'd'), alias(call('max', col('kind')), 'k'),
    )]));
    assert.deepEqual(executorRefusals(q), []);
  });

  it('accepts every aggregate over a session window: count, sum, avg, min, max, approx_count_distinct', () => {
    const session = call('session_window', col('ts'), { kind: 'lit', value: '5 minutes' } as ExprSpec);
    const bySession = (...aggregates: ExprSpec[]): LogicalOp => ({ op: 'aggregate', keys: [col('kind'), session], aggregates });
    const q = resolveQuery(specOf([...parsed, watermark, bySession(
      alias(call('avg', col('user_id')), 'a'), alias(call('avg', col('price')), 'p'), alias(call('approx_count_distinct', col('user_id')), 'd'),
      alias(call('max', col('kind')), 'k'), alias(call('count'), 'n'), alias(call('sum', col('price')), 's'), alias(call('min', col('kind')), 'm'),
    )]));
    assert.deepEqual(executorRefusals(q), []);
  });
});
