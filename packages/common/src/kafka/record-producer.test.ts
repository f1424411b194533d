import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { connectKafkaAdmin } from './admin';
import { createRangeReader } from './range-reader';
import { RecordBatchDecoder } from './record-batch';
import { RecordBatchBuilder } from './record-batch-builder';
import { createRecordProducer } from './record-producer';

import { testKafka } from '../testing';

function sample(i: number): { key: Buffer | null; value: Buffer; ts: number } {
  return {
    key: i % 4 === 0 ? null : Buffer.from(`k${i}`),
    value: Buffer.from(`{"i":${i},"pad":"${'x'.repeat(i % 300)}"}`),
    ts: 1_700_000_000_000 + i * 37 - (i % 5) * 1000,
  };
}

describe('RecordBatchBuilder', () => {
  it('encodes batches the decoder reads back with a valid CRC: keys, values and timestamps', () => {
    const b = new RecordBatchBuilder(4096); // grows while appending
    const recs = Array.from({ length: 3000 }, (_, i) => sample(i));
    for (const r of recs) b.append(r.key, r.value, 0, r.value.length, r.ts);
    const bytes = Buffer.from(b.finish());
    const d = new RecordBatchDecoder({ verifyCrc: true, capacity: 1024 });
    d.begin('t', 0, bytes, 0, recs.length);
    let seen = 0;
    for (let c = d.next(); c !== null; c = d.next()) {
      for (let j = 0; j < c.count; j++, seen++) {
        const r = recs[seen];
        assert.equal(c.offset[j], seen);
        assert.equal(c.timestampMs[j], r.ts);
        assert.equal(c.buf.toString('utf8', c.valueStart[j], c.valueStart[j] + c.valueLength[j]), r.value.toString());
        assert.equal(c.keyLength[j], r.key === null ? -1 : r.key.length);
        if (r.key) assert.equal(c.buf.toString('utf8', c.keyStart[j], c.keyStart[j] + c.keyLength[j]), r.key.toString());
      }
    }
    assert.equal(seen, recs.length);
  });
});

describe('RecordProducer against a broker', function () {
  this.timeout(60_000);
  it('lands batches in send order with the broker assigning offsets; kafkajs and the range reader read the same records', async () => {
    const topic = `record-producer-${process.pid}-${Date.now()}`;
    const admin = await connectKafkaAdmin({ brokers: [testKafka()] });
    const producer = await createRecordProducer({ brokers: [testKafka()] });
    const b = new RecordBatchBuilder();
    const recs = Array.from({ length: 5000 }, (_, i) => sample(i));
    try {
      await admin.createTopic(topic, 2);
      const sends: Promise<number>[] = [];
      for (let from = 0; from < recs.length; from += 1000) {
        b.reset();
        for (let i = from; i < from + 1000; i++) b.append(recs[i].key, recs[i].value, 0, recs[i].value.length, recs[i].ts);
        sends.push(producer.send(topic, 1, Buffer.from(b.finish()))); // pipelined
      }
      assert.deepEqual(await Promise.all(sends), [0, 1000, 2000, 3000, 4000]);
      assert.deepEqual([...(await admin.latestOffsets(topic))].sort((x, y) => x[0] - y[0]), [[0, 0n], [1, 5000n]]);
      const reader = await createRangeReader({ brokers: [testKafka()] });
      const values: string[] = [];
      try {
        await reader.read({ topic, partition: 1, from: 0n, to: 5000n }, (c) => {
          for (let j = 0; j < c.count; j++) values.push(c.buf.toString('utf8', c.valueStart[j], c.valueStart[j] + c.valueLength[j]));
        });
      } finally {
        await reader.close();
      }
      assert.deepEqual(values, recs.map((r) => r.value.toString()));
      const kafka = new Kafka({ brokers: [testKafka()], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: `${topic}-check` });
      const seen: { key: string | null; value: string; ts: string }[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer.run({
            eachMessage: async ({ message }) => {
              seen.push({ key: message.key === null ? null : message.key.toString(), value: message.value!.toString(), ts: message.timestamp });
              if (seen.length === recs.length) resolve();
            },
          }).catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      assert.deepEqual(seen, recs.map((r) => ({ key: r.key === null ? null : r.key.toString(), value: r.value.toString(), ts: String(r.ts) })));
    } finally {
      await producer.close();
      await admin.close();
    }
  });
});
