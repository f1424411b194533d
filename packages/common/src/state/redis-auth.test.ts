import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TributaryError } from '../errors';
import { asStateVersion as sv } from '../batch/batch-id';
import { makeTestCertificates, TestCertificates } from '../testing/test-certificates';
import { pingRedis } from './redis-blobs';
import { RedisConnection, createRedisClient, describeRedis, parseRedisAddress, redisConnectionFromFlags } from './redis-connection';
import { LocalStorage } from '../storage/local-storage';
import { PrivateRedisServer } from './redis-server.test-support';
import { StateStore } from './state-store';

const PASSWORD = 's3cret-Pw';

describe('Redis connection: HOST:PORT and redis[s]:// URLs, password file, TLS files', () => {
  it('parses the written forms', () => {
    assert.deepEqual(parseRedisAddress('10.0.0.5:6380'), { host: '10.0.0.5', port: 6380 });
    assert.deepEqual(parseRedisAddress('redis://cache.internal'), { host: 'cache.internal', port: 6379 });
    assert.deepEqual(parseRedisAddress('redis://alice:p%40ss%3Aword@h:7000'), { host: 'h', port: 7000, username: 'alice', password: 'p@ss:word' });
    assert.deepEqual(parseRedisAddress('redis://:only-pw@h:7000'), { host: 'h', port: 7000, password: 'only-pw' });
    assert.deepEqual(parseRedisAddress('rediss://alice@[::1]:6390'), { host: '::1', port: 6390, username: 'alice', tls: {} });
  });

  it('refuses other forms without repeating the password', () => {
    for (const bad of ['localhost', 'http://h:1', 'redis://alice:topsecret@h:99999', 'redis://alice:topsecret@h:1/2']) {
      assert.throws(() => parseRedisAddress(bad), (e: Error) => {
        assert.equal(e.message.includes('topsecret'), false, e.message);
        return true;
      });
    }
  });

  it('reads the password and PEM files the flags name; describeRedis never shows the password', () => {
    const files: Record<string, string> = { '/pw': `${PASSWORD}\n`, '/ca.pem': 'CA PEM', '/c.pem': 'CERT', '/k.pem': 'KEY' };
    const read = (f: string) => {
      if (!(f in files)) throw new Error('ENOENT');
      return files[f];
    };
    const conn = redisConnectionFromFlags({ redis: 'redis://alice@h:1', passwordFile: '/pw', tlsCa: '/ca.pem', tlsCert: '/c.pem', tlsKey: '/k.pem' }, read);
    assert.deepEqual(conn, { host: 'h', port: 1, username: 'alice', password: PASSWORD, tls: { ca: 'CA PEM', cert: 'CERT', key: 'KEY' } });
    assert.equal(describeRedis(conn), 'rediss://alice@h:1');
    assert.equal(describeRedis({ host: 'h', port: 1, password: PASSWORD }), 'redis://(password)@h:1');
    assert.throws(() => redisConnectionFromFlags({ redis: 'redis://alice:x@h:1', passwordFile: '/pw' }, read), /give one of them/);
    assert.throws(() => redisConnectionFromFlags({ redis: 'h:1', tlsCa: '/missing' }, read), /--redis-tls-ca \/missing: ENOENT/);
    assert.throws(() => redisConnectionFromFlags({ redis: 'h:1', tlsCert: '/c.pem' }, read), /go together/);
  });
});

describe('Redis with ACL users and TLS (private redis-server)', function () {
  this.timeout(60_000);
  let certs: TestCertificates;
  let server: PrivateRedisServer;
  let dir: string;
  let good: RedisConnection;

  before(async () => {
    certs = makeTestCertificates();
    server = await PrivateRedisServer.start({
      users: { alice: PASSWORD },
      tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert },
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'trib-redis-auth-'));
    const passwordFile = path.join(dir, 'redis-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    // As `tributary driver --redis rediss://alice@127.0.0.1:PORT --redis-password-file F --redis-tls-ca CA` builds it.
    good = redisConnectionFromFlags({ redis: `rediss://alice@127.0.0.1:${server.port}`, passwordFile, tlsCa: certs.ca.cert });
  });

  after(async () => {
    await server?.stop();
    certs?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the state store writes, fences and loads state as the ACL user over TLS', async () => {
    const queryId = randomUUID();
    const warnings: string[] = [];
    const store = await StateStore.open({ redis: good, storage: new LocalStorage(), checkpointDir: path.join(dir, 'cp'), queryId, warn: (m) => warnings.push(m) });
    try {
      await store.setFence(sv(1), 0);
      await store.write(0, sv(1), 0, 'delta', Buffer.from('one'));
      await store.setFence(sv(2), 3);
      await store.write(0, sv(2), 3, 'delta', Buffer.from('two'));
      await assert.rejects(store.write(0, sv(2), 2, 'delta', Buffer.from('stale')), { name: 'FencedError' });
      const chain = await store.loadChain(0, sv(2), (v) => (v === 1 ? 0 : 3));
      assert.deepEqual(chain.changes.map((c) => [c.version, Buffer.from(c.bytes).toString()]), [[1, 'one'], [2, 'two']]);
    } finally {
      await store.close();
    }
    assert.deepEqual(warnings, []);
    // The blobs are in this Redis (read back by a second client of the same connection), not only on disk.
    const raw = createRedisClient(good, { timeoutMs: 2000, lazyConnect: true });
    try {
      await raw.connect();
      assert.equal(await raw.call('ACL', 'WHOAMI'), 'alice');
      assert.equal(await raw.hget(`trib:{${queryId}}:p0:v2:delta`, 'bytes'), 'two');
    } finally {
      raw.disconnect();
    }
  });

  it('pingRedis answers for the good connection', async () => {
    await pingRedis(good);
  });

  it('a wrong password is refused as FAILED_PRECONDITION naming the user, not the password', async () => {
    const err = await pingRedis({ ...good, password: 'not-the-password' }).then(() => null, (e: TributaryError) => e);
    assert.ok(err instanceof TributaryError);
    assert.equal(err.code, 'FAILED_PRECONDITION');
    assert.match(err.message, /^Redis at rediss:\/\/alice@127\.0\.0\.1:\d+ refused authentication: WRONGPASS/);
    assert.match(err.message, /user alice was refused/);
    assert.equal(err.message.includes('not-the-password'), false);
  });

  it('no password (the default user is off) is refused as FAILED_PRECONDITION', async () => {
    const err = await pingRedis({ host: good.host, port: good.port, tls: good.tls }).then(() => null, (e: TributaryError) => e);
    assert.equal(err?.code, 'FAILED_PRECONDITION');
    assert.match(err!.message, /refused authentication: NOAUTH.*no password was given/);
  });

  it('plain text to the TLS-only port is refused as UNAVAILABLE with the hint to use rediss://', async () => {
    const err = await pingRedis({ host: good.host, port: good.port, username: 'alice', password: PASSWORD }).then(() => null, (e: TributaryError) => e);
    assert.equal(err?.code, 'UNAVAILABLE');
    assert.match(err!.message, /^Redis at redis:\/\/alice@127\.0\.0\.1:\d+ is unreachable: .*use rediss:\/\//);
    assert.equal(err!.message.includes(PASSWORD), false);
  });

  it('a server whose certificate does not chain to the CA given is refused (TLS verification)', async () => {
    const err = await pingRedis({ ...good, tls: { ca: certs.read(certs.rogueCa.cert) } }).then(() => null, (e: TributaryError) => e);
    assert.equal(err?.code, 'UNAVAILABLE');
    assert.match(err!.message, /unreachable: .*(self[- ]signed|unable to (get|verify)|certificate)/i);
  });

  it('mutual TLS: a server that requires client certificates takes --redis-tls-cert/--redis-tls-key and refuses a client without one', async () => {
    const mutual = await PrivateRedisServer.start({
      users: { alice: PASSWORD },
      tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert, requireClientCert: true },
    });
    try {
      const passwordFile = path.join(dir, 'redis-password');
      const withCert = redisConnectionFromFlags({
        redis: `rediss://alice@127.0.0.1:${mutual.port}`, passwordFile, tlsCa: certs.ca.cert, tlsCert: certs.client.cert, tlsKey: certs.client.key,
      });
      await pingRedis(withCert);
      const { cert: _cert, key: _key, ...caOnly } = withCert.tls!;
      const err = await pingRedis({ ...withCert, tls: caOnly }).then(() => null, (e: TributaryError) => e);
      assert.equal(err?.code, 'UNAVAILABLE');
      assert.match(err!.message, /^Redis at rediss:\/\/alice@127\.0\.0\.1:\d+ is unreachable: /);
    } finally {
      await mutual.stop();
    }
  });
});
