/**
 * @tributary/client: the PySpark-like job API, the gRPC client of the driver, the local cluster
 * used by the demo, the tests, the benchmark and the chaos harness, the load generator, and Spark SQL
 * (spark.sql, tributary sql).
 */
import { TributarySession } from './api';
import { GrpcSubmitter } from './rpc/grpc-submitter';

export * from './api';
export { DriverClient, QueryInfo } from './rpc/driver-client';
export { GrpcSubmitter } from './rpc/grpc-submitter';
export { clientSecurity, ClientSecurityOptions } from './rpc/client-security';
export { createDevCertificates, DevCertificateOptions } from './certs/dev-certificates';
export { LocalCluster, ClusterOptions, ManagedProcess } from './local/cluster';
export { startKafka, stopKafka, killKafka, startRedis, stopRedis, flushRedis, freePort, REPO_ROOT } from './local/deploy';
export * from './produce';
export { SqlError } from './sql/sql-error';
export type { SqlPosition } from './sql/sql-error';
export type { SqlOptions } from './sql/sql-statements';
export { runBatchSql } from './sql/batch-query';
export type { BatchResult } from './sql/batch-query';

TributarySession.setSubmitterFactory((master) => GrpcSubmitter.forMaster(master));
