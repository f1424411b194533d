import { strict as assert } from 'node:assert';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TributaryError } from '../errors';
import { Checkpoint } from './checkpoint';
import type { BatchPlan } from './offset-log';
import { asBatchId } from '../batch/batch-id';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

function plan(batchId: number): BatchPlan {
  return {
    batchId: asBatchId(batchId), queryId: '6f1c1a52-4c1e-4d55-9a38-0d7f0b3f7c11', batchTimestampMs: 1, noData: false,
    sources: [{ topic: 't', partitions: [{ partition: 0, from: String(batchId * 10), to: String(batchId * 10 + 10) }] }],
    lateWatermarkMicros: 0, watermarkMicros: 0, maxEventTimeMicrosBefore: null, eventTimeGuardReferenceMs: 1,
    shufflePartitions: 2, configHash: 'h', limits: {},
  };
}

/** A pid that certainly belonged to a process on this host which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.equal(child.status, 0);
  return child.pid;
}

async function writeLock(location: string, holder: { pid: number; host: string; token: string }): Promise<void> {
  await fs.mkdir(location, { recursive: true });
  await fs.writeFile(path.join(location, '.lock'), `v1\n${JSON.stringify({ ...holder, startedAtMs: 0 })}\n`);
}

function isInUse(location: string, pid: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof TributaryError);
    assert.equal(err.code, 'CHECKPOINT_IN_USE');
    assert.ok(
      err.message.startsWith(`checkpoint location ${location} is already used by a running query (pid ${pid}`),
      err.message,
    );
    return true;
  };
}

describe('Checkpoint', () => {
  let location: string;
  beforeEach(async () => {
    location = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-ckpt-')), 'query');
  });
  afterEach(async () => {
    await fs.rm(path.dirname(location), { recursive: true, force: true });
  });

  it('reports the last planned and last committed batches', async () => {
    const checkpoint = await Checkpoint.open(storage, location);
    try {
      assert.equal(await checkpoint.lastPlanned(), undefined);
      assert.equal(await checkpoint.lastCommitted(), undefined);
      await checkpoint.offsets.add(asBatchId(0), plan(0));
      await checkpoint.offsets.add(asBatchId(1), plan(1));
      await checkpoint.commits.add(asBatchId(0), {
        batchId: asBatchId(0), attempt: 0, maxEventTimeMicros: 5, watermarkMicros: 0, stateVersion: asBatchId(0),
        committedAtMs: 1, numInputRows: 1, numOutputRows: 0, stateRowsTotal: 1, sinks: [{ path: 'main', version: 1 }],
      });
      assert.equal((await checkpoint.lastPlanned())?.batchId, 1);
      assert.equal((await checkpoint.lastCommitted())?.batchId, 0);
      assert.deepEqual(await fs.readdir(path.join(location, 'offsets')), ['0', '1']);
    } finally {
      await checkpoint.close();
    }
  });

  it('refuses a second open of a location while the first holds it, and allows it after close', async () => {
    const first = await Checkpoint.open(storage, location);
    await assert.rejects(Checkpoint.open(storage, location), isInUse(location, process.pid));
    await first.close();
    await fs.access(path.join(location, '.lock')).then(
      () => assert.fail('the lock file should be gone after close'),
      () => undefined,
    );
    const second = await Checkpoint.open(storage, location);
    await second.close();
  });

  it('refuses a location locked by a live process on this host', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await writeLock(location, { pid: child.pid!, host: os.hostname(), token: 'other' });
      await assert.rejects(Checkpoint.open(storage, location), isInUse(location, child.pid!));
    } finally {
      child.kill();
    }
  });

  it('refuses a location locked from another host, whatever the pid', async () => {
    const pid = deadPid();
    await writeLock(location, { pid, host: `not-${os.hostname()}`, token: 'other' });
    await assert.rejects(Checkpoint.open(storage, location), isInUse(location, pid));
  });

  it('takes over a lock left by a dead process on this host', async () => {
    await writeLock(location, { pid: deadPid(), host: os.hostname(), token: 'stale' });
    const checkpoint = await Checkpoint.open(storage, location);
    const lock = JSON.parse((await fs.readFile(path.join(location, '.lock'), 'utf8')).split('\n')[1]) as {
      pid: number;
      token: string;
    };
    assert.equal(lock.pid, process.pid);
    assert.notEqual(lock.token, 'stale');
    await checkpoint.close();
  });

  it('gives a stale lock to exactly one of four processes taking it over at once', async function () {
    this.timeout(30_000);
    await writeLock(location, { pid: deadPid(), host: os.hostname(), token: 'stale' });
    const script = `
      const { Checkpoint } = require(${JSON.stringify(path.join(__dirname, 'checkpoint.js'))});
      const { LocalStorage } = require(${JSON.stringify(path.join(__dirname, '..', 'storage', 'local-storage.js'))});
      Checkpoint.open(new LocalStorage(), process.argv[1]).then(
        (c) => { process.stdout.write('won'); setTimeout(() => c.close(), 1500); },
        (e) => { process.stdout.write(e.code === 'CHECKPOINT_IN_USE' ? 'refused' : 'error ' + e.message); });`;
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<string>((resolve, reject) =>
            execFile(process.execPath, ['-e', script, location], { timeout: 20_000 }, (err, out) =>
              err ? reject(err) : resolve(out),
            ),
          ),
      ),
    );
    assert.deepEqual(outcomes.sort(), ['refused', 'refused', 'refused', 'won']);
  });

  it('opens read-only without taking the lock', async () => {
    const holder = await Checkpoint.open(storage, location);
    const reader = await Checkpoint.open(storage, location, { readOnly: true });
    assert.equal(await reader.lastPlanned(), undefined);
    await reader.close();
    await assert.rejects(Checkpoint.open(storage, location), TributaryError, 'the holder keeps its lock');
    await holder.close();
  });

  it('creates the query metadata once and returns it on every later start', async () => {
    const checkpoint = await Checkpoint.open(storage, location);
    const init = { shufflePartitions: 4, statefulFingerprint: '{}', sinkPaths: ['t'], sourceTopic: 'p' };
    const a = await checkpoint.initMetadata(init);
    const b = await checkpoint.initMetadata({ ...init, shufflePartitions: 99 });
    assert.deepEqual(b, a);
    assert.equal(b.shufflePartitions, 4);
    await checkpoint.close();
  });
});
