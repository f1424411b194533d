import assert from 'node:assert/strict';
import { referenceJobSpec } from '../testing';
import { isWithin, NamedPath, pathRuleProblems, specPaths } from './table-paths';

const at = (what: string, p: string): NamedPath => ({ what, path: p });

describe('table paths', () => {
  it('lists the table, checkpoint and side tables a spec writes, defaults included', () => {
    const s = referenceJobSpec();
    assert.deepEqual(specPaths(s), [
      at('the table path', '/delta/customer_aggregates'),
      at('checkpointLocation', '/checkpoints/customers'),
      at('quarantinePath', '/delta/customer_aggregates_quarantine'),
    ]);
    s.options = { badRecords: 'drop', lateRows: 'table', lateRowsPath: '/late' };
    assert.deepEqual(specPaths(s).map((p) => p.what), ['the table path', 'checkpointLocation', 'lateRowsPath']);
  });

  it('lists a CDC query\'s route tables, so each obeys the rules and none overlaps another location', () => {
    const s = referenceJobSpec();
    s.sink.applyChanges = {
      keys: ['ID'], columns: [], sourceTable: 'SHOP.ORDERS',
      routes: [{ sourceTable: 'SHOP.CUSTOMERS', path: '/delta/customer_aggregates/customers', keys: ['C'], columns: [] }, { sourceTable: 'SHOP.ITEMS', path: 'items', keys: ['S'], columns: [] }],
    };
    const paths = specPaths(s);
    assert.deepEqual(paths.slice(2, 4), [at('the table of route SHOP.CUSTOMERS', '/delta/customer_aggregates/customers'), at('the table of route SHOP.ITEMS', 'items')]);
    const problems = pathRuleProblems(paths);
    assert.ok(problems.some((p) => /the table of route SHOP.CUSTOMERS '\/delta\/customer_aggregates\/customers' is inside the table path/.test(p)), problems.join('; '));
    assert.ok(problems.some((p) => /the table of route SHOP.ITEMS 'items' is a relative path/.test(p)), problems.join('; '));
  });

  it('knows when a path is inside a directory, by components', () => {
    assert.ok(isWithin('/a/b', '/a'));
    assert.ok(isWithin('/a', '/a'));
    assert.ok(isWithin('/a/..b', '/a'));
    assert.ok(!isWithin('/ab', '/a'));
    assert.ok(!isWithin('/', '/a'));
  });

  it('accepts separate absolute locations', () => {
    assert.deepEqual(pathRuleProblems([at('t', '/data/t'), at('c', '/data/t_cp'), at('q', '/data/t_quarantine')]), []);
  });

  it('refuses relative paths, system directories and locations inside one another', () => {
    assert.deepEqual(pathRuleProblems([at('t', 'rel/t'), at('c', '/sys/c'), at('q', '/dev/shm/../../proc/q')]), [
      "t 'rel/t' is a relative path; give an absolute path (the driver does not resolve paths against its own working directory)",
      "c '/sys/c' is under /sys, a system directory; tables and checkpoints cannot live there",
      "q '/dev/shm/../../proc/q' is under /proc, a system directory; tables and checkpoints cannot live there",
    ]);
    assert.deepEqual(pathRuleProblems([at('t', '/d/t'), at('c', '/d')]), ["t '/d/t' is inside c '/d'; each needs a location of its own"]);
    assert.deepEqual(pathRuleProblems([at('t', '/d/t/'), at('c', '/d/t')]), ["c '/d/t' is the same location as t; each needs a location of its own"]);
  });

  it("refuses a location overlapping the driver's state directory, either way round", () => {
    const opts = { stateDir: '/var/lib/tributary' };
    assert.deepEqual(pathRuleProblems([at('t', '/var/lib/tributary/queries/x.json')], opts), [
      "t '/var/lib/tributary/queries/x.json' overlaps the driver's state directory /var/lib/tributary; choose a location outside it",
    ]);
    assert.equal(pathRuleProblems([at('t', '/var/lib')], opts).length, 1);
    assert.deepEqual(pathRuleProblems([at('t', '/var/lib/tributary-tables/t')], opts), []);
  });

  it('confines locations to the allowed roots, with no escape through ..', () => {
    const opts = { allowedRoots: ['/data', '/scratch/tables'] };
    assert.deepEqual(pathRuleProblems([at('t', '/data/t'), at('c', '/scratch/tables/c')], opts), []);
    assert.deepEqual(pathRuleProblems([at('t', '/data/../etc/t')], opts), [
      "t '/data/../etc/t' is outside the driver's allowed roots (/data, /scratch/tables)",
    ]);
    assert.equal(pathRuleProblems([at('t', '/scratch/t')], opts).length, 1);
  });

  it('applies the same rules to object-store locations, within their bucket, s3a:// being s3://', () => {
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/tables/t'), at('checkpointLocation', 's3://lake/checkpoints/t')]), []);
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/t'), at('checkpointLocation', 's3://other/t')]), [], 'other buckets do not overlap');
    assert.deepEqual(pathRuleProblems([at('the table path', '/lake/t'), at('checkpointLocation', 's3://lake/t')]), [], 'a local path is never an object location');
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/t'), at('checkpointLocation', 's3a://lake/t/_checkpoint')]), [
      "checkpointLocation 's3a://lake/t/_checkpoint' is inside the table path 's3://lake/t'; each needs a location of its own",
    ]);
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/t/'), at('checkpointLocation', 's3://lake/t')]), [
      "checkpointLocation 's3://lake/t' is the same location as the table path; each needs a location of its own",
    ]);
  });

  it('refuses object-store locations with empty, . or .. parts, and confines them to the allowed roots', () => {
    for (const bad of ['s3://lake/allowed/../secret', 's3://lake/allowed/./t', 's3://lake/allowed//t']) {
      assert.deepEqual(pathRuleProblems([at('the table path', bad)], { allowedRoots: ['s3://lake/allowed'] }), [
        `the table path '${bad}' has an empty, '.' or '..' part; object-store keys are literal, give the location without them`,
      ]);
    }
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/allowed/t')], { allowedRoots: ['/data', 's3://lake/allowed'] }), []);
    assert.deepEqual(pathRuleProblems([at('the table path', 's3a://lake/allowed/t')], { allowedRoots: ['s3://lake/allowed'] }), []);
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/allowedX/t')], { allowedRoots: ['s3://lake/allowed'] }), [
      "the table path 's3://lake/allowedX/t' is outside the driver's allowed roots (s3://lake/allowed)",
    ]);
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/t')], { allowedRoots: ['/data'] }), [
      "the table path 's3://lake/t' is outside the driver's allowed roots (/data)",
    ], 'local roots do not admit an object store');
    assert.deepEqual(pathRuleProblems([at('the table path', 's3://lake/state/t')], { stateDir: 's3://lake/state' }), [
      "the table path 's3://lake/state/t' overlaps the driver's state directory s3://lake/state; choose a location outside it",
    ]);
  });
});
