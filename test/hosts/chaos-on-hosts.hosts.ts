/**
 * The chaos short run on separate hosts (test/support/network-hosts.ts, hosts-cluster.ts): Kafka,
 * Redis, the object store (S3Mock), two drivers sharing the driver lease (leader and standby) and
 * three executors, each in a network namespace of its own; the table and checkpoint are on the
 * object store, the drivers' saved queries too.
 *
 * The chaos harness's seed workload (test/chaos/workload.ts) is produced in one slice per fault
 * plus one; each fault strikes once the engine has read a random share of the latest slice, and the
 * run waits for a batch committed after it, as `npm run chaos` does (test/chaos/main.ts). The faults,
 * in a seeded order:
 *  - the leader driver SIGKILLed: the standby takes the lease within a few seconds and resumes the
 *    query from its checkpoint on S3; the killed driver is started again and stands by;
 *  - an executor cut off the network: declared lost, a batch commits without it; healed, it
 *    registers again;
 *  - an executor SIGKILLed: replaced by a new one on its host.
 * Late events once the committed watermark is far enough past the first event for their windows
 * (three, as the workload spreads them) to hold on-time data too (with these numbers, after the
 * faults); at the end, events that close every window. The verdict is the chaos
 * harness's (test/chaos/verify.ts), read through the Storage interface from the object store: the
 * table equals the independent calculation over every record the topic holds, each batch is in the
 * Delta log exactly once, every logged file exists. And the Delta log shows the takeover: each
 * commit records the fencing token of the leader that made it, and every commit after the kill
 * carries a greater token than every commit before it.
 *
 * On a loaded machine the lease may also change hands without a fault (a leader that cannot renew
 * in time deposes itself): the test finds the leader in the drivers' logs whenever it needs it, and
 * waits for executor events in whichever driver leads.
 */
import assert from 'node:assert/strict';
import { isLeaderMiss, type Storage } from '@tributary/common';
import { Xoshiro128 } from '@tributary/client';
import { CommitWatch } from '../chaos/commit-watch';
import { Check, verify } from '../chaos/verify';
import { WINDOW, Workload } from '../chaos/workload';
import { HostsCluster } from '../support/hosts-cluster';
import { readDeltaCommits, startSeedJob } from '../support/seed-run';

const SEED = 13;
const EVENTS = 100_000;
const LATE_EVENTS = 1_000;
const LEASE_TTL_MS = 2000;
const TAKEOVER_BOUND_MS = 10_000;
const DRIVERS = ['driver-1', 'driver-2'];
const EXECUTOR_HOSTS = ['exec-a', 'exec-b', 'exec-c'];
const FAULTS = ['leader-kill', 'executor-partition', 'executor-kill'] as const;
type Fault = (typeof FAULTS)[number];
const TABLE = 's3://lake/delta/customer_aggregates';
const CHECKPOINT = 's3://lake/checkpoints/customers';

const startedAt = Date.now();
const log = (s: string): void => console.log(`      [chaos on hosts +${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${s}`);

describe('the chaos short run on hosts: table and checkpoint on S3, executors on hosts of their own, a standby driver', function () {
  this.timeout(30 * 60_000);
  let c: HostsCluster;

  before(async function () {
    this.timeout(10 * 60_000);
    c = await HostsCluster.start([...DRIVERS, ...EXECUTOR_HOSTS], DRIVERS);
  });

  after(async function () {
    this.timeout(120_000);
    if (this.currentTest?.state === 'failed' || process.env.TRIBUTARY_KEEP_LOGS) c?.printLogs([...DRIVERS, ...EXECUTOR_HOSTS]);
    await c?.destroy();
  });

  it('is exact with the leader driver killed once, an executor partitioned once and an executor killed once; the Delta log shows the takeover', async () => {
    const { hosts } = c;
    const storage = c.storage();
    const rng = new Xoshiro128(SEED);
    const plan = shuffle([...FAULTS], rng);
    log(`faults in order: ${plan.join(', ')}`);

    const startDriver = (host: string): void => {
      c.startDriver(host, { stateDir: 's3://lake/driver-state', allowedRoots: ['s3://lake/delta', 's3://lake/checkpoints'], leaseTtlMs: LEASE_TTL_MS });
    };
    startDriver('driver-1');
    await c.waitForLog('driver-1', 'driver-1', /leading: acquired the driver lease/, 60_000);
    startDriver('driver-2');
    await c.waitForLog('driver-2', 'driver-2', /standing by/, 60_000);
    /** The executor id running on each executor host now (a killed one is replaced under a new id). */
    const executorOn = new Map<string, string>();
    const startExecutor = async (host: string, id: string): Promise<void> => {
      const from = driverLogMarks(c);
      c.startExecutor(host, id, DRIVERS);
      executorOn.set(host, id);
      await waitForDriverLog(c, new RegExp(`executor ${id} registered`), 60_000, from);
    };
    for (const host of EXECUTOR_HOSTS) await startExecutor(host, host);

    const topic = `chaos_events_${SEED}`;
    // 50 events per second of event time: the in-order events span 33 minutes, so windows close mid-run
    // and the late events' windows (up to 3 behind the committed watermark, 10 minutes behind the
    // newest event) can all lie after the first event.
    const workload = new Workload(SEED, c.bootstrap, topic, log, 50);
    const inOrderTotal = EVENTS - LATE_EVENTS - 3;
    const sliceSize = Math.ceil(inOrderTotal / (plan.length + 1));
    let inOrderLeft = inOrderTotal;
    const produceSlice = async (): Promise<void> => {
      const n = Math.min(sliceSize, inOrderLeft);
      inOrderLeft -= n;
      await workload.inOrder(n);
    };

    await produceSlice();
    const watch = new CommitWatch(storage, `${CHECKPOINT}/commits`);
    const started = await startSeedJob(DRIVERS.map((d) => c.driverAddress(d)).join(','), {
      bootstrap: c.bootstrap, topic, table: TABLE, checkpoint: CHECKPOINT, maxOffsetsPerTrigger: Math.ceil(sliceSize / 6), trigger: '500 milliseconds',
    }, c.clientSecurity);
    const queryId = started.query.id;
    watch.start(500);
    log(`query ${queryId} started; ${sliceSize} events per slice, ${Math.ceil(sliceSize / 6)} per batch at most`);

    let takeoverAt: number | undefined;
    let deposed: string | undefined;
    const injectFault = async (fault: Fault): Promise<{ at: number; detail: string }> => {
      switch (fault) {
        case 'leader-kill': {
          const old = await currentLeader(c);
          const next = DRIVERS.find((d) => d !== old)!;
          const from = driverLogMarks(c);
          const proc = c.procs.get(old)!;
          proc.child.kill('SIGKILL');
          const at = Date.now();
          await proc.exited;
          await c.waitForLog(next, next, /leading: acquired the driver lease/, 60_000, from.get(next));
          const takeoverMs = Date.now() - at;
          assert.ok(takeoverMs <= TAKEOVER_BOUND_MS, `the standby took over ${takeoverMs} ms after the leader's death (lease ttl ${LEASE_TTL_MS} ms)`);
          takeoverAt = at;
          deposed = old;
          // The executors look for the new leader and register with it.
          for (const id of executorOn.values()) await c.waitForLog(next, next, new RegExp(`executor ${id} registered`), 60_000, from.get(next));
          // Started again, as a supervisor would, the killed driver stands by.
          const oldFrom = c.logOf(old, old).length;
          startDriver(old);
          await c.waitForLog(old, old, /standing by/, 60_000, oldFrom);
          return { at, detail: `SIGKILL of the leader ${old}; ${next} took the lease after ${takeoverMs} ms; ${old} started again, standing by` };
        }
        case 'executor-partition': {
          const host = pick(EXECUTOR_HOSTS, rng);
          const id = executorOn.get(host)!;
          let from = driverLogMarks(c);
          hosts.partition(host);
          const at = Date.now();
          await waitForDriverLog(c, new RegExp(`executor ${id} lost`), 30_000, from);
          const lostAt = Date.now();
          await watch.waitFor(() => watch.firstCommitAfter(lostAt) !== undefined, 300_000, `a batch to commit while ${host} is cut off`);
          from = driverLogMarks(c);
          hosts.heal(host);
          await waitForDriverLog(c, new RegExp(`executor ${id} registered`), 60_000, from);
          return { at, detail: `${host} cut off: ${id} lost after ${lostAt - at} ms, a batch committed without it; healed, it registered again` };
        }
        case 'executor-kill': {
          const host = pick(EXECUTOR_HOSTS, rng);
          const id = executorOn.get(host)!;
          c.procs.get(id)!.child.kill('SIGKILL');
          const at = Date.now();
          const replacement = `${host}-2`;
          await startExecutor(host, replacement);
          return { at, detail: `SIGKILL of ${id}, replaced by ${replacement} on ${host}` };
        }
      }
    };

    const checks: Check[] = [];
    try {
      let lateDone = false;
      const lateBound = (): number => Math.floor(watch.watermarkMicros() / WINDOW) * WINDOW;
      const lateFits = (): boolean => lateBound() - 3 * WINDOW >= workload.firstMicros;
      const produceLate = async (): Promise<void> => {
        const bound = lateBound();
        await workload.late(LATE_EVENTS, bound);
        lateDone = true;
        log(`produced ${LATE_EVENTS} late events in windows ending by ${new Date(bound / 1000).toISOString()} (the committed watermark is past it)`);
      };
      // Slice i+1 is produced while fault i is injected, so that producing goes on through the faults.
      let producing: Promise<void> = Promise.resolve();
      let sliceStart = 0;
      for (let i = 0; i < plan.length; i++) {
        await producing;
        if (!lateDone && lateFits()) await produceLate();
        const share = 0.1 + rng.nextFloat() * 0.6;
        const target = Math.min(sliceStart + share * (workload.produced - sliceStart), workload.produced - 1);
        await watch.waitFor(() => watch.consumedRows() >= target, 300_000, `the engine to read ${Math.round(target)} records (it read ${watch.consumedRows()})`);
        sliceStart = workload.produced;
        producing = produceSlice();
        producing.catch(() => {});
        log(`fault #${i + 1}: ${plan[i]}`);
        const injected = await injectFault(plan[i]);
        await watch.waitFor(() => watch.firstCommitAfter(injected.at) !== undefined, 300_000, `a batch to commit after fault #${i + 1} (${plan[i]})`);
        const next = watch.firstCommitAfter(injected.at)!;
        log(`fault #${i + 1}: ${injected.detail}; batch ${next.batchId} committed ${next.committedAtMs - injected.at} ms after it`);
      }
      await producing;
      while (inOrderLeft > 0) await produceSlice();
      if (!lateDone) {
        await watch.waitFor(lateFits, 300_000, 'a committed watermark three windows past the first event');
        await produceLate();
      }
      await workload.closeAll();
      const finalWatermark = Math.floor(workload.finalWatermarkMicros() / 1000) * 1000;
      log(`all ${workload.produced} events produced (${workload.sendRetries} sends repeated); waiting for the watermark ${new Date(finalWatermark / 1000).toISOString()}`);
      await watch.waitFor(() => watch.watermarkMicros() >= finalWatermark, 300_000, 'the final watermark to be committed');
      await watch.stop();
      await duringLeaderChange(() => started.query.stop());
      const commits = watch.commits();
      log(`${commits.length} batches committed, ${commits.filter((b) => b.attempt > 1).length} of them after more than one attempt`);

      // The chaos verdict, read from the object store through Storage.
      const verdict = await verify(storage, { bootstrap: c.bootstrap, topic, table: TABLE, queryId, lateEventIds: workload.lateEventIds });
      checks.push(...verdict.checks);
      checks.push(await leaseTokensShowTakeover(storage, queryId, takeoverAt, deposed));
    } finally {
      await watch.stop();
      started.client.close();
    }
    for (const check of checks) log(`${check.ok ? '✓' : '✗'} ${check.title}`);
    const failed = checks.filter((check) => !check.ok);
    assert.deepEqual(failed.map((f) => `${f.title}: ${f.detail}`), [], 'every check of the verdict passes');
  });
});

/**
 * The takeover as the Delta log shows it: every commit of the query records the fencing token of the
 * leader that made it (operationParameters.leaseToken), and the log holds commits from before the
 * kill and after it, every one after it with a greater token than every one before (commitInfo's
 * timestamp is the committing driver's clock, the same machine's as the test's). Tokens are not
 * required to grow from version to version: a deposed leader's commit already under way when its
 * lease ran out may land after its successor's commit of an earlier batch (put-if-absent lets it in,
 * as nobody else committed that batch), which a loaded machine can bring about without a fault.
 */
async function leaseTokensShowTakeover(storage: Storage, queryId: string, takeoverAt: number | undefined, deposed: string | undefined): Promise<Check> {
  const commits = (await readDeltaCommits(storage, TABLE)).filter((commit) => commit.version > 0);
  const tokens = commits.map((commit) => {
    const info = commit.actions.find((a) => a.commitInfo)?.commitInfo;
    return { version: commit.version, timestamp: Number(info?.timestamp), queryId: info?.operationParameters?.queryId, token: Number(info?.operationParameters?.leaseToken) };
  });
  const problems: string[] = [];
  for (const t of tokens) {
    if (t.queryId !== queryId || !Number.isInteger(t.token)) problems.push(`version ${t.version} records query ${t.queryId} and token ${t.token}`);
  }
  const distinct = [...new Set(tokens.map((t) => t.token))];
  if (takeoverAt === undefined) problems.push('the leader was never killed');
  else {
    const before = tokens.filter((t) => t.timestamp < takeoverAt);
    const after = tokens.filter((t) => t.timestamp > takeoverAt);
    if (before.length === 0 || after.length === 0) problems.push(`commits before the takeover: ${before.length}, after: ${after.length}`);
    else if (!(Math.min(...after.map((t) => t.token)) > Math.max(...before.map((t) => t.token)))) problems.push(`tokens after the takeover ${JSON.stringify([...new Set(after.map((t) => t.token))])} are not all above those before ${JSON.stringify([...new Set(before.map((t) => t.token))])}`);
  }
  return {
    title: `each of the ${tokens.length} Delta commits records its leader's fencing token; those after the kill of ${deposed ?? '?'} carry greater ones than those before (tokens ${distinct.join(', ')})`,
    ok: problems.length === 0 && distinct.length >= 2,
    detail: problems.slice(0, 5).join('; ') || `only tokens ${distinct.join(', ')}`,
  };
}

/**
 * Runs a client call again while every driver refuses it as not leading or cannot be reached (the
 * lease changing hands on a loaded machine), for up to 60 s.
 */
async function duringLeaderChange<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isLeaderMiss(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Each driver's log length now: where a wait for what happens next starts reading. */
function driverLogMarks(c: HostsCluster): Map<string, number> {
  return new Map(DRIVERS.map((d) => [d, c.logOf(d, d).length]));
}

/** Waits until `pattern` appears in either driver's log after its mark (executor events are logged by whichever leads). */
async function waitForDriverLog(c: HostsCluster, pattern: RegExp, timeoutMs: number, from: Map<string, number>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!DRIVERS.some((d) => pattern.test(c.logOf(d, d).slice(from.get(d))))) {
    if (Date.now() > deadline) throw new Error(`no driver logged ${pattern} within ${timeoutMs} ms:\n${DRIVERS.map((d) => `${d}: ${c.logOf(d, d).slice(-1500)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The driver whose log last says it acquired the lease, with no deposition or standing by after it; waits until one does. */
async function currentLeader(c: HostsCluster): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const leading = DRIVERS.filter((d) => {
      const log = c.logOf(d, d);
      const acquired = lastMatch(log, /leading: acquired the driver lease/g);
      return acquired >= 0 && acquired > lastMatch(log, /DEPOSED|standing by/g);
    });
    if (leading.length === 1) return leading[0];
    if (Date.now() > deadline) throw new Error(`no single leader in the drivers' logs (leading: ${leading.join(', ') || 'none'})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function lastMatch(text: string, pattern: RegExp): number {
  let last = -1;
  for (const m of text.matchAll(pattern)) last = m.index ?? last;
  return last;
}

function pick<T>(items: readonly T[], rng: Xoshiro128): T {
  return items[rng.nextInt(items.length)];
}

function shuffle<T>(items: T[], rng: Xoshiro128): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
