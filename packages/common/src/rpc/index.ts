export { RpcServer, ServiceHandlers, UnaryHandler, statusOf } from './server';
export { RpcClient, RpcError } from './client';
export { ServiceName } from './proto-loader';
