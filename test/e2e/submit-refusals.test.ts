/**
 * Misuse refused at submit, through the real driver process (QueryService.SubmitQuery via
 * DriverClient, and the `tributary submit` CLI): each case asserts the gRPC status and the message
 * that names the problem. Specs are sent as written (no client-side validation) so the driver's own
 * checks are what is tested.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createQueryMetadata, QuerySpec, RpcError } from '@tributary/common';
import { DriverClient, freePort, generateEvents, LocalCluster, produceEvents, REPO_ROOT } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';
import { seedSpec as spec } from '../support/specs';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

async function refused(client: DriverClient, s: unknown, code: string, message: RegExp): Promise<void> {
  await assert.rejects(client.submit(s as QuerySpec), (err: unknown) => {
    assert.ok(err instanceof RpcError, `an RpcError, got ${err}`);
    assert.equal(err.code, code, `status of: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('misuse refused at submit by a real driver, with a status and a message naming the problem', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let cluster: LocalCluster;
  let client: DriverClient;
  let topic: string;
  const bootstrap = () => testKafka();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-refusals-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 1 });
    client = new DriverClient(cluster.driverAddress);
    topic = `refusals_${Date.now()}`;
    await produceEvents(bootstrap(), topic, 2, generateEvents({ seed: 1, customers: 10, count: 10 }));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(`--- driver log (tail)\n${cluster.logOf('driver').slice(-4000)}`);
    client?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const invalidPlans: [string, (s: QuerySpec) => void, RegExp][] = [
    ['an unknown column', (s) => { s.aggregation.keys = ['customer']; },
      /\[UNRESOLVED_COLUMN\.WITH_SUGGESTION\] A column or function parameter with name `customer` cannot be resolved\. Did you mean one of the following\? \[`customer_id`, `amount`, `timestamp`, `event_type`\]/],
    ['a window over a non-timestamp column', (s) => { s.aggregation.window.column = 'customer_id'; delete s.watermark; s.sink.outputMode = 'complete'; },
      /window column customer_id must be a timestamp, but it is int/],
    ['append mode on an aggregation without a watermark', (s) => { delete s.watermark; },
      /Append output mode not supported when there are streaming aggregations on streaming DataFrames\/DataSets without watermark/],
    ['an unparseable duration', (s) => { s.aggregation.window.duration = '5 minutez'; }, /window duration: .*'minutez'/],
    ['an unparseable guard skew', (s) => { s.options.maxEventTimeAhead = 'a while'; }, /maxEventTimeAhead: /],
    ['no checkpoint location', (s) => { s.sink.checkpointLocation = ''; }, /no checkpoint location: set option\('checkpointLocation', '<path>'\) on writeStream/],
    ['a side table on the sink path', (s) => { s.options.quarantinePath = s.sink.path; }, /quarantinePath '.*' is the same location as the table path/],
  ];
  for (const [what, change, message] of invalidPlans) {
    it(`refuses ${what} with INVALID_ARGUMENT`, async () => {
      const s = spec(bootstrap(), topic, dir, `invalid-${what.replace(/\W+/g, '-')}`);
      change(s);
      await refused(client, s, 'INVALID_ARGUMENT', message);
    });
  }

  it('refuses spec_json that is not JSON with INVALID_ARGUMENT', async () => {
    const { RpcClient } = await import('@tributary/common');
    const raw = new RpcClient('QueryService', cluster.driverAddress);
    try {
      await assert.rejects(raw.call('SubmitQuery', { spec_json: '{"version": 1,' }), (err: any) => err.code === 'INVALID_ARGUMENT' && /spec_json is not valid JSON/.test(err.message));
    } finally {
      raw.close();
    }
  });

  it('refuses a checkpoint location used by a running query with FAILED_PRECONDITION, in this driver and in another one', async () => {
    const first = spec(bootstrap(), topic, dir, 'in-use');
    const info = await client.submit(first);
    try {
      const second = { ...spec(bootstrap(), topic, dir, 'in-use-2'), sink: { ...first.sink, path: path.join(dir, 'delta', 'other') } };
      await refused(client, second, 'FAILED_PRECONDITION', new RegExp(`checkpoint location .*in-use is already used by running query ${info.id}`));

      // Another driver process on this host: the checkpoint's lock names the holder.
      const other = await LocalCluster.start({ dir: path.join(dir, 'cluster-2'), redis: testRedis(), executors: 0 });
      const otherClient = new DriverClient(other.driverAddress);
      try {
        await refused(otherClient, second, 'FAILED_PRECONDITION', /checkpoint location .*in-use is already used by a running query \(pid \d+ on host /);
      } finally {
        otherClient.close();
        await other.stop();
      }
    } finally {
      await client.stop(info.id);
    }
  });

  it('refuses a resumed checkpoint whose stateful part changed, saying what changed', async () => {
    const s = spec(bootstrap(), topic, dir, 'stateful');
    const info = await client.submit(s);
    await client.stop(info.id);
    s.aggregation.window.duration = '10 minutes';
    s.aggregation.aggregates = [{ fn: 'count', column: '*', alias: 'event_count' }];
    await refused(client, s, 'INVALID_ARGUMENT',
      /belongs to a query whose stateful part differs: the window changed from window\(timestamp, 5 minutes\) to window\(timestamp, 10 minutes\); the aggregates changed from \[event_count = count → bigint, total_amount = sum → decimal\(20,2\)\] to \[event_count = count → bigint\]/);
  });

  it('refuses a checkpoint written by an earlier version (metadata v1, the seed state format) with FAILED_PRECONDITION, saying what to do', async () => {
    const s = spec(bootstrap(), topic, dir, 'earlier');
    await createQueryMetadata(storage, s.sink.checkpointLocation, { shufflePartitions: 8, statefulFingerprint: '{}', sinkPaths: [s.sink.path], sourceTopic: topic });
    await refused(client, s, 'FAILED_PRECONDITION',
      /checkpoint at .*earlier was written by an earlier version of Tributary \(query metadata v1, without a resolved query\).*Run the query with a new checkpoint location/);
    assert.equal(fs.existsSync(s.sink.path), false, 'no table is created for a refused query');
  });

  it('refuses an unreachable Kafka with UNAVAILABLE naming it and where', async () => {
    const port = await freePort();
    await refused(client, spec(`127.0.0.1:${port}`, topic, dir, 'no-kafka'), 'UNAVAILABLE', new RegExp(`Kafka at 127\\.0\\.0\\.1:${port} (is unavailable|did not answer)`));
  });

  it('refuses a topic that does not exist with UNAVAILABLE naming it and the brokers', async () => {
    await refused(client, spec(bootstrap(), `missing_${Date.now()}`, dir, 'no-topic'), 'UNAVAILABLE', /topic missing_\d+ does not exist on Kafka at /);
  });

  it('refuses an unreachable Redis with UNAVAILABLE naming it and where', async () => {
    const port = await freePort();
    const noRedis = await LocalCluster.start({ dir: path.join(dir, 'cluster-no-redis'), redis: { host: '127.0.0.1', port }, executors: 0 });
    const c = new DriverClient(noRedis.driverAddress);
    try {
      await refused(c, spec(bootstrap(), topic, dir, 'no-redis'), 'UNAVAILABLE', new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} is unreachable`));
    } finally {
      c.close();
      await noRedis.stop();
    }
  });

  it('`tributary submit` prints the refusal plainly and exits 1', async () => {
    const file = path.join(dir, 'bad-spec.json');
    const s = spec(bootstrap(), topic, dir, 'cli');
    s.aggregation.keys = ['customer'];
    s.options.maxEventTimeAhead = 'soon';
    fs.writeFileSync(file, JSON.stringify(s));
    const r = cli(['submit', file, '--driver', cluster.driverAddress]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines[0], `tributary submit: the driver at ${cluster.driverAddress} refused the query (INVALID_ARGUMENT):`);
    assert.equal(lines[1], 'invalid query (2 problems):');
    const problems = lines.slice(2).sort();
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^- \[UNRESOLVED_COLUMN\.WITH_SUGGESTION\] A column or function parameter with name `customer` cannot be resolved/);
    assert.match(problems[1], /^- maxEventTimeAhead: cannot parse duration "soon"/);

    const port = await freePort();
    const unreachable = cli(['submit', file, '--driver', `127.0.0.1:${port}`]);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, new RegExp(`^tributary submit: cannot reach the driver at 127\\.0\\.0\\.1:${port}`));
  });
});
