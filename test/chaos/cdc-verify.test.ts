import assert from 'node:assert/strict';
import { diffByKey } from './cdc-verify';
import { CdcWorkload } from './cdc-workload';

describe('the chaos run CDC verdict and workload', () => {
  const byId = (r: Record<string, unknown>) => String(r.ID);

  it('finds tables equal whatever the row and column order', () => {
    const expected = [{ ID: '1', NAME: 'a', AMOUNT: '1.00' }, { ID: '2', NAME: null, AMOUNT: '-0.50' }];
    const actual = [{ AMOUNT: '-0.50', ID: '2', NAME: null }, { NAME: 'a', ID: '1', AMOUNT: '1.00' }];
    assert.equal(diffByKey(expected, actual, byId).equal, true);
  });

  it('reports missing, extra, different and duplicated rows', () => {
    const expected = [{ ID: '1', NAME: 'a' }, { ID: '2', NAME: 'b' }, { ID: '3', NAME: 'c' }];
    const actual = [{ ID: '1', NAME: 'a' }, { ID: '1', NAME: 'a' }, { ID: '2', NAME: null }, { ID: '4', NAME: 'd' }];
    const diff = diffByKey(expected, actual, byId);
    assert.equal(diff.equal, false);
    assert.match(diff.text, /expected 3 rows, got 4: 1 missing, 1 extra, 1 different, 1 duplicated/);
    assert.match(diff.text, /"NAME":"b"}\n {4}but got .*"NAME":null/);
  });

  it('plays a source log with every kind of change, truncated twice, whose records carry every change with duplicates and a replay', () => {
    const w = new CdcWorkload(42, 3000, '127.0.0.1:1', [], () => {});
    const ops = new Set(w.log.map((c) => (c.op === 'U' ? (c.before.ID !== c.after.ID ? 'key' : c.changed === null ? 'U' : 'partial') : c.op)));
    assert.deepEqual([...ops].sort(), ['D', 'I', 'T', 'U', 'key', 'partial']);
    assert.equal(w.log.filter((c) => c.op === 'T').length, 2);
    const positions = w.records.map((r) => BigInt(JSON.parse(r.value as string).pos));
    assert.ok(w.records.length > w.log.length * 1.2, 'duplicates and a replay');
    const carried = new Set(positions);
    assert.ok(w.log.every((c) => carried.has(c.pos)));
    assert.ok(positions.some((p, i) => i > 0 && p < positions[i - 1]), 'some records come after newer ones');
    assert.ok(w.final.length > 100, `the source table ends with rows (${w.final.length})`);
  });
});
