/**
 * Committing a consumer group's offsets without joining the group (what the lag mirror needs):
 *
 * FindCoordinator v1 (api key 10)
 *   request:  key string (the group id), key_type int8 (0: group)
 *   response: throttle_time_ms int32, error_code int16, error_message nullable string,
 *             node_id int32, host string, port int32
 * OffsetCommit v2 (api key 8), sent to the group's coordinator; generation −1 and an empty member
 * id commit for a group with no active members ("simple" commit, as kafka-consumer-groups
 * --reset-offsets does):
 *   request:  group_id string, generation_id int32 (−1), member_id string (""),
 *             retention_time_ms int64 (−1: the broker's default),
 *             topics [name string, partitions [partition_index int32, committed_offset int64,
 *                                              committed_metadata nullable string]]
 *   response: topics [name string, partitions [partition_index int32, error_code int16]]
 * Both are the last versions before flexible encodings; Kafka 3.x and 4.x accept them.
 */
import { RequestWriter, ResponseReader } from './wire-protocol';

export const FIND_COORDINATOR_API_KEY = 10;
export const FIND_COORDINATOR_VERSION = 1;
export const OFFSET_COMMIT_API_KEY = 8;
export const OFFSET_COMMIT_VERSION = 2;

export function writeFindCoordinatorRequest(w: RequestWriter, groupId: string): void {
  w.string(groupId).int8(0);
}

export function readFindCoordinatorResponse(body: Buffer): { errorCode: number; errorMessage: string | null; nodeId: number; host: string; port: number } {
  const r = new ResponseReader(body);
  r.int32(); // throttle_time_ms
  const errorCode = r.int16();
  const errorMessage = r.string();
  const nodeId = r.int32();
  const host = r.string() ?? '';
  const port = r.int32();
  return { errorCode, errorMessage, nodeId, host, port };
}

export function writeOffsetCommitRequest(w: RequestWriter, groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): void {
  w.string(groupId).int32(-1).string('').int64(-1);
  w.arrayLength(1).string(topic);
  w.arrayLength(offsets.size);
  for (const [partition, offset] of offsets) w.int32(partition).int64(offset).string(null);
}

/** Each partition's error code (0: committed). */
export function readOffsetCommitResponse(body: Buffer): { topic: string; partition: number; errorCode: number }[] {
  const r = new ResponseReader(body);
  const out: { topic: string; partition: number; errorCode: number }[] = [];
  for (let n = r.arrayLength(), i = 0; i < n; i++) {
    const topic = r.string() ?? '';
    for (let m = r.arrayLength(), j = 0; j < m; j++) out.push({ topic, partition: r.int32(), errorCode: r.int16() });
  }
  return out;
}
