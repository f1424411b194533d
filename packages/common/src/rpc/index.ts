export { RpcServer, ServiceHandlers, UnaryHandler, ServerStreamHandler, StreamHandlers, statusOf } from './server';
export { RpcClient, RpcError } from './client';
export { ServiceName } from './proto-loader';
export { HealthReporter, ServingStatus, LIVENESS_SERVICE, healthServiceDefinition } from './health';
export { listenHealthPort, HealthPort } from './health-port';
