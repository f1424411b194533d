export { RpcServer, ServiceAccess, ServiceHandlers, UnaryHandler, ServerStreamHandler, StreamHandlers, statusOf } from './server';
export { RpcClient, RpcClientSecurity, RpcError } from './client';
export { PeerRole, TlsFiles, TlsIdentity, certDirFiles, readTlsIdentity, rolesInAltNames } from './tls';
export { MIN_TOKEN_LENGTH, checkedToken, readTokenFile } from './bearer-token';
export { checkBind, isLoopback } from './bind-policy';
export { ServiceName } from './proto-loader';
export { HealthReporter, ServingStatus, LIVENESS_SERVICE, healthServiceDefinition } from './health';
export { listenHealthPort, HealthPort } from './health-port';
