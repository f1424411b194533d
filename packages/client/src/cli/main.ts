/**
 * The `tributary` command line.
 *
 *   tributary driver   [--host H] [--port 7077] [--health-port P] --redis HOST:PORT [--state-dir DIR] [--allowed-roots DIR,DIR]
 *                      [--heartbeat-timeout-ms 3000] [--task-deadline-ms 30000] [--max-attempts-per-batch 8]
 *   tributary executor --driver HOST:PORT [--id ID] [--host H] [--port 0] [--health-port P] [--shuffle-memory-per-query BYTES] [--max-message-bytes BYTES]
 *   tributary submit   <job.js | spec.json> [--driver HOST:PORT] [--wait]
 *   tributary list | status <id> | stop <id>   [--driver HOST:PORT]
 *   tributary progress <id> [--follow] [--json] [--recent N] [--driver HOST:PORT]
 *   (driver and executor also take --metrics-port P and --log-level LEVEL; the driver --kafka-lag-group on|off)
 *   tributary produce  --bootstrap HOST:PORT --topic T [--count N] [--partitions P] [--customers C] [--rate R] [--seed S]
 *   tributary produce  --bootstrap HOST:PORT --topic T --lines FILE|- [--partitions P]
 *   tributary demo     (a whole local cluster: Kafka, Redis, driver, 3 executors, the seed job; see README)
 *   tributary table show|history|describe|optimize|vacuum|checkpoint <path> [options] (see table.ts)
 *
 * Errors from the driver are printed as the driver words them (e.g. INVALID_ARGUMENT: ...).
 */
import { parseArgs } from 'node:util';
import { runDriverCommand, runExecutorCommand } from './processes';
import { runSubmitCommand, runListCommand, runStatusCommand, runStopCommand } from './queries';
import { runProgressCommand } from './progress';
import { runProduceCommand } from './produce';
import { runDemoCommand } from './demo';
import { runTableCommand, TABLE_OPTIONS } from './table';

const USAGE = `usage: tributary <command> [options]
commands:
  driver     run a driver         --redis HOST:PORT [--port 7077] [--host 127.0.0.1] [--state-dir DIR]
                                  [--allowed-roots DIR,DIR] (tables and checkpoints only inside these)
                                  [--health-port P] (plaintext grpc.health.v1 only, for probes)
                                  [--metrics-port P] (Prometheus /metrics; off unless given)
                                  [--log-level info] (trace|debug|info|warn|error|fatal|silent)
                                  [--kafka-lag-group on] (mirror committed offsets to group tributary-<query>)
  executor   run an executor      --driver HOST:PORT [--id ID] [--port 0]
                                  [--shuffle-memory-per-query 268435456] [--max-message-bytes 67108864]
                                  [--health-port P] (plaintext grpc.health.v1 only, for probes)
                                  [--metrics-port P] [--log-level info]
  submit     submit a job         <job.js|spec.json> [--driver HOST:PORT] [--wait]
  list       list queries         [--driver HOST:PORT]
  status     show a query         <query-id> [--driver HOST:PORT]
  stop       stop a query         <query-id> [--driver HOST:PORT]
  progress   a query's batches    <query-id> [--follow] (each batch as it commits) [--json] [--recent 10] [--driver HOST:PORT]
  produce    produce events       --bootstrap HOST:PORT --topic T [--count N] [--partitions P] [--customers C] [--rate R] [--seed S]
                                  --bootstrap HOST:PORT --topic T --lines FILE|- [--partitions P] (one record per line)
  demo       run the seed job on a local cluster it starts itself
  table      a Delta table        show <path> [--limit N] [--version V | --timestamp ISO]
                                  history <path> [--limit N]
                                  describe <path> [--version V | --timestamp ISO]
                                  optimize <path> [--target-file-size BYTES]
                                  vacuum <path> [--retain HOURS] [--dry-run] [--unsafe-retention]
                                  checkpoint <path>`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const opts = (spec: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>): ParsedArgs =>
    parseArgs({ args: rest, options: spec, allowPositionals: true, strict: true }) as ParsedArgs;
  switch (command) {
    case 'driver':
      return runDriverCommand(opts({ host: { type: 'string' }, port: { type: 'string' }, 'health-port': { type: 'string' }, redis: { type: 'string' }, 'state-dir': { type: 'string' }, 'allowed-roots': { type: 'string' }, 'heartbeat-timeout-ms': { type: 'string' }, 'task-deadline-ms': { type: 'string' }, 'max-attempts-per-batch': { type: 'string' }, 'metrics-port': { type: 'string' }, 'log-level': { type: 'string' }, 'kafka-lag-group': { type: 'string' } }));
    case 'executor':
      return runExecutorCommand(opts({
        driver: { type: 'string' }, id: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'health-port': { type: 'string' },
        'shuffle-memory-per-query': { type: 'string' }, 'max-message-bytes': { type: 'string' },
        'metrics-port': { type: 'string' }, 'log-level': { type: 'string' },
      }));
    case 'submit':
      return runSubmitCommand(opts({ driver: { type: 'string' }, wait: { type: 'boolean' } }));
    case 'list':
      return runListCommand(opts({ driver: { type: 'string' } }));
    case 'status':
      return runStatusCommand(opts({ driver: { type: 'string' } }));
    case 'stop':
      return runStopCommand(opts({ driver: { type: 'string' } }));
    case 'progress':
      return runProgressCommand(opts({ driver: { type: 'string' }, follow: { type: 'boolean' }, json: { type: 'boolean' }, recent: { type: 'string' } }));
    case 'produce':
      return runProduceCommand(opts({
        bootstrap: { type: 'string' }, topic: { type: 'string' }, count: { type: 'string' }, partitions: { type: 'string' },
        customers: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, 'late-share': { type: 'string' },
        'disorder-share': { type: 'string' }, lines: { type: 'string' },
      }));
    case 'demo':
      return runDemoCommand(opts({ events: { type: 'string' }, keep: { type: 'boolean' } }));
    case 'table':
      return runTableCommand(opts(TABLE_OPTIONS));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`tributary: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

export type ParsedArgs = { values: Record<string, string | boolean | undefined>; positionals: string[] };

export function required(args: ParsedArgs, name: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw new Error(`--${name} is required`);
  return v;
}

export function intOption(args: ParsedArgs, name: string, fallback: number): number {
  const v = args.values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}

export function driverAddress(args: ParsedArgs): string {
  return (args.values.driver as string | undefined) ?? process.env.TRIBUTARY_DRIVER ?? '127.0.0.1:7077';
}
