import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, TributaryError } from '../errors';
import { MetadataLog } from './metadata-log';
import { asBatchId, type BatchId } from '../batch/batch-id';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tributary-mdlog-'));
}

function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('MetadataLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await tempDir(), 'log');
  });
  afterEach(async () => {
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('stores an entry as a `v1` line then one JSON document, and reads it back', async () => {
    const log = new MetadataLog<{ a: number; b: string }>(storage, dir);
    assert.equal(await log.add(asBatchId(7), { a: 1, b: 'x' }), true);
    assert.equal(await fs.readFile(path.join(dir, '7'), 'utf8'), 'v1\n{"a":1,"b":"x"}\n');
    assert.deepEqual(await log.get(asBatchId(7)), { a: 1, b: 'x' });
  });

  it('returns false and keeps the first value when an id is added twice', async () => {
    const log = new MetadataLog<{ v: number }>(storage, dir);
    assert.equal(await log.add(asBatchId(0), { v: 1 }), true);
    assert.equal(await log.add(asBatchId(0), { v: 2 }), false);
    assert.deepEqual(await log.get(asBatchId(0)), { v: 1 });
  });

  it('lets exactly one of two concurrent adds of the same id win', async () => {
    const log = new MetadataLog<{ v: number }>(storage, dir);
    await fs.mkdir(dir, { recursive: true });
    const results = await Promise.all([log.add(asBatchId(3), { v: 1 }), log.add(asBatchId(3), { v: 2 })]);
    assert.deepEqual([...results].sort(), [false, true]);
    const winner = results[0] ? 1 : 2;
    assert.deepEqual(await log.get(asBatchId(3)), { v: winner });
    assert.deepEqual(await fs.readdir(dir), ['3'], 'no temp files are left behind');
  });

  it('writes each id exactly once when four processes race on the same ids', async function () {
    this.timeout(30_000);
    const ids = 40;
    const script = `
      const { MetadataLog } = require(${JSON.stringify(path.join(__dirname, 'metadata-log.js'))});
      const { LocalStorage } = require(${JSON.stringify(path.join(__dirname, '..', 'storage', 'local-storage.js'))});
      const [dir, writer, ids] = process.argv.slice(1);
      (async () => {
        const log = new MetadataLog(new LocalStorage(), dir);
        const won = [];
        for (let id = 0; id < Number(ids); id++) if (await log.add(id, { writer: Number(writer) })) won.push(id);
        process.stdout.write(JSON.stringify(won));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const outputs = await Promise.all([0, 1, 2, 3].map((w) => runChild(script, [dir, String(w), String(ids)])));
    const winnerOf = new Map<number, number>();
    outputs.forEach((out, writer) => {
      for (const id of JSON.parse(out) as number[]) {
        assert.equal(winnerOf.has(id), false, `id ${id} was won by writers ${winnerOf.get(id)} and ${writer}`);
        winnerOf.set(id, writer);
      }
    });
    assert.equal(winnerOf.size, ids);
    const log = new MetadataLog<{ writer: number }>(storage, dir);
    for (const [id, writer] of winnerOf) assert.deepEqual(await log.get(asBatchId(id)), { writer }, `entry ${id}`);
    assert.equal((await fs.readdir(dir)).length, ids, 'only the entries remain, no temp files');
  });

  it('refuses an entry in a newer format version, naming the version and the file', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, '4'), 'v2\n{"a":1}\n');
    const log = new MetadataLog(storage, dir);
    await assert.rejects(log.get(asBatchId(4)), (err: unknown) => {
      assert.ok(err instanceof TributaryError);
      assert.equal(err.code, 'CHECKPOINT_FORMAT_UNSUPPORTED');
      assert.match(err.message, /format v2/);
      assert.ok(err.message.includes(path.join(dir, '4')));
      return true;
    });
    await assert.rejects(log.getLatest(), /format v2/);
  });

  it('reports a file without a version line as corrupt, naming the file', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, '1'), '{"a":1}\n');
    await fs.writeFile(path.join(dir, '2'), 'v1\n{"a":\n');
    const log = new MetadataLog(storage, dir);
    for (const id of [1, 2]) {
      await assert.rejects(log.get(asBatchId(id)), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_CORRUPT');
        assert.ok(err.message.includes(path.join(dir, String(id))));
        return true;
      });
    }
  });

  it('returns the highest id from getLatest when ids have gaps, ignoring temp and foreign files', async () => {
    const log = new MetadataLog<{ id: number }>(storage, dir);
    for (const id of [5, 0, 1]) await log.add(asBatchId(id), { id });
    await fs.writeFile(path.join(dir, '.9.123.abc.tmp'), 'v1\n{"id":9}\n');
    await fs.writeFile(path.join(dir, 'notes.txt'), 'x');
    await fs.writeFile(path.join(dir, '007'), 'v1\n{"id":7}\n');
    assert.deepEqual(await log.list(), [0, 1, 5]);
    assert.deepEqual(await log.getLatest(), { batchId: 5, value: { id: 5 } });
  });

  it('treats a missing directory as an empty log', async () => {
    const log = new MetadataLog(storage, path.join(dir, 'never-created'));
    assert.deepEqual(await log.list(), []);
    assert.equal(await log.getLatest(), undefined);
    assert.equal(await log.get(asBatchId(0)), undefined);
  });

  it('purges the entries below the threshold and keeps the rest', async () => {
    const log = new MetadataLog<{ id: number }>(storage, dir);
    for (let id = 0; id <= 5; id++) await log.add(asBatchId(id), { id });
    assert.equal(await log.purge(asBatchId(3)), 3);
    assert.deepEqual(await log.list(), [3, 4, 5]);
    assert.equal(await log.get(asBatchId(2)), undefined);
    assert.deepEqual(await log.get(asBatchId(3)), { id: 3 });
    assert.equal(await log.purge(asBatchId(3)), 0);
  });

  it('rejects batch ids that are negative or not integers', async () => {
    const log = new MetadataLog(storage, dir);
    // Unchecked casts: the log checks ids itself, whatever a caller's types say.
    await assert.rejects(log.add(-1 as BatchId, {}), InvalidArgumentError);
    await assert.rejects(log.add(1.5 as BatchId, {}), InvalidArgumentError);
    await assert.rejects(log.get(Number.NaN as BatchId), InvalidArgumentError);
  });
});
