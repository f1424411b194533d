/**
 * Where and how Tributary reaches Redis, and the one place an ioredis client is constructed: the
 * state store, the driver's reachability check and any other module (the driver lease) build their
 * clients here from a typed RedisConnection.
 *
 * Written forms (the `--redis` flag):
 *   HOST:PORT                               plain text, no AUTH
 *   redis://[[USER]:PASSWORD@]HOST[:PORT]   plain text; AUTH USER PASSWORD (ACL user) or AUTH PASSWORD
 *   rediss://[[USER]:PASSWORD@]HOST[:PORT]  TLS (the server's certificate is verified: the CA given, or
 *                                           the system's), then AUTH as above
 * User and password are percent-decoded; the port defaults to 6379. A password file (its content,
 * one trailing newline removed) takes the place of a password in the URL.
 *
 * Certificates travel as PEM text, not file names: the driver reads its files once and hands the
 * same connection to the executors in their task messages (ExecutorJob.redis), so executors on
 * other hosts need no copy of the files. `describeRedis` is the only form for logs and errors: it
 * never shows the password.
 */
import { readFileSync } from 'node:fs';
import Redis, { type RedisOptions } from 'ioredis';
import { InvalidArgumentError } from '../errors';

export interface RedisTls {
  /** PEM of the CA(s) the server's certificate must chain to; the system's CAs when absent. */
  ca?: string;
  /** PEM of a client certificate and its key, for servers that require one (mutual TLS). */
  cert?: string;
  key?: string;
}

export interface RedisConnection {
  host: string;
  port: number;
  /** ACL user name; AUTH with the password alone (the `default` user) when absent. */
  username?: string;
  password?: string;
  /** TLS when present. */
  tls?: RedisTls;
}

/** The `--redis` flag's companions. */
export interface RedisFlags {
  /** HOST:PORT, redis://… or rediss://… */
  redis: string;
  /** A file holding the password (instead of a password in the URL). */
  passwordFile?: string;
  /** PEM files; a CA turns TLS on for a HOST:PORT or redis:// address too. */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export const DEFAULT_REDIS_PORT = 6379;

/** Parses HOST:PORT or a redis:// / rediss:// URL. */
export function parseRedisAddress(text: string): RedisConnection {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const m = /^(\[[^\]]+\]|[^:/@]+):(\d+)$/.exec(text);
    if (m === null) throw new InvalidArgumentError(`Redis address '${text}' is neither HOST:PORT nor a redis:// or rediss:// URL`);
    return { host: unbracket(m[1]), port: port(m[2], text) };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`Redis URL '${redactUrl(text)}' is not a valid URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`Redis URL scheme '${url.protocol}' is not supported: use redis:// or rediss://`);
  }
  if (url.hostname === '') throw new InvalidArgumentError(`Redis URL '${redactUrl(text)}' names no host`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '') {
    throw new InvalidArgumentError(`Redis URL '${redactUrl(text)}': database numbers and query options are not supported`);
  }
  const conn: RedisConnection = { host: unbracket(url.hostname), port: url.port === '' ? DEFAULT_REDIS_PORT : port(url.port, text) };
  if (url.username !== '') conn.username = decodeURIComponent(url.username);
  if (url.password !== '') conn.password = decodeURIComponent(url.password);
  if (url.protocol === 'rediss:') conn.tls = {};
  return conn;
}

/** The connection the flags describe, with the files they name read (a missing file fails here, naming the flag). */
export function redisConnectionFromFlags(flags: RedisFlags, readFile: (file: string) => string = (f) => readFileSync(f, 'utf8')): RedisConnection {
  const conn = parseRedisAddress(flags.redis);
  const read = (flag: string, file: string): string => {
    try {
      return readFile(file);
    } catch (err) {
      throw new InvalidArgumentError(`${flag} ${file}: ${(err as Error).message}`);
    }
  };
  if (flags.passwordFile !== undefined) {
    if (conn.password !== undefined) throw new InvalidArgumentError('--redis-password-file and a password in the --redis URL: give one of them');
    conn.password = read('--redis-password-file', flags.passwordFile).replace(/\r?\n$/, '');
    if (conn.password === '') throw new InvalidArgumentError(`--redis-password-file ${flags.passwordFile} is empty`);
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new InvalidArgumentError('--redis-tls-cert and --redis-tls-key go together');
  }
  if (flags.tlsCa !== undefined || flags.tlsCert !== undefined) {
    conn.tls = { ...conn.tls };
    if (flags.tlsCa !== undefined) conn.tls.ca = read('--redis-tls-ca', flags.tlsCa);
    if (flags.tlsCert !== undefined) {
      conn.tls.cert = read('--redis-tls-cert', flags.tlsCert);
      conn.tls.key = read('--redis-tls-key', flags.tlsKey!);
    }
  }
  return conn;
}

/** The connection for logs and errors: scheme, user and address, never the password. */
export function describeRedis(conn: RedisConnection): string {
  const user = conn.username !== undefined ? `${encodeURIComponent(conn.username)}@` : conn.password !== undefined ? '(password)@' : '';
  const host = conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  return `${conn.tls ? 'rediss' : 'redis'}://${user}${host}:${conn.port}`;
}

export interface RedisClientOptions {
  /** Bound of each command and of connecting. */
  timeoutMs: number;
  /** Connect on the first command or `connect()` instead of at once. */
  lazyConnect?: boolean;
  /** Delay before reconnect attempt `times` (1-based), or null to stop; ioredis's default when absent. */
  retryStrategy?: (times: number) => number | null;
}

/**
 * An ioredis client for the connection. Commands are never queued while disconnected
 * (enableOfflineQueue off) and never retried by the client (maxRetriesPerRequest 0): a call fails
 * fast and the caller's retrier decides.
 */
export function createRedisClient(conn: RedisConnection, opts: RedisClientOptions): Redis {
  const options: RedisOptions = {
    host: conn.host,
    port: conn.port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.timeoutMs,
    connectTimeout: opts.timeoutMs,
    lazyConnect: opts.lazyConnect ?? false,
  };
  if (opts.retryStrategy !== undefined) options.retryStrategy = opts.retryStrategy;
  if (conn.username !== undefined) options.username = conn.username;
  if (conn.password !== undefined) options.password = conn.password;
  if (conn.tls !== undefined) {
    options.tls = {
      // A host name is verified against the certificate; an IP address against its IP SANs (node's default).
      ...(conn.tls.ca !== undefined ? { ca: conn.tls.ca } : {}),
      ...(conn.tls.cert !== undefined ? { cert: conn.tls.cert, key: conn.tls.key } : {}),
    };
  }
  return new Redis(options);
}

function port(text: string, whole: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`Redis address '${redactUrl(whole)}' has a bad port ${text}`);
  return n;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** A URL as typed, with any password replaced, for error messages. */
function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
