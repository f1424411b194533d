/**
 * Bad gRPC requests sent straight with @grpc/grpc-js to a real driver and a real executor process:
 * bytes that are not protobuf, unknown methods, oversized requests, requests missing their context,
 * out-of-order task requests, and shuffle owners that do not exist. Each gets an error status (or,
 * for task outcomes, an error carried as data), and both processes stay up and keep working.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { referenceJobSpec, resolvedQueryToProto, resolveQuery, RpcClient, upgradeSpec } from '@tributary/common';
import { DriverClient, freePort, LocalCluster } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';

/** Sends `bytes` as the request of `method` (e.g. '/tributary.v1.QueryService/SubmitQuery'), returning the status. */
function rawCall(address: string, method: string, bytes: Buffer): Promise<{ code: grpc.status; details: string }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, bytes, { deadline: Date.now() + 10_000 }, (err) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
    });
  });
}

async function status<T>(p: Promise<T>): Promise<{ code: string; message: string; value?: T }> {
  try {
    return { code: 'OK', message: '', value: await p };
  } catch (err: any) {
    return { code: err.code, message: err.message };
  }
}

describe('servers answer bad gRPC requests with an error status and stay up', function () {
  this.timeout(3 * 60_000);
  let dir: string;
  let cluster: LocalCluster;
  let executorAddress: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-robust-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 1 });
    const m = /serving on ([\w.:-]+)/.exec(cluster.logOf('exec-0'));
    assert.ok(m, 'the executor logs its address');
    executorAddress = m[1];
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') for (const n of ['driver', 'exec-0']) console.log(`--- ${n} log (tail)\n${cluster.logOf(n).slice(-3000)}`);
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    // Both processes are alive and answering after every case.
    assert.equal(cluster.driver.child.exitCode, null, `driver exited:\n${cluster.logOf('driver').slice(-2000)}`);
    assert.equal(cluster.executors.get('exec-0')!.child.exitCode, null, `executor exited:\n${cluster.logOf('exec-0').slice(-2000)}`);
    const c = new DriverClient(cluster.driverAddress);
    try { assert.deepEqual(await c.list(), []); } finally { c.close(); }
    const t = new RpcClient('TaskService', executorAddress);
    try { assert.deepEqual(await t.call('AbortAttempt', { ctx: { query_id: 'q', batch_id: 0, attempt: 1 } }), {}); } finally { t.close(); }
  });

  it('bytes that are not protobuf get an error status from every service', async () => {
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0xff]);
    for (const [address, method] of [
      [cluster.driverAddress, '/tributary.v1.QueryService/SubmitQuery'],
      [cluster.driverAddress, '/tributary.v1.ClusterService/Heartbeat'],
      [executorAddress, '/tributary.v1.TaskService/RunMapTask'],
      [executorAddress, '/tributary.v1.ShuffleService/PushPartials'],
    ]) {
      const r = await rawCall(address, method, garbage);
      assert.notEqual(r.code, grpc.status.OK, `${method}: ${r.details}`);
    }
  });

  it('unknown methods get UNIMPLEMENTED', async () => {
    assert.equal((await rawCall(cluster.driverAddress, '/tributary.v1.QueryService/DropAllTables', Buffer.alloc(0))).code, grpc.status.UNIMPLEMENTED);
    assert.equal((await rawCall(executorAddress, '/tributary.v1.Nope/Run', Buffer.alloc(0))).code, grpc.status.UNIMPLEMENTED);
  });

  it('an oversized request to the driver gets RESOURCE_EXHAUSTED', async () => {
    const c = new RpcClient('QueryService', cluster.driverAddress);
    try {
      const r = await status(c.call('SubmitQuery', { spec_json: 'x'.repeat(5 * 1024 * 1024) }));
      assert.equal(r.code, 'RESOURCE_EXHAUSTED', r.message);
    } finally {
      c.close();
    }
  });

  it('driver: empty and malformed requests, unknown query ids and unknown or malformed executor ids', async () => {
    const q = new RpcClient('QueryService', cluster.driverAddress);
    const cl = new RpcClient('ClusterService', cluster.driverAddress);
    try {
      assert.equal((await status(q.call('SubmitQuery', {}))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(q.call('SubmitQuery', { spec_json: 'null' }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(q.call('SubmitQuery', { spec_json: '[1,2]' }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(q.call('SubmitQuery', { spec_json: '{"version":1,"source":7,"parse":{"schema":"x"},"aggregation":[],"sink":"s","trigger":{},"options":null}' }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(q.call('GetQuery', { query_id: 'no-such-query' }))).code, 'NOT_FOUND');
      assert.equal((await status(q.call('StopQuery', { query_id: '' }))).code, 'NOT_FOUND');
      assert.equal((await status(cl.call('RegisterExecutor', { executor_id: '', address: 'x' }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(cl.call('RegisterExecutor', { executor_id: 'e1', address: 'not an address' }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(cl.call('Heartbeat', { executor_id: '../../etc' }))).code, 'INVALID_ARGUMENT');
      // A heartbeat from an executor id the driver does not know (out of order: before registering) is told to register.
      const hb = await status(cl.call('Heartbeat', { executor_id: 'never-registered', rss_bytes: 1 }));
      assert.deepEqual(hb.value, { reregister: true });
    } finally {
      q.close();
      cl.close();
    }
  });

  it('executor: requests without context, with a broken job or ranges get INVALID_ARGUMENT', async () => {
    const t = new RpcClient('TaskService', executorAddress);
    const s = new RpcClient('ShuffleService', executorAddress);
    try {
      assert.equal((await status(t.call('RunMapTask', {}))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(t.call('RunReduceTask', { ctx: { query_id: 'q', batch_id: 0, attempt: 0 } }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(t.call('AbortAttempt', {}))).code, 'INVALID_ARGUMENT');
      const ctx = { query_id: 'robust', batch_id: 0, attempt: 1 };
      const otherQuery = await status(t.call('RunMapTask', { ctx: { ...ctx, query_id: 'q' }, job_json: jobJson(dir) }));
      assert.equal(otherQuery.code, 'INVALID_ARGUMENT');
      assert.match(otherQuery.message, /job_json is of query robust but ctx names query q/);
      assert.equal((await status(t.call('RunMapTask', { ctx, job_json: '{' }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(t.call('RunMapTask', { ctx, job_json: '{"queryId":"q"}' }))).code, 'INVALID_ARGUMENT');
      const job = jobJson(dir);
      const bad = await status(t.call('RunMapTask', { ctx, job_json: job, ranges: [{ topic: 't', partition: 0, from_offset: 'abc', to_offset: '1' }] }));
      assert.equal(bad.code, 'INVALID_ARGUMENT');
      assert.match(bad.message, /ranges\[0\]/);
      assert.equal((await status(t.call('RunMapTask', { ctx, job_json: job, ranges: [{ topic: 't', partition: 0, from_offset: '9', to_offset: '1' }] }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(t.call('RunReduceTask', { ctx, job_json: job, partitions: [99] }))).code, 'INVALID_ARGUMENT');
      const noQuery = await status(t.call('RunReduceTask', { ctx, job_json: job, partitions: [0] }));
      assert.equal(noQuery.code, 'INVALID_ARGUMENT');
      assert.match(noQuery.message, /carries no resolved query/);
      assert.equal((await status(s.call('PushPartials', { ctx: { batch_id: 0, attempt: 0 }, partition: 0 }))).code, 'INVALID_ARGUMENT');
      assert.equal((await status(s.call('PushPartials', { ctx, partition: -1 }))).code, 'INVALID_ARGUMENT');
    } finally {
      t.close();
      s.close();
    }
  });

  it('executor: out-of-order and impossible tasks fail as data with a retry class, never a crash', async () => {
    const t = new RpcClient('TaskService', executorAddress);
    const s = new RpcClient('ShuffleService', executorAddress);
    try {
      const job = jobJson(dir);
      // Partials that are not Arrow IPC, then the reduce task that must read them.
      const ctx = { query_id: 'robust', batch_id: 0, attempt: 1 };
      const unsolicited: any = await s.call('PushPartials', { ctx, map_task_id: 0, partition: 0, arrow_ipc: Buffer.from('not arrow'), rows: 3 });
      assert.equal(unsolicited.error.code, 'NOT_OPEN', 'a push before the driver opened the attempt is refused');
      assert.deepEqual(await t.call('OpenShuffle', { ctx, partitions: [0], map_task_ids: [0], expire_after_ms: 60_000 }), { error: null });
      assert.deepEqual(await s.call('PushPartials', { ctx, map_task_id: 0, partition: 0, arrow_ipc: Buffer.from('not arrow'), rows: 3 }), { error: null });
      const reduce: any = await t.call('RunReduceTask', { ctx, job_json: job, query: seedQuery(), partitions: [0], map_task_ids: [0], watermark_micros: 0 });
      assert.ok(reduce.error && reduce.error.code, `reduce over garbage partials fails: ${JSON.stringify(reduce)}`);
      // A push for an attempt older than one already opened is fenced.
      await t.call('OpenShuffle', { ctx: { ...ctx, batch_id: 1, attempt: 2 }, partitions: [0], map_task_ids: [0], expire_after_ms: 60_000 });
      const fenced: any = await s.call('PushPartials', { ctx: { ...ctx, batch_id: 1, attempt: 1 }, map_task_id: 0, partition: 0, rows: 0 });
      assert.equal(fenced.error.retry, 'RETRY_CLASS_FENCED');
      assert.equal((await status(t.call('OpenShuffle', { ctx: { ...ctx, attempt: 0 } }))).code, 'INVALID_ARGUMENT');
      // A reduce task of a batch whose earlier state was never written.
      await t.call('OpenShuffle', { ctx: { ...ctx, batch_id: 7 }, partitions: [1], map_task_ids: [], expire_after_ms: 60_000 });
      const ahead: any = await t.call('RunReduceTask', { ctx: { ...ctx, batch_id: 7 }, job_json: job, query: seedQuery(), partitions: [1], map_task_ids: [], watermark_micros: 0 });
      assert.ok(ahead.error && ahead.error.code, `reduce of batch 7 with no state 6 fails: ${JSON.stringify(ahead)}`);
      // A map task whose shuffle owner does not exist (nothing listens at its address).
      const port = await freePort();
      const owners = [0, 1].map((p) => ({ partition: p, executor_id: 'ghost', address: `127.0.0.1:${port}` }));
      const map: any = await t.call('RunMapTask', { ctx: { ...ctx, batch_id: 3 }, task_id: 0, job_json: job, query: seedQuery(), ranges: [], owners, max_event_time_ahead_ms: 1 });
      assert.ok(map.error && map.error.code, `map task pushing to a ghost owner fails: ${JSON.stringify(map)}`);
      assert.equal(map.error.retry, 'RETRY_CLASS_RETRIABLE');
    } finally {
      t.close();
      s.close();
    }
  });
});

function jobJson(dir: string): string {
  return JSON.stringify({
    queryId: 'robust', windowMicros: 300_000_000, shufflePartitions: 2, checkpointLocation: path.join(dir, 'cp'), tablePath: path.join(dir, 'table'),
    redis: testRedis(), quarantineTablePath: null, lateRows: 'drop', lateRowsTablePath: null, snapshotEvery: 10,
  });
}

/** The seed job's resolved query as task requests carry it (plan.proto). */
function seedQuery(): unknown {
  const spec = referenceJobSpec();
  spec.source.bootstrapServers = testKafka();
  return resolvedQueryToProto(resolveQuery(upgradeSpec(spec)));
}
