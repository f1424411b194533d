/**
 * The `tributary` command line against a real cluster: produce, submit a job file, list, status,
 * and show the resulting table.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LocalCluster, REPO_ROOT } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
const tributary = (...args: string[]) => run(process.execPath, [BIN, ...args], { timeout: 180_000 });

describe('the tributary command line', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let cluster: LocalCluster;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-cli-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 2 });
  });

  after(async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('produces events, runs a job file to completion and shows its table', async () => {
    const topic = `cli_events_${Date.now()}`;
    const produced = await tributary('produce', '--bootstrap', testKafka(), '--topic', topic, '--count', '5000', '--partitions', '3', '--customers', '50');
    assert.match(produced.stdout, new RegExp(`produced 5003 events to ${topic} \\(3 partitions\\)`));

    const table = path.join(dir, 'delta', 'cli');
    const submitted = await tributary('submit', path.join(REPO_ROOT, 'examples', 'seed-job.js'), '--driver', cluster.driverAddress, '--wait', '--',
      `bootstrap=${testKafka()}`, `topic=${topic}`, `table=${table}`, `checkpoint=${path.join(dir, 'cp')}`, 'trigger=availableNow');
    const id = /submitted query ([0-9a-f-]{36})/.exec(submitted.stdout)?.[1];
    assert.ok(id, submitted.stdout);
    assert.match(submitted.stdout, new RegExp(`query ${id} FINISHED`));

    const listed = await tributary('list', '--driver', cluster.driverAddress);
    assert.match(listed.stdout, new RegExp(`${id}\\s+FINISHED`));
    const status = JSON.parse((await tributary('status', id!, '--driver', cluster.driverAddress)).stdout);
    assert.equal(status.id, id);
    assert.equal(status.lastProgress.sink.description, `DeltaSink[${table}]`);

    const shown = await tributary('table', 'show', table, '--limit', '3');
    const totalEvents = Number(/(\d+) events/.exec(shown.stdout)?.[1]);
    assert.ok(totalEvents > 4500 && totalEvents <= 5000, shown.stdout);
    assert.equal(shown.stdout.trim().split('\n').filter((l) => /^\d{4}-\d\d-\d\dT/.test(l)).length, 3);
  });

  it('prints a driver refusal plainly and exits non-zero', async () => {
    const spec = path.join(dir, 'bad.json');
    fs.writeFileSync(spec, JSON.stringify({ version: 1 }));
    await assert.rejects(tributary('submit', spec, '--driver', cluster.driverAddress), (err: any) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /refused the query \(INVALID_ARGUMENT\)/);
      assert.match(err.stderr, /^invalid query \(\d+ problems\)/m);
      return true;
    });
  });
});
