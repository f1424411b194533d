/**
 * A rogue executor process (test/support/rogue-executor.ts) beside two real executors, on a real
 * cluster (Kafka, Redis, driver process): it speaks the real gRPC contract, forwards work to a real
 * executor inside it, and corrupts its answers. In every mode the driver either recovers (the table
 * is exact against the independent calculation) or fails the query with a message naming the
 * problem; and nothing wrong is ever committed: every `add` of the Delta log names an existing
 * file inside the table, of its size, and the table reads back.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTableRows } from '@tributary/common';
import { DriverClient, EventGenerator, produceEvents, QueryInfo } from '@tributary/client';
import { aggregateRows } from '../support/aggregate-rows';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, deltaCommits } from '../support/seed-run';
import { seedSpec } from '../support/specs';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

const ROGUE = path.join(__dirname, '..', 'support', 'rogue-executor.js');
const MAX_ATTEMPTS = 4;
const TASK_DEADLINE_MS = 8000;


/** The message of a JSON log line (the driver logs JSON lines: quotes in it are escaped), or the line itself. */
function logMessage(line: string): string {
  try { return String(JSON.parse(line).msg ?? line); } catch { return line; }
}

describe('a rogue executor cannot get wrong data committed', function () {
  this.timeout(5 * 60_000);
  const env = clusterPerTest('tributary-rogue-', 2, { driverArgs: ['--max-attempts-per-batch', String(MAX_ATTEMPTS), '--task-deadline-ms', String(TASK_DEADLINE_MS)] });
  let rogue: ChildProcess | undefined;
  let rogueLog = '';

  let logDir = '';
  before(() => { logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-rogue-logs-')); });
  after(() => fs.rmSync(logDir, { recursive: true, force: true }));

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && fs.existsSync(rogueLog)) console.log(`--- rogue log (tail)\n${fs.readFileSync(rogueLog, 'utf8').slice(-4000)}`);
    if (rogue && rogue.exitCode === null && rogue.signalCode === null) rogue.kill('SIGKILL');
    rogue = undefined;
  });

  /** Starts the rogue; resolves once `ready` appears in its output. */
  async function startRogue(mode: string, id: string, ready: RegExp, times?: number): Promise<void> {
    rogueLog = path.join(logDir, `${mode}.log`);
    const out = fs.openSync(rogueLog, 'a');
    rogue = spawn(process.execPath, [ROGUE, '--driver', env.cluster.driverAddress, '--id', id, '--mode', mode, ...(times === undefined ? [] : ['--times', String(times)])], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const deadline = Date.now() + 30_000;
    while (!ready.test(fs.readFileSync(rogueLog, 'utf8'))) {
      if (Date.now() > deadline) throw new Error(`the rogue did not start:\n${fs.readFileSync(rogueLog, 'utf8')}`);
      if (rogue.exitCode !== null && !ready.test(fs.readFileSync(rogueLog, 'utf8'))) throw new Error(`the rogue exited:\n${fs.readFileSync(rogueLog, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Produces events that close every window, runs the seed job with availableNow, returns its end. */
  async function runSeedJob(seed: number): Promise<{ info: QueryInfo; table: string; expected: ReturnType<typeof computeExpected> }> {
    const topic = `rogue_${seed}_${Date.now()}`;
    const gen = new EventGenerator({ seed, customers: 300, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(4000);
    const closing = gen.phaseCloseAll(3);
    await produceEvents(testKafka(), topic, 4, inOrder);
    await produceEvents(testKafka(), topic, 4, closing);
    const spec = seedSpec(testKafka(), topic, env.dir);
    spec.trigger = { kind: 'availableNow' };
    spec.source.maxOffsetsPerTrigger = 1500;
    const client = env.track(new DriverClient(env.cluster.driverAddress));
    const submitted = await client.submit(spec);
    const info = await client.awaitTermination(submitted.id, 240_000);
    const expected = computeExpected([...inOrder.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY });
    return { info, table: spec.sink.path, expected };
  }

  /** Every `add` in the log names an existing regular file inside the table, of its size; the table reads. */
  async function assertNothingWrongCommitted(table: string): Promise<void> {
    const root = path.resolve(table);
    for (const c of deltaCommits(table)) {
      for (const a of c.actions.filter((x) => x.add)) {
        const p: string = a.add.path;
        assert.ok(!/^[a-z]+:/i.test(p) && !p.startsWith('/'), `version ${c.version}: add path ${p} is relative`);
        const file = path.resolve(root, decodeURIComponent(p));
        assert.ok(file.startsWith(root + path.sep), `version ${c.version}: add path ${p} stays inside the table`);
        assert.ok(fs.existsSync(file), `version ${c.version}: ${p} exists`);
        assert.equal(fs.statSync(file).size, a.add.size, `version ${c.version}: ${p} has its size`);
      }
    }
    await readTableRows(storage, table);
  }

  async function assertExact(table: string, expected: ReturnType<typeof computeExpected>): Promise<void> {
    const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(expected.rows.length > 300, `expected many rows, got ${expected.rows.length}`);
  }

  const rejections = (): string[] => env.cluster.logOf('driver').split('\n').map(logMessage).filter((l) => /reports refused/.test(l));

  it('drops its output (answers success without files or emitted rows): every attempt is refused and the query fails naming the batch and the problem', async () => {
    await startRogue('drop-output', 'rogue-0', /registered with the driver/);
    const { info, table } = await runSeedJob(11);
    assert.equal(info.state, 'FAILED', `state ${info.state}: ${info.message}`);
    assert.match(info.error, new RegExp(`batch \\d+ failed ${MAX_ATTEMPTS} attempts`));
    assert.match(info.error, /executor rogue-0 .*reported 0 rows emitted by partition \d+, but its state write recorded [1-9]\d*/);
    await assertNothingWrongCommitted(table);
    // The failed batch is in no commit: the table holds only batches before it.
    const failedBatch = Number(/batch (\d+) failed/.exec(info.error)![1]);
    const txns = deltaCommits(table).flatMap((c) => c.actions.filter((a) => a.txn && a.txn.appId === info.id).map((a) => a.txn.version));
    assert.ok(txns.every((v: number) => v < failedBatch), `committed batches ${txns} are before batch ${failedBatch}`);
  });

  it('reports a file it deleted: the attempt is refused naming the file, and the next attempt makes the table exact', async () => {
    await startRogue('missing-file', 'rogue-0', /registered with the driver/, 1);
    const { info, table, expected } = await runSeedJob(12);
    assert.equal(info.state, 'FINISHED', `state ${info.state}: ${info.error || info.message}`);
    assert.ok(rejections().some((l) => /reduce task on executor rogue-0 .*reported file "part-[^"]+\.parquet" .*cannot be read \(ENOENT\)/.test(l)), rejections().join('\n') || 'no refusal logged');
    await assertNothingWrongCommitted(table);
    await assertExact(table, expected);
  });

  it('reports a path outside the table (../escape/x.parquet, a true copy): refused before any size or footer check, and the table is exact', async () => {
    await startRogue('escape-path', 'rogue-0', /registered with the driver/, 1);
    const { info, table, expected } = await runSeedJob(13);
    assert.equal(info.state, 'FINISHED', `state ${info.state}: ${info.error || info.message}`);
    assert.ok(rejections().some((l) => /reported file "\.\.\/escape\/part-[^"]+" .*leaves the table/.test(l)), rejections().join('\n') || 'no refusal logged');
    const escaped = fs.readdirSync(path.join(path.dirname(table), 'escape'));
    assert.equal(escaped.length, 1, 'the rogue put a real Parquet file outside the table');
    const referenced = deltaCommits(table).flatMap((c) => c.actions.filter((a) => a.add).map((a) => a.add.path as string));
    assert.ok(!referenced.some((p) => p.includes('escape')), 'no add points at it');
    await assertNothingWrongCommitted(table);
    await assertExact(table, expected);
  });

  it('never answers its tasks: each attempt ends at the task deadline, and past the cap the query fails naming the batch and the last error', async () => {
    await startRogue('never-answer', 'rogue-0', /registered with the driver/);
    const t0 = Date.now();
    const { info, table } = await runSeedJob(14);
    assert.equal(info.state, 'FAILED', `state ${info.state}: ${info.message}`);
    assert.match(info.error, new RegExp(`^batch 0 failed ${MAX_ATTEMPTS} attempts \\(maxAttemptsPerBatch ${MAX_ATTEMPTS}\\); last error: .*on executor rogue-0.*(Deadline|deadline)`));
    assert.ok(Date.now() - t0 >= MAX_ATTEMPTS * TASK_DEADLINE_MS, 'each attempt waited for the deadline');
    await assertNothingWrongCommitted(table);
    assert.equal(deltaCommits(table).flatMap((c) => c.actions.filter((a) => a.add)).length, 0, 'nothing was committed');
  });

  it('takes a live executor id: registration is refused naming the id and its live address, forged heartbeats keep nothing alive, and the table is exact', async () => {
    const liveAddress = /serving on ([\w.:-]+)/.exec(env.cluster.logOf('exec-0'))![1];
    await startRogue('take-id', 'exec-0', /ROGUE-RESULT/);
    const result = JSON.parse(/ROGUE-RESULT (.*)/.exec(fs.readFileSync(rogueLog, 'utf8'))![1]);
    assert.equal(result.register.ok, false);
    assert.equal(result.register.code, 'ALREADY_EXISTS');
    assert.ok(result.register.message.includes('exec-0') && result.register.message.includes(liveAddress), result.register.message);
    assert.deepEqual(result.heartbeats, [{ incarnation: '', reregister: true }, { incarnation: 'forged-incarnation', reregister: true }]);
    assert.equal((env.cluster.logOf('driver').match(/executor exec-0 registered/g) ?? []).length, 1, 'exec-0 registered once, at its own address');
    const { info, table, expected } = await runSeedJob(15);
    assert.equal(info.state, 'FINISHED', `state ${info.state}: ${info.error || info.message}`);
    assert.ok(!/executor exec-0 lost/.test(env.cluster.logOf('driver')), 'the real exec-0 stayed registered');
    await assertNothingWrongCommitted(table);
    await assertExact(table, expected);
  });
});
