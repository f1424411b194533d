/**
 * gRPC's standard health checking (grpc.health.v1.Health) served by a real driver process and a
 * real executor process, asked by a plain gRPC client built here from proto/grpc/health/v1 (not by
 * Tributary's own client code), on each process's main port and on its plaintext health port.
 *
 * What the specification and Tributary's statuses say (packages/common/src/rpc/health.ts):
 * - Check of a name the server does not know fails with NOT_FOUND; Watch of it answers
 *   SERVICE_UNKNOWN and stays open;
 * - an executor is NOT_SERVING until it is registered with its driver, SERVING after, NOT_SERVING
 *   again while a restarted driver makes it register anew; "liveness" is SERVING throughout;
 * - a driver is SERVING once it accepts queries;
 * - on SIGTERM the statuses turn NOT_SERVING, watchers are told, and their streams end.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT, freePort } from '@tributary/client';
import { testRedis } from '../support/infra';

const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
const HEALTH_PROTO = path.join(REPO_ROOT, 'proto', 'grpc', 'health', 'v1', 'health.proto');

type Status = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

function healthClientClass(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(HEALTH_PROTO, { enums: String, defaults: true });
  return (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health;
}

/** A client of grpc.health.v1.Health at one address. */
class HealthClient {
  private readonly client: grpc.Client & Record<string, any>;
  constructor(Ctor: grpc.ServiceClientConstructor, readonly address: string) {
    this.client = new Ctor(address, grpc.credentials.createInsecure()) as any;
  }

  /** Resolves with the status, or rejects with the gRPC error (its `code`). */
  check(service: string): Promise<Status> {
    return new Promise((resolve, reject) => {
      this.client.Check({ service }, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, res: { status: Status }) =>
        err ? reject(err) : resolve(res.status));
    });
  }

  /** Checks until `want` is answered (errors while the process starts count as not yet). */
  async until(service: string, want: Status, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      try { last = await this.check(service); if (last === want) return; } catch (err) { last = (err as Error).message; }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.address} Check('${service}') is not ${want} after ${timeoutMs} ms (last: ${last})`);
  }

  watch(service: string): Watcher {
    return new Watcher(this.client.Watch({ service }));
  }

  close(): void {
    this.client.close();
  }
}

/** A Watch stream: every status received, in order, and how the stream ended. */
class Watcher {
  readonly seen: Status[] = [];
  ended: 'ok' | grpc.status | undefined;
  constructor(readonly call: grpc.ClientReadableStream<{ status: Status }>) {
    call.on('data', (m: { status: Status }) => this.seen.push(m.status));
    call.on('status', (s: grpc.StatusObject) => { this.ended = s.code === grpc.status.OK ? 'ok' : s.code; });
    call.on('error', () => {});
  }

  async until(pred: (w: Watcher) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (Date.now() > end) throw new Error(`watch: ${what} not seen after ${timeoutMs} ms (seen ${this.seen.join(', ')}; ended ${this.ended})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('gRPC health checking (grpc.health.v1) on a driver and an executor process', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  const children: ChildProcess[] = [];
  const clients: HealthClient[] = [];
  let Health: grpc.ServiceClientConstructor;

  function start(name: string, args: string[]): { child: ChildProcess; log: string } {
    const log = path.join(dir, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    children.push(child);
    return { child, log };
  }

  const exited = (child: ChildProcess): Promise<number | null> =>
    child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

  const client = (port: number): HealthClient => {
    const c = new HealthClient(Health, `127.0.0.1:${port}`);
    clients.push(c);
    return c;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-health-'));
    Health = healthClientClass();
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited(child); }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports NOT_SERVING before registration, SERVING when ready, NOT_FOUND / SERVICE_UNKNOWN for unknown names, NOT_SERVING on shutdown', async () => {
    const [driverPort, driverHealthPort, executorPort, executorHealthPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const redis = testRedis();
    const driverArgs = ['driver', '--port', String(driverPort), '--health-port', String(driverHealthPort), '--redis', `${redis.host}:${redis.port}`,
      '--state-dir', path.join(dir, 'driver-state'), '--heartbeat-timeout-ms', '2000'];

    // The executor first: no driver answers yet, so it is alive but not registered.
    const executor = start('executor', ['executor', '--driver', `127.0.0.1:${driverPort}`, '--id', 'exec-health-1',
      '--port', String(executorPort), '--health-port', String(executorHealthPort)]);
    const exHealth = client(executorHealthPort);
    const exMain = client(executorPort);
    await exHealth.until('liveness', 'SERVING');
    for (const c of [exHealth, exMain]) {
      assert.equal(await c.check('liveness'), 'SERVING');
      assert.equal(await c.check(''), 'NOT_SERVING');
      assert.equal(await c.check('tributary.v1.TaskService'), 'NOT_SERVING');
      assert.equal(await c.check('tributary.v1.ShuffleService'), 'NOT_SERVING');
      await assert.rejects(c.check('tributary.v1.NoSuchService'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
      await assert.rejects(c.check('tributary.v1.QueryService'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
    }
    const exWatch = exHealth.watch('');
    const unknownWatch = exMain.watch('tributary.v1.NoSuchService');
    await exWatch.until((w) => w.seen.length >= 1, 'the first status');
    await unknownWatch.until((w) => w.seen.length >= 1, 'the first status');
    assert.deepEqual(exWatch.seen, ['NOT_SERVING']);
    assert.deepEqual(unknownWatch.seen, ['SERVICE_UNKNOWN']);

    // The driver starts: it turns SERVING, and the executor registers and turns SERVING.
    let driver = start('driver', driverArgs);
    const drHealth = client(driverHealthPort);
    const drMain = client(driverPort);
    await drHealth.until('', 'SERVING');
    for (const c of [drHealth, drMain]) {
      assert.equal(await c.check(''), 'SERVING');
      assert.equal(await c.check('tributary.v1.QueryService'), 'SERVING');
      assert.equal(await c.check('tributary.v1.ClusterService'), 'SERVING');
      assert.equal(await c.check('liveness'), 'SERVING');
      await assert.rejects(c.check('tributary.v1.TaskService'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
    }
    await exWatch.until((w) => w.seen.includes('SERVING'), 'SERVING');
    assert.deepEqual(exWatch.seen, ['NOT_SERVING', 'SERVING']);
    assert.equal(await exMain.check(''), 'SERVING');
    assert.equal(await exHealth.check('tributary.v1.TaskService'), 'SERVING');
    // The driver's own log confirms the registration the executor reports.
    assert.match(fs.readFileSync(driver.log, 'utf8'), /executor exec-health-1 registered \(127\.0\.0\.1:\d+\)/);
    // A Watch of an unknown name stays open and hears nothing more.
    assert.deepEqual(unknownWatch.seen, ['SERVICE_UNKNOWN']);
    assert.equal(unknownWatch.ended, undefined);

    // The driver dies and a new one starts on the same port: it does not know the executor, which
    // registers anew (NOT_SERVING while it does) and is SERVING again.
    driver.child.kill('SIGKILL');
    await exited(driver.child);
    driver = start('driver-2', driverArgs);
    await exWatch.until((w) => w.seen.length >= 4, 'NOT_SERVING then SERVING after the new driver');
    assert.deepEqual(exWatch.seen, ['NOT_SERVING', 'SERVING', 'NOT_SERVING', 'SERVING']);
    await drHealth.until('', 'SERVING');
    assert.match(fs.readFileSync(driver.log, 'utf8'), /executor exec-health-1 registered/);

    // SIGTERM: the watchers hear NOT_SERVING, then their streams end with OK; the process exits 0.
    const drWatch = drMain.watch('tributary.v1.QueryService');
    await drWatch.until((w) => w.seen.length >= 1, 'the first status');
    executor.child.kill('SIGTERM');
    assert.equal(await exited(executor.child), 0);
    await exWatch.until((w) => w.ended !== undefined, 'the end of the stream');
    assert.deepEqual(exWatch.seen, ['NOT_SERVING', 'SERVING', 'NOT_SERVING', 'SERVING', 'NOT_SERVING']);
    assert.equal(exWatch.ended, 'ok');
    await unknownWatch.until((w) => w.ended !== undefined, 'the end of the stream');
    assert.deepEqual(unknownWatch.seen, ['SERVICE_UNKNOWN']);

    driver.child.kill('SIGTERM');
    assert.equal(await exited(driver.child), 0);
    await drWatch.until((w) => w.ended !== undefined, 'the end of the stream');
    assert.deepEqual(drWatch.seen, ['SERVING', 'NOT_SERVING']);
    assert.equal(drWatch.ended, 'ok');
  });
});
