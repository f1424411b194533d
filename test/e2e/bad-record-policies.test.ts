/**
 * The badRecords policies other than the default, on a real cluster: 'fail' stops the query at the
 * first bad record with an error naming topic, partition, offset and reason, without retrying;
 * 'drop' keeps going, counts every bad record in progress, logs each one, and writes no quarantine table.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QuerySpec } from '@tributary/common';
import { DriverClient, EventBatch, generateEvents, LocalCluster, produceEvents } from '@tributary/client';
import { testKafka, testRedis } from '../support/infra';
import { badRecords } from '../support/bad-records';
import { seedSpec } from '../support/specs';

async function until(check: () => Promise<boolean>, timeoutMs: number, what: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${await what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Good events with one bad record after the first `at` (all on one partition: key '1'). */
function withBad(good: EventBatch, bad: { key: string; value: Buffer | null }[], at: number): EventBatch {
  const keys = [...good.keys.slice(0, at), ...bad.map(() => '1'), ...good.keys.slice(at)];
  const values = [...good.values.slice(0, at), ...bad.map((b) => b.value), ...good.values.slice(at)];
  return { ...good, count: keys.length, keys, values: values as Buffer[] };
}

describe('badRecords policies fail and drop on a real cluster', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let cluster: LocalCluster;
  let client: DriverClient;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-policies-'));
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: testRedis(), executors: 1 });
    client = new DriverClient(cluster.driverAddress);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') for (const n of ['driver', 'exec-0']) console.log(`--- ${n} log (tail)\n${cluster.logOf(n).slice(-3000)}`);
    client?.close();
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("'fail' stops the query naming topic, partition, offset and reason, after one attempt", async () => {
    const topic = `policy_fail_${Date.now()}`;
    const good = generateEvents({ seed: 5, customers: 1, count: 100 });
    await produceEvents(testKafka(), topic, 1, withBad(good, [{ key: '1', value: Buffer.from('{"customer_id": 1,') }], 40));
    const spec: QuerySpec = seedSpec(testKafka(), topic, dir, 'fail');
    spec.options.badRecords = 'fail';
    const info = await client.submit(spec);
    const end = await client.awaitTermination(info.id, 120_000);
    assert.equal(end.state, 'FAILED');
    assert.match(end.error, new RegExp(`\\[BAD_RECORD\\] bad record at topic ${topic} partition 0 offset 40: MALFORMED_JSON: .*byte 18`));
    assert.equal((cluster.logOf('driver').match(/attempt \d+ failed, retrying/g) ?? []).length, 0, 'a bad record is not retried');
    assert.ok(!fs.existsSync(path.join(dir, 'delta', 'fail_quarantine')), 'no quarantine table under fail');
  });

  it("'drop' counts every bad record by reason, logs each one, and keeps going", async () => {
    const topic = `policy_drop_${Date.now()}`;
    const good = generateEvents({ seed: 6, customers: 1, count: 200 });
    const bad = badRecords(1);
    await produceEvents(testKafka(), topic, 1, withBad(good, bad, 100));
    const spec: QuerySpec = seedSpec(testKafka(), topic, dir, 'drop');
    spec.options.badRecords = 'drop';
    const info = await client.submit(spec);
    const total = good.count + bad.length;
    const input = async () => (await client.get(info.id, 100)).progress.reduce((a, p) => a + p.numInputRows, 0);
    await until(async () => (await input()) >= total, 60_000, async () => `read ${await input()} of ${total}`);
    const { info: now, progress } = await client.get(info.id, 100);
    assert.equal(now.state, 'ACTIVE');
    const byReason: Record<string, number> = {};
    for (const p of progress) for (const [k, v] of Object.entries(p.badRecords.byReason)) byReason[k] = (byReason[k] ?? 0) + v;
    const expected: Record<string, number> = {};
    for (const b of bad) expected[b.reason] = (expected[b.reason] ?? 0) + 1;
    assert.deepEqual(byReason, expected);
    assert.ok(progress.every((p) => p.badRecords.action === 'drop' && (p.badRecords.quarantined ?? 0) === 0));
    const logged = cluster.logOf('exec-0').match(new RegExp(`dropped bad record in batch \\d+: topic ${topic} partition 0 offset \\d+: [A-Z0-9_]+: `, 'g')) ?? [];
    assert.equal(logged.length, bad.length, 'each dropped record is logged');
    assert.ok(!fs.existsSync(path.join(dir, 'delta', 'drop_quarantine')), 'no quarantine table under drop');
    await client.stop(info.id);
  });
});
