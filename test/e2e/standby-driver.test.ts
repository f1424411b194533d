/**
 * A standby driver on a real cluster (Kafka, Redis, two drivers sharing a lease and a state
 * directory, three executors given both driver addresses, Delta on disk), running the seed job:
 *   - the leader is killed with SIGKILL mid-stream: the standby takes over within a few seconds of
 *     the leader's lease running out and resumes the query from its checkpoint;
 *   - the leader is frozen (SIGSTOP, by the fault hook, with a batch's state durable and its sink
 *     commits next — a partitioned or stalled leader) past its lease; the standby takes over and
 *     commits that batch and more; then the old leader runs again (SIGCONT): its next write is
 *     refused, it stops its loops and stands by.
 * Each time the final table equals the independent calculation and each batch is in the Delta log
 * once (txn versions 0, 1, 2, … with no gap or repeat).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LocalStorage, readTableRows, RpcClient, TributaryError } from '@tributary/common';
import { DriverClient, EventGenerator, LocalCluster, produceEvents, REPO_ROOT, StreamingQuery } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { clusterSlotPerTest } from '../support/cluster-fixture';
import { testKafka } from '../support/infra';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, deltaCommits, startSeedJob, waitUntil, watermarkMicros } from '../support/seed-run';

const LEASE_TTL_MS = 2_000;
/** "Within a few seconds": the lease's ttl, one standby poll, and slack for a loaded test machine. */
const TAKEOVER_BOUND_MS = LEASE_TTL_MS + 3_000;

/** grpc.health.v1 Check of the whole process ('') at `address`, by a plain gRPC client. */
function healthOf(address: string): Promise<string> {
  const def = protoLoader.loadSync(path.join(REPO_ROOT, 'proto', 'grpc', 'health', 'v1', 'health.proto'), { enums: String, defaults: true });
  const Ctor = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor;
  const client = new Ctor(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  return new Promise<string>((resolve, reject) => {
    client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, res: { status: string }) => (err ? reject(err) : resolve(res.status)));
  }).finally(() => client.close());
}

/** Polls the standby's log for the lease acquisition; returns when it was seen. */
async function tookOver(cluster: LocalCluster, name: string, timeoutMs: number): Promise<number> {
  await cluster.waitForLog(name, /leading: acquired the driver lease/, timeoutMs);
  return Date.now();
}

/** Waits until the leader (whichever it is) lists the query as ACTIVE again. */
async function activeAgain(client: DriverClient, queryId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const q = (await client.list()).find((i) => i.id === queryId);
      if (q?.state === 'ACTIVE') return;
      last = JSON.stringify(q);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`query ${queryId} not active again after ${timeoutMs} ms: ${last}`);
}

/** The txn version of this query in each Delta commit after the table's creation. */
function batchesInLog(table: string, queryId: string): (number | undefined)[] {
  return deltaCommits(table).filter((c) => c.version > 0).map((c) => c.actions.find((a) => a.txn && a.txn.appId === queryId)?.txn.version);
}

describe('a standby driver (real cluster, two drivers sharing a lease)', function () {
  this.timeout(15 * 60_000);
  const fixture = clusterSlotPerTest('tributary-standby-');

  async function run(name: string, standbyEnv: Record<string, string> = {}, driverEnv: Record<string, string> = {}) {
    const { dir } = fixture;
    const cluster = await fixture.start({
      executors: 3, driverEnv,
      standby: { leaseTtlMs: LEASE_TTL_MS, cluster: `standby-${name}-${Date.now()}`, env: standbyEnv },
    });
    const topic = `customer_events_standby_${name}_${Date.now()}`;
    const bootstrap = testKafka();
    const gen = new EventGenerator({ seed: 11, customers: 500, eventsPerSecond: 10, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(60_000);
    await produceEvents(bootstrap, topic, 4, inOrder);
    const table = path.join(dir, 'delta', 'customer_aggregates');
    const started = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic, table, checkpoint: path.join(dir, 'checkpoints', 'customers'), maxOffsetsPerTrigger: 3_000, trigger: '300 milliseconds',
    });
    const client = fixture.track(started.client);
    return { cluster, client, gen, inOrder, table, topic, bootstrap, query: started.query };
  }

  /** Produces the events that close every window, waits for the final watermark, stops, and checks the table. */
  async function finishAndCheck(r: Awaited<ReturnType<typeof run>>): Promise<void> {
    const { gen, inOrder, table, topic, bootstrap, query } = r;
    const closing = gen.phaseCloseAll(3);
    await produceEvents(bootstrap, topic, 4, closing);
    const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 300_000, async () => JSON.stringify(await query.lastProgress()));
    await query.stop();
    const expected = computeExpected([...inOrder.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY });
    const actual = aggregateRows(await readTableRows(new LocalStorage(), table)).map((row) => ({ ...row, count: row.eventCount, sumCents: row.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    const batches = batchesInLog(table, query.id);
    assert.deepEqual(batches, batches.map((_, i) => i), 'each batch in the Delta log once, in order');
  }

  async function waitForBatch(query: StreamingQuery, batchId: number): Promise<void> {
    await waitUntil(query, async () => ((await query.lastProgress())?.batchId ?? -1) >= batchId, 120_000, async () => JSON.stringify(await query.status()));
  }

  it('takes over within a few seconds of kill -9 of the leader and resumes the query from its checkpoint; the table stays exact', async () => {
    const r = await run('kill');
    const { cluster: c, query, table } = r;
    await waitForBatch(query, 4);
    assert.match(c.logOf('standby'), /standing by: the leader is 127\.0\.0\.1:\d+ \(fencing token \d+\)/);
    const [leaderAt, standbyAt] = c.driverAddress.split(',');
    // The standby is NOT_SERVING and refuses clients and executors as UNAVAILABLE, naming the leader.
    assert.equal(await healthOf(leaderAt), 'SERVING');
    assert.equal(await healthOf(standbyAt), 'NOT_SERVING');
    const standbyOnly = new DriverClient(standbyAt);
    await assert.rejects(standbyOnly.list(), (e) => e instanceof TributaryError && e.code === 'UNAVAILABLE' && e.message.includes(`this driver is not the leader (standby or deposed); the leader is at ${leaderAt}`));
    standbyOnly.close();
    const cluster = new RpcClient('ClusterService', standbyAt);
    await assert.rejects(cluster.call('RegisterExecutor', { executor_id: 'rogue-1', address: '127.0.0.1:1', pid: 1 }), (e) => e instanceof TributaryError && e.code === 'UNAVAILABLE' && /ClusterService.RegisterExecutor refused: this driver is not the leader/.test(e.message));
    cluster.close();
    // A client given the standby first finds the leader through the refusal.
    const standbyFirst = new DriverClient(`${standbyAt},${leaderAt}`);
    assert.ok((await standbyFirst.list()).some((q) => q.id === query.id));
    standbyFirst.close();

    c.kill('driver');
    const killedAt = Date.now();
    await c.driver.exited;
    const committedBefore = batchesInLog(table, query.id).length;
    const takeoverAt = await tookOver(c, 'standby', 30_000);
    const takeoverMs = takeoverAt - killedAt;
    console.log(`      standby took over ${takeoverMs} ms after the leader was killed (lease ttl ${LEASE_TTL_MS} ms)`);
    assert.ok(takeoverMs <= TAKEOVER_BOUND_MS, `took over after ${takeoverMs} ms`);
    await activeAgain(r.client, query.id, 60_000);
    assert.equal(await healthOf(standbyAt), 'SERVING');
    assert.match(c.logOf('standby'), new RegExp(`query ${query.id} \\(.*\\) started on .* \\(resumed\\)`));
    // The executors followed the new leader.
    await c.waitForLog('standby', /executor exec-2 registered/, 30_000);

    await finishAndCheck(r);
    assert.ok(committedBefore >= 4, `batches committed before the kill: ${committedBefore}`);
    assert.ok(batchesInLog(table, query.id).length > committedBefore, 'the new leader committed batches');
    // Commit log entries name the leader's fencing token: the old one's up to the kill, the new one's, greater, after.
    const tokens = fs.readdirSync(path.join(fixture.dir, 'checkpoints', 'customers', 'commits')).filter((f) => /^\d+$/.test(f)).map(Number).sort((x, y) => x - y)
      .map((n) => JSON.parse(fs.readFileSync(path.join(fixture.dir, 'checkpoints', 'customers', 'commits', String(n)), 'utf8').split('\n')[1]).leaseToken as number);
    assert.ok(tokens.every((t, i) => Number.isInteger(t) && (i === 0 || t >= tokens[i - 1])), `tokens ${tokens}`);
    assert.ok(tokens[tokens.length - 1] > tokens[0], `tokens ${tokens}`);
  });

  it('takes over from a leader frozen past its lease mid-batch; the old leader, running again, is refused, stops and stands by; the table stays exact', async () => {
    const FROZEN_BATCH = 5;
    const r = await run('freeze', {}, { TRIBUTARY_FAULT_STOP_AT: `afterStateDurable:${FROZEN_BATCH}` });
    const { cluster: c, query, table } = r;
    await c.waitForLog('driver', /fault hook: freezing the driver \(SIGSTOP\) at afterStateDurable of batch 5/, 120_000);
    const frozenAt = Date.now();
    assert.deepEqual(batchesInLog(table, query.id), [0, 1, 2, 3, 4], 'batch 5 is not in the table yet');
    const takeoverAt = await tookOver(c, 'standby', 30_000);
    console.log(`      standby took over ${takeoverAt - frozenAt} ms after the leader froze (lease ttl ${LEASE_TTL_MS} ms)`);
    assert.ok(takeoverAt - frozenAt <= TAKEOVER_BOUND_MS, `took over after ${takeoverAt - frozenAt} ms`);
    await activeAgain(r.client, query.id, 60_000);
    // The new leader replays batch 5 from its plan and goes on.
    await waitForBatch(query, FROZEN_BATCH + 2);
    const byNewLeader = batchesInLog(table, query.id);
    assert.ok(byNewLeader.length >= FROZEN_BATCH + 3);

    // The old leader runs again, right before its sink commits of batch 5.
    const logFrom = fs.statSync(path.join(c.opts.dir, 'logs', 'driver.log')).size;
    c.kill('driver', 'SIGCONT');
    await c.waitForLog('driver', /every query loop of this driver has stopped; standing by for the lease again/, 30_000);
    const after = c.logOf('driver', logFrom);
    console.log(after.split('\n').filter((l) => /fault hook|DEPOSED|refused|stopped; standing by/.test(l)).map((l) => `      old leader: ${l.replace(/^\[[^\]]*\] /, '')}`).join('\n'));
    assert.match(after, /DEPOSED: the lease was not renewed within its 2000 ms/);
    assert.match(after, new RegExp(`refused query ${query.id}: committing batch ${FROZEN_BATCH} to .*: this driver is not the leader`));
    assert.doesNotMatch(after, /query .* started on/);
    await c.waitForLog('driver', /standing by: the leader is 127\.0\.0\.1:\d+/, 10_000);
    assert.equal(c.driverRunning(), true);

    await finishAndCheck(r);
    // Nothing the old leader had in flight landed: batch 5 is in the table once, committed by the new leader's attempt.
    const entry = (log: string, n: number) => JSON.parse(fs.readFileSync(path.join(fixture.dir, 'checkpoints', 'customers', log, String(n)), 'utf8').split('\n')[1]);
    const plan5 = entry('offsets', FROZEN_BATCH);
    const commit5 = entry('commits', FROZEN_BATCH);
    assert.ok(commit5.attempt > 1, `batch 5 committed by attempt ${commit5.attempt} (the frozen leader ran attempt 1)`);
    assert.ok(commit5.leaseToken > plan5.leaseToken, `batch 5 planned under token ${plan5.leaseToken}, committed under ${commit5.leaseToken}`);
    assert.equal(entry('commits', FROZEN_BATCH - 1).leaseToken, plan5.leaseToken);
  });
});
