/**
 * A run of Kafka records of one topic-partition, located in place inside fetched bytes: no object
 * per record. Record i (0 <= i < count) has its value at `buf[valueStart[i] .. valueStart[i] +
 * valueLength[i])` (valueLength -1 = null value, a tombstone) and likewise its key. Offsets ascend
 * within a chunk and across the chunks of one read, with gaps where records were compacted away or
 * were control records. Offsets are exact as float64 up to 2^53, far beyond any real partition.
 *
 * The typed arrays are `capacity` long and reused: only the first `count` entries belong to this
 * chunk. `buf` is either the fetch response or, for compressed batches, an arena holding their
 * decompressed records; one chunk never spans two buffers. The reader reuses `buf` and the arrays
 * once the callback that received the chunk returns (or its promise settles): copy what must outlive it.
 */
export interface RecordChunk {
  topic: string;
  partition: number;
  count: number;
  buf: Buffer;
  offset: Float64Array;
  /** Kafka record timestamp, epoch milliseconds (CreateTime or LogAppendTime per the batch). */
  timestampMs: Float64Array;
  /** Which time `timestampMs` is, from the batch attributes: 0 = CreateTime, 1 = LogAppendTime. */
  timestampType: Uint8Array;
  keyStart: Int32Array;
  keyLength: Int32Array;
  valueStart: Int32Array;
  valueLength: Int32Array;
  /**
   * The record's headers, in place: `buf[headersStart[i] .. + headersLength[i])` holds a zig-zag
   * varint count, then per header a varint key length, the key (UTF-8), a varint value length (-1 =
   * null) and the value (record-batch.ts). A count of 0 (one byte, 0x00) is a record without headers.
   */
  headersStart: Int32Array;
  headersLength: Int32Array;
}
