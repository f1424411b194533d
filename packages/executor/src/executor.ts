/**
 * An executor process: serves TaskService and ShuffleService, registers with the driver and
 * heartbeats. Holds the live state tables of the shuffle partitions it owns between batches.
 * Serves gRPC's standard health checking on its port (and on the plaintext health port when one is
 * given): SERVING while registered with its driver.
 *
 * Access (docs/security.md): with TLS, TaskService takes calls from the 'driver' certificate only,
 * ShuffleService pushes from 'executor' certificates only; a bind address other than loopback
 * needs TLS, or `insecure`.
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { checkBind, HealthPort, HealthReporter, Log, LogLevel, MetricsRegistry, MetricsServer, RpcServer, createLogger, listenHealthPort, processStorage, startMetricsServer, TlsIdentity, type Storage } from '@tributary/common';
import { executorMetrics } from './metrics/executor-metrics';
import { DriverLink } from './cluster/driver-link';
import { LoadGauge } from './cluster/load-gauge';
import { shuffleService } from './rpc/shuffle-service';
import { taskService } from './rpc/task-service';
import { DEFAULT_SHUFFLE_MEMORY_PER_QUERY, ShuffleInbox } from './shuffle/shuffle-inbox';
import { ShuffleSender } from './shuffle/shuffle-sender';
import { LiveState } from './state/live-state';
import { AttemptTracker } from './task/attempt-tracker';
import { RangeReaders } from './task/range-readers';
import { IngestTaskRunner } from './task/ingest-task';
import { AggregateMapTaskRunner } from './task/aggregate-map-task';
import { ReduceTaskRunner } from './task/reduce-task';
import { DedupMapTaskRunner } from './task/dedup-map-task';
import { DedupReduceTaskRunner } from './task/dedup-reduce-task';
import { CdcMapTaskRunner } from './task/cdc-map-task';
import { CdcReduceTaskRunner } from './task/cdc-reduce-task';
import { TableSnapshots } from './sink/table-snapshots';

export interface ExecutorOptions {
  driver: string;
  id?: string;
  host?: string;
  port?: number;
  /** A plaintext port serving only grpc.health.v1.Health (for Kubernetes probes); none when unset. */
  healthPort?: number;
  /** Where log lines go (default: a JSON-lines logger on stdout whose lines carry executorId; readable on a terminal). */
  log?: Log;
  /** Level of the default logger (default info). */
  logLevel?: LogLevel;
  /** Serves Prometheus /metrics on this port (0: a free one); no metrics endpoint when unset. */
  metricsPort?: number;
  /** Bytes of shuffle partials one query may hold here at once (default 256 MiB); past it the attempt fails. */
  shuffleMemoryPerQuery?: number;
  /** Largest gRPC message this executor receives (default 64 MiB): one shuffle push, or a task request. */
  maxMessageBytes?: number;
  /** Mutual TLS: this identity must carry the 'executor' role; plaintext without. */
  tls?: TlsIdentity;
  /** Serve a non-loopback address without TLS (logged as a warning). */
  insecure?: boolean;
  /** Where tables and the checkpoint's state live (default: this process's storage, processStorage()). */
  storage?: Storage;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface RunningExecutor {
  id: string;
  address: string;
  /** grpc.health.v1 statuses: ready (SERVING) while registered with the driver. */
  health: HealthReporter;
  /** The bound health port, when `healthPort` was given. */
  healthPort?: number;
  /** The bound Prometheus /metrics port, when `metricsPort` was given. */
  metricsPort?: number;
  close(): Promise<void>;
}

export async function startExecutor(opts: ExecutorOptions): Promise<RunningExecutor> {
  const id = opts.id ?? `executor-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = opts.log ?? createLogger({ component: 'executor', level: opts.logLevel }).child({ executorId: id }).log;
  const host = opts.host ?? '127.0.0.1';
  const warning = checkBind({ process: 'executor', host, tls: opts.tls !== undefined, insecure: opts.insecure ?? false });
  if (warning) log(warning);
  if (opts.tls && !opts.tls.roles.includes('executor')) throw new Error(`the executor's certificate has no 'executor' role (URI SAN tributary:executor); the driver would refuse its registration`);
  const inbox = new ShuffleInbox({ maxBytesPerQuery: opts.shuffleMemoryPerQuery ?? DEFAULT_SHUFFLE_MEMORY_PER_QUERY });
  const metrics = new MetricsRegistry();
  const taskMetrics = executorMetrics(metrics, () => inbox.stats().heldBytes);
  const sender = new ShuffleSender(id, inbox, opts.tls, (bytes, local) => taskMetrics.shufflePushed(bytes, local));
  const storage = opts.storage ?? processStorage();
  const liveState = new LiveState(storage, log);
  const readers = new RangeReaders();
  const ingests = new IngestTaskRunner(readers, storage, log);
  const aggregateMaps = new AggregateMapTaskRunner(sender, readers, storage, log);
  const reduces = new ReduceTaskRunner(inbox, liveState, storage);
  const dedupMaps = new DedupMapTaskRunner(sender, readers, storage, log);
  const dedupReduces = new DedupReduceTaskRunner(inbox, liveState, sender, storage);
  const cdcMaps = new CdcMapTaskRunner(sender, readers, storage, log);
  const cdcReduces = new CdcReduceTaskRunner(inbox, liveState, storage, new TableSnapshots(storage));
  const attempts = new AttemptTracker();
  const load = new LoadGauge();
  const server = new RpcServer({ maxReceiveBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, tls: opts.tls })
    .add('TaskService', load.track(taskService({ ingests, aggregateMaps, reduces, dedupMaps, dedupReduces, cdcMaps, cdcReduces }, attempts, inbox, log, taskMetrics)), { roles: ['driver'] })
    .add('ShuffleService', shuffleService(inbox), { roles: { PushPartials: ['executor'], GetInboxStats: ['driver', 'executor'] } });
  const health = new HealthReporter(['tributary.v1.TaskService', 'tributary.v1.ShuffleService']);
  server.addHealth(health);
  const port = await server.listen(host, opts.port ?? 0);
  const healthPort: HealthPort | undefined = opts.healthPort === undefined ? undefined : await listenHealthPort(health, host, opts.healthPort);
  const address = `${host}:${port}`;
  const metricsServer: MetricsServer | undefined = opts.metricsPort === undefined ? undefined : await startMetricsServer(metrics, host, opts.metricsPort);
  const link = new DriverLink(opts.driver, id, address, log, (registered) => health.setReady(registered), () => load.read(), opts.tls);
  try {
    await link.start();
  } catch (err) {
    link.stop();
    await healthPort?.close();
    await server.close();
    inbox.closeAll();
    sender.close();
    await readers.close();
    await liveState.close();
    await metricsServer?.close();
    throw err;
  }
  log(`executor ${id} serving on ${address}${healthPort ? ` (health on ${host}:${healthPort.port})` : ''}${metricsServer ? ` (metrics on http://${host}:${metricsServer.port}/metrics)` : ''}`);
  return {
    id,
    address,
    health,
    healthPort: healthPort?.port,
    metricsPort: metricsServer?.port,
    async close() {
      health.shutdown();
      link.stop();
      await metricsServer?.close();
      await healthPort?.close();
      await server.close();
      inbox.closeAll();
      sender.close();
      await readers.close();
      await liveState.close();
    },
  };
}
