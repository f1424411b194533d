/**
 * Tributary on separate hosts (test/support/network-hosts.ts): Kafka, Redis, the object store
 * (S3Mock), the driver and each executor in a network namespace of its own, with its own address
 * and a private directory no other host can read. Nothing is shared but the network: the table and
 * checkpoint are on the object store, the driver's state directory is its own. Processes talk
 * mutual TLS with certificates from `tributary certs`, and the client presents the token.
 *
 * The seed job is fed in phases (on-time events, late ones once a batch's watermark passed their
 * windows, then events that close every window). While it runs, one executor is cut off the network
 * (it is declared lost and its work moves to the others), then healed (it registers again), a new
 * executor joins on a host of its own, and another leaves. The table equals the independent
 * calculation, and each batch is committed once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { certDirFiles, processStorage, readTableRows, readTlsIdentity } from '@tributary/common';
import { DriverClient, EventGenerator, GrpcSubmitter, produceEvents, REPO_ROOT, StreamingQuery, TributarySession } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { HostProcess, NetworkHosts } from '../support/network-hosts';
import { computeExpected, diffRows } from '../support/oracle';
import { S3_TEST_REGION, s3TestCredentials } from '../support/s3-server';
import { DELAY, MINUTE, WINDOW, waitUntil, watermarkMicros } from '../support/seed-run';

const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
const KAFKA_PORT = 9092;
const REDIS_PORT = 6379;
const S3_PORT = 9000;
const DRIVER_PORT = 7077;
const EXECUTORS = ['exec-a', 'exec-b', 'exec-c', 'exec-d'];

describe('Tributary on separate hosts (network namespaces, private directories, S3, mutual TLS)', function () {
  this.timeout(30 * 60_000);
  let hosts: NetworkHosts;
  let certs = '';
  const procs = new Map<string, HostProcess>();

  const logFile = (host: string, name: string): string => path.join(hosts.dirOf(host), `${name}.log`);
  const logOf = (host: string, name: string): string => (fs.existsSync(logFile(host, name)) ? fs.readFileSync(logFile(host, name), 'utf8') : '');

  /** Waits until `pattern` appears in a host's log, failing with the log's tail. */
  async function waitForLog(host: string, name: string, pattern: RegExp, timeoutMs: number, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(logOf(host, name).slice(from))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} on ${host} did not log ${pattern} within ${timeoutMs} ms:\n${logOf(host, name).slice(-3000)}`);
  }

  /** Starts a Tributary process (`tributary <args>`) on `host`, logging to <its dir>/<name>.log. */
  function tributary(host: string, name: string, args: string[], env: Record<string, string>): HostProcess {
    const fd = fs.openSync(logFile(host, name), 'a');
    const p = hosts.spawn(host, process.execPath, [BIN, ...args], { env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    procs.set(name, p);
    return p;
  }

  /** Copies the CA and the named certificate and key into the host's own directory; returns the TLS flags. */
  function giveCertificate(host: string, name: string): string[] {
    const dir = path.join(hosts.dirOf(host), 'tls');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['ca.crt', `${name}.crt`, `${name}.key`]) fs.copyFileSync(path.join(certs, f), path.join(dir, f));
    return ['--tls-ca', path.join(dir, 'ca.crt'), '--tls-cert', path.join(dir, `${name}.crt`), '--tls-key', path.join(dir, `${name}.key`)];
  }

  before(async function () {
    this.timeout(10 * 60_000);
    hosts = NetworkHosts.create(['kafka', 'redis', 's3', 'driver', ...EXECUTORS]);
    certs = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-hosts-certs-'));
    execFileSync(process.execPath, [BIN, 'certs', certs, '--driver-hosts', hosts.address('driver')], { stdio: 'pipe' });
    await Promise.all([
      hosts.run('kafka', 'bash', [path.join(REPO_ROOT, 'deploy', 'kafka', 'start.sh'), path.join(hosts.dirOf('kafka'), 'broker'), String(KAFKA_PORT), hosts.address('kafka')]),
      hosts.run('redis', 'bash', [path.join(REPO_ROOT, 'deploy', 'redis', 'start.sh'), path.join(hosts.dirOf('redis'), 'redis'), String(REDIS_PORT), hosts.address('redis')]),
      (async () => {
        const fd = fs.openSync(logFile('s3', 's3mock'), 'a');
        procs.set('s3mock', hosts.spawn('s3', 'bash', [path.join(REPO_ROOT, 'deploy', 's3mock', 'run.sh'), String(S3_PORT), String(S3_PORT + 1), path.join(hosts.dirOf('s3'), 'root'), hosts.address('s3')], {
          stdio: ['pipe', fd, fd],
        }));
        fs.closeSync(fd);
        const client = new S3Client({ endpoint: `http://${hosts.address('s3')}:${S3_PORT}`, region: S3_TEST_REGION, forcePathStyle: true, credentials: s3TestCredentials() });
        const deadline = Date.now() + 180_000;
        for (;;) {
          try {
            await client.send(new CreateBucketCommand({ Bucket: 'lake' }));
            break;
          } catch (err) {
            if (Date.now() > deadline) throw new Error(`S3Mock did not serve on ${hosts.address('s3')}: ${String(err)}\n${logOf('s3', 's3mock').slice(-3000)}`);
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        client.destroy();
      })(),
    ]);
  });

  after(async function () {
    this.timeout(120_000);
    if (this.currentTest?.state === 'failed' || process.env.TRIBUTARY_KEEP_LOGS) {
      for (const host of ['driver', ...EXECUTORS]) for (const f of fs.existsSync(hosts.dirOf(host)) ? fs.readdirSync(hosts.dirOf(host)) : []) {
        if (f.endsWith('.log')) console.log(`--- ${host}/${f} (tail)\n${fs.readFileSync(path.join(hosts.dirOf(host), f), 'utf8').slice(-4000)}`);
      }
    }
    await hosts?.destroy();
    fs.rmSync(certs, { recursive: true, force: true });
  });

  it('runs the seed job exact while an executor is partitioned and healed, one joins and one leaves', async () => {
    const aws = {
      AWS_ENDPOINT_URL_S3: `http://${hosts.address('s3')}:${S3_PORT}`, AWS_REGION: S3_TEST_REGION,
      AWS_ACCESS_KEY_ID: s3TestCredentials().accessKeyId, AWS_SECRET_ACCESS_KEY: s3TestCredentials().secretAccessKey,
    };
    const driverAddress = `${hosts.address('driver')}:${DRIVER_PORT}`;
    fs.copyFileSync(path.join(certs, 'token'), path.join(hosts.dirOf('driver'), 'token'));
    tributary('driver', 'driver', [
      'driver', '--host', hosts.address('driver'), '--port', String(DRIVER_PORT), '--redis', `${hosts.address('redis')}:${REDIS_PORT}`,
      '--state-dir', path.join(hosts.dirOf('driver'), 'state'), '--heartbeat-timeout-ms', '3000', '--allowed-roots', 's3://lake',
      ...giveCertificate('driver', 'driver'), '--token-file', path.join(hosts.dirOf('driver'), 'token'),
    ], aws);
    await waitForLog('driver', 'driver', /driver serving on/, 60_000);
    const startExecutor = async (host: string): Promise<void> => {
      const from = logOf('driver', 'driver').length;
      tributary(host, host, ['executor', '--driver', driverAddress, '--host', hosts.address(host), '--id', host, ...giveCertificate(host, 'executor')], aws);
      await waitForLog('driver', 'driver', new RegExp(`executor ${host} registered`), 60_000, from);
    };
    for (const e of ['exec-a', 'exec-b', 'exec-c']) await startExecutor(e);

    const bootstrap = `${hosts.address('kafka')}:${KAFKA_PORT}`;
    const topic = 'customer_events';
    const gen = new EventGenerator({ seed: 11, customers: 2000, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(bootstrap, topic, 6, inOrder);

    const security = { tls: readTlsIdentity(certDirFiles(certs, 'client')), token: fs.readFileSync(path.join(certs, 'token'), 'utf8').trim() };
    const client = new DriverClient(driverAddress, security);
    const table = 's3://lake/delta/customer_aggregates';
    const checkpoint = 's3://lake/checkpoints/customers';
    try {
      const spark = TributarySession.builder().appName('seed job on hosts').submitter(new GrpcSubmitter(client)).getOrCreate();
      const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js'));
      const query: StreamingQuery = await seedJob(spark, { bootstrap, topic, table, checkpoint, trigger: '500 milliseconds', maxOffsetsPerTrigger: 3_000 });
      const progressText = async (): Promise<string> => JSON.stringify(await query.lastProgress());
      const batchesSoFar = async (): Promise<number> => (await query.recentProgress()).filter((p) => p.numInputRows > 0).length;

      // An executor cut off the network: declared lost once its heartbeats stop; batches go on.
      await waitUntil(query, async () => (await batchesSoFar()) >= 3, 300_000, progressText);
      let from = logOf('driver', 'driver').length;
      hosts.partition('exec-b');
      await waitForLog('driver', 'driver', /executor exec-b lost/, 30_000, from);
      const before = await batchesSoFar();
      await waitUntil(query, async () => (await batchesSoFar()) >= before + 3, 300_000, progressText);
      // Healed: it registers again, and takes tasks again.
      from = logOf('driver', 'driver').length;
      hosts.heal('exec-b');
      await waitForLog('driver', 'driver', /executor exec-b registered/, 60_000, from);

      // A new executor joins on a host of its own; another leaves.
      await startExecutor('exec-d');
      from = logOf('driver', 'driver').length;
      procs.get('exec-c')!.child.kill('SIGTERM');
      await waitForLog('driver', 'driver', /executor exec-c lost/, 30_000, from);

      const lateBound = Math.floor((inOrder.eventTimeMicros[20_000] - DELAY) / WINDOW) * WINDOW;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= lateBound, 600_000, progressText);
      const late = gen.phaseLate(2_000, lateBound);
      await produceEvents(bootstrap, topic, 6, late);
      const closing = gen.phaseCloseAll(3);
      await produceEvents(bootstrap, topic, 6, closing);
      const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
      await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 600_000, progressText);
      await query.stop();

      // Read from the object store, as any host with its credentials would.
      const saved: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(aws)) { saved[k] = process.env[k]; process.env[k] = v; }
      try {
        const storage = processStorage();
        const expected = computeExpected([...inOrder.values, ...late.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds: late.eventIds });
        const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
        const diff = diffRows(expected.rows, actual);
        assert.ok(diff.equal, diff.text);
        assert.ok(expected.rows.length > 1_000, `expected many rows, got ${expected.rows.length}`);
        const logNames = (await storage.list(`${table}/_delta_log`)).map((o) => o.name).filter((n) => /^\d{20}\.json$/.test(n)).sort();
        const batches: number[] = [];
        for (const name of logNames.slice(1)) {
          const text = Buffer.from((await storage.get(`${table}/_delta_log/${name}`))!).toString('utf8');
          const own = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((a) => a.txn?.appId === query.id);
          assert.equal(own.length, 1, `${name} carries the query's txn once`);
          batches.push(own[0].txn.version);
        }
        assert.deepEqual(batches, batches.map((_, i) => i), 'each batch committed once, in order');
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
      // exec-b worked after it was healed or before it was cut off; exec-d worked after it joined.
      assert.match(logOf('exec-d', 'exec-d'), /registered with the driver/);
      // Nothing of the query is in the driver's or an executor's directory: all of it is on S3.
      for (const host of ['driver', ...EXECUTORS]) {
        const files = fs.readdirSync(hosts.dirOf(host), { recursive: true }).map(String);
        assert.ok(!files.some((f) => f.includes('_delta_log') || f.endsWith('.parquet')), `no table files on ${host}: ${files.join(', ')}`);
      }
    } finally {
      client.close();
    }
  });
});
