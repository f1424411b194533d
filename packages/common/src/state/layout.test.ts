import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import { RedisKeys, blobFileName, checkQueryId, parseBlobFileName } from './layout';
import { asStateVersion as sv } from '../batch/batch-id';

describe('state layout', () => {
  it('names blob files <version>.<attempt>.<kind>.arrow and reads them back', () => {
    assert.equal(blobFileName({ version: sv(12), attempt: 3, kind: 'snapshot' }), '12.3.snapshot.arrow');
    assert.deepEqual(parseBlobFileName('12.3.delta.arrow'), { version: 12, attempt: 3, kind: 'delta' });
    assert.equal(parseBlobFileName('12.3.delta.arrow.tmp'), undefined);
    assert.equal(parseBlobFileName('_metadata'), undefined);
  });

  it('finds the version of a leftover temp file', () => {
  });

  it('keeps every Redis key of a query under one hash tag', () => {
    const keys = new RedisKeys('q-1');
    assert.equal(keys.fence, 'trib:{q-1}:fence');
    assert.equal(keys.versions(5), 'trib:{q-1}:p5:versions');
    assert.equal(keys.blob(5, sv(9), 'delta'), 'trib:{q-1}:p5:v9:delta');
  });

  it('refuses query ids that would break the hash tag', () => {
    assert.throws(() => checkQueryId('a}b'), InvalidArgumentError);
    assert.throws(() => checkQueryId(''), InvalidArgumentError);
    checkQueryId('0b8f6a3c-1d2e-4f50-9a7b-123456789abc');
  });
});
