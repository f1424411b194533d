/** `tributary driver` and `tributary executor`: long-running processes that stop on SIGINT/SIGTERM. */
import * as path from 'node:path';
import { startDriver } from '@tributary/driver';
import { startExecutor } from '@tributary/executor';
import { parseLogLevel } from '@tributary/common';
import { ParsedArgs, intOption, required } from './main';

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
  const [host, port] = required(args, 'redis').split(':');
  const driver = await startDriver({
    logLevel: parseLogLevel(args.values['log-level'] as string | undefined),
    metricsPort: args.values['metrics-port'] === undefined ? undefined : intOption(args, 'metrics-port', 0),
    mirrorLagToKafka: onOff(args.values['kafka-lag-group'] as string | undefined, 'kafka-lag-group', true),
    host: args.values.host as string | undefined,
    port: intOption(args, 'port', 7077),
    healthPort: args.values['health-port'] === undefined ? undefined : intOption(args, 'health-port', 0),
    redis: { host, port: Number(port) },
    stateDir: args.values['state-dir'] as string | undefined,
    allowedRoots: allowedRoots(args.values['allowed-roots'] as string | undefined),
    heartbeatTimeoutMs: intOption(args, 'heartbeat-timeout-ms', 3000),
    taskDeadlineMs: intOption(args, 'task-deadline-ms', 30_000),
    maxAttemptsPerBatch: intOption(args, 'max-attempts-per-batch', 8),
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
  });
  return untilSignal(() => executor.close());
}

function onOff(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`--${name} takes on or off, got '${value}'`);
}

/** --allowed-roots: comma-separated absolute directories. */
function allowedRoots(value: string | undefined): string[] {
  if (value === undefined) return [];
  const roots = value.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of roots) if (!path.isAbsolute(r)) throw new Error(`--allowed-roots takes absolute directories, got '${r}'`);
  return roots;
}
