/**
 * Test kit for the resolved query (not used by the engine): fast-check arbitraries of every shape
 * a ResolvedQuery can take, deep nested types and expressions included, and one small query written
 * by hand.
 */
import fc from 'fast-check';
import type { SqlField, SqlType } from '../schema/sql-type';
import type { AggregateSpec, EventTime, RExpr, ResolvedOptions, ResolvedQuery, ResolvedSink, ResolvedSource, ScanSpec, Step } from './resolved-query';
import { KAFKA_COLUMNS } from './resolved-query';

// ---- Arbitraries ---------------------------------------------------------------------------

/** Plain objects, as the codec makes them (fast-check may otherwise give null-prototype ones). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}
const text = fc.string({ unit: 'grapheme', maxLength: 8 });
const index = fc.nat({ max: 0x7fffffff });
const int64 = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1, 2 ** 31, -(2 ** 31) - 1));
const nonNegInt64 = fc.oneof(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.constant(Number.MAX_SAFE_INTEGER));
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const PRIMITIVE_KINDS = ['boolean', 'int', 'long', 'double', 'string', 'binary', 'timestamp', 'date'] as const;

const { type: sqlType, field: sqlField } = fc.letrec<{ type: SqlType; field: SqlField }>((tie) => ({
  type: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'type' },
    fc.constantFrom(...PRIMITIVE_KINDS).map((kind) => ({ kind }) as SqlType),
    fc.tuple(fc.integer({ min: 1, max: 38 }), fc.nat({ max: 38 })).map(([precision, s]): SqlType => ({ kind: 'decimal', precision, scale: s % (precision + 1) })),
    fc.array(tie('field'), { maxLength: 3 }).map((fields): SqlType => ({ kind: 'struct', fields })),
    rec({ element: tie('type'), containsNull: fc.boolean() }).map(({ element, containsNull }): SqlType => ({ kind: 'array', element, containsNull })),
  ),
  field: rec({ name: text, type: tie('type'), nullable: fc.boolean() }),
}));

const head = { type: sqlType, nullable: fc.boolean() };
const { expr: rexpr } = fc.letrec<{ expr: RExpr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'expr' },
    rec({ kind: fc.constant('column' as const), index, ...head }),
    rec({ kind: fc.constant('literal' as const), value: nullable(text), ...head }),
    rec({ kind: fc.constant('field' as const), of: tie('expr'), index, ...head }),
    rec({ kind: fc.constant('cast' as const), arg: tie('expr'), ...head }),
    rec({ kind: fc.constant('call' as const), fn: fc.constantFrom('add', 'upper', 'to_date', 'coalesce', ''), args: fc.array(tie('expr'), { maxLength: 3 }), ...head }),
    rec({
      kind: fc.constant('case' as const),
      branches: fc.array(rec({ when: tie('expr'), then: tie('expr') }), { maxLength: 2 }),
      otherwise: nullable(tie('expr')),
      ...head,
    }),
  ),
}));

const fields = fc.array(sqlField, { maxLength: 3 });

const step: fc.Arbitrary<Step> = fc.oneof(
  rec({ kind: fc.constant('filter' as const), condition: rexpr }),
  rec({ kind: fc.constant('project' as const), exprs: fc.array(rexpr, { maxLength: 3 }), schema: fields }),
);

const partitionOffsets = fc.dictionary(index.map(String), fc.oneof(fc.constantFrom(-2, -1), nonNegInt64), { maxKeys: 4, noNullPrototype: true });
const source: fc.Arbitrary<ResolvedSource> = rec({
  topic: text,
  bootstrapServers: fc.array(text, { maxLength: 3 }),
  startingOffsets: fc.oneof(
    fc.constantFrom('earliest' as const, 'latest' as const),
    fc.dictionary(text, partitionOffsets, { maxKeys: 3, noNullPrototype: true }),
  ),
  maxOffsetsPerTrigger: nullable(nonNegInt64),
  failOnDataLoss: fc.boolean(),
  isolationLevel: fc.constantFrom('read_uncommitted' as const, 'read_committed' as const),
});

const scan: fc.Arbitrary<ScanSpec> = rec({
  kafkaColumns: fc.subarray([...KAFKA_COLUMNS]),
  json: nullable(rec({ schema: fields, timeZone: fc.constantFrom('UTC', '+02:00', 'America/New_York') })),
  schema: fields,
  maxValueBytes: nonNegInt64,
});

const eventTime: fc.Arbitrary<EventTime> = rec({ column: index, delayMicros: int64, maxAheadMicros: int64 });

const aggregate: fc.Arbitrary<AggregateSpec> = fc.tuple(rec({
  window: nullable(rec({ column: index, sizeMicros: int64, slideMicros: int64, startMicros: int64 })),
  keys: fc.array(rec({ column: index, field: sqlField }), { maxLength: 3 }),
  aggregates: fc.array(fc.oneof(
    rec({
      fn: fc.constantFrom('count' as const, 'sum' as const, 'avg' as const, 'min' as const, 'max' as const, 'approx_count_distinct' as const),
      column: nullable(index),
      field: sqlField,
    }),
    rec({ fn: fc.constant('approx_count_distinct' as const), column: nullable(index), field: sqlField, relativeSD: fc.double({ min: 0.0022, max: 0.39, noNaN: true }) }),
  ), { maxLength: 3 }),
  schema: fields,
}), fc.option(rec({ column: index, gapMicros: int64 }), { nil: undefined }))
  // a session window, when present, replaces the window (absent, not null, as the resolver leaves it)
  .map(([a, session]) => (session === undefined ? a : { ...a, window: null, session }));

const sink: fc.Arbitrary<ResolvedSink> = rec({
  path: text,
  outputMode: fc.constantFrom('append' as const, 'complete' as const, 'update' as const),
  partitionBy: fc.array(text, { maxLength: 2 }),
  checkpointLocation: text,
});

const options: fc.Arbitrary<ResolvedOptions> = rec({
  shufflePartitions: index,
  badRecords: fc.constantFrom('quarantine' as const, 'fail' as const, 'drop' as const),
  quarantinePath: nullable(text),
  lateRows: fc.constantFrom('drop' as const, 'table' as const),
  lateRowsPath: nullable(text),
  timeZone: text,
  triggerIntervalMicros: nullable(nonNegInt64),
  availableNow: fc.boolean(),
});

export const resolvedQueryArb: fc.Arbitrary<ResolvedQuery> = rec({
  format: fc.constant(1 as const),
  name: nullable(text),
  source,
  scan,
  pre: fc.array(step, { maxLength: 3 }),
  eventTime: nullable(eventTime),
  aggregate: nullable(aggregate),
  post: fc.array(step, { maxLength: 2 }),
  output: fields,
  sink,
  options,
});

// ---- A small query, by hand ------------------------------------------------------------------

export const decimal12_2: SqlType = { kind: 'decimal', precision: 12, scale: 2 };
export const handQuery: ResolvedQuery = {
  format: 1,
  name: 'revenue',
  source: {
    topic: 'orders',
    bootstrapServers: ['k1:9092', 'k2:9092'],
    startingOffsets: { orders: { 0: 9007199254740991, 1: -2 } },
    maxOffsetsPerTrigger: null,
    failOnDataLoss: true,
    isolationLevel: 'read_committed',
  },
  scan: {
    kafkaColumns: ['value', 'timestampType'],
    json: { schema: [{ name: 'amount', type: decimal12_2, nullable: true }], timeZone: 'UTC' },
    schema: [
      { name: 'value', type: { kind: 'binary' }, nullable: true },
      { name: 'timestampType', type: { kind: 'int' }, nullable: true },
      { name: 'data', type: { kind: 'struct', fields: [{ name: 'amount', type: decimal12_2, nullable: true }] }, nullable: true },
    ],
    maxValueBytes: 1_048_576,
  },
  pre: [{
    kind: 'filter',
    condition: {
      kind: 'call', fn: '>', type: { kind: 'boolean' }, nullable: true, args: [
        { kind: 'field', of: { kind: 'column', index: 2, type: { kind: 'struct', fields: [] }, nullable: true }, index: 0, type: decimal12_2, nullable: true },
        { kind: 'literal', value: '0', type: decimal12_2, nullable: false },
      ],
    },
  }],
  eventTime: { column: 1, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 },
  aggregate: null,
  post: [],
  output: [{ name: 'amounts', type: { kind: 'array', element: decimal12_2, containsNull: false }, nullable: false }],
  sink: { path: 's3://t/out', outputMode: 'append', partitionBy: [], checkpointLocation: '/cp' },
  options: {
    shufflePartitions: 200, badRecords: 'quarantine', quarantinePath: null, lateRows: 'table', lateRowsPath: '/late',
    timeZone: 'UTC', triggerIntervalMicros: 10_000_000, availableNow: false,
  },
};

export { sqlType as sqlTypeArb, rexpr as rexprArb };
