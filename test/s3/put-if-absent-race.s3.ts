/**
 * Racing writers on one Delta version, on a real S3-compatible server: of the writers that
 * put-if-absent the same `_delta_log/<version>.json` at the same moment exactly one wins, and the
 * object holds that winner's bytes. Raced by writers in this process (each with its own S3 client)
 * and by writers in separate OS processes that configure themselves from the AWS environment, as
 * Tributary processes on different hosts would. The commit-loop races check the consequence the
 * Delta log needs: writers that each move to the next version on losing end with a gapless log in
 * which every commit landed exactly once.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { joinLocation, S3Storage } from '@tributary/common';
import { S3TestServer } from '../support/s3-server';
import { commitAuthor, deltaLogFile, runWriter, WriterResult, WriterTask } from '../support/s3-commit-writer';

const WRITER_SCRIPT = path.join(__dirname, '..', 'support', 's3-commit-writer.js');

describe('S3 put-if-absent races on one Delta version', () => {
  let server: S3TestServer;
  let bucket: string;
  let tableNo = 0;
  const newTable = () => `s3://${bucket}/race-${tableNo++}`;

  before(async function () {
    this.timeout(240_000);
    server = await S3TestServer.start();
    console.log(`      S3Mock serving after ${server.startupMs} ms`);
    bucket = await server.createBucket();
  });
  after(async function () {
    this.timeout(60_000);
    await server?.stop();
  });

  const text = async (storage: S3Storage, location: string): Promise<string> => {
    const bytes = await storage.get(location);
    assert.ok(bytes !== undefined, `no object at ${location}`);
    return Buffer.from(bytes).toString('utf8');
  };

  /** Checks a same-versions race: per round exactly one winner, and the object names it. */
  async function checkSameVersions(table: string, results: Array<{ writer: string; won: boolean[] }>, rounds: number, firstVersion: number) {
    const reader = server.storage();
    for (let r = 0; r < rounds; r++) {
      const version = firstVersion + r;
      const winners = results.filter((w) => w.won[r]).map((w) => w.writer);
      assert.equal(winners.length, 1, `version ${version}: winners ${JSON.stringify(winners)}`);
      const author = commitAuthor(await text(reader, deltaLogFile(table, version)));
      assert.deepEqual(author, { writer: winners[0], version, seq: r }, `version ${version} holds another writer's bytes`);
    }
    const listed = (await reader.list(joinLocation(table, '_delta_log'))).map((o) => o.name).sort();
    const expected = Array.from({ length: rounds }, (_, r) => `${String(firstVersion + r).padStart(20, '0')}.json`);
    assert.deepEqual(listed, expected);
  }

  /** Checks a commit-loop race: versions 0..n-1 each hold one commit, each commit sits at the version its writer was told it won. */
  async function checkCommitLoop(table: string, results: Array<{ writer: string; versions: number[] }>, commitsPerWriter: number) {
    const reader = server.storage();
    const total = results.length * commitsPerWriter;
    const claimed = new Map<number, string>();
    for (const w of results) {
      assert.equal(w.versions.length, commitsPerWriter, `${w.writer} made ${w.versions.length} commits`);
      w.versions.forEach((v, seq) => {
        assert.ok(!claimed.has(v), `version ${v} won by ${claimed.get(v)} and ${w.writer}`);
        claimed.set(v, `${w.writer}#${seq}`);
      });
    }
    assert.deepEqual([...claimed.keys()].sort((a, b) => a - b), Array.from({ length: total }, (_, v) => v));
    for (const [version, who] of claimed) {
      const author = commitAuthor(await text(reader, deltaLogFile(table, version)));
      assert.equal(`${author.writer}#${author.seq}`, who, `version ${version}`);
      assert.equal(author.version, version);
    }
    assert.equal(await reader.head(deltaLogFile(table, total)), undefined, 'a commit beyond the last one');
  }

  it('16 writers in this process, each with its own client, race on version 7: exactly one wins, its bytes are stored', async () => {
    const table = newTable();
    const storages = Array.from({ length: 16 }, () => server.storage());
    const start = Date.now() + 100;
    const results = (await Promise.all(
      storages.map((storage, i) => runWriter(storage, { mode: 'same-versions', table, writer: `w${i}`, rounds: 1, firstVersion: 7, padding: 64 * 1024 }, start)),
    )) as Array<{ writer: string; won: boolean[] }>;
    await checkSameVersions(table, results, 1, 7);
  });

  it('8 writers in this process race on each of 25 versions in turn: one winner per version', async () => {
    const table = newTable();
    const storages = Array.from({ length: 8 }, () => server.storage());
    const start = Date.now() + 100;
    const results = (await Promise.all(
      storages.map((storage, i) =>
        runWriter(storage, { mode: 'same-versions', table, writer: `w${i}`, rounds: 25, firstVersion: 0, roundMs: 150, padding: 16 * 1024 }, start),
      ),
    )) as Array<{ writer: string; won: boolean[] }>;
    await checkSameVersions(table, results, 25, 0);
  });

  it('6 writers in this process each commit 8 times through the commit loop: a gapless log, every commit exactly once', async () => {
    const table = newTable();
    const storages = Array.from({ length: 6 }, () => server.storage());
    const start = Date.now() + 100;
    const results = (await Promise.all(
      storages.map((storage, i) => runWriter(storage, { mode: 'commit-loop', table, writer: `w${i}`, commits: 8, padding: 4 * 1024 }, start)),
    )) as Array<{ writer: string; versions: number[] }>;
    await checkCommitLoop(table, results, 8);
  });

  describe('writers in separate OS processes, configured from the AWS environment', () => {
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    });

    /** Starts one writer process per task, releases them all at one start time, and collects their results. */
    async function raceInProcesses(tasks: WriterTask[]): Promise<WriterResult[]> {
      const env = { ...process.env, ...server.environment() };
      delete env.AWS_ENDPOINT_URL;
      delete env.AWS_PROFILE;
      const running = tasks.map((task) => {
        const child = spawn(process.execPath, [WRITER_SCRIPT, JSON.stringify(task)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        children.push(child);
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        const lines = readline.createInterface({ input: child.stdout! });
        const received: string[] = [];
        const waiters: Array<(line: string) => void> = [];
        lines.on('line', (line) => (waiters.length > 0 ? waiters.shift()!(line) : received.push(line)));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        const nextLine = () =>
          Promise.race([
            received.length > 0 ? Promise.resolve(received.shift()!) : new Promise<string>((resolve) => waiters.push(resolve)),
            exited.then((code) => {
              throw new Error(`writer ${task.writer} exited with ${code}: ${stderr}`);
            }),
          ]);
        return { child, nextLine, exited, stderr: () => stderr };
      });
      for (const r of running) assert.equal(await r.nextLine(), 'ready');
      const start = Date.now() + 300;
      for (const r of running) r.child.stdin!.end(`${start}\n`);
      const results: WriterResult[] = [];
      for (const r of running) results.push(JSON.parse(await r.nextLine()));
      for (const r of running) assert.equal(await r.exited, 0, r.stderr());
      return results;
    }

    it('4 processes race on version 7, then on each of 20 versions in turn: one winner per version, its bytes stored', async () => {
      const table = newTable();
      const tasks: WriterTask[] = Array.from({ length: 4 }, (_, i) => ({
        mode: 'same-versions', table, writer: `process-${i}`, rounds: 20, firstVersion: 7, roundMs: 200, padding: 32 * 1024,
      }));
      const results = (await raceInProcesses(tasks)) as Array<{ writer: string; won: boolean[] }>;
      await checkSameVersions(table, results, 20, 7);
    });

    it('4 processes each commit 10 times through the commit loop: a gapless log, every commit exactly once', async () => {
      const table = newTable();
      const tasks: WriterTask[] = Array.from({ length: 4 }, (_, i) => ({ mode: 'commit-loop', table, writer: `process-${i}`, commits: 10, padding: 4 * 1024 }));
      const results = (await raceInProcesses(tasks)) as Array<{ writer: string; versions: number[] }>;
      await checkCommitLoop(table, results, 10);
    });
  });
});
