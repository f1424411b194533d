/**
 * Metadata request/response v7 (api key 3), enough to find partition leaders.
 *   request:  topics [name string] (null = all), allow_auto_topic_creation bool
 *   response: throttle_time_ms int32,
 *             brokers [node_id int32, host string, port int32, rack nullable string],
 *             cluster_id nullable string, controller_id int32,
 *             topics [error_code int16, name string, is_internal bool,
 *                     partitions [error_code int16, partition_index int32, leader_id int32,
 *                                 leader_epoch int32, replica_nodes [int32], isr_nodes [int32],
 *                                 offline_replicas [int32]]]
 */
import type { BrokerAddress } from './broker-connection';
import { RequestWriter, ResponseReader } from './wire-protocol';

export const METADATA_API_KEY = 3;
export const METADATA_VERSION = 7;

export interface PartitionMetadata {
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
}

export interface TopicMetadata {
  errorCode: number;
  partitions: Map<number, PartitionMetadata>;
}

export interface ClusterMetadata {
  brokers: Map<number, BrokerAddress>;
  topics: Map<string, TopicMetadata>;
}

export function writeMetadataRequest(w: RequestWriter, topics: readonly string[]): void {
  w.arrayLength(topics.length);
  for (const t of topics) w.string(t);
  w.bool(false);
}

export function readMetadataResponse(body: Buffer): ClusterMetadata {
  const r = new ResponseReader(body);
  r.int32(); // throttle_time_ms
  const brokers = new Map<number, BrokerAddress>();
  for (let n = r.arrayLength(), i = 0; i < n; i++) {
    const nodeId = r.int32();
    const host = r.string() ?? '';
    const port = r.int32();
    r.string(); // rack
    brokers.set(nodeId, { host, port });
  }
  r.string(); // cluster_id
  r.int32(); // controller_id
  const topics = new Map<string, TopicMetadata>();
  for (let n = r.arrayLength(), i = 0; i < n; i++) {
    const errorCode = r.int16();
    const name = r.string() ?? '';
    r.bool(); // is_internal
    const partitions = new Map<number, PartitionMetadata>();
    for (let m = r.arrayLength(), j = 0; j < m; j++) {
      const pErrorCode = r.int16();
      const partition = r.int32();
      const leaderId = r.int32();
      const leaderEpoch = r.int32();
      for (let k = 0; k < 3; k++) skipInt32Array(r); // replicas, isr, offline replicas
      partitions.set(partition, { errorCode: pErrorCode, leaderId, leaderEpoch });
    }
    topics.set(name, { errorCode, partitions });
  }
  return { brokers, topics };
}

function skipInt32Array(r: ResponseReader): void {
  const n = r.arrayLength();
  if (n > 0) r.pos += 4 * n;
}
