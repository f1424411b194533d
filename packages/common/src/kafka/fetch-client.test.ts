import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { UnavailableError } from '../errors';
import { createRangeReader, RangeReader } from './range-reader';
import { encodeBatch, simpleRecords } from './test-batches';

/** What the fake broker does with one Fetch: answer (possibly with an error or throttle) or cut the connection. */
type FetchScript = (fetchOffset: number, nth: number) => { errorCode?: number; throttleMs?: number; records?: Buffer; hw: number } | 'drop-mid-response';

interface FakeBroker {
  port: number;
  metadataRequests: number;
  fetchTimes: number[];
  close(): Promise<void>;
}

/**
 * A Kafka broker that speaks just Metadata v7 and Fetch v11 for topic "t" partition 0 (led by
 * itself, node 1), following a script; it fails on cue to exercise the client's error handling.
 */
async function fakeBroker(script: FetchScript): Promise<FakeBroker> {
  const sockets = new Set<net.Socket>();
  const state: FakeBroker = { port: 0, metadataRequests: 0, fetchTimes: [], close: async () => undefined };
  let fetches = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const apiKey = frame.readInt16BE(0);
        const correlationId = frame.readInt32BE(4);
        const clientIdLen = frame.readInt16BE(8);
        const body = frame.subarray(10 + Math.max(0, clientIdLen));
        if (apiKey === 3) {
          state.metadataRequests++;
          reply(socket, correlationId, metadataBody(state.port));
        } else if (apiKey === 1) {
          state.fetchTimes.push(Date.now());
          // body: replica int32, max_wait int32, min_bytes int32, max_bytes int32, isolation int8,
          // session int32, epoch int32, [topic: int32 count, string "t"], [partition: int32 count,
          // partition int32, leader epoch int32, fetch_offset int64 …]
          const offsetAt = 4 * 4 + 1 + 8 + 4 + 2 + 1 + 4 + 4 + 4;
          const fetchOffset = Number(body.readBigInt64BE(offsetAt));
          const action = script(fetchOffset, fetches++);
          if (action === 'drop-mid-response') {
            const full = frameOf(correlationId, fetchBody({ hw: 100, records: encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: simpleRecords(5, 'x') }) }));
            socket.write(full.subarray(0, full.length >> 1), () => socket.destroy());
          } else {
            reply(socket, correlationId, fetchBody(action));
          }
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}

function frameOf(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

function reply(socket: net.Socket, correlationId: number, body: Buffer): void {
  socket.write(frameOf(correlationId, body));
}

const i16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const i32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const i64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const str = (s: string) => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);

function metadataBody(port: number): Buffer {
  return Buffer.concat([
    i32(0), // throttle
    i32(1), i32(1), str('127.0.0.1'), i32(port), i16(-1), // brokers: node 1, no rack
    i16(-1), i32(1), // cluster id null, controller 1
    i32(1), i16(0), str('t'), Buffer.from([0]), // topic "t", not internal
    i32(1), i16(0), i32(0), i32(1), i32(0), i32(1), i32(1), i32(1), i32(1), i32(0), // partition 0, leader 1, epoch 0, replicas [1], isr [1], offline []
  ]);
}

function fetchBody(a: { errorCode?: number; throttleMs?: number; records?: Buffer; hw: number }): Buffer {
  const records = a.records ?? Buffer.alloc(0);
  return Buffer.concat([
    i32(a.throttleMs ?? 0), i16(0), i32(0), // throttle, error, session
    i32(1), str('t'), i32(1), // one topic, one partition
    i32(0), i16(a.errorCode ?? 0), i64(a.hw), i64(a.hw), i64(0), // partition, error, hw, lso, log start
    i32(-1), i32(-1), // no aborted transactions, no preferred replica
    i32(records.length), records,
  ]);
}

const batchAt = (base: number, n: number) => encodeBatch({ baseOffset: base, baseTimestamp: 1000, records: simpleRecords(n, `b${base}`) });

async function offsetsRead(reader: RangeReader, from: number, to: number): Promise<number[]> {
  const got: number[] = [];
  await reader.read({ topic: 't', partition: 0, from: BigInt(from), to: BigInt(to) }, (c) => {
    for (let i = 0; i < c.count; i++) got.push(c.offset[i]);
  });
  return got;
}

describe('Kafka fetch error handling (against a fake broker)', function () {
  this.timeout(20_000);
  const fast = { retries: 4, retryBackoffMs: 20, connectTimeoutMs: 1000, requestTimeoutMs: 2000, maxWaitMs: 50 };

  it('refreshes metadata and retries when the broker says it is no longer the leader', async () => {
    const broker = await fakeBroker((offset, nth) => (nth === 0 ? { errorCode: 6, hw: 10 } : { hw: 10, records: batchAt(0, 10) }));
    const reader = await createRangeReader({ brokers: [`127.0.0.1:${broker.port}`], ...fast });
    try {
      assert.deepEqual(await offsetsRead(reader, 2, 10), [2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(broker.metadataRequests, 2, 'one lookup, one refresh after NOT_LEADER_OR_FOLLOWER');
    } finally {
      await reader.close();
      await broker.close();
    }
  });

  it('waits out throttle_time_ms before its next fetch', async () => {
    const broker = await fakeBroker((offset) =>
      offset === 0 ? { throttleMs: 300, hw: 10, records: batchAt(0, 5) } : { hw: 10, records: batchAt(5, 5) },
    );
    const reader = await createRangeReader({ brokers: [`127.0.0.1:${broker.port}`], ...fast });
    try {
      assert.deepEqual(await offsetsRead(reader, 0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(broker.fetchTimes.length, 2);
      assert.ok(broker.fetchTimes[1] - broker.fetchTimes[0] >= 280, `${broker.fetchTimes[1] - broker.fetchTimes[0]} ms between fetches`);
    } finally {
      await reader.close();
      await broker.close();
    }
  });

  it('reconnects and refetches when the connection drops in the middle of a response', async () => {
    const broker = await fakeBroker((offset, nth) => (nth === 0 ? 'drop-mid-response' : { hw: 6, records: batchAt(0, 6) }));
    const reader = await createRangeReader({ brokers: [`127.0.0.1:${broker.port}`], ...fast });
    try {
      assert.deepEqual(await offsetsRead(reader, 0, 6), [0, 1, 2, 3, 4, 5]);
    } finally {
      await reader.close();
      await broker.close();
    }
  });

  it('refetches a batch the broker cut at its size limit, from the offset after the last whole batch', async () => {
    const two = Buffer.concat([batchAt(0, 4), batchAt(4, 4)]);
    const broker = await fakeBroker((offset) =>
      offset < 4 ? { hw: 8, records: two.subarray(0, two.length - 10) } : { hw: 8, records: batchAt(4, 4) },
    );
    const reader = await createRangeReader({ brokers: [`127.0.0.1:${broker.port}`], ...fast });
    try {
      assert.deepEqual(await offsetsRead(reader, 1, 8), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(broker.fetchTimes.length, 2);
    } finally {
      await reader.close();
      await broker.close();
    }
  });

  it('gives up with a retriable unavailable error when the leader never settles', async () => {
    const broker = await fakeBroker(() => ({ errorCode: 6, hw: 10 }));
    const reader = await createRangeReader({ brokers: [`127.0.0.1:${broker.port}`], ...fast });
    try {
      await assert.rejects(
        offsetsRead(reader, 0, 10),
        (e: unknown) => e instanceof UnavailableError && e.retriable && /NOT_LEADER_OR_FOLLOWER/.test(e.message) && /partition 0 range \[0, 10\)/.test(e.message),
      );
      assert.equal(broker.fetchTimes.length, 5, 'the first attempt and 4 retries');
    } finally {
      await reader.close();
      await broker.close();
    }
  });
});
