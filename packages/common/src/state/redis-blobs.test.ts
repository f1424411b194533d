import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { FencedError } from '../errors';
import { RedisStateBlobs, isRetriableRedisError } from './redis-blobs';

import { testRedis } from '../testing';
import { asStateVersion as sv } from '../batch/batch-id';

describe('RedisStateBlobs', () => {
  let redis: Redis;
  let queryId: string;

  beforeEach(() => {
    redis = new Redis(testRedis());
    queryId = randomUUID();
  });

  afterEach(async () => {
    const keys = await redis.keys(`trib:{${queryId}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('the write script itself refuses a stale attempt and leaves the newer blob in place', async () => {
    const blobs = new RedisStateBlobs(redis, queryId);
    await blobs.setFence(sv(3), 2);
    await blobs.writeFenced(1, { version: sv(3), attempt: 2, kind: 'delta' }, Buffer.from([1, 2, 3]));
    await assert.rejects(blobs.writeFenced(1, { version: sv(3), attempt: 1, kind: 'delta' }, Buffer.from([9])), (e: unknown) => {
      assert.ok(e instanceof FencedError);
      assert.match(e.message, /3:2/);
      return true;
    });
    assert.deepEqual(await blobs.read(1, sv(3), 'delta'), { attempt: 2, bytes: Buffer.from([1, 2, 3]) });
    assert.deepEqual(await redis.zrange(`trib:{${queryId}}:p1:versions`, '0', '-1'), ['3']);
  });

  it('treats connection trouble as retriable and other server replies as not', () => {
    const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
    assert.equal(isRetriableRedisError(new Error('Connection is closed.')), true);
    assert.equal(isRetriableRedisError(reply('LOADING Redis is loading the dataset in memory')), true);
    assert.equal(isRetriableRedisError(reply('WRONGTYPE Operation against a key holding the wrong kind of value')), false);
    assert.equal(isRetriableRedisError(new TypeError('x is not a function')), false);
    assert.equal(isRetriableRedisError(new FencedError('old attempt')), false);
  });
});
