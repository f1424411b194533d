/**
 * S3Storage against a real S3-compatible server (S3Mock), beyond the shared Storage contract that
 * s3-storage-contract.s3.ts runs on it: what is S3's own — paginated listings, locations,
 * configuration from the AWS environment, 409 conflicts retried, a lost response to a winning
 * put-if-absent, and store failures named by operation and location. Each test works under a
 * fresh prefix of one bucket.
 */
import { strict as assert } from 'node:assert';
import {
  InvalidArgumentError, joinLocation, S3_CONFLICT_RETRY, s3ClientConfig, S3Storage, TributaryError, UnavailableError,
} from '@tributary/common';
import { freePort } from '@tributary/client';
import { S3TestServer, s3TestCredentials } from '../support/s3-server';
import { isConditionalPut, S3FaultProxy } from '../support/s3-fault-proxy';

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));
const names = (listed: Array<{ name: string }>): string[] => listed.map((o) => o.name).sort();

describe('S3Storage on an S3-compatible server', () => {
  let server: S3TestServer;
  let bucket: string;
  let storage: S3Storage;
  let base: string;
  let prefixNo = 0;
  const at = (...parts: string[]): string => joinLocation(base, ...parts);

  before(async function () {
    this.timeout(240_000);
    server = await S3TestServer.start();
    console.log(`      S3Mock serving after ${server.startupMs} ms`);
    bucket = await server.createBucket();
    storage = server.storage();
  });
  after(async function () {
    this.timeout(60_000);
    await server?.stop();
  });
  beforeEach(() => {
    base = `s3://${bucket}/test-${prefixNo++}`;
  });

  describe('S3 specifics', () => {
    it('list follows continuation tokens across pages, flat and recursive', async () => {
      const paged = server.storage({ listPageSize: 3 });
      const flat = Array.from({ length: 11 }, (_, i) => `f${String(i).padStart(2, '0')}`);
      const nested = Array.from({ length: 7 }, (_, i) => `sub/n${i}`);
      await Promise.all([...flat, ...nested].map((name) => storage.put(at('many', name), name)));
      assert.deepEqual(names(await paged.list(at('many'))), flat);
      assert.deepEqual(names(await paged.list(at('many'), { recursive: true })), [...flat, ...nested].sort());
    });

    it('lists a whole bucket from its root', async () => {
      const own = await server.createBucket('root-list');
      await storage.put(`s3://${own}/a`, '1');
      await storage.put(`s3://${own}/d/b`, '2');
      assert.deepEqual(names(await storage.list(`s3://${own}`)), ['a']);
      assert.deepEqual(names(await storage.list(`s3://${own}/`, { recursive: true })), ['a', 'd/b']);
    });

    it('s3a:// names the same objects as s3://', async () => {
      await storage.put(at('shared'), 'same');
      assert.equal(text(await storage.get(at('shared').replace(/^s3:/, 's3a:'))), 'same');
    });

    it('refuses locations that are not S3 objects, naming them', async () => {
      await assert.rejects(storage.get('/tmp/local/file'), InvalidArgumentError);
      await assert.rejects(storage.get('gs://bucket/key'), /not an S3 location: 'gs:\/\/bucket\/key'/);
      await assert.rejects(storage.put(`s3://${bucket}`, 'x'), /names a bucket or a directory/);
      await assert.rejects(storage.putIfAbsent(`s3://${bucket}/dir/`, 'x'), InvalidArgumentError);
    });

    it('builds its client from the AWS environment alone (AWS_ENDPOINT_URL_S3, AWS_REGION, keys)', async () => {
      const fromEnv = new S3Storage({ env: server.environment() });
      try {
        assert.equal(await fromEnv.putIfAbsent(at('env'), 'from env'), true);
        assert.equal(text(await storage.get(at('env'))), 'from env');
      } finally {
        fromEnv.close();
      }
      const generic = { ...server.environment(), AWS_ENDPOINT_URL: server.endpoint };
      delete (generic as Record<string, string | undefined>).AWS_ENDPOINT_URL_S3;
      const fromGeneric = new S3Storage({ env: generic });
      try {
        assert.equal(text(await fromGeneric.get(at('env'))), 'from env');
      } finally {
        fromGeneric.close();
      }
    });

    it('settings: options over the environment; path-style on with a custom endpoint; us-east-1 when only an endpoint is known', () => {
      assert.deepEqual(s3ClientConfig({ env: {} }), { forcePathStyle: false });
      assert.deepEqual(s3ClientConfig({ env: { AWS_REGION: 'eu-west-1' } }), { forcePathStyle: false, region: 'eu-west-1' });
      assert.deepEqual(s3ClientConfig({ env: { AWS_DEFAULT_REGION: 'eu-north-1' } }).region, 'eu-north-1');
      assert.deepEqual(s3ClientConfig({ env: { AWS_ENDPOINT_URL: 'http://store:9000' } }), {
        forcePathStyle: true, endpoint: 'http://store:9000', region: 'us-east-1',
      });
      const both = s3ClientConfig({ env: { AWS_ENDPOINT_URL: 'http://generic:1', AWS_ENDPOINT_URL_S3: 'http://s3only:2', AWS_REGION: 'ap-south-1' } });
      assert.equal(both.endpoint, 'http://s3only:2');
      assert.equal(both.region, 'ap-south-1');
      const explicit = s3ClientConfig({
        endpoint: 'https://objects.example', region: 'x-1', forcePathStyle: false, credentials: s3TestCredentials(),
        env: { AWS_ENDPOINT_URL_S3: 'http://ignored', AWS_REGION: 'ignored' },
      });
      assert.deepEqual(explicit, { forcePathStyle: false, endpoint: 'https://objects.example', region: 'x-1', credentials: s3TestCredentials() });
      assert.equal(s3ClientConfig({ env: { AWS_ENDPOINT_URL: 'http://e', TRIBUTARY_S3_PATH_STYLE: 'false' } }).forcePathStyle, false);
      assert.equal(s3ClientConfig({ env: { TRIBUTARY_S3_PATH_STYLE: 'true' } }).forcePathStyle, true);
      assert.throws(() => s3ClientConfig({ env: { TRIBUTARY_S3_PATH_STYLE: 'yes' } }), InvalidArgumentError);
      assert.deepEqual(s3ClientConfig({ env: { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' } }).credentials, {
        accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token',
      });
      assert.equal(s3ClientConfig({ env: { AWS_ACCESS_KEY_ID: 'id' } }).credentials, undefined, 'half a key pair is left to the SDK chain');
      assert.deepEqual(s3ClientConfig({ credentials: s3TestCredentials(), env: { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 's' } }).credentials, s3TestCredentials());
    });

    it('a missing bucket is a store failure naming the location, not a missing object', async () => {
      const location = `s3://no-such-bucket-${prefixNo}/x/y`;
      await assert.rejects(storage.get(location), (error: unknown) => {
        assert.ok(error instanceof TributaryError && !(error instanceof UnavailableError), String(error));
        assert.equal(error.code, 'STORAGE_FAILED');
        assert.match(error.message, /^S3 get of s3:\/\/no-such-bucket-\d+\/x\/y failed: NoSuchBucket \(HTTP 404\)/);
        return true;
      });
      await assert.rejects(storage.list(`s3://no-such-bucket-${prefixNo}/x`), /S3 list of .* failed: NoSuchBucket/);
      await assert.rejects(storage.putIfAbsent(location, 'x'), /S3 put-if-absent of .* failed: NoSuchBucket/);
    });

    it('no credentials anywhere is a store failure (not retriable) naming the location', async () => {
      const anonymous = new S3Storage({ endpoint: server.endpoint, env: {} });
      const saved = { ...process.env };
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE']) delete process.env[name];
      process.env.AWS_CONFIG_FILE = '/nonexistent';
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      try {
        await assert.rejects(anonymous.get(at('x')), (error: unknown) => {
          assert.ok(error instanceof TributaryError && !(error instanceof UnavailableError), String(error));
          assert.equal(error.code, 'STORAGE_FAILED');
          assert.match(error.message, new RegExp(`^S3 get of ${at('x')} failed: CredentialsProviderError`));
          return true;
        });
      } finally {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        Object.assign(process.env, saved);
        anonymous.close();
      }
    });

    it('an unreachable endpoint is a retriable UnavailableError naming the operation and the location', async () => {
      const closed = await freePort();
      const nowhere = new S3Storage({ endpoint: `http://127.0.0.1:${closed}`, region: 'us-east-1', credentials: s3TestCredentials() });
      try {
        for (const attempt of [() => nowhere.get(at('x')), () => nowhere.putIfAbsent(at('x'), 'x'), () => nowhere.list(at('d'))]) {
          await assert.rejects(attempt(), (error: unknown) => {
            assert.ok(error instanceof UnavailableError, String(error));
            assert.equal(error.retriable, true);
            assert.equal(error.code, 'STORAGE_UNAVAILABLE');
            assert.match(error.message, new RegExp(`^S3 (get|put-if-absent|list) of ${at('')}.* failed: .*ECONNREFUSED`));
            return true;
          });
        }
      } finally {
        nowhere.close();
      }
    });

    describe('through a proxy that makes requests go wrong', () => {
      let proxy: S3FaultProxy | undefined;
      afterEach(async () => {
        await proxy?.stop();
        proxy = undefined;
      });

      it('a 409 ConditionalRequestConflict is retried with backoff until the write is decided', async () => {
        let conflicts = 3;
        proxy = await S3FaultProxy.start(server.endpoint, (r) => (isConditionalPut(r) && conflicts-- > 0 ? 'conflict' : 'forward'));
        const behind = server.storage({ endpoint: proxy.endpoint, conflictRetry: { ...S3_CONFLICT_RETRY, initialDelayMs: 10 } });
        assert.equal(await behind.putIfAbsent(at('_delta_log', '00000000000000000003.json'), 'mine'), true);
        assert.deepEqual(proxy.conditionalPuts().map((r) => r.fault), ['conflict', 'conflict', 'conflict', 'forward']);
        assert.equal(text(await storage.get(at('_delta_log', '00000000000000000003.json'))), 'mine');
        // After conflicts the write can still lose: the retry answers 412 and the object stays.
        conflicts = 2;
        assert.equal(await behind.putIfAbsent(at('_delta_log', '00000000000000000003.json'), 'late'), false);
        assert.equal(text(await storage.get(at('_delta_log', '00000000000000000003.json'))), 'mine');
      });

      it('conflicts that never end give up at the deadline with an UnavailableError naming the location', async () => {
        proxy = await S3FaultProxy.start(server.endpoint, (r) => (isConditionalPut(r) ? 'conflict' : 'forward'));
        const behind = server.storage({
          endpoint: proxy.endpoint, conflictRetry: { initialDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: 0, deadlineMs: 300 },
        });
        await assert.rejects(behind.putIfAbsent(at('stuck'), 'x'), (error: unknown) => {
          assert.ok(error instanceof UnavailableError, String(error));
          assert.match(error.message, new RegExp(`S3 put-if-absent of ${at('stuck')} \\(409 ConditionalRequestConflict\\): still failing`));
          return true;
        });
        assert.ok(proxy.conditionalPuts().length >= 3, `only ${proxy.conditionalPuts().length} tries`);
        assert.equal(await storage.head(at('stuck')), undefined);
      });

      it('a winning put-if-absent whose response was lost still reports the win (the SDK retry gets 412, the bytes are ours)', async () => {
        let lose = 1;
        proxy = await S3FaultProxy.start(server.endpoint, (r) => (isConditionalPut(r) && lose-- > 0 ? 'lose-response' : 'forward'));
        const behind = server.storage({ endpoint: proxy.endpoint });
        assert.equal(await behind.putIfAbsent(at('claimed'), 'winner bytes'), true);
        assert.deepEqual(proxy.conditionalPuts().map((r) => r.fault), ['lose-response', 'forward']);
        assert.equal(text(await storage.get(at('claimed'))), 'winner bytes');
      });

      it('a losing put-if-absent whose retried request meets another writer\'s object still loses', async () => {
        await storage.putIfAbsent(at('taken'), 'the other writer');
        let lose = 1;
        proxy = await S3FaultProxy.start(server.endpoint, (r) => (isConditionalPut(r) && lose-- > 0 ? 'lose-response' : 'forward'));
        const behind = server.storage({ endpoint: proxy.endpoint });
        assert.equal(await behind.putIfAbsent(at('taken'), 'mine'), false);
        assert.equal(proxy.conditionalPuts().length, 2);
        assert.equal(text(await storage.get(at('taken'))), 'the other writer');
      });
    });
  });
});
