/**
 * Alerts out of the lake's path, on a real cluster (Kafka broker, Redis, driver + executor
 * processes over gRPC): examples/alert-job.js over the seed's orders, per 5-minute window and
 * customer the total amount where above 10000, in update mode —
 *   (a) into a Kafka topic, exactly once: the driver is killed (SIGKILL, by the fault hook) right
 *       after batch 3's Kafka transaction committed and before its commit-log entry, an executor is
 *       killed, and the driver is killed again at an arbitrary moment mid-stream; a read_committed
 *       consumer (plain kafkajs) sees each alert exactly once;
 *   (b) to a webhook: the receiver answers some requests 503 (retried), and kills the driver when a
 *       batch's first request arrives (so that batch is posted again after the restart); the receiver
 *       sees every alert at least once, and exactly once after dropping repeated idempotency keys.
 * The alerts each batch emits are computed here from the orders topic (read back with kafkajs) and
 * the batches' ranges in the checkpoint's offsets log: no engine code.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DriverClient, GrpcSubmitter, produceEvents, StreamingQuery, TributarySession } from '@tributary/client';
import { testKafka } from '../support/infra';
import { clusterPerTest } from '../support/cluster-fixture';
import { readTopicEvents } from '../support/oracle/read-topic';
import { readCommitted } from '../support/read-committed';
import {
  alertText, BASE, centsOf, expectedAlerts, lastCommittedBatch, offsetsReadBy, orderBatch, ordersInOrder, plannedRanges, startAlertJob,
} from '../support/alert-orders';

const PARTITIONS = 4;

function session(client: DriverClient, name: string): TributarySession {
  return TributarySession.builder().appName(name).submitter(new GrpcSubmitter(client)).getOrCreate();
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` (errors while the driver restarts count as false) until true, or fails with `describe()`. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(250);
  }
}

/** Waits until the committed batches have read every one of `total` orders. */
async function waitAllRead(checkpoint: string, total: number, timeoutMs: number): Promise<number> {
  let last = -1;
  await eventually(() => {
    last = lastCommittedBatch(checkpoint);
    return last >= 0 && offsetsReadBy(plannedRanges(checkpoint), last) === BigInt(total);
  }, timeoutMs, () => `committed batch ${last} has not read all ${total} orders`);
  return last;
}

async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'alert-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  } finally {
    await admin.disconnect();
  }
}

describe('alert sinks on a real cluster (Kafka, Redis, driver + executors)', function () {
  this.timeout(15 * 60_000);

  describe('(a) Kafka, exactly once', () => {
    const env = clusterPerTest('tributary-kafka-sink-', 3, { driverEnv: { TRIBUTARY_FAULT_KILL_AT: 'afterSinkCommit:3' } });

    it('a read_committed consumer sees each alert exactly once across driver kills (one right after a Kafka commit) and an executor kill', async () => {
      const bootstrap = testKafka();
      const stamp = Date.now();
      const ordersTopic = `orders_${stamp}`;
      const alertsTopic = `alerts_${stamp}`;
      await createTopic(bootstrap, alertsTopic, 2);
      const phases = [ordersInOrder(4_000, BASE, 11), ordersInOrder(4_000, BASE + 400 * 1_000_000, 12), ordersInOrder(4_000, BASE + 800 * 1_000_000, 13)];
      const total = phases.reduce((a, p) => a + p.length, 0);
      await produceEvents(bootstrap, ordersTopic, PARTITIONS, orderBatch(phases[0]));

      const client = env.track(new DriverClient(env.cluster.driverAddress));
      const checkpoint = path.join(env.dir, 'chk-alerts');
      const query: StreamingQuery = await startAlertJob(session(client, 'alerts to kafka'), {
        bootstrap, topic: ordersTopic, maxOffsetsPerTrigger: 500, sink: 'kafka', alertsTopic, checkpoint, trigger: '200 milliseconds',
      });

      // The fault hook kills the driver after batch 3's transaction committed, before its commit-log entry.
      await eventually(() => !env.cluster.driverRunning(), 120_000, () => `the driver still runs at batch ${lastCommittedBatch(checkpoint)}`);
      assert.equal(lastCommittedBatch(checkpoint), 2, 'the driver died with batch 3 published but not in the commit log');
      await env.cluster.restartDriver({});
      const victim = [...env.cluster.executors.keys()][0];
      env.cluster.kill(victim);
      await env.cluster.addExecutor();
      await produceEvents(bootstrap, ordersTopic, PARTITIONS, orderBatch(phases[1]));
      await eventually(() => lastCommittedBatch(checkpoint) >= 10, 180_000, () => `batch ${lastCommittedBatch(checkpoint)} committed`);

      // Killed again, wherever it is in its batch, while more orders arrive.
      const producing = produceEvents(bootstrap, ordersTopic, PARTITIONS, orderBatch(phases[2]));
      await sleep(700);
      await env.cluster.restartDriver({});
      await producing;
      const last = await waitAllRead(checkpoint, total, 300_000);
      await query.stop();

      const messages = env.cluster.logOf('driver').split('\n').flatMap((line) => { try { return [String(JSON.parse(line).msg)]; } catch { return []; } });
      assert.ok(messages.some((m) => m.startsWith('fault hook: killing the driver at afterSinkCommit of batch 3')), 'the driver died right after batch 3 went to Kafka');
      const decisions = messages.flatMap((m) => (/ recovery: (\{.*\})$/.exec(m) ?? []).slice(1)).map((d) => JSON.parse(d) as { kind: string; batchId?: number; skipSinks?: string[] });
      assert.ok(decisions.some((d) => d.kind === 'replay' && d.batchId === 3 && (d.skipSinks ?? []).some((p) => p.endsWith('-sink-stage'))),
        `the restarted driver found batch 3 in Kafka and replayed it with the sink skipped; decisions: ${JSON.stringify(decisions)}`);

      const orders = await readTopicEvents(bootstrap, ordersTopic);
      assert.equal(orders.length, total);
      const expected = expectedAlerts(orders, plannedRanges(checkpoint), last);
      assert.ok(expected.length >= 50, `enough alerts to tell, got ${expected.length}`);
      const records = await readCommitted(bootstrap, alertsTopic, expected.length);
      const actual = records.map((r) => {
        const v = JSON.parse(String(r.value)) as { customer_id: number; window_start: string; total_amount: string };
        assert.equal(String(r.key), String(v.customer_id), 'the record key is the customer');
        return alertText(BigInt(Date.parse(`${v.window_start.replace(' ', 'T')}Z`)) * 1000n, v.customer_id, centsOf(v.total_amount));
      }).sort();
      assert.equal(new Set(actual).size, actual.length, 'no alert is published twice');
      assert.deepEqual(actual, expected, 'the consumer sees each alert of each batch exactly once');
    });
  });

  describe('(b) webhook, at least once with idempotency keys', () => {
    const env = clusterPerTest('tributary-webhook-sink-', 2);

    it('the receiver sees every alert at least once, and exactly once after dropping repeated keys, across a driver kill mid-delivery', async () => {
      const bootstrap = testKafka();
      const ordersTopic = `orders_webhook_${Date.now()}`;
      const orders = ordersInOrder(8_000, BASE, 21);
      await produceEvents(bootstrap, ordersTopic, PARTITIONS, orderBatch(orders));

      const received: { key: string; batchId: number; row: Record<string, unknown>; header: string }[] = [];
      let requests = 0;
      let killedAt: number | undefined;
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
          requests++;
          if (requests % 4 === 0) { res.writeHead(503).end('try again'); return; }
          assert.equal(req.headers.authorization, 'Bearer test');
          const doc = JSON.parse(body) as { batchId: number; part: number; rows: { idempotencyKey: string; row: Record<string, unknown> }[] };
          for (const r of doc.rows) received.push({ key: r.idempotencyKey, batchId: doc.batchId, row: r.row, header: String(req.headers['idempotency-key']) });
          if (killedAt === undefined && doc.batchId >= 3 && doc.part === 0) {
            // The rows arrived; the driver dies before it hears the answer: the batch is posted again.
            killedAt = doc.batchId;
            env.cluster.kill('driver');
            res.destroy();
            return;
          }
          res.writeHead(200).end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
        const client = env.track(new DriverClient(env.cluster.driverAddress));
        const checkpoint = path.join(env.dir, 'chk-webhook');
        const query = await startAlertJob(session(client, 'alerts to a webhook'), {
          bootstrap, topic: ordersTopic, maxOffsetsPerTrigger: 500, sink: 'webhook', url, headers: '{"Authorization":"Bearer test"}', maxRowsPerRequest: 7,
          checkpoint, trigger: '200 milliseconds',
        });
        await eventually(() => killedAt !== undefined && !env.cluster.driverRunning(), 120_000, () => `no kill yet; ${requests} requests`);
        await env.cluster.restartDriver();
        const last = await waitAllRead(checkpoint, orders.length, 300_000);
        await query.stop();

        const records = await readTopicEvents(bootstrap, ordersTopic);
        const expected = expectedAlerts(records, plannedRanges(checkpoint), last);
        assert.ok(expected.length >= 50, `enough alerts to tell, got ${expected.length}`);
        const textOf = (row: Record<string, unknown>): string =>
          alertText((row.window as { start: string }).start, String(row.customer_id), centsOf(String(row.total_amount)));
        const byKey = new Map<string, string>();
        for (const r of received) {
          const text = textOf(r.row);
          const seen = byKey.get(r.key);
          assert.ok(seen === undefined || seen === text, `key ${r.key} names one row (${seen} vs ${text})`);
          byKey.set(r.key, text);
          assert.ok(r.key.startsWith(`${query.id}:${r.batchId}:`), `key ${r.key} is <query id>:<batch id>:<row key>`);
          assert.match(r.header, new RegExp(`^${query.id}:${r.batchId}:part-\\d+$`));
        }
        assert.ok(received.length > byKey.size, `batch ${killedAt} was posted again: ${received.length} rows received, ${byKey.size} keys`);
        assert.deepEqual([...new Set(received.map((r) => textOf(r.row)))].sort(), [...new Set(expected)].sort(), 'every alert arrived at least once');
        assert.deepEqual([...byKey.values()].sort(), expected, 'exactly once after dropping repeated keys');
      } finally {
        server.close();
      }
    });
  });
});
