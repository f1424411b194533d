import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
// The library @grpc/proto-loader is built on: the test encodes with it directly, under the loader's
// conversion options, to check the message definitions and the codec against each other.
import * as protobuf from 'protobufjs';
import { InvalidArgumentError } from '../errors';
import { LOAD_OPTIONS, PROTO_ROOT, serviceDefinition } from '../rpc/proto-loader';
import type { SqlField, SqlType } from '../schema/sql-type';
import type { RExpr, ResolvedQuery } from './resolved-query';
import {
  resolvedQueryFromProto, resolvedQueryToProto, rexprFromProto, rexprToProto, sqlTypeFromProto, sqlTypeToProto,
  type ResolvedQueryMessage,
} from './resolved-query-proto';
import { decimal12_2, handQuery, resolvedQueryArb as resolvedQuery, rexprArb as rexpr, sqlTypeArb as sqlType } from './resolved-query.testkit';

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
