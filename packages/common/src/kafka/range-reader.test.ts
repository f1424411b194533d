import { strict as assert } from 'node:assert';
import { Kafka, logLevel } from 'kafkajs';
import { DataLossError, InvalidArgumentError, UnavailableError } from '../errors';
import { Compression, connectKafkaAdmin, KafkaAdmin, ProducedMessage } from './admin';
import { FetchClient } from './fetch-client';
import { createRangeReader, PartitionRange, RangeReader, RangeReaderOptions } from './range-reader';
import { registerTestZstdCodec } from './test-codecs';

import { testKafka } from '../testing';
const T0 = 1_700_000_000_000;

interface Rec {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
}

function uniqueTopic(tag: string): string {
  return `tributary-kafka-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

/** Message i of a test set: null keys every 4th, null values every 9th (from 5), headers on odd ones. */
function message(i: number, tag: string): ProducedMessage & { key: string | null; value: string | null } {
  return {
    key: i % 4 === 0 ? null : `key-${tag}-${i}`,
    value: i % 9 === 5 ? null : JSON.stringify({ customer_id: i, amount: `${i}.25`, tag, pad: 'p'.repeat(i % 50) }),
    timestamp: String(T0 + i * 10),
    headers: i % 2 ? { trace: `t${i}`, other: Buffer.from([i & 0xff]) } : undefined,
  };
}

function expectedRecords(from: number, to: number, tag: string, offsetToIndex = (o: number) => o): Rec[] {
  const out: Rec[] = [];
  for (let o = from; o < to; o++) {
    const m = message(offsetToIndex(o), tag);
    out.push({ offset: o, timestamp: T0 + offsetToIndex(o) * 10, key: m.key, value: m.value });
  }
  return out;
}

async function readAll(reader: RangeReader, range: PartitionRange, signal?: AbortSignal): Promise<Rec[]> {
  const out: Rec[] = [];
  await reader.read(
    range,
    (c) => {
      assert.equal(c.topic, range.topic);
      assert.equal(c.partition, range.partition);
      for (let i = 0; i < c.count; i++) {
        out.push({
          offset: c.offset[i],
          timestamp: c.timestampMs[i],
          key: c.keyLength[i] < 0 ? null : c.buf.toString('utf8', c.keyStart[i], c.keyStart[i] + c.keyLength[i]),
          value: c.valueLength[i] < 0 ? null : c.buf.toString('utf8', c.valueStart[i], c.valueStart[i] + c.valueLength[i]),
        });
      }
    },
    signal,
  );
  return out;
}

function range(topic: string, partition: number, from: number, to: number): PartitionRange {
  return { topic, partition, from: BigInt(from), to: BigInt(to) };
}

/** The codec bits of the first batch the broker holds at `offset`, read raw. */
async function storedCodec(topic: string, partition: number, offset: number): Promise<number> {
  const client = new FetchClient({
    brokers: [testKafka()],
    clientId: 'codec-probe',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 10000,
    maxWaitMs: 100,
    retries: 3,
    retryBackoffMs: 50,
    maxRetryBackoffMs: 500,
  });
  try {
    const res = await client.partitionFetcher(topic, partition, 'probe', 1 << 20, false).fetch(offset);
    return res.records.readInt16BE(21) & 7;
  } finally {
    client.close();
  }
}

/** Waits until partition 0's last stable offset reaches `offset` (all markers written). */
async function untilLatestOffset(admin: KafkaAdmin, topic: string, offset: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await admin.latestOffsets(topic)).get(0) === BigInt(offset)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`partition 0 of ${topic} never reached offset ${offset}`);
}

describe('Kafka range reader against a broker', function () {
  this.timeout(60_000);
  let admin: KafkaAdmin;
  let kafka: Kafka;
  let reader: RangeReader;
  const readers: RangeReader[] = [];

  async function newReader(opts: Partial<RangeReaderOptions> = {}): Promise<RangeReader> {
    const r = await createRangeReader({ brokers: [testKafka()], ...opts });
    readers.push(r);
    return r;
  }

  before(async () => {
    await registerTestZstdCodec();
    admin = await connectKafkaAdmin({ brokers: [testKafka()] });
    kafka = new Kafka({ brokers: [testKafka()], clientId: 'tributary-kafka-test', logLevel: logLevel.NOTHING });
    reader = await newReader();
  });

  after(async () => {
    for (const r of readers) await r.close();
    await admin?.close();
  });

  const CODECS: [Compression, number][] = [
    ['none', 0],
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ];
  for (const [codec, codecId] of CODECS) {
    it(`reads back every record produced with ${codec} compression, including ranges cut mid-batch`, async () => {
      const topic = uniqueTopic(codec);
      await admin.createTopic(topic, 2);
      for (let b = 0; b < 3; b++) {
        const batch = Array.from({ length: 40 }, (_, j) => ({ ...message(b * 40 + j, codec), partition: 1 }));
        const [produced] = await admin.produceBatch(topic, batch, codec);
        assert.equal(produced.baseOffset, BigInt(b * 40));
      }
      assert.equal(await storedCodec(topic, 1, 0), codecId, 'the broker holds batches of this codec');
      assert.deepEqual(await readAll(reader, range(topic, 1, 0, 120)), expectedRecords(0, 120, codec));
      assert.deepEqual(await readAll(reader, range(topic, 1, 17, 95)), expectedRecords(17, 95, codec));
      assert.deepEqual(await readAll(reader, range(topic, 1, 40, 41)), expectedRecords(40, 41, codec));
      assert.deepEqual(await readAll(reader, range(topic, 1, 60, 60)), []);
      assert.deepEqual(await readAll(reader, range(topic, 0, 0, 0)), []);
    });
  }

  it('covers the range exactly with fetches far smaller than the data, prefetching as it goes', async () => {
    const topic = uniqueTopic('small-fetch');
    await admin.createTopic(topic, 1);
    for (let b = 0; b < 20; b++) {
      await admin.produceBatch(topic, Array.from({ length: 25 }, (_, j) => message(b * 25 + j, 'sf')), b % 2 ? 'gzip' : 'none');
    }
    const small = await newReader({ maxBytesPerFetch: 1024, chunkCapacity: 7 });
    const got: Rec[] = [];
    const stats = await small.read(range(topic, 0, 13, 487), async (c) => {
      for (let i = 0; i < c.count; i++) got.push({ offset: c.offset[i], timestamp: c.timestampMs[i], key: null, value: null });
      await new Promise((r) => setImmediate(r));
    });
    assert.deepEqual(
      got.map((r) => r.offset),
      Array.from({ length: 474 }, (_, i) => 13 + i),
    );
    assert.equal(stats.records, 474);
    assert.ok(stats.fetches >= 10, `${stats.fetches} fetches`);
    assert.ok(stats.bytesFetched > 0);
  });

  it('with prefetchNext, serves a range starting where the last one ended from the fetch left in flight, and no other', async () => {
    const topic = uniqueTopic('prefetch');
    await admin.createTopic(topic, 1);
    const produce = async (from: number, to: number) => {
      for (let b = from; b < to; b += 25) await admin.produceBatch(topic, Array.from({ length: Math.min(25, to - b) }, (_, j) => message(b + j, 'pf')));
    };
    await produce(0, 100);
    const ahead = await newReader({ prefetchNext: true, maxBytesPerFetch: 2048 });
    const read = async (from: number, to: number) => {
      const got: Rec[] = [];
      const stats = await ahead.read(range(topic, 0, from, to), (c) => {
        for (let i = 0; i < c.count; i++) got.push({ offset: c.offset[i], timestamp: c.timestampMs[i], key: null, value: c.buf.toString('utf8', c.valueStart[i], c.valueStart[i] + Math.max(0, c.valueLength[i])) });
      });
      const want = expectedRecords(from, to, 'pf').map((r) => ({ ...r, key: null, value: r.value ?? '' }));
      assert.deepEqual(got, want, `records of [${from}, ${to})`);
      return stats.prefetched;
    };
    assert.equal(await read(0, 50), 0);
    assert.equal(await read(50, 100), 1, 'the fetch at 50 was in flight');
    // The fetch at 100 waits at the end of the log; the records arrive later.
    setTimeout(() => void produce(100, 160), 200);
    await new Promise((r) => setTimeout(r, 400));
    await untilLatestOffset(admin, topic, 160);
    assert.equal(await read(100, 160), 1, 'the fetch at 100 answered once records came');
    assert.equal(await read(110, 130), 0, 'a range elsewhere fetches anew');
    assert.equal(await read(130, 150), 1);
    assert.equal(await read(0, 20), 0);
  });

  it('reads several partitions at once through one reader', async () => {
    const topic = uniqueTopic('multi');
    await admin.createTopic(topic, 3);
    for (let p = 0; p < 3; p++) {
      await admin.produceBatch(topic, Array.from({ length: 30 }, (_, j) => ({ ...message(j, `p${p}`), partition: p })));
    }
    const results = await Promise.all([0, 1, 2].map((p) => readAll(reader, range(topic, p, 2, 29))));
    results.forEach((got, p) => assert.deepEqual(got, expectedRecords(2, 29, `p${p}`)));
  });

  it('under read_committed leaves out the aborted transaction; both levels skip the control records', async () => {
    const topic = uniqueTopic('txn');
    await admin.createTopic(topic, 1);
    const txProducer = kafka.producer({ transactionalId: `${topic}-tx`, maxInFlightRequests: 1, idempotent: true });
    await txProducer.connect();
    try {
      const send = (from: number, to: number) => ({ topic, messages: Array.from({ length: to - from }, (_, j) => ({ ...message(from + j, 'tx'), partition: 0 })) });
      await admin.produceBatch(topic, send(0, 3).messages); // offsets 0-2, no transaction
      const aborted = await txProducer.transaction();
      await aborted.send(send(3, 7)); // offsets 3-6, then the abort marker at 7
      await aborted.abort();
      await untilLatestOffset(admin, topic, 8); // the coordinator writes markers after EndTxn returns
      const committed = await txProducer.transaction();
      await committed.send(send(7, 11)); // message indexes 7-10 at offsets 8-11, commit marker at 12
      await committed.commit();
      await untilLatestOffset(admin, topic, 13);
      await admin.produceBatch(topic, send(11, 13).messages); // indexes 11-12 at offsets 13-14
    } finally {
      await txProducer.disconnect();
    }
    const end = Number((await admin.latestOffsets(topic)).get(0));
    assert.equal(end, 15);
    const indexOf = (o: number) => (o < 7 ? o : o < 12 ? o - 1 : o - 2);
    const committedOnly = await newReader({ isolation: 'read_committed' });
    const want = (offsets: number[]) => offsets.flatMap((o) => expectedRecords(o, o + 1, 'tx', indexOf));
    assert.deepEqual(await readAll(committedOnly, range(topic, 0, 0, end)), want([0, 1, 2, 8, 9, 10, 11, 13, 14]));
    assert.deepEqual(await readAll(reader, range(topic, 0, 0, end)), want([0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, 14]));
    assert.deepEqual(await readAll(committedOnly, range(topic, 0, 5, 10)), want([8, 9]));
  });

  it('fails with a data-loss error naming topic, partition and range when the range runs past the end', async () => {
    const topic = uniqueTopic('past-end');
    await admin.createTopic(topic, 2);
    await admin.produceBatch(topic, Array.from({ length: 10 }, (_, j) => ({ ...message(j, 'pe'), partition: 1 })));
    const impatient = await newReader({ endWaitMs: 300, maxWaitMs: 100 });
    const seen: number[] = [];
    await assert.rejects(
      impatient.read(range(topic, 1, 5, 13), (c) => {
        for (let i = 0; i < c.count; i++) seen.push(c.offset[i]);
      }),
      (e: unknown) => e instanceof DataLossError && e.message.includes(`topic ${topic} partition 1 range [5, 13)`),
    );
    assert.deepEqual(seen, [5, 6, 7, 8, 9]);
    await assert.rejects(
      impatient.read(range(topic, 1, 12, 15), () => undefined),
      (e: unknown) => e instanceof DataLossError && e.message.includes(`topic ${topic} partition 1 range [12, 15)`) && /OFFSET_OUT_OF_RANGE/.test(e.message),
    );
  });

  it('fails with a data-loss error when the range was deleted, and reads what is left', async () => {
    const topic = uniqueTopic('deleted');
    await admin.createTopic(topic, 1);
    await admin.produceBatch(topic, Array.from({ length: 30 }, (_, j) => message(j, 'del')));
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      await kadmin.fetchTopicMetadata({ topics: [topic] });
      await kadmin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '20' }] });
    } finally {
      await kadmin.disconnect();
    }
    assert.equal((await admin.earliestOffsets(topic)).get(0), 20n);
    await assert.rejects(
      reader.read(range(topic, 0, 5, 30), () => undefined),
      (e: unknown) => e instanceof DataLossError && e.message.includes(`topic ${topic} partition 0 range [5, 30)`),
    );
    assert.deepEqual(await readAll(reader, range(topic, 0, 20, 30)), expectedRecords(20, 30, 'del'));
  });

  it('gives up on an unreachable broker with a retriable unavailable error', async () => {
    const nowhere = await createRangeReader({ brokers: ['127.0.0.1:1'], retries: 2, retryBackoffMs: 10, connectTimeoutMs: 1000 });
    try {
      await assert.rejects(
        nowhere.read(range('any', 0, 0, 10), () => undefined),
        (e: unknown) => e instanceof UnavailableError && e.retriable && /3 attempts/.test(e.message),
      );
    } finally {
      await nowhere.close();
    }
  });

  it('stops when its signal aborts and refuses invalid ranges', async () => {
    const topic = uniqueTopic('abort');
    await admin.createTopic(topic, 1);
    await admin.produceBatch(topic, Array.from({ length: 5 }, (_, j) => message(j, 'ab')));
    const ac = new AbortController();
    const reading = reader.read(range(topic, 0, 0, 1000), () => undefined, ac.signal);
    setTimeout(() => ac.abort(new Error('stop reading')), 200);
    await assert.rejects(reading, /stop reading/);
    await assert.rejects(reader.read(range(topic, 0, 5, 4), () => undefined), InvalidArgumentError);
    await assert.rejects(reader.read({ topic, partition: 0, from: -1n, to: 4n }, () => undefined), InvalidArgumentError);
    assert.deepEqual(await readAll(reader, range(topic, 0, 0, 5)), expectedRecords(0, 5, 'ab'), 'the reader still works');
  });

  it('lists partitions and earliest and latest offsets', async () => {
    const topic = uniqueTopic('admin');
    assert.equal(await admin.createTopic(topic, 3), true);
    assert.equal(await admin.createTopic(topic, 3), false);
    await admin.produceBatch(topic, [
      { value: 'a', partition: 2 },
      { value: 'b', partition: 2 },
      { value: 'c', partition: 0 },
    ]);
    assert.deepEqual(await admin.listPartitions(topic), [0, 1, 2]);
    assert.deepEqual(
      await admin.latestOffsets(topic),
      new Map([
        [0, 1n],
        [1, 0n],
        [2, 2n],
      ]),
    );
    assert.deepEqual(
      await admin.earliestOffsets(topic),
      new Map([
        [0, 0n],
        [1, 0n],
        [2, 0n],
      ]),
    );
  });
});
