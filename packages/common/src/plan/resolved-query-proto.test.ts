import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
// The library @grpc/proto-loader is built on: the test encodes with it directly, under the loader's
// conversion options, to check the message definitions and the codec against each other.
import * as protobuf from 'protobufjs';
import { InvalidArgumentError } from '../errors';
import { LOAD_OPTIONS, PROTO_ROOT, serviceDefinition } from '../rpc/proto-loader';
import type { SqlField, SqlType } from '../schema/sql-type';
import type { AggregateSpec, EventTime, RExpr, ResolvedOptions, ResolvedQuery, ResolvedSink, ResolvedSource, ScanSpec, Step } from './resolved-query';
import { KAFKA_COLUMNS } from './resolved-query';
import {
  resolvedQueryFromProto, resolvedQueryToProto, rexprFromProto, rexprToProto, sqlTypeFromProto, sqlTypeToProto,
  type ResolvedQueryMessage,
} from './resolved-query-proto';

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

const aggregate: fc.Arbitrary<AggregateSpec> = rec({
  window: nullable(rec({ column: index, sizeMicros: int64, slideMicros: int64, startMicros: int64 })),
  keys: fc.array(rec({ column: index, field: sqlField }), { maxLength: 3 }),
  aggregates: fc.array(rec({
    fn: fc.constantFrom('count' as const, 'sum' as const, 'avg' as const, 'min' as const, 'max' as const, 'approx_count_distinct' as const),
    column: nullable(index),
    field: sqlField,
  }), { maxLength: 3 }),
  schema: fields,
});

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

const resolvedQuery: fc.Arbitrary<ResolvedQuery> = rec({
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

// ---- Through bytes, as the loader does ---------------------------------------------------------

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(PROTO_ROOT, target);
root.loadSync('tributary/v1/plan.proto', { keepCase: true });
const ResolvedQueryType = root.lookupType('tributary.v1.ResolvedQuery');

/** Every key of `obj` is a field of `type` (or a oneof's name), recursively: fromObject would drop others silently. */
function assertKnownFields(type: protobuf.Type, obj: Record<string, unknown>, at: string): void {
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field) {
      assert.ok(type.oneofs?.[key], `${at}.${key} is not a field of ${type.name}`);
      continue;
    }
    field.resolve();
    if (!(field.resolvedType instanceof protobuf.Type) || value === null || value === undefined) continue;
    const nested = field.resolvedType;
    if (field.repeated) (value as Record<string, unknown>[]).forEach((v, i) => assertKnownFields(nested, v, `${at}.${key}[${i}]`));
    else assertKnownFields(nested, value as Record<string, unknown>, `${at}.${key}`);
  }
}

function throughBytes(message: ResolvedQueryMessage): ResolvedQueryMessage {
  assertKnownFields(ResolvedQueryType, message as unknown as Record<string, unknown>, 'query');
  const bytes = ResolvedQueryType.encode(ResolvedQueryType.fromObject(message)).finish();
  return ResolvedQueryType.toObject(ResolvedQueryType.decode(bytes), LOAD_OPTIONS as protobuf.IConversionOptions) as ResolvedQueryMessage;
}

// ---- A small query, by hand ------------------------------------------------------------------

const decimal12_2: SqlType = { kind: 'decimal', precision: 12, scale: 2 };
const handQuery: ResolvedQuery = {
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

describe('resolved query ⇄ proto', () => {
  it('writes types as plan.proto spells them', () => {
    const t: SqlType = { kind: 'struct', fields: [
      { name: 'a', type: decimal12_2, nullable: false },
      { name: 'b', type: { kind: 'array', element: { kind: 'long' }, containsNull: true }, nullable: true },
    ] };
    assert.deepEqual(sqlTypeToProto(t), { struct: { fields: [
      { name: 'a', type: { decimal: { precision: 12, scale: 2 } }, nullable: false },
      { name: 'b', type: { array: { element: { primitive: 'PRIMITIVE_TYPE_LONG' }, contains_null: true } }, nullable: true },
    ] } });
  });

  it('writes a null literal as a literal without value, and a CASE without ELSE without otherwise', () => {
    const e: RExpr = {
      kind: 'case', type: { kind: 'string' }, nullable: true, otherwise: null,
      branches: [{ when: { kind: 'literal', value: 'true', type: { kind: 'boolean' }, nullable: false }, then: { kind: 'literal', value: null, type: { kind: 'string' }, nullable: true } }],
    };
    assert.deepEqual(rexprToProto(e), {
      type: { primitive: 'PRIMITIVE_TYPE_STRING' }, nullable: true,
      case: {
        branches: [{
          when: { type: { primitive: 'PRIMITIVE_TYPE_BOOLEAN' }, nullable: false, literal: { value: 'true' } },
          then: { type: { primitive: 'PRIMITIVE_TYPE_STRING' }, nullable: true, literal: {} },
        }],
        otherwise: null,
      },
    });
  });

  it('sends per-partition starting offsets as decimal text and keeps 2^53 − 1 exact through bytes', () => {
    const message = resolvedQueryToProto(handQuery);
    assert.deepEqual(message.source?.starting_offsets, {
      partitions: { topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '9007199254740991' }, { partition: 1, offset: '-2' }] }] },
    });
    const back = resolvedQueryFromProto(throughBytes(message));
    assert.deepEqual(back, handQuery);
    assert.equal((back.source.startingOffsets as Record<string, Record<string, number>>).orders['0'], 9007199254740991);
  });

  it('gives back every query it sends, as objects and through bytes', () => {
    fc.assert(
      fc.property(resolvedQuery, (q) => {
        const message = resolvedQueryToProto(q);
        assert.deepEqual(resolvedQueryFromProto(message), q);
        assert.deepEqual(resolvedQueryFromProto(throughBytes(message)), q);
      }),
      { numRuns: 300 },
    );
  });

  it('gives back deeply nested types and expressions', () => {
    fc.assert(
      fc.property(sqlType, rexpr, (t, e) => {
        assert.deepEqual(sqlTypeFromProto(sqlTypeToProto(t)), t);
        assert.deepEqual(rexprFromProto(rexprToProto(e)), e);
      }),
      { numRuns: 500 },
    );
    let deep: SqlType = { kind: 'int' };
    let expr: RExpr = { kind: 'column', index: 0, type: deep, nullable: false };
    // 20 levels of struct/array inside 20 field accesses: about 60 messages deep, within protobuf's limit of 100.
    for (let i = 0; i < 20; i++) {
      deep = i % 2 ? { kind: 'array', element: deep, containsNull: i % 3 === 0 } : { kind: 'struct', fields: [{ name: `f${i}`, type: deep, nullable: true }] };
      expr = { kind: 'field', of: expr, index: i, type: deep, nullable: true };
    }
    const q: ResolvedQuery = { ...handQuery, pre: [{ kind: 'project', exprs: [expr], schema: [{ name: 'x', type: deep, nullable: true }] }] };
    assert.deepEqual(resolvedQueryFromProto(throughBytes(resolvedQueryToProto(q))), q);
  });

  it('refuses an int64 that would not come back exactly', () => {
    for (const bad of [2 ** 53, 1.5, Number.NaN]) {
      assert.throws(
        () => resolvedQueryToProto({ ...handQuery, eventTime: { column: 1, delayMicros: bad, maxAheadMicros: 0 } }),
        (e: unknown) => e instanceof InvalidArgumentError && /eventTime\.delayMicros/.test(e.message),
      );
    }
    assert.throws(() => resolvedQueryToProto({ ...handQuery, source: { ...handQuery.source, startingOffsets: { orders: { '01': 3 } } } }), InvalidArgumentError);
  });

  it('refuses a message with an unset oneof, an unspecified enum, a missing message or another format, naming the field', () => {
    const good = throughBytes(resolvedQueryToProto(handQuery));
    const cases: [string, (m: any) => void, RegExp][] = [
      ['unset type kind', (m) => { m.output[0].type = { kind: undefined }; }, /^output\[0\]\.type: exactly one of/],
      ['unspecified primitive', (m) => { m.scan.schema[0].type = { primitive: 'PRIMITIVE_TYPE_UNSPECIFIED', kind: 'primitive' }; }, /^scan\.schema\[0\]\.type\.primitive: unknown or unspecified/],
      ['unset step kind', (m) => { m.pre[0] = {}; }, /^pre\[0\]: exactly one of filter, project/],
      ['missing condition', (m) => { m.pre[0].filter.condition = null; }, /^pre\[0\]\.condition: required message/],
      ['unspecified output mode', (m) => { m.sink.output_mode = 'OUTPUT_MODE_UNSPECIFIED'; }, /^sink\.output_mode/],
      ['missing source', (m) => { m.source = null; }, /^source: required message/],
      ['format 2', (m) => { m.format = 2; }, /format 2 is not supported/],
    ];
    for (const [name, spoil, expected] of cases) {
      const m = structuredClone(good);
      spoil(m);
      assert.throws(() => resolvedQueryFromProto(m), (e: unknown) => e instanceof InvalidArgumentError && expected.test(e.message), name);
    }
  });
});

describe('the resolved query in task requests', () => {
  // The serializers gRPC itself uses for TaskService, built by rpc/proto-loader.ts.
  const tasks = serviceDefinition('TaskService');
  const ctx = { query_id: 'q1', batch_id: 7, attempt: 2 };

  it('a MapTaskRequest carries the query intact beside its other fields', () => {
    const request = {
      ctx, task_id: 3, job_json: '{"queryId":"q1"}', query: resolvedQueryToProto(handQuery),
      ranges: [{ topic: 'orders', partition: 1, from_offset: '10', to_offset: '9007199254740991' }],
      late_watermark_micros: 1_700_000_000_000_000, late_filter: true, owners: [{ partition: 0, executor_id: 'e1', address: 'h:1' }],
      event_time_guard_reference_ms: 1_700_000_000_000, max_event_time_ahead_ms: 86_400_000,
    };
    const back = tasks.RunMapTask.requestDeserialize(tasks.RunMapTask.requestSerialize(request));
    assert.deepEqual(resolvedQueryFromProto(back.query), handQuery);
    assert.equal(back.job_json, '{"queryId":"q1"}');
    assert.deepEqual(back.ctx, ctx);
    assert.equal(back.task_id, 3);
    assert.deepEqual(back.ranges, [{ topic: 'orders', partition: 1, from_offset: '10', to_offset: '9007199254740991' }]);
    assert.equal(back.late_watermark_micros, 1_700_000_000_000_000);
    assert.equal(back.max_event_time_ahead_ms, 86_400_000);
  });

  it('a ReduceTaskRequest carries it too, and a request without one decodes with the query unset', () => {
    const reduce = { ctx, job_json: '{}', query: resolvedQueryToProto(handQuery), partitions: [0, 3], map_task_ids: [0], watermark_micros: 5, committed: [], table_path: '/t', no_data: false };
    assert.deepEqual(resolvedQueryFromProto(tasks.RunReduceTask.requestDeserialize(tasks.RunReduceTask.requestSerialize(reduce)).query), handQuery);
    const old = tasks.RunMapTask.requestDeserialize(tasks.RunMapTask.requestSerialize({ ctx, task_id: 0, job_json: '{}' }));
    assert.equal(old.query, null);
  });
});
