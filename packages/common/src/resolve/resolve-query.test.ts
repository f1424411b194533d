import assert from 'node:assert/strict';
import type { LogicalOp } from '../plan/logical-plan';
import type { RExpr } from '../plan/resolved-query';
import { BOOLEAN, DOUBLE, decimalType, INT, LONG, sqlField, STRING, structType, TIMESTAMP, type SqlField } from '../schema/sql-type';
import { FAKE_CATALOG } from '../testing/fake-catalog';
import { alias, call, col, fields, lit, parse, resolve, show, specOf, steps, window } from '../testing/plan-builders';
import { resolveQuery } from './resolve-query';

describe('resolveQuery: the six job kinds', () => {
  it('the job of the issue: window(ts, 1 minute) and user_id, count and sum of a decimal(12,2), with its own names', () => {
    const schema = [sqlField('user_id', LONG), sqlField('kind', STRING), sqlField('price', decimalType(12, 2)), sqlField('ts', TIMESTAMP)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'withWatermark', column: 'ts', delay: '10 minutes' },
      { op: 'aggregate', keys: [window('ts', '1 minute'), col('user_id')], aggregates: [alias(call('count'), 'n'), alias(call('sum', col('price')), 'revenue')] },
    ]));
    assert.deepEqual(q.scan.kafkaColumns, []);
    assert.deepEqual(fields(q.scan.schema), ['data struct<user_id:bigint,kind:string,price:decimal(12,2),ts:timestamp> not null']);
    assert.deepEqual(q.scan.json, { schema, timeZone: 'UTC' });
    // pre reads exactly what the aggregation needs: the event time (also the window's column), the key, the summed column.
    assert.deepEqual(steps(q.pre), ['project #0[3], #0[0], #0[2]']);
    assert.deepEqual(fields((q.pre[0] as { schema: SqlField[] }).schema), ['ts timestamp', 'user_id bigint', 'price decimal(12,2)']);
    assert.deepEqual(q.eventTime, { column: 0, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 });
    const agg = q.aggregate!;
    assert.deepEqual(agg.window, { column: 0, sizeMicros: 60_000_000, slideMicros: 60_000_000, startMicros: 0 });
    assert.deepEqual(agg.keys.map((k) => [k.column, ...fields([k.field])]), [[1, 'user_id bigint']]);
    assert.deepEqual(agg.aggregates.map((a) => [a.fn, a.column, ...fields([a.field])]), [['count', null, 'n bigint not null'], ['sum', 2, 'revenue decimal(22,2)']]);
    assert.deepEqual(fields(agg.schema), ['window struct<start:timestamp,end:timestamp> not null', 'user_id bigint', 'n bigint not null', 'revenue decimal(22,2)']);
    assert.deepEqual(q.post, []);
    assert.deepEqual(q.output, agg.schema);
  });

  it("a sliding window with Spark's startTime: window(ts, '10 minutes', '1 minute', '-15 seconds') keeps size, slide and a negative start", () => {
    const schema = [sqlField('user_id', LONG), sqlField('ts', TIMESTAMP)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'withWatermark', column: 'ts', delay: '10 minutes' },
      { op: 'aggregate', keys: [{ kind: 'window', column: col('ts'), duration: '10 minutes', slide: '1 minute', startTime: '-15 seconds' }, col('user_id')], aggregates: [alias(call('count'), 'n')] },
    ]));
    assert.deepEqual(q.aggregate!.window, { column: 0, sizeMicros: 600_000_000, slideMicros: 60_000_000, startMicros: -15_000_000 });
    assert.deepEqual(fields(q.aggregate!.schema), ['window struct<start:timestamp,end:timestamp> not null', 'user_id bigint', 'n bigint not null']);
  });

  it('sum over decimals wider than 18 digits: decimal(38,2) sums to decimal(38,2), decimal(30,4) to decimal(38,4) (the executors sum exactly to 38 digits)', () => {
    const schema = [sqlField('kind', STRING), sqlField('big', decimalType(38, 2)), sqlField('mid', decimalType(30, 4))];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'aggregate', keys: [col('kind')], aggregates: [alias(call('sum', col('big')), 'b'), alias(call('sum', col('mid')), 'm')] },
    ], { outputMode: 'complete' }));
    assert.deepEqual(q.aggregate!.aggregates.map((a) => fields([a.field])[0]), ['b decimal(38,2)', 'm decimal(38,4)']);
  });

  it('nested JSON: data.order.total and data.order.country reached through structs, keyed and summed', () => {
    const order = structType([sqlField('id', STRING), sqlField('country', STRING), sqlField('total', decimalType(10, 2))]);
    const schema = [sqlField('order', order), sqlField('ts', TIMESTAMP, false)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'withColumn', name: 'event_time', expr: col('data.ts') },
      { op: 'withWatermark', column: 'event_time', delay: '5 minutes' },
      {
        op: 'aggregate',
        keys: [window('event_time', '5 minutes'), col('data.order.country')],
        aggregates: [alias(call('sum', col('data.order.total')), 'total'), alias(call('max', col('DATA.Order.Total')), 'largest')],
      },
    ]));
    assert.deepEqual(fields(q.scan.schema), ['data struct<order:struct<id:string,country:string,total:decimal(10,2)>,ts:timestamp> not null']);
    assert.deepEqual(steps(q.pre), ['project #0[1], #0[0][1], #0[0][2]']);
    assert.deepEqual(fields((q.pre[0] as { schema: SqlField[] }).schema), ['event_time timestamp not null', 'country string', 'total decimal(10,2)']);
    assert.equal(q.eventTime!.column, 0);
    assert.deepEqual(q.aggregate!.aggregates.map((a) => [a.fn, a.column]), [['sum', 2], ['max', 2]]);
    assert.deepEqual(fields(q.output), [
      'window struct<start:timestamp,end:timestamp> not null', 'country string', 'total decimal(20,2)', 'largest decimal(10,2)',
    ]);
  });

  it('a filtered job with computed columns and two keys, one a string, and a filter after the aggregation', () => {
    const schema = [sqlField('user_id', INT), sqlField('kind', STRING), sqlField('price', decimalType(6, 2)), sqlField('qty', INT), sqlField('ts', TIMESTAMP)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'filter', condition: call('>', col('price'), lit(10)) },
      { op: 'withColumn', name: 'amount', expr: call('*', col('price'), col('qty')) },
      { op: 'withColumn', name: 'kind_lc', expr: call('lower', col('kind')) },
      { op: 'filter', condition: call('isnotnull', col('kind_lc')) },
      { op: 'withWatermark', column: 'ts', delay: '10 minutes' },
      { op: 'aggregate', keys: [window('ts', '1 minute'), col('kind_lc'), col('user_id')], aggregates: [alias(call('count'), 'n'), alias(call('sum', col('amount')), 'total')] },
      { op: 'filter', condition: call('>=', col('n'), lit(2)) },
    ]));
    // Filters in order, over the parsed struct; a filter on a computed column computes it.
    assert.deepEqual(steps(q.pre), [
      "filter >(#0[2], '10':int)",
      'filter isnotnull(lower(#0[1]))',
      'project #0[4], lower(#0[1]), #0[0], *(#0[2], #0[3])',
    ]);
    // decimal(6,2) * int (as decimal(10,0)) is decimal(17,2); its sum decimal(27,2).
    assert.deepEqual(fields((q.pre[2] as { schema: SqlField[] }).schema), ['ts timestamp', 'kind_lc string', 'user_id int', 'amount decimal(17,2)']);
    const agg = q.aggregate!;
    assert.deepEqual(agg.keys.map((k) => k.column), [1, 2]);
    assert.deepEqual(fields(agg.schema), [
      'window struct<start:timestamp,end:timestamp> not null', 'kind_lc string', 'user_id int', 'n bigint not null', 'total decimal(27,2)',
    ]);
    // After the aggregation: the filter reads the aggregate's output; no projection is needed.
    assert.deepEqual(steps(q.post), ["filter >=(#3, '2':int)"]);
    assert.deepEqual(q.output, agg.schema);
  });

  it('an ingest job partitioned by a date column, with Kafka columns beside the parsed fields', () => {
    const schema = [sqlField('user_id', INT), sqlField('kind', STRING), sqlField('ts', TIMESTAMP)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema), col('partition'), col('offset')] },
      { op: 'select', exprs: [col('data.*'), col('partition'), col('offset')] },
      { op: 'withColumn', name: 'day', expr: call('to_date', col('ts')) },
      { op: 'filter', condition: call('isnotnull', col('kind')) },
    ], { partitionBy: ['day'] }));
    assert.deepEqual(q.scan.kafkaColumns, ['partition', 'offset']);
    assert.deepEqual(fields(q.scan.schema), ['partition int', 'offset bigint', 'data struct<user_id:int,kind:string,ts:timestamp> not null']);
    assert.deepEqual(steps(q.pre), ['filter isnotnull(#2[1])', 'project #2[0], #2[1], #2[2], #0, #1, to_date(#2[2])']);
    assert.equal(q.eventTime, null);
    assert.equal(q.aggregate, null);
    assert.deepEqual(q.post, []);
    assert.deepEqual(fields(q.output), ['user_id int', 'kind string', 'ts timestamp', 'partition int', 'offset bigint', 'day date']);
    assert.deepEqual(q.sink.partitionBy, ['day']);
    assert.equal(q.options.lateRowsPath, null);
  });

  it('an ingest job with a watermark ends pre at withWatermark, so the event time is in its output, and projects after it in post', () => {
    const schema = [sqlField('user_id', INT), sqlField('ts', TIMESTAMP)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'withWatermark', column: 'ts', delay: '1 minute' },
      { op: 'select', exprs: [col('user_id')] },
    ]));
    assert.deepEqual(steps(q.pre), ['project #0[0], #0[1]']);
    assert.deepEqual(q.eventTime, { column: 1, delayMicros: 60_000_000, maxAheadMicros: 86_400_000_000 });
    assert.deepEqual(steps(q.post), ['project #0']);
    assert.deepEqual(fields(q.output), ['user_id int']);
  });

  it('an ingest job keeping its watermark column, set on the Kafka timestamp before parsing, runs in one stage', () => {
    const schema = [sqlField('user_id', INT)];
    const q = resolve(specOf([
      { op: 'withWatermark', column: 'timestamp', delay: '30 seconds' },
      { op: 'select', exprs: [parse(schema), alias(col('timestamp'), 'kafka_time')] },
      { op: 'select', exprs: [col('data.user_id'), col('kafka_time')] },
    ]));
    assert.deepEqual(q.scan.kafkaColumns, ['timestamp']);
    assert.deepEqual(steps(q.pre), ['project #1[0], #0']);
    assert.deepEqual(q.eventTime, { column: 1, delayMicros: 30_000_000, maxAheadMicros: 86_400_000_000 });
    assert.deepEqual(q.post, []);
  });

  it('complete mode grouped without a window: keys only, avg of a decimal widened by 4 digits of scale', () => {
    const schema = [sqlField('kind', STRING), sqlField('price', decimalType(12, 2))];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'aggregate', keys: [col('kind')], aggregates: [alias(call('count'), 'n'), alias(call('avg', col('price')), 'avg_price')] },
    ], { outputMode: 'complete' }));
    assert.deepEqual(steps(q.pre), ['project #0[0], #0[1]']);
    assert.equal(q.eventTime, null);
    const agg = q.aggregate!;
    assert.equal(agg.window, null);
    assert.deepEqual(agg.keys.map((k) => k.column), [0]);
    assert.deepEqual(agg.aggregates.map((a) => [a.fn, a.column]), [['count', null], ['avg', 1]]);
    assert.deepEqual(fields(q.output), ['kind string', 'n bigint not null', 'avg_price decimal(16,6)']);
    assert.equal(q.sink.outputMode, 'complete');
  });

  it('avg over decimals wider than 18 digits, and approx_count_distinct with its rsd (0.05 when absent)', () => {
    const schema = [sqlField('kind', STRING), sqlField('big', decimalType(38, 18)), sqlField('mid', decimalType(30, 6))];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'aggregate', keys: [col('kind')], aggregates: [
        alias(call('avg', col('big')), 'a_big'), alias(call('avg', col('mid')), 'a_mid'),
        alias(call('approx_count_distinct', col('kind'), { kind: 'lit', value: '0.01', type: { kind: 'double' } }), 'd_kind'), alias(call('approx_count_distinct', col('mid')), 'd_mid'),
      ] },
    ], { outputMode: 'complete' }));
    assert.deepEqual(fields(q.output), [
      'kind string', 'a_big decimal(38,22)', 'a_mid decimal(34,10)', 'd_kind bigint not null', 'd_mid bigint not null',
    ]);
    assert.deepEqual(q.aggregate!.aggregates.map((a) => a.relativeSD), [undefined, undefined, 0.01, 0.05]);
  });

  it('nullable fields and null keys: declared nullability kept, count(col) not null, min nullable', () => {
    const schema = [sqlField('user_id', INT), sqlField('region', STRING), sqlField('amount', decimalType(10, 2), false), sqlField('ts', TIMESTAMP, false)];
    const q = resolve(specOf([
      { op: 'select', exprs: [parse(schema)] },
      { op: 'select', exprs: [col('data.*')] },
      { op: 'withWatermark', column: 'ts', delay: '1 minute' },
      { op: 'aggregate', keys: [window('ts', '1 minute'), col('region')], aggregates: [alias(call('count', col('user_id')), 'users'), alias(call('min', col('amount')), 'smallest')] },
    ]));
    assert.deepEqual(fields((q.pre[0] as { schema: SqlField[] }).schema), ['ts timestamp not null', 'region string', 'user_id int', 'amount decimal(10,2) not null']);
    assert.deepEqual(q.aggregate!.aggregates.map((a) => [a.fn, a.column]), [['count', 2], ['min', 3]]);
    assert.deepEqual(fields(q.output), [
      'window struct<start:timestamp,end:timestamp> not null', 'region string', 'users bigint not null', 'smallest decimal(10,2)',
    ]);
  });
});

describe('resolveQuery: names, scopes and defaults', () => {
  const schema = [sqlField('user_id', INT), sqlField('kind', STRING), sqlField('price', decimalType(12, 2)), sqlField('qty', INT), sqlField('ts', TIMESTAMP)];
  const parsed: LogicalOp[] = [{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }];

  it('matches names case-insensitively and keeps the column’s own spelling', () => {
    const q = resolve(specOf([...parsed, { op: 'select', exprs: [col('USER_ID'), col('Kind')] }]));
    assert.deepEqual(fields(q.output), ['user_id int', 'kind string']);
  });

  it('withColumn replaces a column in place, withColumnRenamed renames, drop ignores names it does not know', () => {
    const q = resolve(specOf([
      ...parsed,
      { op: 'withColumn', name: 'KIND', expr: call('upper', col('kind')) },
      { op: 'withColumnRenamed', from: 'qty', to: 'quantity' },
      { op: 'withColumnRenamed', from: 'nothing', to: 'x' },
      { op: 'drop', columns: ['price', 'no_such_column'] },
    ]));
    assert.deepEqual(fields(q.output), ['user_id int', 'KIND string', 'quantity int', 'ts timestamp']);
    assert.deepEqual(steps(q.pre), ['project #0[0], upper(#0[1]), #0[3], #0[4]']);
  });

  it('keeps a Kafka column read only inside an expression, and get_json_object over the value stays an expression', () => {
    const q = resolve(specOf([
      { op: 'select', exprs: [alias(call('get_json_object', { kind: 'cast', expr: col('value'), to: STRING }, lit('$.a')), 'a'), alias({ kind: 'cast', expr: col('key'), to: STRING }, 'k')] },
    ]));
    assert.deepEqual(q.scan.kafkaColumns, ['key', 'value']);
    assert.equal(q.scan.json, null);
    assert.deepEqual(steps(q.pre), ["project get_json_object(cast(#1 as string), '$.a':string), cast(#0 as string)"]);
    assert.deepEqual(fields(q.output), ['a string', 'k string']);
  });

  it('reads the value parsed after a projection of CAST(value AS STRING), as selectExpr jobs write it', () => {
    const q = resolve(specOf([
      { op: 'select', exprs: [alias({ kind: 'cast', expr: col('value'), to: STRING }, 'json'), col('timestamp')] },
      { op: 'select', exprs: [alias({ kind: 'fromJson', expr: col('json'), schema }, 'e'), alias(col('timestamp'), 'kafka_time')] },
      { op: 'select', exprs: [col('e.user_id'), col('kafka_time')] },
    ]));
    assert.deepEqual(q.scan.kafkaColumns, ['timestamp']);
    assert.deepEqual(fields(q.scan.schema).map((f) => f.split(' ')[0]), ['timestamp', 'e']);
    assert.deepEqual(steps(q.pre), ['project #1[0], #0']);
    assert.deepEqual(fields(q.output), ['user_id int', 'kafka_time timestamp']);
  });

  it("passes every Kafka column through when the plan never projects, in Spark's order and types", () => {
    const q = resolve(specOf([{ op: 'filter', condition: call('=', col('partition'), lit(0)) }]));
    assert.deepEqual(q.scan.kafkaColumns, ['key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'timestampType', 'headers']);
    assert.deepEqual(steps(q.pre), ["filter =(#3, '0':int)"]);
    assert.deepEqual(fields(q.output), [
      'key binary', 'value binary', 'topic string', 'partition int', 'offset bigint', 'timestamp timestamp', 'timestampType int',
      'headers array<struct<key:string,value:binary>>',
    ]);
  });

  it('puts the window where the user grouped it, reordering in post', () => {
    const q = resolve(specOf([
      ...parsed,
      { op: 'withWatermark', column: 'ts', delay: '1 minute' },
      { op: 'aggregate', keys: [col('kind'), window('ts', '1 minute')], aggregates: [alias(call('count'), 'n')] },
    ]));
    assert.deepEqual(fields(q.aggregate!.schema).map((f) => f.split(' ')[0]), ['window', 'kind', 'n']);
    assert.deepEqual(steps(q.post), ['project #1, #0, #2']);
    assert.deepEqual(fields(q.output).map((f) => f.split(' ')[0]), ['kind', 'window', 'n']);
  });

  it('reads a column once when it is a key and an aggregate input, and names an aliased window', () => {
    const q = resolve(specOf([
      ...parsed,
      { op: 'withWatermark', column: 'ts', delay: '1 minute' },
      {
        op: 'aggregate',
        keys: [alias(window('ts', '1 minute'), 'w'), alias(call('lower', col('kind')), 'k')],
        aggregates: [alias(call('count', col('kind')), 'kinds'), alias(call('max', call('lower', col('kind'))), 'last_kind')],
      },
    ]));
    assert.deepEqual(steps(q.pre), ['project #0[4], lower(#0[1]), #0[1]']);
    assert.deepEqual(q.aggregate!.keys.map((k) => k.column), [1]);
    assert.deepEqual(q.aggregate!.aggregates.map((a) => [a.fn, a.column]), [['count', 2], ['max', 1]]);
    assert.deepEqual(fields(q.output), ['w struct<start:timestamp,end:timestamp> not null', 'k string', 'kinds bigint not null', 'last_kind string']);
  });

  it('types literals as lit() does and reads forced types exactly', () => {
    const q = resolve(specOf([
      ...parsed,
      {
        op: 'select',
        exprs: [
          alias(call('=', col('qty'), lit(3_000_000_000)), 'a'),
          alias(call('=', col('price'), lit('12.50', decimalType(12, 2))), 'b'),
          alias(call('=', col('ts'), lit('2024-01-01 10:00:00.5', TIMESTAMP)), 'c'),
          alias(call('+', col('qty'), lit(1.5)), 'd'),
          alias(call('=', col('kind'), lit(true)), 'e'),
        ],
      },
    ], {}, { timeZone: '+02:00' }));
    const project = q.pre[q.pre.length - 1] as { exprs: RExpr[] };
    assert.deepEqual(project.exprs.map(show), [
      "=(#0[3], '3000000000':bigint)",
      "=(#0[2], '1250':decimal(12,2))",
      // 2024-01-01 is day 19723; 10:00:00.5 at +02:00 is 08:00:00.5 UTC.
      `=(#0[4], '${19723n * 86_400_000_000n + 8n * 3_600_000_000n + 500_000n}':timestamp)`,
      "+(#0[3], '1.5':double)",
      "=(#0[1], 'true':boolean)",
    ]);
    assert.deepEqual(q.options.timeZone, '+02:00');
  });

  it('types CASE WHEN with the branches’ common type and a null otherwise', () => {
    const q = resolve(specOf([
      ...parsed,
      { op: 'select', exprs: [alias({ kind: 'case', branches: [{ when: call('>', col('qty'), lit(1)), then: col('qty') }], otherwise: lit(null) }, 'x')] },
    ]));
    assert.deepEqual(fields(q.output), ['x int']);
    const project = q.pre[0] as { exprs: RExpr[] };
    assert.equal(show(project.exprs[0]), "case(>(#0[3], '1':int) -> #0[3], else null:int)");
  });

  it('fills the options as the driver does today', () => {
    const q = resolve(specOf([...parsed, { op: 'withWatermark', column: 'ts', delay: '1 minute' }, { op: 'aggregate', keys: [window('ts', '1 minute')], aggregates: [alias(call('count'), 'n')] }]));
    assert.deepEqual(q.options, {
      shufflePartitions: 8, badRecords: 'quarantine', quarantinePath: '/tables/out_quarantine', lateRows: 'drop', lateRowsPath: null,
      timeZone: 'UTC', triggerIntervalMicros: 10_000_000, availableNow: false,
    });
    assert.equal(q.scan.maxValueBytes, 65536);
    assert.deepEqual(q.source, {
      topic: 'events', bootstrapServers: ['localhost:9092'], startingOffsets: 'earliest', maxOffsetsPerTrigger: null, failOnDataLoss: true,
      isolationLevel: 'read_uncommitted',
    });
    assert.deepEqual(q.sink, { path: '/tables/out', outputMode: 'append', partitionBy: [], checkpointLocation: '/checkpoints/out' });
    const withTable = resolveQuery(specOf([...parsed, { op: 'withWatermark', column: 'ts', delay: '1 minute' }, { op: 'aggregate', keys: [window('ts', '1 minute')], aggregates: [alias(call('count'), 'n')] }], {}, { lateRows: 'table', badRecords: 'drop' }), { catalog: FAKE_CATALOG, defaults: { shufflePartitions: 24 } });
    assert.equal(withTable.options.lateRowsPath, '/tables/out_late_rows');
    assert.equal(withTable.options.quarantinePath, null);
    assert.equal(withTable.options.shufflePartitions, 24);
  });

  it('keeps boolean and double types of computed columns', () => {
    const q = resolve(specOf([...parsed, { op: 'select', exprs: [alias(call('>', col('qty'), lit(1)), 'big'), alias(call('+', col('qty'), lit(0.5)), 'half')] }]));
    assert.deepEqual(q.output.map((f) => f.type), [BOOLEAN, DOUBLE]);
  });
});
