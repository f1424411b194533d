import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { TributaryError } from '../errors';
import { AbortedTransaction, RecordBatchDecoder, scanRecordSet } from './record-batch';
import { TestBatch, TestCodec, TestRecord, controlBatch, encodeBatch, encodeRecord, simpleRecords } from './test-batches';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsRecordBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0');

interface Decoded {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

interface Collected {
  records: Decoded[];
  chunks: number[];
  buffers: Set<Buffer>;
}

function decodeAll(
  records: Buffer,
  from: number,
  to: number,
  opts: { capacity?: number; readCommitted?: boolean; aborted?: AbortedTransaction[]; verifyCrc?: boolean } = {},
): Collected {
  const decoder = new RecordBatchDecoder({ capacity: opts.capacity, readCommitted: opts.readCommitted, verifyCrc: opts.verifyCrc });
  decoder.begin('t', 3, records, from, to, opts.aborted ?? null);
  const out: Collected = { records: [], chunks: [], buffers: new Set() };
  for (let chunk = decoder.next(); chunk !== null; chunk = decoder.next()) {
    assert.equal(chunk.topic, 't');
    assert.equal(chunk.partition, 3);
    out.chunks.push(chunk.count);
    out.buffers.add(chunk.buf);
    for (let i = 0; i < chunk.count; i++) {
      const kl = chunk.keyLength[i];
      const vl = chunk.valueLength[i];
      out.records.push({
        offset: chunk.offset[i],
        timestamp: chunk.timestampMs[i],
        key: kl < 0 ? null : Buffer.from(chunk.buf.subarray(chunk.keyStart[i], chunk.keyStart[i] + kl)),
        value: vl < 0 ? null : Buffer.from(chunk.buf.subarray(chunk.valueStart[i], chunk.valueStart[i] + vl)),
      });
    }
  }
  return out;
}

/** What a batch holds, by its own description, restricted to [from, to). */
function expected(batches: TestBatch[], from = 0, to = Infinity): Decoded[] {
  return batches.flatMap((b) =>
    b.control
      ? []
      : b.records
          .map((r) => ({
            offset: b.baseOffset + r.offsetDelta,
            timestamp: b.logAppendTime ? b.maxTimestamp! : b.baseTimestamp + r.timestampDelta,
            key: r.key,
            value: r.value,
          }))
          .filter((r) => r.offset >= from && r.offset < to),
  );
}

const T0 = 1_700_000_000_000;

function batchesOf(sizes: number[], codec: TestCodec = 'none'): TestBatch[] {
  let base = 0;
  return sizes.map((n, i) => {
    const b: TestBatch = { baseOffset: base, baseTimestamp: T0 + i * 1000, codec, records: simpleRecords(n, `b${i}`) };
    base += n;
    return b;
  });
}

describe('RecordBatch v2 decoding', () => {
  it('locates every record of uncompressed batches: offset, timestamp, key and value, nulls included', () => {
    const batches = batchesOf([10, 1, 25]);
    const got = decodeAll(Buffer.concat(batches.map(encodeBatch)), 0, 1000);
    assert.deepEqual(got.records, expected(batches));
    assert.ok(got.records.some((r) => r.key === null) && got.records.some((r) => r.value === null));
  });

  it('drops records below `from` and ignores those at or past `to`, mid-batch on both ends', () => {
    const batches = batchesOf([10, 10, 10]);
    const bytes = Buffer.concat(batches.map(encodeBatch));
    for (const [from, to] of [
      [3, 27],
      [10, 20],
      [9, 11],
      [0, 1],
      [29, 30],
      [15, 15],
    ]) {
      const got = decodeAll(bytes, from, to);
      assert.deepEqual(got.records, expected(batches, from, to), `range [${from}, ${to})`);
      assert.equal(got.records.length, to - from);
    }
  });

  it('splits into chunks of at most the capacity that together cover the range in order', () => {
    const batches = batchesOf([7, 7, 7]);
    const got = decodeAll(Buffer.concat(batches.map(encodeBatch)), 2, 20, { capacity: 4 });
    assert.deepEqual(got.records, expected(batches, 2, 20));
    assert.ok(got.chunks.every((n) => n > 0 && n <= 4));
    assert.equal(got.chunks.reduce((a, b) => a + b, 0), 18);
  });

  it('decodes batches of every codec, raw and xerial snappy alike', async () => {
    const zstd = await loadZstd();
    for (const codec of ['gzip', 'snappy-raw', 'snappy-xerial', 'lz4', 'zstd'] as TestCodec[]) {
      const batches = batchesOf([30, 40], codec).map((b) => ({ ...b, zstd }));
      const got = decodeAll(Buffer.concat(batches.map(encodeBatch)), 5, 66);
      assert.deepEqual(got.records, expected(batches, 5, 66), codec);
      assert.equal(got.buffers.size, 1, `${codec}: consecutive compressed batches share one chunk buffer`);
    }
  });

  it('reads LZ4 frames with block checksums, content size and content checksum', () => {
    const records = simpleRecords(5, 'lz');
    // Build the frame by hand with one stored (uncompressed) block so no LZ4 encoder is involved.
    const body = Buffer.concat(records.map(encodeRecord));
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40 | 0x20 | 0x10 | 0x08 | 0x04, 0x40]);
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(body.length));
    const blockLen = Buffer.alloc(4);
    blockLen.writeUInt32LE((0x80000000 | body.length) >>> 0);
    const frame = Buffer.concat([header, size, Buffer.from([0xaa]), blockLen, body, Buffer.alloc(4, 0x11), Buffer.alloc(4), Buffer.alloc(4, 0x22)]);
    const batch = withRawSection({ baseOffset: 0, baseTimestamp: T0, records }, 3, frame);
    assert.deepEqual(decodeAll(batch, 0, 10).records, expected([{ baseOffset: 0, baseTimestamp: T0, records }]));
  });

  it('cuts chunks where the arena of decompressed bytes fills, losing no record', () => {
    const big = Buffer.alloc(900_000, 0x61);
    const batches: TestBatch[] = Array.from({ length: 7 }, (_, i) => ({
      baseOffset: i * 2,
      baseTimestamp: T0,
      codec: 'gzip' as const,
      records: [
        { offsetDelta: 0, timestampDelta: 0, key: null, value: big },
        { offsetDelta: 1, timestampDelta: 1, key: Buffer.from([i]), value: Buffer.from(`small${i}`) },
      ],
    }));
    const got = decodeAll(Buffer.concat(batches.map(encodeBatch)), 0, 14);
    assert.deepEqual(got.records, expected(batches));
    assert.ok(got.chunks.length >= 2, 'more than 4 MiB of decompressed records needs a second chunk');
  });

  it('uses the batch max timestamp for every record under LogAppendTime', () => {
    const batches: TestBatch[] = [{ baseOffset: 5, baseTimestamp: T0, maxTimestamp: T0 + 99_999, logAppendTime: true, records: simpleRecords(4, 'la') }];
    const got = decodeAll(Buffer.concat(batches.map(encodeBatch)), 0, 100);
    assert.deepEqual(
      got.records.map((r) => r.timestamp),
      [T0 + 99_999, T0 + 99_999, T0 + 99_999, T0 + 99_999],
    );
  });

  it('locates each record\'s headers section and gives the timestamp type of its batch', async () => {
    const headers = [{}, { trace: 't1' }, { a: 'x', bb: 'yy' }];
    const encoded = await kafkajsRecordBatch({
      firstOffset: '0',
      firstTimestamp: T0,
      maxTimestamp: T0,
      lastOffsetDelta: headers.length - 1,
      records: headers.map((h, i) => kafkajsRecord({ offsetDelta: i, timestampDelta: 0, key: null, value: Buffer.from([i]), headers: h })),
    });
    const logAppend = encodeBatch({ baseOffset: 3, baseTimestamp: T0, maxTimestamp: T0 + 5, logAppendTime: true, records: simpleRecords(1, 'la') });
    const decoder = new RecordBatchDecoder();
    decoder.begin('t', 0, Buffer.concat([encoded.buffer, logAppend]), 0, 10);
    const sections: Buffer[] = [];
    const types: number[] = [];
    for (let chunk = decoder.next(); chunk !== null; chunk = decoder.next()) {
      for (let i = 0; i < chunk.count; i++) {
        sections.push(Buffer.from(chunk.buf.subarray(chunk.headersStart[i], chunk.headersStart[i] + chunk.headersLength[i])));
        types.push(chunk.timestampType[i]);
      }
    }
    // count, then per header: key length, key, value length, value (zig-zag varints; 2n for n).
    assert.deepEqual(sections.slice(0, 3), [
      Buffer.from([0]),
      Buffer.from([2, 10, ...Buffer.from('trace'), 4, ...Buffer.from('t1')]),
      Buffer.from([4, 2, ...Buffer.from('a'), 2, ...Buffer.from('x'), 4, ...Buffer.from('bb'), 4, ...Buffer.from('yy')]),
    ]);
    assert.deepEqual(types, [0, 0, 0, 1]);
  });

  it('reads timestamp deltas that take several varint bytes, negative ones included', () => {
    const deltas = [0, -1, 63, 64, -65, 2 ** 31 + 5, -(2 ** 35), 86_400_000 * 400];
    const records: TestRecord[] = deltas.map((d, i) => ({ offsetDelta: i, timestampDelta: d, key: null, value: Buffer.from([i]) }));
    const batches: TestBatch[] = [{ baseOffset: 0, baseTimestamp: T0, records }];
    assert.deepEqual(decodeAll(encodeBatch(batches[0]), 0, 100).records, expected(batches));
  });

  it('crosses compaction gaps: offsets follow the deltas and the next offset follows lastOffsetDelta', () => {
    const records: TestRecord[] = [0, 3, 7].map((d) => ({ offsetDelta: d, timestampDelta: d, key: Buffer.from(`k${d}`), value: Buffer.from(`v${d}`) }));
    const batches: TestBatch[] = [
      { baseOffset: 100, baseTimestamp: T0, lastOffsetDelta: 9, records },
      { baseOffset: 115, baseTimestamp: T0, records: simpleRecords(2, 'after') },
    ];
    const bytes = Buffer.concat(batches.map(encodeBatch));
    assert.deepEqual(decodeAll(bytes, 101, 200).records, expected(batches, 101, 200));
    assert.equal(scanRecordSet(encodeBatch(batches[0]), 100).nextOffset, 110);
    assert.equal(scanRecordSet(bytes, 100).nextOffset, 117);
  });

  it('stops at a truncated last batch and reports the offset after the last complete one', () => {
    const batches = batchesOf([5, 5, 5]);
    const whole = Buffer.concat(batches.map(encodeBatch));
    const firstTwo = encodeBatch(batches[0]).length + encodeBatch(batches[1]).length;
    for (const cut of [firstTwo + 3, firstTwo + 12, firstTwo + 40, whole.length - 1]) {
      const part = whole.subarray(0, cut);
      const scan = scanRecordSet(part, 0);
      assert.equal(scan.nextOffset, 10, `cut at ${cut}`);
      assert.equal(scan.completeBytes, firstTwo);
      assert.equal(scan.completeBatches, 2);
      assert.deepEqual(decodeAll(part, 0, 100).records, expected(batches.slice(0, 2)));
    }
    assert.equal(scanRecordSet(whole.subarray(0, 30), 7).nextOffset, 7);
    assert.equal(scanRecordSet(whole.subarray(0, 30), 7).truncatedBatchBytes, encodeBatch(batches[0]).length);
  });

  it('skips control batches', () => {
    const data = batchesOf([3]);
    const bytes = Buffer.concat([encodeBatch(data[0]), controlBatch(3, 77, 1), encodeBatch({ baseOffset: 4, baseTimestamp: T0, records: simpleRecords(2, 'z') })]);
    const got = decodeAll(bytes, 0, 100);
    assert.deepEqual(got.records.map((r) => r.offset), [0, 1, 2, 4, 5]);
    assert.equal(scanRecordSet(bytes, 0).nextOffset, 6);
  });

  it('under read_committed drops the aborted transaction and keeps committed and plain records', () => {
    const txn = (base: number, pid: number, n: number, tag: string): Buffer =>
      encodeBatch({ baseOffset: base, baseTimestamp: T0, transactional: true, producerId: pid, records: simpleRecords(n, tag) });
    const plain = (base: number, n: number): Buffer => encodeBatch({ baseOffset: base, baseTimestamp: T0, records: simpleRecords(n, 'p') });
    // offsets: 0-1 pid 10 (aborted), 2-3 pid 20 (committed), 4 plain, 5 abort marker 10, 6 commit marker 20,
    // 7-8 pid 10 again (a later transaction, committed), 9 commit marker 10.
    const bytes = Buffer.concat([
      txn(0, 10, 2, 'a'),
      txn(2, 20, 2, 'c'),
      plain(4, 1),
      controlBatch(5, 10, 0),
      controlBatch(6, 20, 1),
      txn(7, 10, 2, 'c2'),
      controlBatch(9, 10, 1),
    ]);
    const aborted = [{ producerId: 10, firstOffset: 0 }];
    assert.deepEqual(decodeAll(bytes, 0, 100, { readCommitted: true, aborted }).records.map((r) => r.offset), [2, 3, 4, 7, 8]);
    assert.deepEqual(decodeAll(bytes, 0, 100, { readCommitted: false, aborted }).records.map((r) => r.offset), [0, 1, 2, 3, 4, 7, 8]);
    assert.deepEqual(decodeAll(bytes, 1, 8, { readCommitted: true, aborted }).records.map((r) => r.offset), [2, 3, 4, 7]);
  });

  it('rejects a batch whose CRC does not match, unless checks are off', () => {
    const batch = encodeBatch(batchesOf([4])[0]);
    batch[batch.length - 2] ^= 0x01;
    assert.throws(() => decodeAll(batch, 0, 10), (e: unknown) => e instanceof TributaryError && e.code === 'CORRUPT_MESSAGE');
    assert.equal(decodeAll(batch, 0, 10, { verifyCrc: false }).records.length, 4);
  });

  it('rejects a record whose fields overrun its length', () => {
    const batch = encodeBatch({ baseOffset: 0, baseTimestamp: T0, records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('abcdef') }] });
    batch[61] = 2 * 3; // record length varint: 3 bytes, shorter than its fields
    assert.throws(() => decodeAll(batch, 0, 10, { verifyCrc: false }), /overruns/);
  });

  it('refuses message formats older than v2', () => {
    const batch = encodeBatch(batchesOf([2])[0]);
    batch[16] = 1;
    assert.throws(() => decodeAll(batch, 0, 10), (e: unknown) => e instanceof TributaryError && e.code === 'UNSUPPORTED_MESSAGE_FORMAT');
  });

  it('agrees with kafkajs-encoded batches on random records', async () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
      timestampDelta: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      headers: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), fc.nat(1_000_000), fc.nat(40), async (recs, base, skip) => {
        const encoded = await kafkajsRecordBatch({
          firstOffset: String(base),
          firstTimestamp: T0,
          maxTimestamp: T0,
          lastOffsetDelta: recs.length - 1,
          records: recs.map((r, i) =>
            kafkajsRecord({
              offsetDelta: i,
              timestampDelta: r.timestampDelta,
              key: r.key === null ? null : Buffer.from(r.key),
              value: r.value === null ? null : Buffer.from(r.value),
              headers: r.headers,
            }),
          ),
        });
        const from = base + Math.min(skip, recs.length - 1);
        const got = decodeAll(encoded.buffer, from, base + recs.length);
        const want = recs
          .map((r, i) => ({
            offset: base + i,
            timestamp: T0 + r.timestampDelta,
            key: r.key === null ? null : Buffer.from(r.key),
            value: r.value === null ? null : Buffer.from(r.value),
          }))
          .filter((r) => r.offset >= from);
        assert.deepEqual(got.records, want);
      }),
      { numRuns: 150 },
    );
  });
});

/** A batch whose record section is given as raw bytes with the given codec id (CRC computed by kafkajs). */
function withRawSection(b: TestBatch, codecId: number, section: Buffer): Buffer {
  const plain = encodeBatch({ ...b, codec: 'none' });
  const out = Buffer.concat([plain.subarray(0, 61), section]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(codecId, 21);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crc: (x: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C');
  out.writeUInt32BE(crc(out.subarray(21)), 17);
  return out;
}

async function loadZstd(): Promise<(b: Uint8Array) => Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zstd = require('@bokuweb/zstd-wasm');
  await zstd.init();
  return (b) => zstd.compress(b, 3);
}
