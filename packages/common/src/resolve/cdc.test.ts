import assert from 'node:assert/strict';
import type { ApplyChangesRouteSpec, ApplyChangesSpec, ChangeEventsSpec } from '../cdc/apply-changes-spec';
import type { QuerySpecV2 } from '../plan/logical-plan';
import { resolvedQueryFromProto, resolvedQueryToProto } from '../plan/resolved-query-proto';
import { arrayType, decimalType, LONG, sqlField, STRING, TIMESTAMP } from '../schema/sql-type';
import { QueryResolutionError } from './problem';
import { diffResolved } from './restart-diff';
import { col, resolve, specOf } from '../testing/plan-builders';

const COLUMNS = [sqlField('ID', LONG, false), sqlField('NAME', STRING), sqlField('AMOUNT', decimalType(12, 2)), sqlField('UPDATED', TIMESTAMP), sqlField('NOTE', STRING)];

function cdcSpec(changes: ChangeEventsSpec | undefined, apply: Partial<ApplyChangesSpec> | undefined, sink: Partial<QuerySpecV2['sink']> = {}): QuerySpecV2 {
  const spec = specOf([], { outputMode: 'update', ...sink, ...(apply === undefined ? {} : { applyChanges: { keys: ['ID'], columns: COLUMNS, ...apply } }) });
  if (changes !== undefined) spec.source.changes = changes;
  return spec;
}

const CUSTOMER_COLUMNS = [sqlField('CUST', STRING, false), sqlField('REGION', STRING), sqlField('SCORE', LONG)];

function route(over: Partial<ApplyChangesRouteSpec> = {}): ApplyChangesRouteSpec {
  return { sourceTable: 'SHOP.CUSTOMERS', path: '/tables/customers', keys: ['CUST'], columns: CUSTOMER_COLUMNS, ...over };
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

describe('resolving a CDC query (applyChanges)', () => {
  it('makes the table the source columns minus exceptColumns, keyed by the keys, in update mode', () => {
    const q = resolve(cdcSpec({ format: 'debezium', position: 'scn' }, { keys: ['ID'], exceptColumns: ['NOTE'], sourceTable: 'SHOP.ORDERS', tombstoneRetention: '2 days' }));
    assert.deepEqual(q.output.map((f) => f.name), ['ID', 'NAME', 'AMOUNT', 'UPDATED']);
    assert.equal(q.sink.outputMode, 'update');
    assert.equal(q.aggregate, null);
    assert.deepEqual(q.cdc?.keyColumns, [0]);
    assert.equal(q.cdc?.source.position, 'scn');
    assert.equal(q.cdc?.sourceTable, 'SHOP.ORDERS');
    assert.equal(q.cdc?.tombstoneRetentionMicros, 2 * 86_400_000_000);
    assert.deepEqual(resolvedQueryFromProto(JSON.parse(JSON.stringify(resolvedQueryToProto(q)))), q, 'the proto form carries it whole');
  });

  it('stores SCD type 2 with __valid_from, __valid_to and __is_current after the columns', () => {
    const q = resolve(cdcSpec({ format: 'goldengate' }, { storedAs: 'scd2', exceptColumns: ['NOTE'] }));
    assert.deepEqual(q.output.map((f) => `${f.name} ${f.type.kind}${f.nullable ? '' : ' not null'}`), [
      'ID long not null', 'NAME string', 'AMOUNT decimal', 'UPDATED timestamp', '__valid_from timestamp not null', '__valid_to timestamp', '__is_current boolean not null',
    ]);
    assert.equal(q.cdc?.storedAs, 'scd2');
    assert.deepEqual(resolvedQueryFromProto(JSON.parse(JSON.stringify(resolvedQueryToProto(q)))), q);
  });

  it('refuses a restart that changes keys, columns or source table, and accepts a new tombstone retention', () => {
    const before = resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS' }));
    assert.deepEqual(diffResolved(before, resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', tombstoneRetention: '30 days' }))), []);
    assert.deepEqual(diffResolved(before, resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', keys: ['ID', 'NAME'] }))), [
      'applyChanges changed from goldengate keyed by [ID] into [ID bigint, NAME string, AMOUNT decimal(12,2), UPDATED timestamp, NOTE string] from SHOP.ORDERS'
      + ' to goldengate keyed by [ID, NAME] into [ID bigint, NAME string, AMOUNT decimal(12,2), UPDATED timestamp, NOTE string] from SHOP.ORDERS',
    ]);
    assert.equal(diffResolved(before, resolve(cdcSpec({ format: 'goldengate' }, { exceptColumns: ['NOTE'], sourceTable: 'SHOP.ORDERS' }))).length, 1);
    assert.equal(diffResolved(before, resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.OTHER' }))).length, 1);
  });

  it('resolves routes: each source table with its own columns, keys and table; route 0 stays the query\'s own', () => {
    const q = resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ exceptColumns: ['SCORE'], storedAs: 'scd2', tombstoneRetention: '1 day' })] }));
    assert.equal(q.cdc?.sourceTable, 'SHOP.ORDERS');
    assert.deepEqual(q.output.map((f) => f.name), ['ID', 'NAME', 'AMOUNT', 'UPDATED', 'NOTE']);
    assert.equal(q.cdc?.routes?.length, 1);
    const r = q.cdc!.routes![0];
    assert.equal(r.sourceTable, 'SHOP.CUSTOMERS');
    assert.equal(r.path, '/tables/customers');
    assert.deepEqual(r.output.map((f) => f.name), ['CUST', 'REGION', '__valid_from', '__valid_to', '__is_current']);
    assert.deepEqual(r.source.columns.map((f) => f.name), ['CUST', 'REGION', 'SCORE']);
    assert.deepEqual(r.source.keys, ['CUST']);
    assert.deepEqual(r.keyColumns, [0]);
    assert.equal(r.storedAs, 'scd2');
    assert.equal(r.tombstoneRetentionMicros, 86_400_000_000);
    assert.equal(r.source.format, 'goldengate');
    assert.deepEqual(resolvedQueryFromProto(JSON.parse(JSON.stringify(resolvedQueryToProto(q)))), q, 'the proto form carries the routes whole');
    const single = resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS' }));
    assert.equal(single.cdc?.routes, undefined, 'a query of one table has no routes');
    assert.deepEqual(resolvedQueryFromProto(JSON.parse(JSON.stringify(resolvedQueryToProto(single)))), single);
    assert.equal(diffResolved(single, q).length, 1, 'adding a route on restart is refused');
    assert.equal(diffResolved(q, resolve(cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ path: '/tables/c2', exceptColumns: ['SCORE'], storedAs: 'scd2' })] }))).length, 1, 'moving a route\'s table is refused');
  });

  const cases: [string, QuerySpecV2, RegExp][] = [
    ['applyChanges without change events', cdcSpec(undefined, {}), /applyChanges needs change events: set option\('changes.format'/],
    ['applyChanges into the kafka sink', ((s) => ({ ...s, sink: { ...s.sink, format: 'kafka' as const } }))(cdcSpec({ format: 'goldengate' }, {})), /applyChanges writes a Delta table, not the kafka sink/],
    ['change events without applyChanges', cdcSpec({ format: 'goldengate' }, undefined), /written with writeStream.applyChanges/],
    ['an unknown format', cdcSpec({ format: 'maxwell' }, {}), /changes.format "maxwell" is not a change format; use goldengate or debezium/],
    ['Debezium without its position', cdcSpec({ format: 'debezium' }, {}), /Debezium events need option\('changes.position', …\): lsn, scn, binlog/],
    ['a position for GoldenGate', cdcSpec({ format: 'goldengate', position: 'scn' }, {}), /changes.position is for Debezium events/],
    ['a key that is not a column', cdcSpec({ format: 'goldengate' }, { keys: ['id'] }), /key id is not a column .*names are case-sensitive/],
    ['no keys', cdcSpec({ format: 'goldengate' }, { keys: [] }), /applyChanges needs keys/],
    ['an excluded key', cdcSpec({ format: 'goldengate' }, { exceptColumns: ['ID'] }), /exceptColumns: ID is a key; keys stay in the table/],
    ['an excluded column that is not one', cdcSpec({ format: 'goldengate' }, { exceptColumns: ['X'] }), /exceptColumns: X is not a column/],
    ['sequenceBy a column', cdcSpec({ format: 'goldengate' }, { sequenceBy: 'UPDATED' }), /sequenceBy "UPDATED": changes are ordered by their source position/],
    ['an unknown storedAs', cdcSpec({ format: 'goldengate' }, { storedAs: 'scd3' }), /storedAs "scd3": use 'scd1' \(current rows\) or 'scd2' \(history\)/],
    ['an SCD2 column name in the source', cdcSpec({ format: 'goldengate' }, { storedAs: 'scd2', columns: [...COLUMNS, sqlField('__is_current', STRING)] }), /column __is_current is one of the columns storedAs 'scd2' adds/],
    ['a bad retention', cdcSpec({ format: 'goldengate' }, { tombstoneRetention: 'soon' }), /tombstoneRetention: /],
    ['an array column', cdcSpec({ format: 'goldengate' }, { columns: [...COLUMNS, sqlField('TAGS', arrayType(STRING))] }), /column TAGS: array<string> columns are not supported in change events yet/],
    ['append mode', cdcSpec({ format: 'goldengate' }, {}, { outputMode: 'append' }), /applyChanges writes in update mode/],
    ['partitionBy', cdcSpec({ format: 'goldengate' }, {}, { partitionBy: ['NAME'] }), /partitionBy is not supported with applyChanges/],
    ['DataFrame operations', { ...cdcSpec({ format: 'goldengate' }, {}), plan: [{ op: 'select', exprs: [col('value')] }] }, /a change stream is applied as it is read: DataFrame operations \(select\) are not supported on it/],
    ['routes without a main sourceTable', cdcSpec({ format: 'goldengate' }, { routes: [route()] }), /applyChanges with routes needs its own sourceTable/],
    ['a source table routed twice', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ sourceTable: 'SHOP.ORDERS' })] }), /applyChanges route SHOP.ORDERS: source table SHOP.ORDERS is routed twice/],
    ['two routes to one path', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route(), route({ sourceTable: 'SHOP.ITEMS' })] }), /applyChanges route SHOP.ITEMS: path \/tables\/customers is already the table of route SHOP.CUSTOMERS/],
    ['a route to the query\'s own table', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ path: '/tables/out/' })] }), /path \/tables\/out\/ is already the query's own table/],
    ['a route to the checkpoint', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ path: '/checkpoints/out' })] }), /path \/checkpoints\/out is already the checkpoint location/],
    ['a route without a path', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ path: '' })] }), /applyChanges route SHOP.CUSTOMERS needs the path of its Delta table/],
    ['a route whose key is not a column', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ keys: ['ID'] })] }), /applyChanges route SHOP.CUSTOMERS: key ID is not a column/],
    ['a route with an unknown storedAs', cdcSpec({ format: 'goldengate' }, { sourceTable: 'SHOP.ORDERS', routes: [route({ storedAs: 'scd9' })] }), /applyChanges route SHOP.CUSTOMERS: storedAs "scd9"/],
  ];
  for (const [what, spec, expected] of cases) {
    it(`refuses ${what}, naming the problem`, () => {
      const found = problems(spec);
      assert.ok(found.some((p) => expected.test(p)), `problems: ${JSON.stringify(found)}`);
    });
  }
});
