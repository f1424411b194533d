/**
 * The driver process: serves QueryService (clients) and ClusterService (executors), keeps the
 * executor registry, and runs each query's micro-batch loop. Queries active when a previous driver
 * stopped are resumed from the state directory. Serves gRPC's standard health checking on its port
 * (and on the plaintext health port when one is given): SERVING once it leads and accepts queries.
 *
 * With a lease (docs/standby-driver.md) several drivers share one cluster: the one holding the
 * lease leads; the others serve only health (NOT_SERVING) and refuse every other call with
 * NOT_LEADER until they acquire it, then resume the saved queries from the shared state directory.
 * A leader that loses the lease stops every query loop at once and stands by again.
 *
 * Access (docs/security.md): with TLS, QueryService takes calls from 'client' certificates and
 * ClusterService from 'executor' certificates only; with a token, every QueryService call must
 * carry it. A bind address other than loopback needs both, or `insecure`.
 */
import * as path from 'node:path';
import { checkBind, HealthPort, HealthReporter, Log, LogLevel, MetricsRegistry, MetricsServer, RedisLease, RpcServer, createLogger, listenHealthPort, processStorage, resolveLocation, startMetricsServer, TlsIdentity, type RedisConnection, type Storage } from '@tributary/common';
import { clusterService } from './rpc/cluster-service';
import { queryService, queryStreams } from './rpc/query-service';
import { ProgressStore } from './progress/progress-store';
import { driverMetrics } from './progress/driver-metrics';
import { ExecutorRegistry } from './scheduler/executor-registry';
import { QueryManager } from './query/query-manager';
import { productionEnvironment } from './query/environment';
import { faultHookFromEnv } from './query/fault-hook';
import { startDashboard } from './dashboard';
import { Leadership, LeaseLeadership, notLeaderError, soleLeadership } from './leadership/leadership';
import { leaderOnly, leaderOnlyStreams } from './rpc/leader-only';

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
  /** Where log lines go (default: a JSON-lines logger on stdout, readable on a terminal: createLogger in common). */
  log?: Log;
  /** Level of the default logger (default info). */
  logLevel?: LogLevel;
  /** Serves Prometheus /metrics on this port (0: a free one); no metrics endpoint when unset. */
  metricsPort?: number;
  /** Mirror each query's committed offsets to its Kafka consumer group (progress/lag-mirror.ts); default true. */
  mirrorLagToKafka?: boolean;
  /** Mutual TLS: this identity must carry the 'driver' role; plaintext without. */
  tls?: TlsIdentity;
  /** The bearer token clients must present to submit, list, read or stop queries. */
  token?: string;
  /** Serve a non-loopback address without TLS or token (logged as a warning). */
  insecure?: boolean;
  /** Serves the dashboard (dashboard/http-server.ts) on this HTTP port of `host` (0: any free port); none when unset. */
  dashboardPort?: number;
  /**
   * The driver lease shared with standby drivers (docs/standby-driver.md): Redis where it lives, the
   * cluster's name (default 'default'), its ttl (default 5000 ms). Without it this driver leads alone.
   */
  lease?: { host: string; port: number; cluster?: string; ttlMs?: number };
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
  /** The bound Prometheus /metrics port, when `metricsPort` was given. */
  metricsPort?: number;
  /** Recent progress, commit history and query events of this driver's queries (for a dashboard). */
  progress: ProgressStore;
  /** The driver's Prometheus registry (served on `metricsPort`). */
  metrics: MetricsRegistry;
  /** The dashboard's address (http://host:port/), when `dashboardPort` was given. */
  dashboardUrl?: string;
  leadership: Leadership;
  close(): Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 5_000;

export async function startDriver(opts: DriverOptions): Promise<RunningDriver> {
  const log = opts.log ?? createLogger({ component: 'driver', level: opts.logLevel }).log;
  const host = opts.host ?? '127.0.0.1';
  // Refused before anything starts: a driver open to the network without protection.
  const warning = checkBind({ process: 'driver', host, tls: opts.tls !== undefined, token: opts.token !== undefined, insecure: opts.insecure ?? false });
  if (warning) log(warning);
  if (opts.tls && !opts.tls.roles.includes('driver')) throw new Error(`the driver's certificate has no 'driver' role (URI SAN tributary:driver); executors would refuse its tasks`);
  const registry = new ExecutorRegistry({
    heartbeatIntervalMs: opts.heartbeatIntervalMs, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, taskDeadlineMs: opts.taskDeadlineMs,
    maxAttemptsPerBatch: opts.maxAttemptsPerBatch, tls: opts.tls,
  });
  registry.onChange((event, e) => log(`${event === 'added' ? '' : 'WARN '}executor ${e.id} ${event === 'added' ? 'registered' : 'lost'} (${e.address})`, { executorId: e.id }));
  const progress = new ProgressStore((err) => log(`WARN a query listener failed: ${err instanceof Error ? err.message : err}`));
  const metrics = new MetricsRegistry();
  const stopMetrics = driverMetrics(metrics, progress, registry);
  // Ends the WatchQueries streams when the driver closes or stops leading (clients follow the leader).
  let streamsEnd = new AbortController();
  // The one Storage of this driver: the checkpoint, tables and its state directory go through it.
  const storage = opts.storage ?? processStorage();
  const env = productionEnvironment(opts.redis, storage);
  // Local, or on the object store (s3://…) where standby drivers on other hosts share it.
  const stateDir = resolveLocation(opts.stateDir ?? '.tributary/driver');
  const requestedPort = opts.port ?? 7077;
  // The lease records where the leader serves; a port of 0 is replaced by the bound one below.
  let leadership: Leadership = soleLeadership(`${host}:${requestedPort}`);
  const lazyLeadership: Leadership = {
    isLeader: () => leadership.isLeader(), token: () => leadership.token(), leaderAddress: () => leadership.leaderAddress(),
    assertLeader: (what) => leadership.assertLeader(what), onDeposed: (l) => leadership.onDeposed(l),
    awaitLeadership: () => leadership.awaitLeadership(), close: () => leadership.close(),
  };
  const manager = new QueryManager(registry, env, storage, stateDir, log, faultHookFromEnv(log), opts.allowedRoots ?? [], lazyLeadership, { store: progress, mirrorLagToKafka: opts.mirrorLagToKafka });
  // Clients and executors send the driver small requests (a spec, a heartbeat): refuse big ones early.
  const server = new RpcServer({ maxReceiveBytes: MAX_REQUEST_BYTES, tls: opts.tls })
    .add('QueryService', leaderOnly('QueryService', queryService(manager), lazyLeadership), { roles: ['client'], token: opts.token },
      leaderOnlyStreams('QueryService', queryStreams(manager, () => streamsEnd.signal), lazyLeadership))
    .add('ClusterService', leaderOnly('ClusterService', clusterService(registry), lazyLeadership), { roles: ['executor'] });
  const health = new HealthReporter(['tributary.v1.QueryService', 'tributary.v1.ClusterService']);
  server.addHealth(health);
  const port = await server.listen(host, requestedPort);
  if (opts.lease) {
    const lease = opts.lease;
    // The lease in the driver's own Redis (the usual case) uses that connection's credentials and TLS.
    const sameRedis = lease.host === opts.redis.host && lease.port === opts.redis.port;
    const store = new RedisLease({ host: lease.host, port: lease.port, cluster: lease.cluster ?? 'default', ...(sameRedis ? { auth: opts.redis } : {}) });
    leadership = new LeaseLeadership({ store, address: `${host}:${port}`, ttlMs: lease.ttlMs ?? DEFAULT_LEASE_TTL_MS, log });
  } else {
    leadership = soleLeadership(`${host}:${port}`);
  }
  const healthPort: HealthPort | undefined = opts.healthPort === undefined ? undefined : await listenHealthPort(health, host, opts.healthPort);
  const dashboard = opts.dashboardPort === undefined ? undefined : await startDashboard({ host, port: opts.dashboardPort, queries: manager, registry, storage, token: opts.token, tls: opts.tls, log });
  if (dashboard) log(`dashboard on ${dashboard.url}`);
  const security = `${opts.tls ? 'mutual TLS' : 'plaintext'}, ${opts.token ? 'client token required' : 'no client token'}`;
  const metricsServer: MetricsServer | undefined = opts.metricsPort === undefined ? undefined : await startMetricsServer(metrics, host, opts.metricsPort);
  log(`driver serving on ${host}:${port} (${security})${healthPort ? ` (health on ${host}:${healthPort.port})` : ''}${metricsServer ? ` (metrics on http://${host}:${metricsServer.port}/metrics)` : ''}; state directory ${stateDir}${opts.allowedRoots?.length ? `; allowed roots ${opts.allowedRoots.join(', ')}` : ''}${opts.lease ? `; driver lease of cluster '${opts.lease.cluster ?? 'default'}' in Redis at ${opts.lease.host}:${opts.lease.port}` : ''}`);
  let closing = false;
  /** Stands by until this driver leads, then resumes the saved queries and serves. */
  const lead = async (): Promise<void> => {
    try {
      await leadership.awaitLeadership();
    } catch {
      return; // closed while standing by
    }
    if (closing) return;
    await manager.resumeSaved();
    // From here on this driver leads and accepts queries.
    if (leadership.isLeader()) health.setReady(true);
  };
  leadership.onDeposed(() => {
    health.setReady(false);
    streamsEnd.abort(notLeaderError('QueryService.WatchQueries ended', lazyLeadership.leaderAddress()));
    streamsEnd = new AbortController();
    void manager.standDown().then(() => {
      log('every query loop of this driver has stopped; standing by for the lease again');
      if (!closing) return lead();
    });
  });
  if (opts.lease) void lead();
  else await lead();
  return {
    port,
    address: `${host}:${port}`,
    registry,
    health,
    healthPort: healthPort?.port,
    metricsPort: metricsServer?.port,
    progress,
    metrics,
    dashboardUrl: dashboard?.url,
    leadership: lazyLeadership,
    async close() {
      closing = true;
      health.shutdown();
      streamsEnd.abort();
      await dashboard?.close();
      await manager.close();
      await leadership.close();
      stopMetrics();
      await metricsServer?.close();
      await healthPort?.close();
      await server.close();
      registry.close();
      await env.close();
    },
  };
}
