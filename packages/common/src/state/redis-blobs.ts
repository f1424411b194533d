import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { FencedError, TributaryError, UnavailableError } from '../errors';
import { RedisConnection, createRedisClient, describeRedis } from './redis-connection';
import type { StateVersion } from '../batch/batch-id';
import { BlobKind, BlobName, RedisKeys, fenceValue } from './layout';

/**
 * The Redis fast path of state (keys in layout.ts). A state write is one Lua script that checks the
 * fence and stores the blob in the same step, so no write of a superseded attempt can land after the
 * driver moved the fence. The script is loaded once per server (SCRIPT LOAD) and called by EVALSHA;
 * NOSCRIPT (a restarted or flushed server) loads it again.
 *
 * Every method makes one try and throws Redis's own errors; callers decide about retries
 * (`isRetriableRedisError`). The client queues nothing while disconnected (enableOfflineQueue off),
 * so a call fails fast and the retrier, not a hidden queue, decides how long to wait.
 */

/**
 * KEYS[1] fence, KEYS[2] blob hash, KEYS[3] versions sorted set.
 * ARGV[1] expected fence "<version>:<attempt>", ARGV[2] attempt, ARGV[3] bytes, ARGV[4] version,
 * ARGV[5] rows the partition emitted in this version ('' when not recorded: the field is removed).
 * Returns {1, fence} when written, {0, fence} when fenced off, {2} when no fence is set.
 */
const WRITE_FENCED = `
local current = redis.call('GET', KEYS[1])
if not current then return {2} end
if current ~= ARGV[1] then return {0, current} end
redis.call('HSET', KEYS[2], 'attempt', ARGV[2], 'bytes', ARGV[3])
if ARGV[5] == '' then redis.call('HDEL', KEYS[2], 'emitted') else redis.call('HSET', KEYS[2], 'emitted', ARGV[5]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[4])
return {1, current}
`;
const WRITE_FENCED_SHA = createHash('sha1').update(WRITE_FENCED).digest('hex');

export function connectRedis(conn: RedisConnection, commandTimeoutMs: number, onError: (error: Error) => void): Redis {
  const redis = createRedisClient(conn, { timeoutMs: commandTimeoutMs, retryStrategy: (times) => Math.min(50 * times, 1_000) });
  redis.on('error', onError);
  return redis;
}

const RETRIABLE_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY|NOSCRIPT)\b/;

/** Connection trouble and transient server states are retriable; other server replies and bugs are not. */
export function isRetriableRedisError(error: unknown): boolean {
  if (error instanceof TributaryError) return error.retriable;
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return RETRIABLE_REPLY.test(error.message);
  return !(error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError);
}

export class RedisStateBlobs {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: Redis, queryId: string) {
    this.keys = new RedisKeys(queryId);
  }

  async setFence(version: StateVersion, attempt: number): Promise<void> {
    await this.redis.set(this.keys.fence, fenceValue(version, attempt));
  }

  /** Stores the blob if the fence still names (blob.version, blob.attempt); else FencedError. */
  async writeFenced(partition: number, blob: BlobName, bytes: Uint8Array, emittedRows?: number): Promise<void> {
    const args = [
      this.keys.fence,
      this.keys.blob(partition, blob.version, blob.kind),
      this.keys.versions(partition),
      fenceValue(blob.version, blob.attempt),
      String(blob.attempt),
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      String(blob.version),
      emittedRows === undefined ? '' : String(emittedRows),
    ];
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(WRITE_FENCED_SHA, 3, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      await this.redis.script('LOAD', WRITE_FENCED);
      reply = await this.redis.evalsha(WRITE_FENCED_SHA, 3, ...args);
    }
    const [status, current] = reply as [number, string | undefined];
    if (status !== 1) throw fenceError(partition, blob, status === 0 ? current ?? null : null);
  }

  /** Throws as writeFenced would if the fence does not name (blob.version, blob.attempt) now. */
  async checkFence(partition: number, blob: BlobName): Promise<void> {
    const current = await this.redis.get(this.keys.fence);
    if (current !== fenceValue(blob.version, blob.attempt)) throw fenceError(partition, blob, current);
  }

  /** The blob Redis holds for (partition, version, kind), of whichever attempt last wrote it. */
  async read(partition: number, version: StateVersion, kind: BlobKind): Promise<{ attempt: number; bytes: Buffer } | undefined> {
    const [attempt, bytes] = await this.redis.hmgetBuffer(this.keys.blob(partition, version, kind), 'attempt', 'bytes');
    if (attempt === null || bytes === null) return undefined;
    return { attempt: Number(attempt.toString('latin1')), bytes };
  }

  /** The emitted row count the write of (partition, version, kind) recorded, with the attempt that wrote it. */
  async emittedRows(partition: number, version: StateVersion, kind: BlobKind): Promise<{ attempt: number; rows: number | undefined } | undefined> {
    const [attempt, emitted] = await this.redis.hmget(this.keys.blob(partition, version, kind), 'attempt', 'emitted');
    if (attempt === null) return undefined;
    return { attempt: Number(attempt), rows: emitted === null ? undefined : Number(emitted) };
  }

  /** Deletes every blob of a version below `cutoff`, with its entry in the versions set. */
  async removeBelow(partition: number, cutoff: StateVersion): Promise<void> {
    const versionsKey = this.keys.versions(partition);
    const versions = await this.redis.zrangebyscore(versionsKey, '-inf', `(${cutoff}`);
    if (versions.length === 0) return;
    const doomed: string[] = [];
    for (const v of versions) {
      doomed.push(this.keys.blob(partition, Number(v) as StateVersion, 'delta'), this.keys.blob(partition, Number(v) as StateVersion, 'snapshot'));
    }
    await this.redis.del(...doomed);
    await this.redis.zrem(versionsKey, ...versions);
  }
}

function fenceError(partition: number, blob: BlobName, current: string | null): TributaryError {
  const what = `state write of partition ${partition} version ${blob.version} (${blob.kind}) by attempt ${blob.attempt}`;
  if (current !== null) return new FencedError(`${what} is fenced off: the current batch:attempt is ${current}`);
  return new UnavailableError(`${what}: Redis holds no fence (did Redis lose its data?); the driver must set it again`, {
    code: 'STATE_FENCE_MISSING',
  });
}

/**
 * Resolves when the Redis of `conn` answers PING within `timeoutMs` (after TLS and AUTH, as the
 * connection asks); rejects naming where (never the password) and why:
 * - FAILED_PRECONDITION when Redis refuses the credentials (WRONGPASS), wants some (NOAUTH), or the
 *   user lacks a permission (NOPERM): retrying will not help;
 * - UNAVAILABLE otherwise (nothing listening, TLS handshake failed, connection closed: a plain-text
 *   client at a TLS-only port sees the server close the connection).
 */
export async function pingRedis(conn: RedisConnection, timeoutMs = 3000): Promise<void> {
  const redis = createRedisClient(conn, { timeoutMs, lazyConnect: true, retryStrategy: () => null });
  const where = describeRedis(conn);
  let event: Error | undefined;
  redis.on('error', (e: Error) => { event ??= e; });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    // Refusals may arrive as the error of the call or (during the handshake) as an error event.
    const refusal = [err as Error, event].find((e) => e !== undefined && /^(NOAUTH|WRONGPASS|NOPERM)\b/.test(e.message));
    if (refusal !== undefined) {
      const how = conn.password === undefined ? 'no password was given (use redis://USER:PASSWORD@… or --redis-password-file)' : `user ${conn.username ?? 'default'} was refused`;
      throw new TributaryError(`Redis at ${where} refused authentication: ${refusal.message.split(/[.,]/)[0]}; ${how}`, { code: 'FAILED_PRECONDITION', cause: err });
    }
    const detail = [event, err as Error].find((e) => e !== undefined)!.message;
    const hint = conn.tls === undefined && /closed|ECONNRESET/i.test(detail) ? ' (a TLS-only Redis closes plain-text connections: use rediss://)' : '';
    throw new UnavailableError(`Redis at ${where} is unreachable: ${detail}${hint}`, { code: 'UNAVAILABLE', cause: err });
  } finally {
    redis.disconnect();
  }
}
