/**
 * The driver process: serves QueryService (clients) and ClusterService (executors), keeps the
 * executor registry, and runs each query's micro-batch loop. Queries active when a previous driver
 * stopped are resumed from the state directory. Serves gRPC's standard health checking on its port
 * (and on the plaintext health port when one is given): SERVING once it leads and accepts queries.
 */
import * as path from 'node:path';
import { HealthPort, HealthReporter, Log, LogLevel, MetricsRegistry, MetricsServer, RpcServer, createLogger, listenHealthPort, startMetricsServer } from '@tributary/common';
import { clusterService } from './rpc/cluster-service';
import { queryService, queryStreams } from './rpc/query-service';
import { ProgressStore } from './progress/progress-store';
import { driverMetrics } from './progress/driver-metrics';
import { ExecutorRegistry } from './scheduler/executor-registry';
import { QueryManager } from './query/query-manager';
import { productionEnvironment } from './query/environment';
import { faultHookFromEnv } from './query/fault-hook';

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface DriverOptions {
  host?: string;
  port?: number;
  /** A plaintext port serving only grpc.health.v1.Health (for Kubernetes probes); none when unset. */
  healthPort?: number;
  redis: { host: string; port: number };
  stateDir?: string;
  /**
   * When not empty, every table, checkpoint and side-table location must lie inside one of these
   * absolute directories (real paths compared: no escape through '..' or symlinks).
   */
  allowedRoots?: string[];
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /** Deadline of each task call of a batch attempt (scheduler/executor-registry.ts). */
  taskDeadlineMs?: number;
  /** Attempts a batch gets before its query fails, naming the batch and the last error (scheduler/attempt-cap.ts). */
  maxAttemptsPerBatch?: number;
  /** Where log lines go (default: a JSON-lines logger on stdout, readable on a terminal: createLogger in common). */
  log?: Log;
  /** Level of the default logger (default info). */
  logLevel?: LogLevel;
  /** Serves Prometheus /metrics on this port (0: a free one); no metrics endpoint when unset. */
  metricsPort?: number;
  /** Mirror each query's committed offsets to its Kafka consumer group (progress/lag-mirror.ts); default true. */
  mirrorLagToKafka?: boolean;
}

export interface RunningDriver {
  port: number;
  address: string;
  registry: ExecutorRegistry;
  /** grpc.health.v1 statuses: ready (SERVING) while this driver leads and accepts queries. */
  health: HealthReporter;
  /** The bound health port, when `healthPort` was given. */
  healthPort?: number;
  /** The bound Prometheus /metrics port, when `metricsPort` was given. */
  metricsPort?: number;
  /** Recent progress, commit history and query events of this driver's queries (for a dashboard). */
  progress: ProgressStore;
  /** The driver's Prometheus registry (served on `metricsPort`). */
  metrics: MetricsRegistry;
  close(): Promise<void>;
}

export async function startDriver(opts: DriverOptions): Promise<RunningDriver> {
  const log = opts.log ?? createLogger({ component: 'driver', level: opts.logLevel }).log;
  const registry = new ExecutorRegistry({
    heartbeatIntervalMs: opts.heartbeatIntervalMs, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, taskDeadlineMs: opts.taskDeadlineMs,
    maxAttemptsPerBatch: opts.maxAttemptsPerBatch,
  });
  registry.onChange((event, e) => log(`${event === 'added' ? '' : 'WARN '}executor ${e.id} ${event === 'added' ? 'registered' : 'lost'} (${e.address})`, { executorId: e.id }));
  const progress = new ProgressStore((err) => log(`WARN a query listener failed: ${err instanceof Error ? err.message : err}`));
  const metrics = new MetricsRegistry();
  const stopMetrics = driverMetrics(metrics, progress, registry);
  const shutdown = new AbortController();
  const env = productionEnvironment(opts.redis);
  const stateDir = path.resolve(opts.stateDir ?? '.tributary/driver');
  const manager = new QueryManager(registry, env, stateDir, log, faultHookFromEnv(log), opts.allowedRoots ?? [], { store: progress, mirrorLagToKafka: opts.mirrorLagToKafka });
  // Clients and executors send the driver small requests (a spec, a heartbeat): refuse big ones early.
  const server = new RpcServer({ maxReceiveBytes: MAX_REQUEST_BYTES })
    .add('QueryService', queryService(manager), queryStreams(manager, shutdown.signal))
    .add('ClusterService', clusterService(registry));
  const health = new HealthReporter(['tributary.v1.QueryService', 'tributary.v1.ClusterService']);
  server.addHealth(health);
  const host = opts.host ?? '127.0.0.1';
  const port = await server.listen(host, opts.port ?? 7077);
  const healthPort: HealthPort | undefined = opts.healthPort === undefined ? undefined : await listenHealthPort(health, host, opts.healthPort);
  const metricsServer: MetricsServer | undefined = opts.metricsPort === undefined ? undefined : await startMetricsServer(metrics, host, opts.metricsPort);
  log(`driver serving on ${host}:${port}${healthPort ? ` (health on ${host}:${healthPort.port})` : ''}${metricsServer ? ` (metrics on http://${host}:${metricsServer.port}/metrics)` : ''}; state directory ${stateDir}${opts.allowedRoots?.length ? `; allowed roots ${opts.allowedRoots.join(', ')}` : ''}`);
  await manager.resumeSaved();
  // From here on this driver leads and accepts queries.
  health.setReady(true);
  return {
    port,
    address: `${host}:${port}`,
    registry,
    health,
    healthPort: healthPort?.port,
    metricsPort: metricsServer?.port,
    progress,
    metrics,
    async close() {
      health.shutdown();
      shutdown.abort();
      await manager.close();
      stopMetrics();
      await metricsServer?.close();
      await healthPort?.close();
      await server.close();
      registry.close();
      await env.close();
    },
  };
}
