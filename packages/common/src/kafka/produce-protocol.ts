/**
 * Produce request/response v7 (api key 0) for one topic-partition; the records are one or more
 * RecordBatch v2 (v3 is the first version carrying them, v9 the first flexible one).
 *   request:  transactional_id nullable string, acks int16, timeout_ms int32,
 *             topic_data [name string, partition_data [index int32, records nullable bytes]]
 *   response: responses [name string, partition_responses [index int32, error_code int16,
 *                        base_offset int64, log_append_time_ms int64, log_start_offset int64]],
 *             throttle_time_ms int32
 */
import { RequestWriter, ResponseReader } from './wire-protocol';

export const PRODUCE_API_KEY = 0;
export const PRODUCE_VERSION = 7;

export function writeProduceRequest(w: RequestWriter, topic: string, partition: number, records: Uint8Array, acks: number, timeoutMs: number): void {
  w.string(null).int16(acks).int32(timeoutMs);
  w.arrayLength(1).string(topic);
  w.arrayLength(1).int32(partition).bytes(records);
}

export interface ProducedPartition {
  errorCode: number;
  baseOffset: number;
  throttleTimeMs: number;
}

export function readProduceResponse(body: Buffer, topic: string, partition: number): ProducedPartition {
  const r = new ResponseReader(body);
  let found: { errorCode: number; baseOffset: number } | null = null;
  for (let n = r.arrayLength(), i = 0; i < n; i++) {
    const name = r.string();
    for (let m = r.arrayLength(), j = 0; j < m; j++) {
      const index = r.int32();
      const errorCode = r.int16();
      const baseOffset = r.int64();
      r.int64(); // log_append_time_ms
      r.int64(); // log_start_offset
      if (name === topic && index === partition) found = { errorCode, baseOffset };
    }
  }
  const throttleTimeMs = r.int32();
  if (found === null) throw new RangeError(`Produce response names no ${topic}-${partition}`);
  return { ...found, throttleTimeMs };
}
