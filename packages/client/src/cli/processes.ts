/** `tributary driver` and `tributary executor`: long-running processes that stop on SIGINT/SIGTERM. */
import * as path from 'node:path';
import { startDriver } from '@tributary/driver';
import { startExecutor } from '@tributary/executor';
import { isObjectStoreLocation, parseLogLevel, redisConnectionFromFlags, type RedisConnection } from '@tributary/common';
import { ParsedArgs, intOption, required } from './main';
import { serverTls, serverToken } from './security-options';

/** A process that closed cleanly exits within this; one whose close hangs is ended then. */
const EXIT_GRACE_MS = 5_000;

function untilSignal(close: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const stop = async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // Whatever is still pending (a hung client connection, a timer) must not keep the process up.
      setTimeout(() => { console.error(`exiting: still running ${EXIT_GRACE_MS} ms after shutdown began`); process.exit(1); }, EXIT_GRACE_MS).unref();
      await close().catch((err) => console.error(err));
      resolve(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function runDriverCommand(args: ParsedArgs): Promise<number> {
  const driver = await startDriver({
    logLevel: parseLogLevel(args.values['log-level'] as string | undefined),
    metricsPort: args.values['metrics-port'] === undefined ? undefined : intOption(args, 'metrics-port', 0),
    mirrorLagToKafka: onOff(args.values['kafka-lag-group'] as string | undefined, 'kafka-lag-group', true),
    host: args.values.host as string | undefined,
    port: intOption(args, 'port', 7077),
    healthPort: args.values['health-port'] === undefined ? undefined : intOption(args, 'health-port', 0),
    redis: redisFlags(args),
    stateDir: args.values['state-dir'] as string | undefined,
    allowedRoots: allowedRoots(args.values['allowed-roots'] as string | undefined),
    heartbeatTimeoutMs: intOption(args, 'heartbeat-timeout-ms', 3000),
    taskDeadlineMs: intOption(args, 'task-deadline-ms', 30_000),
    maxAttemptsPerBatch: intOption(args, 'max-attempts-per-batch', 8),
    tls: serverTls(args),
    token: serverToken(args),
    insecure: args.values.insecure === true,
    dashboardPort: args.values['dashboard-port'] === undefined ? undefined : intOption(args, 'dashboard-port', 0),
    lease: leaseOption(args),
  });
  return untilSignal(() => driver.close());
}

export async function runExecutorCommand(args: ParsedArgs): Promise<number> {
  const executor = await startExecutor({
    driver: required(args, 'driver'),
    id: args.values.id as string | undefined,
    logLevel: parseLogLevel(args.values['log-level'] as string | undefined),
    metricsPort: args.values['metrics-port'] === undefined ? undefined : intOption(args, 'metrics-port', 0),
    host: args.values.host as string | undefined,
    port: intOption(args, 'port', 0),
    healthPort: args.values['health-port'] === undefined ? undefined : intOption(args, 'health-port', 0),
    shuffleMemoryPerQuery: args.values['shuffle-memory-per-query'] === undefined ? undefined : intOption(args, 'shuffle-memory-per-query', 0),
    maxMessageBytes: args.values['max-message-bytes'] === undefined ? undefined : intOption(args, 'max-message-bytes', 0),
    tls: serverTls(args),
    insecure: args.values.insecure === true,
  });
  return untilSignal(() => executor.close());
}

function onOff(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`--${name} takes on or off, got '${value}'`);
}

/** --lease redis://HOST:PORT[/0] (or HOST:PORT), --cluster NAME, --lease-ttl-ms MS. */
export function leaseOption(args: ParsedArgs): { host: string; port: number; cluster?: string; ttlMs?: number } | undefined {
  const value = args.values.lease as string | undefined;
  if (value === undefined) {
    if (args.values.cluster !== undefined || args.values['lease-ttl-ms'] !== undefined) throw new Error('--cluster and --lease-ttl-ms need --lease redis://HOST:PORT');
    return undefined;
  }
  const m = /^(?:redis:\/\/)?([^:/\s]+):(\d{1,5})(?:\/(\d+))?\/?$/.exec(value);
  if (!m) throw new Error(`--lease takes redis://HOST:PORT[/0], got '${value}'`);
  // The lease keys are named by cluster (tributary:<cluster>:driver-lease) in database 0.
  if (m[3] !== undefined && m[3] !== '0') throw new Error(`--lease: the driver lease lives in Redis database 0, got database ${m[3]} in '${value}'`);
  return {
    host: m[1], port: Number(m[2]),
    cluster: args.values.cluster as string | undefined,
    ttlMs: args.values['lease-ttl-ms'] === undefined ? undefined : intOption(args, 'lease-ttl-ms', 0),
  };
}

/** --allowed-roots: comma-separated absolute directories or object-store prefixes (s3://bucket/prefix). */
function allowedRoots(value: string | undefined): string[] {
  if (value === undefined) return [];
  const roots = value.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of roots) {
    if (!path.isAbsolute(r) && !isObjectStoreLocation(r)) throw new Error(`--allowed-roots takes absolute directories or s3:// prefixes, got '${r}'`);
  }
  return roots;
}

/**
 * The driver's Redis flags (parseArgs options): --redis HOST:PORT | redis://[USER:PASSWORD@]HOST:PORT
 * | rediss://… (TLS); --redis-password-file FILE (the password, instead of one in the URL);
 * --redis-tls-ca FILE (PEM; turns TLS on); --redis-tls-cert FILE and --redis-tls-key FILE (PEM, a
 * client certificate for servers that ask for one).
 */
export const REDIS_FLAGS = {
  redis: { type: 'string' },
  'redis-password-file': { type: 'string' },
  'redis-tls-ca': { type: 'string' },
  'redis-tls-cert': { type: 'string' },
  'redis-tls-key': { type: 'string' },
} as const;

function redisFlags(args: ParsedArgs): RedisConnection {
  const file = (name: string) => args.values[name] as string | undefined;
  return redisConnectionFromFlags({
    redis: required(args, 'redis'),
    passwordFile: file('redis-password-file'),
    tlsCa: file('redis-tls-ca'),
    tlsCert: file('redis-tls-cert'),
    tlsKey: file('redis-tls-key'),
  });
}
