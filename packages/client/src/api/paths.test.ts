import assert from 'node:assert/strict';
import { referenceJobSpec } from '@tributary/common';
import { withAbsolutePaths } from './paths';

describe('withAbsolutePaths', () => {
  it('resolves relative locations against the given directory and leaves absolute ones alone', () => {
    const s = referenceJobSpec();
    s.sink.path = 'delta/t';
    s.sink.checkpointLocation = './cp/../cp2';
    s.options = { quarantinePath: '/abs/q', lateRowsPath: 'late' };
    const out = withAbsolutePaths(s, '/home/me/jobs');
    assert.equal(out.sink.path, '/home/me/jobs/delta/t');
    assert.equal(out.sink.checkpointLocation, '/home/me/jobs/cp2');
    assert.equal(out.options.quarantinePath, '/abs/q');
    assert.equal(out.options.lateRowsPath, '/home/me/jobs/late');
    assert.equal(s.sink.path, 'delta/t', 'the given spec is not changed');
  });

  it('leaves object-store locations as they are', () => {
    const s = referenceJobSpec();
    s.sink.path = 's3://bucket/delta/t';
    s.sink.checkpointLocation = 's3a://bucket/checkpoints/t';
    s.options = { quarantinePath: 's3://bucket/q', lateRowsPath: 'late' };
    const out = withAbsolutePaths(s, '/home/me/jobs');
    assert.equal(out.sink.path, 's3://bucket/delta/t');
    assert.equal(out.sink.checkpointLocation, 's3a://bucket/checkpoints/t');
    assert.equal(out.options.quarantinePath, 's3://bucket/q');
    assert.equal(out.options.lateRowsPath, '/home/me/jobs/late');
  });

  it('leaves missing and empty locations for validation to name', () => {
    const s = referenceJobSpec();
    s.sink.path = '';
    const out = withAbsolutePaths(s, '/x');
    assert.equal(out.sink.path, '');
    assert.equal(out.options.quarantinePath, undefined);
  });
});
