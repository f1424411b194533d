/**
 * S3Storage against a real S3-compatible server (S3Mock): every rule of the Storage contract
 * (packages/common/src/storage/storage.ts), then what is S3's own — paginated listings, locations,
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

  describe('the Storage contract', () => {
    it('putIfAbsent writes a new object (true), then refuses the name (false) and keeps the first bytes', async () => {
      assert.equal(await storage.putIfAbsent(at('once'), 'first'), true);
      assert.equal(await storage.putIfAbsent(at('once'), 'second'), false);
      assert.equal(text(await storage.get(at('once'))), 'first');
    });

    it('of 20 racing putIfAbsent writers on one name exactly one wins, and the object holds its bytes', async () => {
      const contents = Array.from({ length: 20 }, (_, i) => `writer ${i} `.repeat(1000 + i));
      const results = await Promise.all(contents.map((c) => storage.putIfAbsent(at('race', 'commit'), c)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.equal(text(await storage.get(at('race', 'commit'))), contents[winners[0]]);
      assert.deepEqual(names(await storage.list(at('race'))), ['commit']);
    });

    it('put writes, then replaces the object as a whole', async () => {
      await storage.put(at('hint'), 'a much longer first version');
      assert.equal(text(await storage.get(at('hint'))), 'a much longer first version');
      await storage.put(at('hint'), new Uint8Array([1, 2, 3]));
      assert.deepEqual([...((await storage.get(at('hint'))) ?? [])], [1, 2, 3]);
      assert.equal((await storage.head(at('hint')))?.size, 3);
    });

    it('racing puts of one name leave one of the written versions, whole', async () => {
      const contents = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(5000 + i));
      await Promise.all(contents.map((c) => storage.put(at('replaced'), c)));
      assert.ok(contents.includes(text(await storage.get(at('replaced')))!));
    });

    it('get and head of a missing object give undefined; getRange of one throws NOT_FOUND', async () => {
      assert.equal(await storage.get(at('missing')), undefined);
      assert.equal(await storage.get(at('no', 'such', 'dir', 'missing')), undefined);
      assert.equal(await storage.head(at('missing')), undefined);
      for (const [start, end] of [[0, 10], [5, 5]]) {
        await assert.rejects(storage.getRange(at('missing'), start, end), (error: unknown) => {
          assert.ok(error instanceof TributaryError);
          assert.equal(error.code, 'NOT_FOUND');
          assert.match(error.message, new RegExp(at('missing')));
          return true;
        });
      }
    });

    it('getRange returns [start, end) clamped to the object', async () => {
      const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
      await storage.put(at('data.bin'), bytes);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), 10, 14))], [10, 11, 12, 13]);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), 92, 1000))], [92, 93, 94, 95, 96, 97, 98, 99]);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), 0, 100))], [...bytes]);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), -5, 3))], [0, 1, 2]);
      assert.equal((await storage.getRange(at('data.bin'), 100, 120)).length, 0);
      assert.equal((await storage.getRange(at('data.bin'), 150, 160)).length, 0);
      assert.equal((await storage.getRange(at('data.bin'), 5, 5)).length, 0);
      assert.equal((await storage.getRange(at('data.bin'), 9, 3)).length, 0);
      await storage.put(at('empty'), '');
      assert.equal((await storage.getRange(at('empty'), 0, 10)).length, 0);
    });

    it('head gives the size and a modification time near now', async () => {
      const before = Date.now();
      await storage.putIfAbsent(at('sized'), 'x'.repeat(1234));
      const info = await storage.head(at('sized'));
      assert.equal(info?.size, 1234);
      // S3 keeps modification times in whole seconds.
      assert.ok(info!.modifiedMs >= before - 2000 && info!.modifiedMs <= Date.now() + 2000, `modifiedMs ${info!.modifiedMs}`);
    });

    it('writes need no parent directories', async () => {
      assert.equal(await storage.putIfAbsent(at('a', 'b', 'c', 'once.json'), '1'), true);
      await storage.put(at('x', 'y', 'z', 'replaced'), '2');
      assert.equal(text(await storage.get(at('a', 'b', 'c', 'once.json'))), '1');
      assert.equal(text(await storage.get(at('x', 'y', 'z', 'replaced'))), '2');
    });

    it('list is flat by default and gives every object below the directory when recursive, names relative to it', async () => {
      await storage.put(at('t', 'top.parquet'), '1');
      await storage.put(at('t', '_delta_log', '00000000000000000000.json'), '22');
      await storage.put(at('t', 'p=1', 'q=2', 'deep.parquet'), '333');
      await storage.put(at('other', 'x'), '4');
      await storage.put(at('t2', 'beside'), '5');
      const flat = await storage.list(at('t'));
      assert.deepEqual(names(flat), ['top.parquet']);
      assert.equal(flat[0].size, 1);
      const all = await storage.list(at('t'), { recursive: true });
      assert.deepEqual(names(all), ['_delta_log/00000000000000000000.json', 'p=1/q=2/deep.parquet', 'top.parquet']);
      assert.deepEqual(all.map((o) => o.size).sort(), [1, 2, 3]);
      for (const o of all) assert.ok(o.modifiedMs > 0);
      assert.deepEqual(names(await storage.list(at('t', 'p=1'), { recursive: true })), ['q=2/deep.parquet']);
      assert.deepEqual(names(await storage.list(`${at('t')}/`)), ['top.parquet']);
    });

    it('list leaves out names starting with "." at any level', async () => {
      await storage.put(at('d', 'visible'), 'v');
      await storage.put(at('d', '.hidden'), 'h');
      await storage.putIfAbsent(at('d', '.lock'), 'l');
      await storage.put(at('d', '.tmp', 'inside'), 'i');
      await storage.put(at('d', 'sub', '.partial'), 'p');
      assert.deepEqual(names(await storage.list(at('d'))), ['visible']);
      assert.deepEqual(names(await storage.list(at('d'), { recursive: true })), ['visible']);
      assert.equal(text(await storage.get(at('d', '.lock'))), 'l');
    });

    it('an absent directory lists as empty', async () => {
      assert.deepEqual(await storage.list(at('nothing', 'here')), []);
      assert.deepEqual(await storage.list(at('nothing'), { recursive: true }), []);
    });

    it('delete removes the object; deleting a missing one is fine', async () => {
      await storage.put(at('gone'), 'x');
      await storage.delete(at('gone'));
      assert.equal(await storage.get(at('gone')), undefined);
      assert.deepEqual(await storage.list(base), []);
      await storage.delete(at('gone'));
      await storage.delete(at('never', 'was'));
      assert.equal(await storage.putIfAbsent(at('gone'), 'again'), true);
    });

    it('string contents are stored as UTF-8 and bytes as they are', async () => {
      await storage.put(at('utf8'), 'Grüße ✓');
      assert.deepEqual([...((await storage.get(at('utf8'))) ?? [])], [...Buffer.from('Grüße ✓', 'utf8')]);
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await storage.putIfAbsent(at('bytes'), bytes);
      assert.deepEqual([...((await storage.get(at('bytes'))) ?? [])], [...bytes]);
      const view = new Uint8Array(Buffer.from('..window..')).subarray(2, 8);
      await storage.put(at('view'), view);
      assert.equal(text(await storage.get(at('view'))), 'window');
    });
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
