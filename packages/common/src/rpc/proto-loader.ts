/**
 * The one place that loads Tributary's gRPC contract (proto/tributary/v1/*.proto) and touches
 * @grpc/grpc-js directly. Messages are plain objects with the proto's snake_case field names;
 * int64 fields arrive as JS numbers (batch ids, sizes and microsecond times stay below 2^53).
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The folder holding tributary/v1/*.proto. */
export const PROTO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', 'proto');
const FILES = ['tributary/v1/control.proto', 'tributary/v1/shuffle.proto', 'tributary/v1/plan.proto'];

/**
 * How messages become plain objects: snake_case names, int64 as JS numbers, enums by name, unset
 * fields with their defaults (unset messages null), and each oneof's set member named by a virtual
 * field (e.g. `kind: 'column'`).
 */
export const LOAD_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: grpc.GrpcObject | undefined;

function tributaryPackage(): grpc.GrpcObject {
  if (!cached) {
    const def = protoLoader.loadSync(FILES, { ...LOAD_OPTIONS, includeDirs: [PROTO_ROOT] });
    const root = grpc.loadPackageDefinition(def) as any;
    cached = root.tributary.v1 as grpc.GrpcObject;
  }
  return cached;
}

export type ServiceName = 'QueryService' | 'ClusterService' | 'TaskService' | 'ShuffleService';

export function serviceDefinition(name: ServiceName): grpc.ServiceDefinition {
  return (tributaryPackage()[name] as grpc.ServiceClientConstructor).service;
}

export function clientConstructor(name: ServiceName): grpc.ServiceClientConstructor {
  return tributaryPackage()[name] as grpc.ServiceClientConstructor;
}

/** Channel options for bulk shuffle traffic: big messages and big HTTP/2 windows (DESIGN.md). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.http2.max_frame_size': 1 << 20,
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
} as grpc.ChannelOptions;
