import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  asBatchId, connectKafkaAdmin, createRangeReader, createTransactionalProducer, testKafka, TributaryError, type KafkaAdmin, type SqlField,
} from '@tributary/common';
import { KafkaPublisher, KafkaSinkClients, transactionalIdOf } from './kafka-publisher';
import type { StagedRow } from './staged-rows';

/** The transactional protocol of the Kafka sink (K1–K4 in kafka-publisher.ts) against the real broker. */

const OUTPUT: SqlField[] = [
  { name: 'key', type: { kind: 'string' }, nullable: true },
  { name: 'value', type: { kind: 'string' }, nullable: true },
  { name: 'partition', type: { kind: 'int' }, nullable: true },
  { name: 'headers', type: { kind: 'array', containsNull: true, element: { kind: 'struct', fields: [
    { name: 'key', type: { kind: 'string' }, nullable: true }, { name: 'value', type: { kind: 'binary' }, nullable: true },
  ] } }, nullable: true },
];

function rows(batch: number, n: number): StagedRow[] {
  return Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `b${batch}-r${i}`, partition: i % 2, headers: [{ key: 'batch', value: `0x${Buffer.from(String(batch)).toString('hex')}` }] }));
}

interface Seen { partition: number; key: string; value: string; batchHeader: string }

/** Every committed record of `topic`, read by a plain kafkajs read_committed consumer until `count` arrived and 2 s passed quietly. */
async function readCommittedRecords(topic: string, count: number): Promise<Seen[]> {
  const kafka = new Kafka({ clientId: 'publisher-test', brokers: [testKafka()], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `publisher-test-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const seen: Seen[] = [];
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => {
    seen.push({ partition, key: String(message.key), value: String(message.value), batchHeader: String(message.headers?.batch) });
    last = Date.now();
  } });
  const deadline = Date.now() + 60_000;
  while (!(seen.length >= count && Date.now() - last > 2_000) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return seen;
}

describe('KafkaPublisher (real broker): one transaction per batch with its marker, fenced by transactional id', function () {
  this.timeout(120_000);
  let admin: KafkaAdmin;
  const clientsToClose: KafkaSinkClients[] = [];

  async function clients(): Promise<KafkaSinkClients> {
    const reader = await createRangeReader({ brokers: [testKafka()], isolation: 'read_committed', maxWaitMs: 100, endWaitMs: 5_000 });
    const c: KafkaSinkClients = { admin, reader, producer: createTransactionalProducer, close: () => reader.close() };
    clientsToClose.push(c);
    return c;
  }

  before(async () => { admin = await connectKafkaAdmin({ brokers: [testKafka()] }); });
  after(async () => {
    for (const c of clientsToClose) await c.close().catch(() => {});
    await admin.close();
  });

  it('publishes each batch once; a second publisher fences the first, learns the last batch from the markers, and aborts a transaction left open', async () => {
    const topic = `sink_out_${randomUUID().slice(0, 8)}`;
    const markerTopic = `sink_markers_${randomUUID().slice(0, 8)}`;
    await admin.createTopic(topic, 2);
    const queryId = randomUUID();
    const opts = { queryId, brokers: [testKafka()], topic, markerTopic, output: OUTPUT };

    const first = new KafkaPublisher(opts, await clients());
    await first.prepare();
    assert.equal(await first.lastPublishedBatch(), undefined, 'a new query has no marker');
    assert.equal(await first.publish(asBatchId(0), rows(0, 4)), 'published');
    assert.equal(await first.publish(asBatchId(1), rows(1, 3)), 'published');
    assert.equal(await first.publish(asBatchId(1), rows(1, 3)), 'skipped');

    // A new driver: its init fences the first producer, and the markers say batch 1 is in Kafka.
    const second = new KafkaPublisher(opts, await clients());
    assert.equal(await second.lastPublishedBatch(), 1);
    await assert.rejects(first.publish(asBatchId(2), rows(2, 2)), (e) => e instanceof TributaryError && e.retriable && /publishing batch 2 to Kafka failed/.test(e.message));
    // The fenced one, used again, fences the second in turn and learns the same facts: one writer at a time.
    assert.equal(await second.publish(asBatchId(1), rows(1, 3)), 'skipped');

    // A transaction left open by a dead producer of the query (rows and a marker of batch 2, never committed).
    const kafka = new Kafka({ clientId: 'zombie', brokers: [testKafka()], logLevel: logLevel.NOTHING });
    const zombie = kafka.producer({ transactionalId: transactionalIdOf(queryId), idempotent: true, maxInFlightRequests: 1 });
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({ topic, messages: [{ key: 'zombie', value: 'never committed', partition: 0 }] });
    await open.send({ topic: markerTopic, messages: [{ key: queryId, value: JSON.stringify({ v: 1, queryId, batchId: 2 }), partition: 0 }] });

    const third = new KafkaPublisher(opts, await clients());
    assert.equal(await third.lastPublishedBatch(), 1, 'the open transaction was aborted, its marker never counts');
    assert.equal(await third.publish(asBatchId(2), rows(2, 2)), 'published');
    assert.equal(await third.lastPublishedBatch(), 2);
    await zombie.disconnect().catch(() => {});
    await first.close();
    await second.close();

    const seen = await readCommittedRecords(topic, 9);
    const expected = [...rows(0, 4), ...rows(1, 3), ...rows(2, 2)].map((r) => ({
      partition: r.partition as number, key: r.key as string, value: r.value as string, batchHeader: (r.value as string).slice(1, 2),
    }));
    const order = (a: Seen, b: Seen): number => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    assert.deepEqual(seen.sort(order), expected.sort(order), 'each batch once, with its key, partition and headers; nothing of the open transaction');
    await third.close();
  });

  it("finds a query's newest marker behind many markers of other queries sharing the marker topic", async () => {
    const topic = `sink_out_${randomUUID().slice(0, 8)}`;
    const markerTopic = `sink_markers_${randomUUID().slice(0, 8)}`;
    await admin.createTopic(topic, 1);
    const mine = { queryId: randomUUID(), brokers: [testKafka()], topic, markerTopic, output: OUTPUT };
    const a = new KafkaPublisher(mine, await clients());
    await a.prepare();
    assert.equal(await a.publish(asBatchId(7), rows(7, 1)), 'published');
    const other = new KafkaPublisher({ ...mine, queryId: randomUUID() }, await clients());
    for (let n = 0; n < 150; n++) assert.equal(await other.publish(asBatchId(n), []), 'published');
    await a.close();
    await other.close();
    const b = new KafkaPublisher(mine, await clients());
    assert.equal(await b.lastPublishedBatch(), 7, '300 offsets (markers and commit markers) later');
    await b.close();
  });

  it('refuses to start on an output topic that does not exist, naming it', async () => {
    const publisher = new KafkaPublisher({ queryId: randomUUID(), brokers: [testKafka()], topic: 'no_such_topic_here', markerTopic: `m_${randomUUID().slice(0, 8)}`, output: OUTPUT }, await clients());
    await assert.rejects(publisher.prepare(), /the kafka sink's topic no_such_topic_here does not exist/);
  });
});
