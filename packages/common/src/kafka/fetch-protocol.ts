/**
 * Fetch request/response v11 (api key 1) for one partition, without fetch sessions
 * (session_id 0, session_epoch -1: a full fetch that creates no session).
 *   request:  replica_id int32 (-1), max_wait_ms int32, min_bytes int32, max_bytes int32,
 *             isolation_level int8 (0 read_uncommitted, 1 read_committed),
 *             session_id int32, session_epoch int32,
 *             topics [topic string, partitions [partition int32, current_leader_epoch int32,
 *                      fetch_offset int64, log_start_offset int64, partition_max_bytes int32]],
 *             forgotten_topics_data [topic string, partitions [int32]], rack_id string
 *   response: throttle_time_ms int32, error_code int16, session_id int32,
 *             responses [topic string, partitions [partition_index int32, error_code int16,
 *                        high_watermark int64, last_stable_offset int64, log_start_offset int64,
 *                        aborted_transactions nullable [producer_id int64, first_offset int64],
 *                        preferred_read_replica int32, records nullable bytes]]
 * v11 is the last version before flexible encodings (v12) and topic ids (v13); Kafka 3.x accepts
 * Fetch 4–17 and 4.x removed only 0–3.
 */
import type { AbortedTransaction } from './record-batch';
import { RequestWriter, ResponseReader } from './wire-protocol';

export const FETCH_API_KEY = 1;
export const FETCH_VERSION = 11;

export interface FetchRequest {
  topic: string;
  partition: number;
  offset: number;
  maxWaitMs: number;
  maxBytes: number;
  readCommitted: boolean;
}

export interface FetchedPartition {
  throttleTimeMs: number;
  /** The response's top-level error, else the partition's. */
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  aborted: AbortedTransaction[] | null;
  /** A view into the response buffer; empty when the broker had nothing to return. */
  records: Buffer;
}

export function writeFetchRequest(w: RequestWriter, req: FetchRequest): void {
  w.int32(-1).int32(req.maxWaitMs).int32(1).int32(req.maxBytes).int8(req.readCommitted ? 1 : 0);
  w.int32(0).int32(-1);
  w.arrayLength(1).string(req.topic);
  w.arrayLength(1).int32(req.partition).int32(-1).int64(req.offset).int64(-1).int32(req.maxBytes);
  w.arrayLength(0);
  w.string('');
}

const EMPTY = Buffer.alloc(0);

export function readFetchResponse(body: Buffer, topic: string, partition: number): FetchedPartition {
  const r = new ResponseReader(body);
  const throttleTimeMs = r.int32();
  const topError = r.int16();
  r.int32(); // session_id
  const result: FetchedPartition = {
    throttleTimeMs,
    errorCode: topError,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    aborted: null,
    records: EMPTY,
  };
  if (topError !== 0) return result;
  let found = false;
  for (let n = r.arrayLength(), i = 0; i < n; i++) {
    const name = r.string();
    for (let m = r.arrayLength(), j = 0; j < m; j++) {
      const index = r.int32();
      const errorCode = r.int16();
      const highWatermark = r.int64();
      const lastStableOffset = r.int64();
      const logStartOffset = r.int64();
      let aborted: AbortedTransaction[] | null = null;
      const na = r.arrayLength();
      if (na >= 0) {
        aborted = [];
        for (let k = 0; k < na; k++) aborted.push({ producerId: r.int64(), firstOffset: r.int64() });
      }
      r.int32(); // preferred_read_replica: -1 unless the broker runs a rack-aware replica selector
      const records = r.bytes() ?? EMPTY;
      if (name === topic && index === partition) {
        found = true;
        Object.assign(result, { errorCode, highWatermark, lastStableOffset, logStartOffset, aborted, records });
      }
    }
  }
  if (!found) result.errorCode = 3; // UNKNOWN_TOPIC_OR_PARTITION: the broker did not answer for it
  return result;
}
