/**
 * The driver process: serves QueryService (clients) and ClusterService (executors), keeps the
 * executor registry, and runs each query's micro-batch loop. Queries active when a previous driver
 * stopped are resumed from the state directory. Serves gRPC's standard health checking on its port
 * (and on the plaintext health port when one is given): SERVING once it leads and accepts queries.
 */
import * as path from 'node:path';
import { HealthPort, HealthReporter, RpcServer, listenHealthPort, processStorage, type RedisConnection, type Storage } from '@tributary/common';
import { clusterService } from './rpc/cluster-service';
import { queryService } from './rpc/query-service';
import { ExecutorRegistry } from './scheduler/executor-registry';
import { QueryManager } from './query/query-manager';
import { productionEnvironment } from './query/environment';
import { faultHookFromEnv } from './query/fault-hook';
import { startDashboard } from './dashboard';

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface DriverOptions {
  host?: string;
  port?: number;
  /** A plaintext port serving only grpc.health.v1.Health (for Kubernetes probes); none when unset. */
  healthPort?: number;
  /** Where and how to reach Redis (the executors get the same connection in their tasks). */
  redis: RedisConnection;
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
  /** Serves the dashboard (dashboard/http-server.ts) on this HTTP port of `host` (0: any free port); none when unset. */
  dashboardPort?: number;
  log?: (m: string) => void;
  /** Where checkpoints, tables and the state directory live (default: this process's storage, processStorage()). */
  storage?: Storage;
}

export interface RunningDriver {
  port: number;
  address: string;
  registry: ExecutorRegistry;
  /** grpc.health.v1 statuses: ready (SERVING) while this driver leads and accepts queries. */
  health: HealthReporter;
  /** The bound health port, when `healthPort` was given. */
  healthPort?: number;
  /** The dashboard's address (http://host:port/), when `dashboardPort` was given. */
  dashboardUrl?: string;
  close(): Promise<void>;
}

export async function startDriver(opts: DriverOptions): Promise<RunningDriver> {
  const log = opts.log ?? ((m: string) => console.log(`[${new Date().toISOString()}] [driver] ${m}`));
  const registry = new ExecutorRegistry({
    heartbeatIntervalMs: opts.heartbeatIntervalMs, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, taskDeadlineMs: opts.taskDeadlineMs,
    maxAttemptsPerBatch: opts.maxAttemptsPerBatch,
  });
  registry.onChange((event, e) => log(`executor ${e.id} ${event === 'added' ? 'registered' : 'lost'} (${e.address})`));
  // The one Storage of this driver: the checkpoint, tables and its state directory go through it.
  const storage = opts.storage ?? processStorage();
  const env = productionEnvironment(opts.redis, storage);
  const stateDir = path.resolve(opts.stateDir ?? '.tributary/driver');
  const manager = new QueryManager(registry, env, storage, stateDir, log, faultHookFromEnv(log), opts.allowedRoots ?? []);
  // Clients and executors send the driver small requests (a spec, a heartbeat): refuse big ones early.
  const server = new RpcServer({ maxReceiveBytes: MAX_REQUEST_BYTES })
    .add('QueryService', queryService(manager))
    .add('ClusterService', clusterService(registry));
  const health = new HealthReporter(['tributary.v1.QueryService', 'tributary.v1.ClusterService']);
  server.addHealth(health);
  const host = opts.host ?? '127.0.0.1';
  const port = await server.listen(host, opts.port ?? 7077);
  const healthPort: HealthPort | undefined = opts.healthPort === undefined ? undefined : await listenHealthPort(health, host, opts.healthPort);
  const dashboard = opts.dashboardPort === undefined ? undefined : await startDashboard({ host, port: opts.dashboardPort, queries: manager, registry, storage, log });
  if (dashboard) log(`dashboard on ${dashboard.url}`);
  log(`driver serving on ${host}:${port}${healthPort ? ` (health on ${host}:${healthPort.port})` : ''}; state directory ${stateDir}${opts.allowedRoots?.length ? `; allowed roots ${opts.allowedRoots.join(', ')}` : ''}`);
  await manager.resumeSaved();
  // From here on this driver leads and accepts queries.
  health.setReady(true);
  return {
    port,
    address: `${host}:${port}`,
    registry,
    health,
    healthPort: healthPort?.port,
    dashboardUrl: dashboard?.url,
    async close() {
      health.shutdown();
      await dashboard?.close();
      await manager.close();
      await healthPort?.close();
      await server.close();
      registry.close();
      await env.close();
    },
  };
}
