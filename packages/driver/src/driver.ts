/**
 * The driver process: serves QueryService (clients) and ClusterService (executors), keeps the
 * executor registry, and runs each query's micro-batch loop. Queries active when a previous driver
 * stopped are resumed from the state directory. Serves gRPC's standard health checking on its port
 * (and on the plaintext health port when one is given): SERVING once it leads and accepts queries.
 *
 * Access (docs/security.md): with TLS, QueryService takes calls from 'client' certificates and
 * ClusterService from 'executor' certificates only; with a token, every QueryService call must
 * carry it. A bind address other than loopback needs both, or `insecure`.
 */
import * as path from 'node:path';
import { checkBind, HealthPort, HealthReporter, RpcServer, listenHealthPort, processStorage, TlsIdentity, type Storage } from '@tributary/common';
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
  /** Mutual TLS: this identity must carry the 'driver' role; plaintext without. */
  tls?: TlsIdentity;
  /** The bearer token clients must present to submit, list, read or stop queries. */
  token?: string;
  /** Serve a non-loopback address without TLS or token (logged as a warning). */
  insecure?: boolean;
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
  const host = opts.host ?? '127.0.0.1';
  // Refused before anything starts: a driver open to the network without protection.
  const warning = checkBind({ process: 'driver', host, tls: opts.tls !== undefined, token: opts.token !== undefined, insecure: opts.insecure ?? false });
  if (warning) log(warning);
  if (opts.tls && !opts.tls.roles.includes('driver')) throw new Error(`the driver's certificate has no 'driver' role (URI SAN tributary:driver); executors would refuse its tasks`);
  const registry = new ExecutorRegistry({
    heartbeatIntervalMs: opts.heartbeatIntervalMs, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, taskDeadlineMs: opts.taskDeadlineMs,
    maxAttemptsPerBatch: opts.maxAttemptsPerBatch, tls: opts.tls,
  });
  registry.onChange((event, e) => log(`executor ${e.id} ${event === 'added' ? 'registered' : 'lost'} (${e.address})`));
  // The one Storage of this driver: the checkpoint, tables and its state directory go through it.
  const storage = opts.storage ?? processStorage();
  const env = productionEnvironment(opts.redis, storage);
  const stateDir = path.resolve(opts.stateDir ?? '.tributary/driver');
  const manager = new QueryManager(registry, env, storage, stateDir, log, faultHookFromEnv(log), opts.allowedRoots ?? []);
  // Clients and executors send the driver small requests (a spec, a heartbeat): refuse big ones early.
  const server = new RpcServer({ maxReceiveBytes: MAX_REQUEST_BYTES, tls: opts.tls })
    .add('QueryService', queryService(manager), { roles: ['client'], token: opts.token })
    .add('ClusterService', clusterService(registry), { roles: ['executor'] });
  const health = new HealthReporter(['tributary.v1.QueryService', 'tributary.v1.ClusterService']);
  server.addHealth(health);
  const port = await server.listen(host, opts.port ?? 7077);
  const healthPort: HealthPort | undefined = opts.healthPort === undefined ? undefined : await listenHealthPort(health, host, opts.healthPort);
  const dashboard = opts.dashboardPort === undefined ? undefined : await startDashboard({ host, port: opts.dashboardPort, queries: manager, registry, storage, log });
  if (dashboard) log(`dashboard on ${dashboard.url}`);
  const security = `${opts.tls ? 'mutual TLS' : 'plaintext'}, ${opts.token ? 'client token required' : 'no client token'}`;
  log(`driver serving on ${host}:${port} (${security})${healthPort ? ` (health on ${host}:${healthPort.port})` : ''}; state directory ${stateDir}${opts.allowedRoots?.length ? `; allowed roots ${opts.allowedRoots.join(', ')}` : ''}`);
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
