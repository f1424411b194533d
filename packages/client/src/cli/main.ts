/**
 * The `tributary` command line.
 *
 *   tributary driver   [--host H] [--port 7077] [--health-port P] --redis HOST:PORT|redis[s]://[USER:PASSWORD@]HOST:PORT
 *                      [--redis-password-file F] [--redis-tls-ca F] [--redis-tls-cert F --redis-tls-key F]
 *                      [--state-dir DIR] [--allowed-roots DIR,DIR]
 *                      [--heartbeat-timeout-ms 3000] [--task-deadline-ms 30000] [--max-attempts-per-batch 8]
 *                      [--tls-ca F --tls-cert F --tls-key F] [--token-file F] [--insecure]
 *                      [--dashboard-port P]
 *                      [--lease redis://HOST:PORT [--cluster NAME] [--lease-ttl-ms 5000]] (standby drivers: docs/standby-driver.md)
 *   tributary executor --driver HOST:PORT[,HOST:PORT...] [--id ID] [--host H] [--port 0] [--health-port P] [--shuffle-memory-per-query BYTES] [--max-message-bytes BYTES]
 *                      [--tls-ca F --tls-cert F --tls-key F] [--insecure]
 *   tributary submit   <job.js | spec.json> [--driver HOST:PORT[,HOST:PORT...]] [--wait] [--tls-ca F --tls-cert F --tls-key F] [--token-file F]
 *   tributary list | status <id> | stop <id>   [--driver HOST:PORT] [--tls-ca F --tls-cert F --tls-key F] [--token-file F]
 *   tributary certs    <dir> | --out <dir> [--hosts H,IP] [--driver-hosts H,IP] [--executor-hosts H,IP] [--days D]   (a development CA and certificates)
 *   tributary progress <id> [--follow] [--json] [--recent N] [--driver HOST:PORT[,HOST:PORT...]] [--tls-ca F --tls-cert F --tls-key F] [--token-file F]
 *   (driver and executor also take --metrics-port P and --log-level LEVEL; the driver --kafka-lag-group on|off)
 *   tributary produce  --bootstrap HOST:PORT --topic T [--count N] [--partitions P] [--customers C] [--rate R] [--seed S]
 *   tributary produce  --bootstrap HOST:PORT --topic T --lines FILE|- [--partitions P]
 *   tributary demo     (a whole local cluster: Kafka, Redis, driver, 3 executors, the seed job; see README)
 *   tributary table show|history|describe|optimize|vacuum|checkpoint <path> [options] (see table.ts)
 *   tributary sql      <job.sql> --sink delta:PATH --checkpoint DIR [--output-mode M] [--trigger T] … | -e "SELECT …" (see sql.ts)
 *
 * Errors from the driver are printed as the driver words them (e.g. INVALID_ARGUMENT: ...).
 */
import { parseArgs } from 'node:util';
import { REDIS_FLAGS, runDriverCommand, runExecutorCommand } from './processes';
import { runSubmitCommand, runListCommand, runStatusCommand, runStopCommand } from './queries';
import { runProgressCommand } from './progress';
import { runProduceCommand } from './produce';
import { runDemoCommand } from './demo';
import { runTableCommand, TABLE_OPTIONS } from './table';
import { runSqlCommand, SQL_OPTIONS } from './sql';
import { runCertsCommand } from './certs';
import { CLIENT_SECURITY_OPTIONS, TLS_OPTIONS } from './security-options';

const USAGE = `usage: tributary <command> [options]
commands:
  driver     run a driver         --redis HOST:PORT [--port 7077] [--host 127.0.0.1] [--state-dir DIR]
                                  [--allowed-roots DIR,DIR] (tables and checkpoints only inside these)
                                  --redis also takes redis://[USER:PASSWORD@]HOST:PORT or rediss://… (TLS)
                                  [--redis-password-file F] [--redis-tls-ca F] [--redis-tls-cert F --redis-tls-key F]
                                  [--health-port P] (plaintext grpc.health.v1 only, for probes)
                                  [--dashboard-port P] (the web dashboard, HTTP, on the same host)
                                  [--lease redis://HOST:PORT] [--cluster NAME] [--lease-ttl-ms 5000]
                                  (drivers sharing a lease: one leads, the others stand by)
                                  [--tls-ca F --tls-cert F --tls-key F] [--token-file F] [--insecure]
                                  [--metrics-port P] (Prometheus /metrics; off unless given)
                                  [--log-level info] (trace|debug|info|warn|error|fatal|silent)
                                  [--kafka-lag-group on] (mirror committed offsets to group tributary-<query>)
  executor   run an executor      --driver HOST:PORT[,HOST:PORT...] (all drivers; follows the leader) [--id ID] [--host 127.0.0.1] [--port 0]
                                  [--shuffle-memory-per-query 268435456] [--max-message-bytes 67108864]
                                  [--health-port P] (plaintext grpc.health.v1 only, for probes)
                                  [--tls-ca F --tls-cert F --tls-key F] [--insecure]
                                  [--metrics-port P] [--log-level info]
  submit     submit a job         <job.js|spec.json> [--driver HOST:PORT[,HOST:PORT...]] [--wait]
  list       list queries         [--driver HOST:PORT]
  status     show a query         <query-id> [--driver HOST:PORT]
  stop       stop a query         <query-id> [--driver HOST:PORT]
  progress   a query's batches    <query-id> [--follow] (each batch as it commits) [--json] [--recent 10] [--driver HOST:PORT]
                                  (submit, list, status, stop, progress: [--tls-ca F --tls-cert F --tls-key F] [--token-file F],
                                   or TRIBUTARY_TLS_CA, TRIBUTARY_TLS_CERT, TRIBUTARY_TLS_KEY, TRIBUTARY_TOKEN(_FILE))
  certs      development certs    <dir> | --out <dir> [--hosts H,IP] [--driver-hosts H,IP] [--executor-hosts H,IP] [--days 365]
  produce    produce events       --bootstrap HOST:PORT --topic T [--count N] [--partitions P] [--customers C] [--rate R] [--seed S]
                                  --bootstrap HOST:PORT --topic T --lines FILE|- [--partitions P] (one record per line)
  demo       run the seed job on a local cluster it starts itself
                                  [--events 200000] [--keep] (keep producing --rate 2000 events/s until Ctrl-C)
  table      a Delta table        show <path> [--limit N] [--version V | --timestamp ISO]
                                  history <path> [--limit N]
                                  describe <path> [--version V | --timestamp ISO]
                                  optimize <path> [--target-file-size BYTES]
                                  vacuum <path> [--retain HOURS] [--dry-run] [--unsafe-retention]
                                  checkpoint <path>
  sql        run Spark SQL        <job.sql> --sink delta:<path> --checkpoint <dir> [--output-mode update]
                                  [--trigger availableNow|'10 seconds'] [--kafka-option key=value]… [--driver HOST:PORT] [--wait]
                                  -e "SELECT … FROM delta.\`/path\` [WHERE …] [GROUP BY …] [ORDER BY …] [LIMIT n]" (a batch query)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const opts = (spec: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>): ParsedArgs =>
    parseArgs({ args: rest, options: spec, allowPositionals: true, strict: true }) as ParsedArgs;
  switch (command) {
    case 'driver':
      return runDriverCommand(opts({
        host: { type: 'string' }, port: { type: 'string' }, 'health-port': { type: 'string' }, ...REDIS_FLAGS, 'state-dir': { type: 'string' },
        'allowed-roots': { type: 'string' }, 'heartbeat-timeout-ms': { type: 'string' }, 'task-deadline-ms': { type: 'string' }, 'max-attempts-per-batch': { type: 'string' },
        'dashboard-port': { type: 'string' }, lease: { type: 'string' }, cluster: { type: 'string' }, 'lease-ttl-ms': { type: 'string' },
        'metrics-port': { type: 'string' }, 'log-level': { type: 'string' }, 'kafka-lag-group': { type: 'string' },
        ...CLIENT_SECURITY_OPTIONS, insecure: { type: 'boolean' },
      }));
    case 'executor':
      return runExecutorCommand(opts({
        driver: { type: 'string' }, id: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'health-port': { type: 'string' },
        'shuffle-memory-per-query': { type: 'string' }, 'max-message-bytes': { type: 'string' },
        'metrics-port': { type: 'string' }, 'log-level': { type: 'string' },
        ...TLS_OPTIONS, insecure: { type: 'boolean' },
      }));
    case 'submit':
      return runSubmitCommand(opts({ driver: { type: 'string' }, wait: { type: 'boolean' }, ...CLIENT_SECURITY_OPTIONS }));
    case 'list':
      return runListCommand(opts({ driver: { type: 'string' }, ...CLIENT_SECURITY_OPTIONS }));
    case 'status':
      return runStatusCommand(opts({ driver: { type: 'string' }, ...CLIENT_SECURITY_OPTIONS }));
    case 'stop':
      return runStopCommand(opts({ driver: { type: 'string' }, ...CLIENT_SECURITY_OPTIONS }));
    case 'progress':
      return runProgressCommand(opts({ driver: { type: 'string' }, follow: { type: 'boolean' }, json: { type: 'boolean' }, recent: { type: 'string' }, ...CLIENT_SECURITY_OPTIONS }));
    case 'certs':
      return runCertsCommand(opts({ out: { type: 'string' }, hosts: { type: 'string' }, 'driver-hosts': { type: 'string' }, 'executor-hosts': { type: 'string' }, days: { type: 'string' } }));
    case 'produce':
      return runProduceCommand(opts({
        bootstrap: { type: 'string' }, topic: { type: 'string' }, count: { type: 'string' }, partitions: { type: 'string' },
        customers: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, 'late-share': { type: 'string' },
        'disorder-share': { type: 'string' }, lines: { type: 'string' },
      }));
    case 'demo':
      return runDemoCommand(opts({ events: { type: 'string' }, keep: { type: 'boolean' }, rate: { type: 'string' } }));
    case 'table':
      return runTableCommand(opts(TABLE_OPTIONS));
    case 'sql':
      return runSqlCommand(opts(SQL_OPTIONS));
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
