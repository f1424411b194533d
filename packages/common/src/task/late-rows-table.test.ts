import assert from 'node:assert/strict';
import { alias, call, col, fields, parse, resolve, specOf, window } from '../testing/plan-builders';
import { decimalType, INT, STRING, sqlField, TIMESTAMP } from '../schema/sql-type';
import { lateRowsTableSchema } from './late-rows-table';

const schema = [sqlField('user_id', INT, false), sqlField('kind', STRING), sqlField('price', decimalType(12, 2)), sqlField('ts', TIMESTAMP, false)];
const watermark = { op: 'withWatermark', column: 'ts', delay: '1 minute' } as const;
const aggregate = {
  op: 'aggregate', keys: [window('ts', '1 minute'), col('kind')], aggregates: [alias(call('count', col('user_id')), 'n'), alias(call('sum', col('price')), 'revenue')],
} as const;
const METADATA = ['topic string not null', 'partition int not null', 'offset bigint not null', 'kafka_timestamp timestamp', 'batch_id bigint not null', 'watermark timestamp not null'];

describe('lateRowsTableSchema', () => {
  it("is the aggregation's input row, every column nullable, then where the record was and the watermark that made it late", () => {
    const q = resolve(specOf([{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }, watermark, aggregate], {}, { lateRows: 'table' }));
    assert.deepEqual(fields(lateRowsTableSchema(q)), ['ts timestamp', 'kind string', 'user_id int', 'price decimal(12,2)', ...METADATA]);
  });

  it('holds only the columns the aggregation reads (the resolver prunes the others before it)', () => {
    const counted = { op: 'aggregate', keys: [window('ts', '1 minute'), col('kind')], aggregates: [alias(call('count'), 'n')] } as const;
    const q = resolve(specOf([{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }, watermark, counted]));
    assert.deepEqual(fields(lateRowsTableSchema(q)), ['ts timestamp', 'kind string', ...METADATA]);
  });

  it('follows pre: computed columns come with their names and types', () => {
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.ts'), alias(call('upper', col('data.kind')), 'k'), alias(call('*', col('data.price'), col('data.user_id')), 'total')] },
      { op: 'filter', condition: call('isnotnull', col('k')) },
      watermark,
      { op: 'aggregate', keys: [window('ts', '1 minute'), col('k')], aggregates: [alias(call('sum', col('total')), 'revenue')] },
    ]));
    assert.deepEqual(fields(lateRowsTableSchema(q)), ['ts timestamp', 'k string', 'total decimal(23,2)', ...METADATA]);
  });

  it("renames a metadata column an input column already has (regardless of case) with leading '_'", () => {
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema), col('offset'), alias(col('partition'), 'Topic'), alias(col('timestamp'), '_topic')] },
      { op: 'select', exprs: [col('data.*'), col('offset'), col('Topic'), col('_topic')] },
      watermark,
      { op: 'aggregate', keys: [window('ts', '1 minute'), col('kind'), col('offset'), col('Topic')], aggregates: [alias(call('sum', col('price')), 's'), alias(call('max', col('_topic')), 'm'), alias(call('count', col('user_id')), 'n')] },
    ]));
    const names = lateRowsTableSchema(q).map((f) => f.name);
    assert.deepEqual(names, ['ts', 'kind', 'offset', 'Topic', 'price', '_topic', 'user_id', '__topic', 'partition', '_offset', 'kafka_timestamp', 'batch_id', 'watermark']);
  });

  it('refuses a query without aggregation (an ingest job has no late rows)', () => {
    const q = resolve(specOf([{ op: 'select', exprs: [parse(schema)] }]));
    assert.throws(() => lateRowsTableSchema(q), /only a query with an aggregation has late rows/);
  });
});
