import assert from 'node:assert/strict';
import { connectKafkaAdmin, createRangeReader, createStructDecoder, exactBigInt, referenceQuery, type ExactVector, type StructVector } from '@tributary/common';
import { Partitioners } from 'kafkajs';
import { produceLoad } from './load-generator';

import { testKafka } from '@tributary/common';

describe('produceLoad (the benchmark generator)', function () {
  this.timeout(60_000);
  it('sends exactly the events it reports: JSON the decoder accepts, keyed and partitioned like kafkajs, sums matching', async () => {
    const topic = `load-gen-${process.pid}-${Date.now()}`;
    const result = await produceLoad(testKafka(), topic, 3, 20_000, { seed: 5, customers: 500, batchRecords: 700 });
    assert.equal(result.sent, 20_000);
    const admin = await connectKafkaAdmin({ brokers: [testKafka()] });
    const latest = await admin.latestOffsets(topic);
    await admin.close();
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const reader = await createRangeReader({ brokers: [testKafka()] });
    const decoder = createStructDecoder(referenceQuery().scan);
    let count = 0;
    let cents = 0;
    let scannerCents = 0n;
    let minMicros = Infinity;
    let maxMicros = -Infinity;
    try {
      for (const [partition, to] of latest) {
        await reader.read({ topic, partition, from: 0n, to }, (c) => {
          for (let i = 0; i < c.count; i++) {
            const key = c.buf.toString('utf8', c.keyStart[i], c.keyStart[i] + c.keyLength[i]);
            const text = c.buf.toString('utf8', c.valueStart[i], c.valueStart[i] + c.valueLength[i]);
            const e = JSON.parse(text);
            assert.equal(key, String(e.customer_id));
            assert.equal(partitioner({ topic, partitionMetadata, message: { key, value: null } }), partition);
            const m = /"amount":"?(-?)(\d+)\.(\d\d)"?,/.exec(text)!; // the text: JSON.parse would round 12.30 to 12.3
            cents += (Number(m[2]) * 100 + Number(m[3])) * (m[1] ? -1 : 1);
            const micros = Date.parse(e.timestamp) * 1000 + Number(/\.\d{3}(\d{3})Z$/.exec(e.timestamp)![1]);
            minMicros = Math.min(minMicros, micros);
            maxMicros = Math.max(maxMicros, micros);
            count++;
          }
          const batch = decoder.decode(c, (_c, i, reason) => assert.fail(`record ${i} refused: ${reason}`));
          const amount = (batch.columns[0] as StructVector).children[2] as ExactVector; // data.amount, decimal(10,2) unscaled
          for (let i = 0; i < batch.count; i++) scannerCents += exactBigInt(amount, i);
        });
      }
    } finally {
      await reader.close();
    }
    assert.equal(count, 20_000);
    assert.equal(cents, result.sumCents);
    assert.equal(Number(scannerCents), result.sumCents);
    assert.equal(minMicros, result.minEventMicros);
    assert.equal(maxMicros, result.maxEventMicros);
  });
});
