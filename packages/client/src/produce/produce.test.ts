import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { generateEvents } from './event-generator';
import { produceEvents } from './produce';

import { testKafka } from '@tributary/common';

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written here from the algorithm. */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] & 0xff) | ((data[i + 1] & 0xff) << 8) | ((data[i + 2] & 0xff) << 16) | ((data[i + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= (data[whole + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[whole + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[whole] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

function javaPartition(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions;
}

describe('produceEvents', function () {
  this.timeout(30_000);

  it('uses a murmur2 that matches Kafka test vectors', () => {
    assert.equal(murmur2(Buffer.from('21')), -973932308);
    assert.equal(murmur2(Buffer.from('foobar')), -790332482);
    assert.equal(murmur2(Buffer.from('a-little-bit-long-string')), -985981536);
    assert.equal(murmur2(Buffer.from('a-little-bit-longer-string')), -1486304829);
    assert.equal(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')), -58897971);
    assert.equal(murmur2(Buffer.from('abc')), 479470107);
  });

  it('creates the topic and sends every event, keyed and partitioned like Kafka, in order per partition', async () => {
    const topic = `produce-test-${process.pid}-${Date.now()}`;
    const events = generateEvents({ seed: 1, customers: 100, count: 2500 });
    const result = await produceEvents(testKafka(), topic, 3, events, undefined, { chunkSize: 1000 });
    assert.equal(result.sent, 2500);

    const kafka = new Kafka({ clientId: 'produce-test', brokers: [testKafka()], logLevel: logLevel.ERROR });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      assert.equal(offsets.length, 3);
      assert.equal(offsets.reduce((n, p) => n + Number(p.high), 0), 2500);
    } finally {
      await admin.disconnect();
    }
    const seen: { partition: number; key: string; value: string }[] = [];
    const consumer = kafka.consumer({ groupId: `${topic}-check` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer.run({
          eachMessage: async ({ partition, message }) => {
            seen.push({ partition, key: String(message.key), value: String(message.value) });
            if (seen.length === 2500) resolve();
          },
        }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    const byId = new Map(seen.map((r) => [(JSON.parse(r.value) as { event_id: number }).event_id, r]));
    assert.equal(byId.size, 2500);
    const lastIdOfPartition = new Map<number, number>();
    for (const r of seen) {
      const id = (JSON.parse(r.value) as { event_id: number }).event_id;
      assert.equal(r.value, String(events.values[id]));
      assert.equal(r.key, events.keys[id]);
      assert.equal(r.partition, javaPartition(r.key, 3), `key ${r.key}`);
      assert.ok((lastIdOfPartition.get(r.partition) ?? -1) < id, 'produced order kept within a partition');
      lastIdOfPartition.set(r.partition, id);
    }
  });

  it('keeps to the rate limit', async () => {
    const topic = `produce-rate-${process.pid}-${Date.now()}`;
    const events = generateEvents({ seed: 2, customers: 10, count: 1000 });
    const result = await produceEvents(testKafka(), topic, 1, events, 2000);
    assert.equal(result.sent, 1000);
    assert.ok(result.durationMs >= 400, `1000 events at 2000/s take about 0.5 s, took ${result.durationMs} ms`);
  });

  it('refuses an existing topic with another partition count', async () => {
    const topic = `produce-parts-${process.pid}-${Date.now()}`;
    const events = generateEvents({ seed: 3, customers: 10, count: 10 });
    await produceEvents(testKafka(), topic, 2, events);
    await assert.rejects(produceEvents(testKafka(), topic, 4, events), new RegExp(`topic '${topic}' exists with 2 partitions, not 4`));
  });
});
