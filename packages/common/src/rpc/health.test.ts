/**
 * HealthReporter behind a real in-process gRPC server (the health-only port of health-port.ts),
 * asked by a plain grpc.health.v1 client: Watch sends a status only when it changes, statuses set
 * after shutdown are ignored, and a Watch opened after shutdown hears NOT_SERVING and ends.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthReporter, LIVENESS_SERVICE } from './health';
import { HealthPort, listenHealthPort } from './health-port';
import { PROTO_ROOT } from './proto-loader';

function healthClient(port: number): grpc.Client & Record<string, any> {
  const def = protoLoader.loadSync(path.join(PROTO_ROOT, 'grpc', 'health', 'v1', 'health.proto'), { enums: String, defaults: true });
  const Health = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor;
  return new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
}

const check = (c: any, service: string): Promise<string> =>
  new Promise((resolve, reject) => c.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))));

function watch(c: any, service: string): { seen: string[]; ended: Promise<number> } {
  const seen: string[] = [];
  const call = c.Watch({ service });
  call.on('data', (m: { status: string }) => seen.push(m.status));
  call.on('error', () => {});
  return { seen, ended: new Promise((r) => call.on('status', (s: grpc.StatusObject) => r(s.code))) };
}

const until = async (pred: () => boolean, what: string): Promise<void> => {
  const end = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what} not seen`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('HealthReporter (grpc.health.v1)', () => {
  let health: HealthReporter;
  let port: HealthPort;
  let client: grpc.Client & Record<string, any>;

  beforeEach(async () => {
    health = new HealthReporter(['tributary.v1.TaskService']);
    port = await listenHealthPort(health, '127.0.0.1', 0);
    client = healthClient(port.port);
  });

  afterEach(async () => {
    client.close();
    health.shutdown();
    await port.close();
  });

  it('starts alive but not ready, and answers NOT_FOUND for a name it does not know', async () => {
    assert.equal(await check(client, LIVENESS_SERVICE), 'SERVING');
    assert.equal(await check(client, ''), 'NOT_SERVING');
    assert.equal(await check(client, 'tributary.v1.TaskService'), 'NOT_SERVING');
    await assert.rejects(check(client, 'tributary.v1.Other'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
  });

  it('Watch sends the current status, then only changes; shutdown sends NOT_SERVING and ends the stream with OK', async () => {
    const w = watch(client, '');
    const unknown = watch(client, 'tributary.v1.Other');
    await until(() => w.seen.length === 1 && unknown.seen.length === 1, 'the first statuses');
    health.setReady(true);
    health.setReady(true);
    health.setReady(false);
    health.setReady(true);
    await until(() => w.seen.length === 4, 'three changes');
    health.shutdown();
    assert.equal(await w.ended, grpc.status.OK);
    assert.equal(await unknown.ended, grpc.status.OK);
    assert.deepEqual(w.seen, ['NOT_SERVING', 'SERVING', 'NOT_SERVING', 'SERVING', 'NOT_SERVING']);
    assert.deepEqual(unknown.seen, ['SERVICE_UNKNOWN']);
  });

  it('after shutdown every status stays NOT_SERVING, setReady is ignored, and a new Watch ends at once', async () => {
    health.setReady(true);
    health.shutdown();
    health.setReady(true);
    for (const name of ['', 'tributary.v1.TaskService', LIVENESS_SERVICE]) assert.equal(await check(client, name), 'NOT_SERVING', name);
    const w = watch(client, '');
    assert.equal(await w.ended, grpc.status.OK);
    assert.deepEqual(w.seen, ['NOT_SERVING']);
  });
});
