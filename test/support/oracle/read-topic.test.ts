import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { readTopicEvents } from './read-topic';

import { testKafka } from '@tributary/common';

describe('readTopicEvents', function () {
  this.timeout(30_000);

  it('reads every record of every partition up to the high watermarks, in offset order', async () => {
    const topic = `oracle-read-${process.pid}-${Date.now()}`;
    const kafka = new Kafka({ clientId: 'oracle-read-test', brokers: [testKafka()], logLevel: logLevel.ERROR });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let p = 0; p < 3; p++) {
      const messages = Array.from({ length: 100 + p }, (_, i) => ({ key: `k${i}`, value: `${p}:${i}`, partition: p }));
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.send({ topic, messages: [{ key: null, value: null, partition: 1 }], acks: -1 });
    await producer.disconnect();

    const records = await readTopicEvents(testKafka(), topic);
    assert.equal(records.length, 100 + 102 + 102);
    for (let p = 0; p < 3; p++) {
      const mine = records.filter((r) => r.partition === p);
      assert.deepEqual(mine.map((r) => r.offset), Array.from({ length: mine.length }, (_, i) => String(i)));
      for (let i = 0; i < 100 + p; i++) {
        assert.equal(String(mine[i].value), `${p}:${i}`);
        assert.equal(String(mine[i].key), `k${i}`);
      }
    }
    const tombstone = records.find((r) => r.partition === 1 && r.offset === '101');
    assert.equal(tombstone?.value, null);
  });

  it('returns nothing for an empty topic', async () => {
    const topic = `oracle-empty-${process.pid}-${Date.now()}`;
    const kafka = new Kafka({ clientId: 'oracle-read-test', brokers: [testKafka()], logLevel: logLevel.ERROR });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    assert.deepEqual(await readTopicEvents(testKafka(), topic), []);
  });
});
