/**
 * The one logging module: every process logs through a Logger made here (pino behind it).
 *
 * Format: one JSON object per line on stdout — `{"level":"info","time":"<ISO>","component":"driver",
 * "msg":"...", ...fields}` — where the fields name what the line is about: `queryId`, `batchId`,
 * `attempt`, `taskId`, `executorId`. When stdout is a terminal the same lines are printed readable
 * instead: `HH:MM:SS.mmm INFO  [driver] msg queryId=… batchId=…`.
 *
 * Code that only logs takes a `Log` function (msg, fields?) — the shape the engine's modules were
 * already given as `(m: string) => void`, so a Logger's `log` fits where those are passed. A message
 * that starts with `DEBUG `, `WARN ` or `ERROR ` is logged at that level (the engine's existing convention; the prefix stays in the message, which people and tests grep for).
 */
import pino from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Fields that identify what a log line is about; any other JSON value may ride along. */
export interface LogFields {
  queryId?: string;
  batchId?: number;
  attempt?: number;
  taskId?: number;
  executorId?: string;
  [key: string]: unknown;
}

export type Log = (msg: string, fields?: LogFields) => void;

export interface Logger {
  readonly log: Log;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. a query's id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Names the process in every line: `driver`, or the executor's id. */
  component: string;
  level?: LogLevel;
  /** 'json' (JSON lines), 'pretty' (readable), or 'auto' (pretty when `destination` is a TTY; the default). */
  format?: 'json' | 'pretty' | 'auto';
  /** Where lines go (default stdout). */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  if (value === undefined || value === '') return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
  return value as LogLevel;
}

export function createLogger(opts: LoggerOptions): Logger {
  const destination = opts.destination ?? process.stdout;
  const pretty = opts.format === 'pretty' || ((opts.format ?? 'auto') === 'auto' && destination.isTTY === true);
  const stream = pretty ? readableStream(destination) : destination;
  const root = pino({
    level: opts.level ?? 'info',
    base: { component: opts.component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, stream as pino.DestinationStream);
  return wrap(root);
}

/** A logger that drops everything (tests of logic). */
export function silentLogger(): Logger {
  return wrap(pino({ level: 'silent' }));
}

function wrap(p: pino.Logger): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: LogFields) => {
    if (fields === undefined) p[level](msg); else p[level](fields, msg);
  };
  const log: Log = (msg, fields) => {
    if (msg.startsWith('WARN ')) at('warn')(msg, fields);
    else if (msg.startsWith('ERROR ')) at('error')(msg, fields);
    else if (msg.startsWith('DEBUG ')) at('debug')(msg, fields);
    else at('info')(msg, fields);
  };
  return {
    log,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(fields)),
  };
}

/** JSON lines in, readable lines out: `HH:MM:SS.mmm LEVEL [component] msg key=value …`. */
function readableStream(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try { rec = JSON.parse(line); } catch { out.write(line); return; }
      const { level, time, component, msg, pid: _pid, hostname: _host, ...rest } = rec;
      const clock = typeof time === 'string' ? time.slice(11, 23) : '';
      const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      out.write(`${clock} ${String(level).toUpperCase().padEnd(5)} [${component}] ${msg}${extra ? `  ${extra}` : ''}\n`);
    },
  };
}
