/**
 * ListOffsets request/response v2 (api key 2), the first version with an isolation level and the
 * last before leader epochs (v4) and flexible encodings (v6); Kafka 3.x and 4.x accept it.
 *   request:  replica_id int32 (-1), isolation_level int8 (0 read_uncommitted, 1 read_committed),
 *             topics [name string, partitions [partition_index int32, timestamp int64]]
 *             timestamp -1: the end of the log as the isolation level sees it (high watermark, or
 *             last stable offset under read_committed); -2: the log start offset
 *   response: throttle_time_ms int32,
 *             topics [name string, partitions [partition_index int32, error_code int16,
 *                                              timestamp int64, offset int64]]
 */
import { RequestWriter, ResponseReader } from './wire-protocol';

export const LIST_OFFSETS_API_KEY = 2;
export const LIST_OFFSETS_VERSION = 2;
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

export interface ListedOffset {
  partition: number;
  errorCode: number;
  offset: number;
}

export function writeListOffsetsRequest(w: RequestWriter, topic: string, partitions: readonly number[], timestamp: number, readCommitted: boolean): void {
  w.int32(-1).int8(readCommitted ? 1 : 0);
  w.arrayLength(1).string(topic);
  w.arrayLength(partitions.length);
  for (const p of partitions) w.int32(p).int64(timestamp);
}

/** The answers for `topic`'s partitions; a partition the broker did not answer for is missing. */
export function readListOffsetsResponse(body: Buffer, topic: string): { throttleTimeMs: number; partitions: ListedOffset[] } {
  const r = new ResponseReader(body);
  const throttleTimeMs = r.int32();
  const partitions: ListedOffset[] = [];
  for (let n = r.arrayLength(), i = 0; i < n; i++) {
    const name = r.string();
    for (let m = r.arrayLength(), j = 0; j < m; j++) {
      const partition = r.int32();
      const errorCode = r.int16();
      r.int64(); // timestamp: -1 for the latest and earliest offsets
      const offset = r.int64();
      if (name === topic) partitions.push({ partition, errorCode, offset });
    }
  }
  return { throttleTimeMs, partitions };
}
