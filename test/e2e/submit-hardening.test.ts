/**
 * Inputs that used to stall or confuse the driver (issue 10, "Why" 4, 5, 6 and 8), sent to real
 * driver processes: each gets a clear status and message, nothing half-registered stays behind,
 * an idle query keeps the driver's CPU low, and after the probes every driver still answers and
 * exits on SIGTERM within a few seconds.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QuerySpec, RpcClient, RpcError } from '@tributary/common';
import { DriverClient, freePort, generateEvents, LocalCluster, produceEvents, REPO_ROOT } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';
import { seedSpec as spec } from '../support/specs';

async function refused(client: DriverClient, s: unknown, code: string, message: RegExp): Promise<void> {
  await assert.rejects(client.submit(s as QuerySpec), (err: unknown) => {
    assert.ok(err instanceof RpcError, `an RpcError, got ${err}`);
    assert.equal(err.code, code, `status of: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticks / hz;
}

/** The share of one CPU the process used over `ms`. */
async function cpuShare(pid: number, ms: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM to the cluster's driver; resolves with the milliseconds it took to exit. */
async function sigtermDriver(cluster: LocalCluster): Promise<number> {
  const t0 = Date.now();
  cluster.driver.child.kill('SIGTERM');
  const exited = await Promise.race([cluster.driver.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8_000))]);
  assert.ok(exited, `the driver did not exit within 8 s of SIGTERM:\n${cluster.logOf('driver').slice(-2000)}`);
  return Date.now() - t0;
}

describe('hardened submit: clear answers, all-or-nothing registration, an idle driver at rest', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let cluster: LocalCluster;
  let client: DriverClient;
  let topic: string;
  const bootstrap = () => testKafka();
  const extra: LocalCluster[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-hardening-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 1 });
    client = new DriverClient(cluster.driverAddress);
    topic = `hardening_${Date.now()}`;
    await produceEvents(bootstrap(), topic, 2, generateEvents({ seed: 3, customers: 10, count: 50 }));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(`--- driver log (tail)\n${cluster.logOf('driver').slice(-4000)}`);
    client?.close();
    for (const c of extra) await c.stop();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    // The driver is up and answering after every probe.
    if (!cluster.driverRunning()) return;
    const c = new DriverClient(cluster.driverAddress);
    try { assert.ok(Array.isArray(await c.list())); } finally { c.close(); }
  });

  // ---- "Why" 4 and 8: paths -------------------------------------------------------------------

  it('refuses a side table under /proc at once with INVALID_ARGUMENT, creating nothing', async () => {
    const s = spec(bootstrap(), topic, dir, 'proc');
    s.options.quarantinePath = '/proc/self/tributary_quarantine';
    const t0 = Date.now();
    await refused(client, s, 'INVALID_ARGUMENT', /quarantinePath '\/proc\/self\/tributary_quarantine' is under \/proc, a system directory/);
    assert.ok(Date.now() - t0 < 5_000, `answered in ${Date.now() - t0} ms`);
    assert.ok(!fs.existsSync(s.sink.checkpointLocation), 'no checkpoint was created');
  });

  it('refuses a relative path instead of resolving it against the driver\'s directory', async () => {
    const s = spec(bootstrap(), topic, dir, 'relative');
    s.sink.path = 'delta/relative';
    await refused(client, s, 'INVALID_ARGUMENT', /the table path 'delta\/relative' is a relative path; give an absolute path \(the driver does not resolve paths against its own working directory\)/);
  });

  it('`tributary submit` of a job resolves relative paths against its own directory', async () => {
    const cwd = path.join(dir, 'submitter');
    fs.mkdirSync(cwd);
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js'), 'submit', path.join(REPO_ROOT, 'examples', 'seed-job.js'),
      '--driver', cluster.driverAddress, '--wait', '--', `bootstrap=${bootstrap()}`, `topic=${topic}`, 'table=rel/t', 'checkpoint=rel/cp'], { cwd, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(cwd, 'rel', 't', '_delta_log', '00000000000000000000.json')), 'the table is under the submitter\'s directory');
    assert.ok(!fs.existsSync(path.join(REPO_ROOT, 'rel')), 'nothing under the driver\'s directory');
  });

  it('answers FAILED_PRECONDITION naming the path for a checkpoint that is a file and a table below a file', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const s1 = spec(bootstrap(), topic, dir, 'cp-file');
    s1.sink.checkpointLocation = file;
    await refused(client, s1, 'FAILED_PRECONDITION', new RegExp(`checkpointLocation '${file}' cannot be used: it exists and is not a directory \\(EEXIST as a file\\)`));
    const s2 = spec(bootstrap(), topic, dir, 'below-file');
    s2.sink.path = path.join(file, 'table');
    await refused(client, s2, 'FAILED_PRECONDITION', new RegExp(`the table path '${file}/table' cannot be used: ${file} is a file, not a directory \\(ENOTDIR\\)`));
  });

  it('answers FAILED_PRECONDITION with EACCES for a location the driver may not write', async () => {
    // The permission probe needs a driver that is not root: as root, the driver runs as nobody.
    const root = process.getuid?.() === 0;
    const base = path.join(dir, 'perm');
    fs.mkdirSync(base, { mode: 0o777 });
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(base, 0o777);
    const locked = path.join(base, 'locked');
    fs.mkdirSync(locked);
    fs.chmodSync(locked, 0o555);
    const c = await LocalCluster.start({
      dir: path.join(base, 'cluster'), redis: testRedis(), executors: 0, ...(root ? { driverUser: { uid: 65534, gid: 65534 } } : {}),
    });
    extra.push(c);
    fs.chmodSync(path.join(base, 'cluster'), 0o777);
    const dc = new DriverClient(c.driverAddress);
    try {
      const s = spec(bootstrap(), topic, base, 'perm');
      s.sink.checkpointLocation = path.join(locked, 'cp');
      await refused(dc, s, 'FAILED_PRECONDITION', new RegExp(`checkpointLocation '${locked}/cp' cannot be used: ${locked} is not writable by the driver, so the directory cannot be created \\(EACCES\\)`));
      assert.deepEqual(await dc.list(), []);
    } finally {
      dc.close();
    }
  });

  it('refuses a topic named like a path with INVALID_ARGUMENT by Kafka\'s rules', async () => {
    await refused(client, spec(bootstrap(), '../../etc', dir, 'topic-path'), 'INVALID_ARGUMENT', /topic "\.\.\/\.\.\/etc" is not a legal Kafka topic name/);
  });

  it('refuses a null among the schema fields with INVALID_ARGUMENT naming the element', async () => {
    const s = spec(bootstrap(), topic, dir, 'null-field') as unknown as { parse: { schema: unknown[] } };
    s.parse.schema.push(null);
    await refused(client, s, 'INVALID_ARGUMENT', /parse\.schema\[4\] must be a field .* got null/);
  });

  it('says a Redis that wants a password requires authentication, not that it is unreachable', async () => {
    const port = await freePort();
    const redisDir = path.join(dir, 'redis-auth');
    fs.mkdirSync(redisDir);
    const redis: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, '--requirepass', 'hunter2'], { stdio: 'ignore' });
    try {
      await until('the password Redis', async () => (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.includes('NOAUTH') ? true : undefined), 10_000);
      const c = await LocalCluster.start({ dir: path.join(dir, 'cluster-auth'), redis: { host: '127.0.0.1', port }, executors: 0 });
      extra.push(c);
      const dc = new DriverClient(c.driverAddress);
      try {
        await refused(dc, spec(bootstrap(), topic, dir, 'auth'), 'FAILED_PRECONDITION', new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} refused authentication: NOAUTH.*no password was given`));
      } finally {
        dc.close();
      }
    } finally {
      redis.kill('SIGTERM');
    }
  });

  // ---- "Why" 5: all-or-nothing submit ---------------------------------------------------------

  it('refuses 5,000 levels of nesting before registering anything; the checkpoint stays usable', async () => {
    const s = spec(bootstrap(), topic, dir, 'deep');
    const json = JSON.stringify({ ...s, options: { ...s.options, maxEventTimeAhead: '@DEEP@' } })
      .replace('"@DEEP@"', '['.repeat(5000) + ']'.repeat(5000));
    const raw = new RpcClient('QueryService', cluster.driverAddress);
    try {
      await assert.rejects(raw.call('SubmitQuery', { spec_json: json }), (err: any) => {
        assert.equal(err.code, 'INVALID_ARGUMENT', err.message);
        assert.match(err.message, /spec_json is nested more than 16 levels deep/);
        return true;
      });
    } finally {
      raw.close();
    }
    assert.ok(!(await client.list()).some((q) => q.name === 'deep'), 'nothing registered');
    const info = await client.submit(s);
    assert.equal((await client.stop(info.id)).state, 'STOPPED');
  });

  // ---- "Why" 6: durations and idle polling -----------------------------------------------------

  it("runs a '30 days' trigger's first batch, then rests: no more batches and low CPU", async () => {
    const s = spec(bootstrap(), topic, dir, 'month');
    s.trigger = { kind: 'processingTime', interval: '30 days' };
    const info = await client.submit(s);
    await until('batch 0', async () => ((await client.get(info.id)).info.lastCommittedBatch >= 0 ? true : undefined));
    const share = await cpuShare(cluster.driver.child.pid!, 3_000);
    if (process.env.TRIBUTARY_SHOW_CPU) console.log(`driver CPU ${(share * 100).toFixed(1)}%`);
    const { info: now, progress } = await client.get(info.id, 100);
    assert.equal(now.state, 'ACTIVE');
    assert.equal(progress.length, 1, 'one batch, then the trigger waits');
    assert.ok(share < 0.15, `driver CPU ${(share * 100).toFixed(1)}% while the query waits for its next trigger`);
    assert.equal((await client.stop(info.id)).state, 'STOPPED');
  });

  let idleQuery = '';
  it("idles a '0 seconds' trigger without a busy loop: the driver's CPU stays low", async () => {
    const s = spec(bootstrap(), topic, dir, 'zero');
    s.trigger = { kind: 'processingTime', interval: '0 seconds' };
    const info = await client.submit(s);
    idleQuery = info.id;
    await until('the query to idle', async () => {
      const { info: i } = await client.get(info.id);
      return i.lastCommittedBatch >= 0 && i.message === 'Waiting for data to arrive' ? true : undefined;
    });
    const share = await cpuShare(cluster.driver.child.pid!, 4_000);
    if (process.env.TRIBUTARY_SHOW_CPU) console.log(`driver CPU ${(share * 100).toFixed(1)}%`);
    assert.ok(share < 0.15, `driver CPU ${(share * 100).toFixed(1)}% while a '0 seconds' query idles`);
    const { info: still } = await client.get(info.id);
    assert.equal(still.state, 'ACTIVE');
  });

  // ---- the driver's own state directory --------------------------------------------------------

  it("refuses a table inside the driver's state directory, a failed save leaves nothing registered, and a restart skips odd saved entries", async () => {
    const base = path.join(dir, 'own');
    fs.mkdirSync(base);
    const c = await LocalCluster.start({ dir: path.join(base, 'cluster'), redis: testRedis(), executors: 0, driverArgs: ['--allowed-roots', base] });
    extra.push(c);
    const stateDir = path.join(base, 'cluster', 'driver-state');
    let dc = new DriverClient(c.driverAddress);
    try {
      const inState = spec(bootstrap(), topic, base, 'in-state');
      inState.sink.path = path.join(stateDir, 'queries', 'x.json');
      await refused(dc, inState, 'INVALID_ARGUMENT', /the table path '.*driver-state\/queries\/x\.json' overlaps the driver's state directory/);

      const outside = spec(bootstrap(), topic, dir, 'outside-roots');
      await refused(dc, outside, 'INVALID_ARGUMENT', new RegExp(`outside the driver's allowed roots \\(${base}\\)`));
      const escape = spec(bootstrap(), topic, base, 'escape');
      escape.sink.path = path.join(base, '..', 'escaped');
      await refused(dc, escape, 'INVALID_ARGUMENT', /the table path '.*escaped' is outside the driver's allowed roots/);
      fs.symlinkSync(dir, path.join(base, 'link'));
      const linked = spec(bootstrap(), topic, base, 'linked');
      linked.sink.path = path.join(base, 'link', 'linked-table');
      await refused(dc, linked, 'INVALID_ARGUMENT', /the table path '.*link\/linked-table' \(really '.*linked-table'\) is outside the driver's allowed roots/);

      // The driver cannot save specs: its queries directory is a file.
      fs.mkdirSync(stateDir, { recursive: true });
      fs.writeFileSync(path.join(stateDir, 'queries'), 'not a directory');
      const first = spec(bootstrap(), topic, base, 'first');
      await refused(dc, first, 'FAILED_PRECONDITION', /the driver cannot save the query in its state directory .*driver-state \((ENOTDIR|EEXIST)\).*; the query was not started/);
      assert.deepEqual(await dc.list(), [], 'nothing registered');
      fs.rmSync(path.join(stateDir, 'queries'));
      const a = await dc.submit(first); // the same checkpoint is free again
      const b = await dc.submit(spec(bootstrap(), topic, base, 'second'));

      // Odd entries beside the saved specs, sorting before them: a directory (no object to the
      // driver's storage, so not even listed), damaged JSON, a too-deep document.
      const queries = path.join(stateDir, 'queries');
      fs.mkdirSync(path.join(queries, '0-a-table.json'));
      fs.writeFileSync(path.join(queries, '1-damaged.json'), '{"version": 1,');
      fs.writeFileSync(path.join(queries, '2-deep.json'), '['.repeat(5000) + ']'.repeat(5000));
      const logFrom = fs.statSync(path.join(base, 'cluster', 'logs', 'driver.log')).size;
      dc.close();
      await c.restartDriver();
      dc = new DriverClient(c.driverAddress);
      const resumed = await until('both queries resumed', async () => {
        const l = await dc.list();
        return l.length === 2 ? l : undefined;
      });
      assert.deepEqual(resumed.map((q) => q.id).sort(), [a.id, b.id].sort());
      const log = c.logOf('driver', logFrom);
      assert.doesNotMatch(log, /0-a-table\.json/);
      assert.match(log, /WARN skipping .*1-damaged\.json: not a saved query \(saved query .* is not valid JSON/);
      assert.match(log, /WARN skipping .*2-deep\.json: not a saved query \(saved query .* is nested more than 16 levels/);

      // With no executor, both wait for one; stop still ends each at once.
      for (const q of [a, b]) {
        const t0 = Date.now();
        assert.equal((await dc.stop(q.id)).state, 'STOPPED');
        assert.ok(Date.now() - t0 < 5_000, `stopped in ${Date.now() - t0} ms`);
      }
      const ms = await sigtermDriver(c);
      assert.ok(ms < 6_000, `exited ${ms} ms after SIGTERM`);
    } finally {
      dc.close();
    }
  });

  // ---- SIGTERM after all the probes ------------------------------------------------------------

  it('still answers after every probe and exits on SIGTERM within a few seconds, with a query idling', async () => {
    const { info } = await client.get(idleQuery);
    assert.equal(info.state, 'ACTIVE');
    const ms = await sigtermDriver(cluster);
    assert.ok(ms < 6_000, `exited ${ms} ms after SIGTERM`);
  });
});
