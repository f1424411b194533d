import assert from 'node:assert/strict';
import { leaseOption } from './processes';

const args = (values: Record<string, string>) => ({ values, positionals: [] });

describe('tributary driver --lease', () => {
  it('takes redis://HOST:PORT, with database 0 or none, and HOST:PORT, with the cluster name and ttl', () => {
    assert.deepEqual(leaseOption(args({ lease: 'redis://redis.example.internal:6380/0', cluster: 'prod', 'lease-ttl-ms': '4000' })),
      { host: 'redis.example.internal', port: 6380, cluster: 'prod', ttlMs: 4000 });
    assert.deepEqual(leaseOption(args({ lease: '127.0.0.1:6379' })), { host: '127.0.0.1', port: 6379, cluster: undefined, ttlMs: undefined });
    assert.equal(leaseOption(args({})), undefined);
  });

  it('refuses another database, a malformed address, and lease settings without a lease', () => {
    assert.throws(() => leaseOption(args({ lease: 'redis://h:6379/2' })), /database 0, got database 2/);
    assert.throws(() => leaseOption(args({ lease: 'redis://h' })), /--lease takes redis:\/\/HOST:PORT/);
    assert.throws(() => leaseOption(args({ cluster: 'prod' })), /need --lease/);
  });
});
