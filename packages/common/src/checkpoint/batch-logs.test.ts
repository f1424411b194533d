import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, TributaryError } from '../errors';
import { CommitLog, type BatchCommit } from './commit-log';
import { OffsetLog, type BatchPlan } from './offset-log';
import { asBatchId } from '../batch/batch-id';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

function samplePlan(batchId: number): BatchPlan {
  return {
    batchId: asBatchId(batchId),
    queryId: '6f1c1a52-4c1e-4d55-9a38-0d7f0b3f7c11',
    batchTimestampMs: 1_700_000_000_000 + batchId,
    sources: [
      {
        topic: 'payments',
        partitions: [
          { partition: 0, from: '100', to: '250' },
          { partition: 1, from: '9007199254740993', to: '9223372036854775807' },
        ],
      },
    ],
    lateWatermarkMicros: 1_699_999_000_000_000,
    watermarkMicros: 1_699_999_400_000_000,
    maxEventTimeMicrosBefore: 1_700_000_000_123_456,
    eventTimeGuardReferenceMs: 1_700_000_000_000,
    shufflePartitions: 8,
    configHash: 'sha256:abc',
    limits: { maxOffsetsPerTrigger: 100_000 },
    noData: false,
    isolationLevel: 'read_committed',
  };
}

function sampleCommit(batchId: number): BatchCommit {
  return {
    batchId: asBatchId(batchId),
    attempt: 2,
    maxEventTimeMicros: null,
    watermarkMicros: 1_699_999_400_000_000,
    stateVersion: asBatchId(batchId),
    committedAtMs: 1_700_000_001_000,
    numInputRows: 150,
    numOutputRows: 3,
    stateRowsTotal: 40,
    sinks: [
      { path: 'quarantine', version: 'skipped' },
      { path: 'main', version: 12 },
    ],
  };
}

describe('OffsetLog and CommitLog', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-batchlogs-'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('round-trips a plan exactly, offsets beyond 2^53 included', async () => {
    const log = new OffsetLog(storage, path.join(root, 'offsets'));
    assert.equal(await log.add(asBatchId(4), samplePlan(4)), true);
    const read = await log.get(asBatchId(4));
    assert.deepEqual(read, samplePlan(4));
    assert.equal(read?.sources[0].partitions[1].from, '9007199254740993');
    const text = await fs.readFile(path.join(root, 'offsets', '4'), 'utf8');
    assert.ok(text.startsWith('v1\n{"batchId":4,'));
  });

  it('refuses to write a plan whose batchId differs from the entry id', async () => {
    const log = new OffsetLog(storage, path.join(root, 'offsets'));
    await assert.rejects(log.add(asBatchId(5), samplePlan(4)), InvalidArgumentError);
    assert.deepEqual(await log.list(), []);
  });

  it('refuses to write a plan with numeric offsets or from after to', async () => {
    const log = new OffsetLog(storage, path.join(root, 'offsets'));
    const numeric = JSON.parse(JSON.stringify(samplePlan(0))) as { sources: { partitions: { from: unknown }[] }[] };
    numeric.sources[0].partitions[0].from = 100;
    await assert.rejects(log.add(asBatchId(0), numeric as unknown as BatchPlan), /partitions\[0\]\.from must be a decimal offset string/);
    const reversed = samplePlan(0) as unknown as { sources: { partitions: { from: string; to: string }[] }[] };
    reversed.sources[0].partitions[0] = { ...reversed.sources[0].partitions[0], from: '300', to: '250' };
    await assert.rejects(log.add(asBatchId(0), reversed as unknown as BatchPlan), /from 300 is after to 250/);
  });

  it('reads a plan without an isolation level (written before it was recorded) and refuses an unknown one', async () => {
    const log = new OffsetLog(storage, path.join(root, 'offsets'));
    const { isolationLevel: _dropped, ...older } = samplePlan(0);
    assert.equal(await log.add(asBatchId(0), older), true);
    assert.equal((await log.get(asBatchId(0)))?.isolationLevel, undefined);
    const bad = { ...samplePlan(1), isolationLevel: 'committed' } as unknown as BatchPlan;
    await assert.rejects(log.add(asBatchId(1), bad), /plan\.isolationLevel must be one of read_uncommitted, read_committed, got "committed"/);
  });

  it('reports a plan file with a missing field as corrupt, naming file and field', async () => {
    const dir = path.join(root, 'offsets');
    await fs.mkdir(dir);
    const { noData: _dropped, ...withoutNoData } = samplePlan(2);
    await fs.writeFile(path.join(dir, '2'), `v1\n${JSON.stringify(withoutNoData)}\n`);
    await assert.rejects(new OffsetLog(storage, dir).get(asBatchId(2)), (err: unknown) => {
      assert.ok(err instanceof TributaryError);
      assert.equal(err.code, 'CHECKPOINT_CORRUPT');
      assert.ok(err.message.includes(path.join(dir, '2')));
      assert.match(err.message, /plan\.noData/);
      return true;
    });
  });

  it('round-trips a commit with skipped and versioned sinks', async () => {
    const log = new CommitLog(storage, path.join(root, 'commits'));
    assert.equal(await log.add(asBatchId(9), sampleCommit(9)), true);
    assert.equal(await log.add(asBatchId(9), { ...sampleCommit(9), attempt: 3 }), false);
    assert.deepEqual(await log.getLatest(), { batchId: 9, value: sampleCommit(9) });
  });

  it('refuses a commit whose sink version is neither a number nor "skipped"', async () => {
    const log = new CommitLog(storage, path.join(root, 'commits'));
    const bad = { ...sampleCommit(1), sinks: [{ path: 'main', version: 'done' }] } as unknown as BatchCommit;
    await assert.rejects(log.add(asBatchId(1), bad), /commit\.sinks\[0\]\.version/);
  });
});
