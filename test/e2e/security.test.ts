/**
 * The security model (docs/security.md) against a real cluster: a driver and two executor processes
 * serving mutual TLS with certificates from `tributary certs`, the driver requiring a client token.
 * Every refused caller gets a named status, and nothing it sent changes anything: no query is
 * registered, no checkpoint or table directory is created, no executor is registered, no shuffle
 * data is held. Then the seed job runs exact through the secured cluster. The bind rules are
 * checked on processes that refuse to start (or start with a warning under --insecure).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  certDirFiles, LocalStorage, MAX_SPEC_BYTES, QuerySpec, readTableRows, readTlsIdentity, RpcClient, RpcClientSecurity, RpcError, TlsIdentity,
} from '@tributary/common';
import { createDevCertificates, DriverClient, EventGenerator, freePort, LocalCluster, produceEvents, REPO_ROOT } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';
import { seedSpec } from '../support/specs';
import { aggregateRows } from '../support/aggregate-rows';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';

const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');

/** The status (by name) and message a call was refused with; 'OK' when it was not. */
async function outcome(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return { code: err.code, message: err.message };
  }
}

/** ListQueries over TLS trusting the cluster CA but presenting no client certificate. */
function listWithoutCertificate(address: string, ca: Buffer, token: string): Promise<{ code: string; message: string }> {
  const client = new grpc.Client(address, grpc.credentials.createSsl(ca));
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest('/tributary.v1.QueryService/ListQueries', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), md, { deadline: Date.now() + 10_000 }, (err) => {
      client.close();
      resolve(err ? { code: grpc.status[err.code], message: err.details } : { code: 'OK', message: '' });
    });
  });
}

/**
 * Runs `tributary <args>` to its exit; one that is still running after `ms`, or once its output
 * matches `until`, is stopped (SIGTERM) and reported `killed`. Its exit code and output.
 */
function runCli(args: string[], ms = 20_000, env: Record<string, string> = {}, until?: RegExp): Promise<{ code: number | null; output: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    let killed = false;
    const stop = () => { if (!killed) { killed = true; child.kill('SIGTERM'); } };
    const more = (d: Buffer) => { output += d; if (until?.test(output)) stop(); };
    child.stdout.on('data', more);
    child.stderr.on('data', more);
    const timer = setTimeout(stop, ms);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, output, killed }); });
  });
}

describe('security: mutual TLS, a client token and certificate roles on a real cluster', function () {
  this.timeout(15 * 60_000);
  let dir: string;
  let certs: string;
  let other: string;
  let data: string;
  let cluster: LocalCluster;
  let token: string;
  let client: TlsIdentity;
  let executor: TlsIdentity;
  let driver: TlsIdentity;
  /** A rogue that trusts the cluster's CA but presents a client certificate of another CA. */
  let foreign: TlsIdentity;
  let executorAddresses: string[];
  let topic: string;
  const track: { close(): void }[] = [];
  const driverClient = (security: RpcClientSecurity) => { const c = new DriverClient(cluster.driverAddress, security); track.push(c); return c; };
  const rpc = (service: 'QueryService' | 'ClusterService' | 'TaskService' | 'ShuffleService', address: string, security: RpcClientSecurity) => {
    const c = new RpcClient(service, address, security); track.push(c); return c;
  };
  /** What a refused caller must not have changed: no query registered, no executor beyond the two. */
  async function nothingChanged(): Promise<void> {
    assert.deepEqual(await driverClient({ tls: client, token }).list(), [], 'no query registered');
    const registered = cluster.logOf('driver').match(/executor \S+ registered/g) ?? [];
    assert.deepEqual(registered.sort(), ['executor exec-0 registered', 'executor exec-1 registered'], 'only the two real executors registered');
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-security-'));
    certs = path.join(dir, 'certs');
    other = path.join(dir, 'other-certs');
    data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const made = await runCli(['certs', certs]);
    assert.equal(made.code, 0, made.output);
    assert.match(made.output, /wrote .*ca\.crt[\s\S]*wrote .*executor\.key[\s\S]*wrote .*token/);
    createDevCertificates({ dir: other, organization: 'Someone else' });
    token = fs.readFileSync(path.join(certs, 'token'), 'utf8').trim();
    client = readTlsIdentity(certDirFiles(certs, 'client'));
    executor = readTlsIdentity(certDirFiles(certs, 'executor'));
    driver = readTlsIdentity(certDirFiles(certs, 'driver'));
    const otherClient = readTlsIdentity(certDirFiles(other, 'client'));
    foreign = { ...otherClient, ca: client.ca };
    cluster = await LocalCluster.start({
      dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2,
      tlsDir: certs, tokenFile: path.join(certs, 'token'), driverArgs: ['--allowed-roots', data],
    });
    executorAddresses = ['exec-0', 'exec-1'].map((n) => /serving on ([\w.:-]+)/.exec(cluster.logOf(n))![1]);
    topic = `secure_events_${Date.now()}`;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const n of ['driver', 'exec-0', 'exec-1']) console.log(`--- ${n} log (tail)\n${cluster.logOf(n).slice(-3000)}`);
  });

  after(async () => {
    for (const c of track.splice(0)) c.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('`tributary certs` wrote a CA and driver, executor and client certificates carrying their roles', () => {
    assert.deepEqual([client.roles, executor.roles, driver.roles], [['client'], ['executor'], ['driver']]);
    for (const f of ['ca.key', 'driver.key', 'executor.key', 'client.key', 'token']) {
      assert.equal(fs.statSync(path.join(certs, f)).mode & 0o777, 0o600, `${f} is private`);
    }
    assert.match(cluster.logOf('driver'), /driver serving on 127\.0\.0\.1:\d+ \(mutual TLS, client token required\)/);
  });

  it('refuses clients without a certificate or with a certificate of another CA at the handshake (UNAVAILABLE)', async () => {
    const plaintext = await outcome(driverClient({ token }).list());
    assert.equal(plaintext.code, 'UNAVAILABLE', plaintext.message);
    const noCert = await listWithoutCertificate(cluster.driverAddress, client.ca, token);
    assert.equal(noCert.code, 'UNAVAILABLE', noCert.message);
    const wrongCa = await outcome(driverClient({ tls: foreign, token }).submit(seedSpec(testKafka(), topic, data, 'foreign')));
    assert.equal(wrongCa.code, 'UNAVAILABLE', wrongCa.message);
    // The client trusting another CA does not trust the driver either: the driver's certificate is refused.
    const otherTrust = await outcome(driverClient({ tls: readTlsIdentity(certDirFiles(other, 'client')), token }).list());
    assert.equal(otherTrust.code, 'UNAVAILABLE', otherTrust.message);
    assert.match(otherTrust.message, /self[- ]signed certificate|unable to verify|certificate/i);
    assert.ok(!fs.existsSync(path.join(data, 'checkpoints')) && !fs.existsSync(path.join(data, 'delta')), 'no checkpoint or table directory');
    await nothingChanged();
  });

  it('refuses a missing or wrong token with UNAUTHENTICATED, and an executor certificate with PERMISSION_DENIED; nothing is created', async () => {
    await produceEvents(testKafka(), topic, 4, new EventGenerator({ seed: 3, customers: 10, eventsPerSecond: 10 }).phaseInOrder(10));
    const spec = seedSpec(testKafka(), topic, data, 'refused');
    const noToken = await outcome(driverClient({ tls: client }).submit(spec));
    assert.equal(noToken.code, 'UNAUTHENTICATED');
    assert.match(noToken.message, /QueryService requires a bearer token .*none was sent/);
    const wrong = await outcome(driverClient({ tls: client, token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` }).submit(spec));
    assert.equal(wrong.code, 'UNAUTHENTICATED');
    assert.match(wrong.message, /the bearer token is not valid for this driver/);
    for (const call of [(c: DriverClient) => c.list(), (c: DriverClient) => c.get('some-query'), (c: DriverClient) => c.stop('some-query')]) {
      const r = await outcome(call(driverClient({ tls: client, token: 'x'.repeat(43) })));
      assert.equal(r.code, 'UNAUTHENTICATED', r.message);
    }
    // The WatchQueries stream is checked like the unary calls, before any event is sent.
    const events: unknown[] = [];
    const watchWrong = await outcome(driverClient({ tls: client, token: 'x'.repeat(43) }).watch({}, (e) => events.push(e)).done);
    assert.equal(watchWrong.code, 'UNAUTHENTICATED', watchWrong.message);
    const watchAsExecutor = await outcome(driverClient({ tls: executor, token }).watch({}, (e) => events.push(e)).done);
    assert.equal(watchAsExecutor.code, 'PERMISSION_DENIED', watchAsExecutor.message);
    assert.match(watchAsExecutor.message, /QueryService\.WatchQueries may be called by 'client' certificates only/);
    assert.deepEqual(events, []);
    const asExecutor = await outcome(driverClient({ tls: executor, token }).submit(spec));
    assert.equal(asExecutor.code, 'PERMISSION_DENIED');
    assert.match(asExecutor.message, /QueryService\.SubmitQuery may be called by 'client' certificates only; this client's certificate \(subject CN=executor\) has 'executor'/);
    assert.ok(!fs.existsSync(spec.sink.checkpointLocation) && !fs.existsSync(spec.sink.path), 'no checkpoint or table directory');
    await nothingChanged();
  });

  it('the CLI reads the client files from the environment; without the token it names UNAUTHENTICATED and exits 1', async () => {
    const env = { TRIBUTARY_TLS_CA: path.join(certs, 'ca.crt'), TRIBUTARY_TLS_CERT: path.join(certs, 'client.crt'), TRIBUTARY_TLS_KEY: path.join(certs, 'client.key') };
    const listed = await runCli(['list', '--driver', cluster.driverAddress], 20_000, { ...env, TRIBUTARY_TOKEN_FILE: path.join(certs, 'token') });
    assert.deepEqual([listed.code, listed.output.replace(/.*DEP0123.*\n|.*trace-deprecation.*\n/g, '')], [0, ''], 'no queries, no complaint');
    const noToken = await runCli(['list', '--driver', cluster.driverAddress], 20_000, env);
    assert.equal(noToken.code, 1);
    assert.match(noToken.output, /tributary: UNAUTHENTICATED: QueryService requires a bearer token/);
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(seedSpec(testKafka(), topic, data, 'from-cli')));
    const submitted = await runCli(['submit', specFile, '--driver', cluster.driverAddress, '--token-file', path.join(other, 'token')], 20_000, env);
    assert.equal(submitted.code, 1, submitted.output);
    assert.match(submitted.output, /the driver at 127\.0\.0\.1:\d+ refused the query \(UNAUTHENTICATED\):\nQueryService: the bearer token is not valid for this driver/);
    const partial = await runCli(['list', '--driver', cluster.driverAddress, '--tls-ca', path.join(certs, 'ca.crt')], 20_000);
    assert.equal(partial.code, 1);
    assert.match(partial.output, /TLS needs a CA certificate, a certificate and a key; missing --tls-cert, --tls-key/);
    await nothingChanged();
  });

  it('refuses a rogue executor: a client certificate cannot register (PERMISSION_DENIED), another CA cannot connect', async () => {
    const asClient = await outcome(rpc('ClusterService', cluster.driverAddress, { tls: client }).call('RegisterExecutor', { executor_id: 'rogue', address: '127.0.0.1:1', pid: 1 }));
    assert.equal(asClient.code, 'PERMISSION_DENIED');
    assert.match(asClient.message, /ClusterService\.RegisterExecutor may be called by 'executor' certificates only/);
    const asForeign = await outcome(rpc('ClusterService', cluster.driverAddress, { tls: foreign }).call('RegisterExecutor', { executor_id: 'rogue', address: '127.0.0.1:1', pid: 1 }));
    assert.equal(asForeign.code, 'UNAVAILABLE', asForeign.message);
    const plain = await outcome(rpc('ClusterService', cluster.driverAddress, {}).call('Heartbeat', { executor_id: 'exec-0', incarnation: '', rss_bytes: 1 }));
    assert.equal(plain.code, 'UNAVAILABLE', plain.message);

    // A real executor process with another CA's executor certificate keeps failing the handshake.
    const rogue = await runCli(['executor', '--driver', cluster.driverAddress, '--id', 'rogue-exec',
      '--tls-ca', path.join(other, 'ca.crt'), '--tls-cert', path.join(other, 'executor.crt'), '--tls-key', path.join(other, 'executor.key')],
    60_000, {}, /registration failed/);
    assert.ok(rogue.killed, `the rogue executor keeps retrying: ${rogue.output}`);
    assert.match(rogue.output, /registration failed \(UNAVAILABLE\), retrying: .*certificate/);
    // One given a client certificate is refused by the driver for good and exits.
    const clientExec = await runCli(['executor', '--driver', cluster.driverAddress, '--id', 'rogue-client',
      '--tls-ca', path.join(certs, 'ca.crt'), '--tls-cert', path.join(certs, 'client.crt'), '--tls-key', path.join(certs, 'client.key')]);
    assert.equal(clientExec.code, 1, clientExec.output);
    assert.match(clientExec.output, /the executor's certificate has no 'executor' role/);
    assert.doesNotMatch(cluster.logOf('driver'), /rogue/);
    await nothingChanged();
  });

  it("refuses shuffle data and tasks from callers without the executor's or driver's role (PERMISSION_DENIED); the inbox holds nothing", async () => {
    const push = {
      ctx: { query_id: 'q', batch_id: 0, attempt: 1 }, map_task_id: 0, partition: 0, arrow_ipc: Buffer.alloc(1024, 1), rows: 1,
    };
    for (const [who, tls] of [['client', client], ['driver', driver]] as const) {
      const r = await outcome(rpc('ShuffleService', executorAddresses[0], { tls }).call('PushPartials', push));
      assert.equal(r.code, 'PERMISSION_DENIED', `${who}: ${r.message}`);
      assert.match(r.message, /ShuffleService\.PushPartials may be called by 'executor' certificates only/);
    }
    const foreignPush = await outcome(rpc('ShuffleService', executorAddresses[0], { tls: foreign }).call('PushPartials', push));
    assert.equal(foreignPush.code, 'UNAVAILABLE', foreignPush.message);
    // An executor cannot hand tasks to another executor: only the driver can.
    const task = await outcome(rpc('TaskService', executorAddresses[1], { tls: executor }).call('AbortAttempt', { ctx: push.ctx }));
    assert.equal(task.code, 'PERMISSION_DENIED');
    assert.match(task.message, /TaskService\.AbortAttempt may be called by 'driver' certificates only/);
    // Clients check the server too: an executor's address does not pass for a driver (its certificate lacks the role).
    const notADriver = await outcome(rpc('QueryService', executorAddresses[0], { tls: client, token }).call('ListQueries', {}));
    assert.equal(notADriver.code, 'UNAVAILABLE', notADriver.message);
    assert.match(notADriver.message, /presented a certificate \(subject CN=executor\) without the 'driver' role/);
    for (const a of executorAddresses) {
      const stats: any = await rpc('ShuffleService', a, { tls: driver }).call('GetInboxStats', {});
      assert.deepEqual([Number(stats.held_bytes), stats.open_attempts, stats.queries], [0, 0, 0], `inbox of ${a}`);
    }
  });

  it('refuses path traversal out of the allowed roots and oversized specs, creating nothing', async () => {
    const c = driverClient({ tls: client, token });
    const escape = seedSpec(testKafka(), topic, data, 'escape');
    escape.sink.checkpointLocation = path.join(data, '..', 'escaped-checkpoint');
    escape.sink.path = path.join(data, 'delta', '..', '..', 'escaped-table');
    const traversal = await outcome(c.submit(escape));
    assert.equal(traversal.code, 'INVALID_ARGUMENT');
    assert.match(traversal.message, /the table path '.*escaped-table' is outside the driver's allowed roots/);
    assert.match(traversal.message, /checkpointLocation '.*escaped-checkpoint' is outside the driver's allowed roots/);
    assert.ok(!fs.existsSync(path.join(dir, 'escaped-checkpoint')) && !fs.existsSync(path.join(dir, 'escaped-table')), 'nothing created outside the roots');

    const big: QuerySpec = seedSpec(testKafka(), topic, data, 'big');
    big.name = 'n'.repeat(MAX_SPEC_BYTES);
    const tooBig = await outcome(c.submit(big));
    assert.equal(tooBig.code, 'INVALID_ARGUMENT');
    assert.match(tooBig.message, new RegExp(`spec_json is \\d+ bytes; a query spec may be at most ${MAX_SPEC_BYTES} bytes`));
    const huge = await outcome(rpc('QueryService', cluster.driverAddress, { tls: client, token }).call('SubmitQuery', { spec_json: 'x'.repeat(5 * 1024 * 1024) }));
    assert.equal(huge.code, 'RESOURCE_EXHAUSTED', huge.message);
    assert.ok(!fs.existsSync(path.join(data, 'checkpoints')) && !fs.existsSync(path.join(data, 'delta')), 'no checkpoint or table directory');
    await nothingChanged();
  });

  it('runs the seed job exact through mutual TLS and the token; a stop with a wrong token leaves it running', async () => {
    const jobTopic = `secure_seed_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 9, customers: 500, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(24_000);
    await produceEvents(bootstrap, jobTopic, 4, inOrder);
    const table = path.join(data, 'delta', 'secure');
    const logsFrom = ['exec-0', 'exec-1'].map((n) => cluster.logOf(n).length);
    const started = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic: jobTopic, table, checkpoint: path.join(data, 'checkpoints', 'secure'), maxOffsetsPerTrigger: 3_000,
    }, { tls: client, token });
    track.push(started.client);
    const query = started.query;
    const describe = async () => JSON.stringify(await query.lastProgress());

    const lateBound = Math.floor((inOrder.eventTimeMicros[9_000] - DELAY) / WINDOW) * WINDOW;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 300_000, describe);
    const stop = await outcome(driverClient({ tls: client, token: 'not-the-token-0123456789' }).stop(query.id));
    assert.equal(stop.code, 'UNAUTHENTICATED', stop.message);
    assert.ok(await query.isActive(), 'the query still runs after a refused stop');

    const late = gen.phaseLate(1_000, lateBound);
    await produceEvents(bootstrap, jobTopic, 4, late);
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, jobTopic, 4, closing);
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= Math.floor(gen.watermarkMicros / 1000) * 1000, 300_000, describe);
    const progress = await query.recentProgress();
    await query.stop();

    const expected = computeExpected([...inOrder.values, ...late.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: late.eventIds });
    const actual = aggregateRows(await readTableRows(new LocalStorage(), table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(expected.rows.length > 1_000, `expected many rows, got ${expected.rows.length}`);
    assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 8, 'state carried across batches');
    // Every call of the run (driver → executor tasks, executor → executor shuffle pushes) went over
    // mutual TLS with role checks: the cluster serves nothing else.
    ['exec-0', 'exec-1'].forEach((n, i) => assert.doesNotMatch(cluster.logOf(n).slice(logsFrom[i]), /registration failed|refused \((UNAUTHENTICATED|PERMISSION_DENIED)\)/));
  });

  it('refuses to serve a non-loopback address without TLS and a token, unless --insecure (with a warning)', async () => {
    const port = String(await freePort());
    const state = path.join(dir, 'bind-state');
    const redis = `${testRedis().host}:${testRedis().port}`;
    const bare = await runCli(['driver', '--host', '0.0.0.0', '--port', port, '--redis', redis, '--state-dir', state]);
    assert.equal(bare.code, 1, bare.output);
    assert.match(bare.output, /the driver would serve on 0\.0\.0\.0, which is not a loopback address, without TLS \(--tls-ca, --tls-cert, --tls-key\) and a client token .*or pass --insecure/);
    const tlsOnly = await runCli(['driver', '--host', '0.0.0.0', '--port', port, '--redis', redis, '--state-dir', state,
      '--tls-ca', path.join(certs, 'ca.crt'), '--tls-cert', path.join(certs, 'driver.crt'), '--tls-key', path.join(certs, 'driver.key')]);
    assert.equal(tlsOnly.code, 1, tlsOnly.output);
    assert.match(tlsOnly.output, /without a client token \(--token-file or TRIBUTARY_TOKEN\)/);
    const exec = await runCli(['executor', '--host', '0.0.0.0', '--driver', cluster.driverAddress]);
    assert.equal(exec.code, 1, exec.output);
    assert.match(exec.output, /the executor would serve on 0\.0\.0\.0, which is not a loopback address, without TLS/);
    assert.ok(!fs.existsSync(state), 'a refused driver created no state directory');

    const insecure = await runCli(['driver', '--host', '0.0.0.0', '--port', port, '--redis', redis, '--state-dir', state, '--insecure'], 60_000, {}, /driver serving on/);
    assert.ok(insecure.killed, `the --insecure driver serves until stopped: ${insecure.output}`);
    assert.match(insecure.output, /WARNING: --insecure: the driver serves on 0\.0\.0\.0 without TLS .* and a client token .*; anyone who reaches this port can submit and stop queries/);
    assert.match(insecure.output, /driver serving on 0\.0\.0\.0:\d+ \(plaintext, no client token\)/);
  });
});
