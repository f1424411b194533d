import { EMPTY_STATE_VERSION, type StateVersion } from '../batch/batch-id';
import { DurableStateFiles } from './durable-files';
import type { Storage } from '../storage/storage';
import { InvalidArgumentError, TributaryError } from '../errors';
import { BlobFetch, CommittedAttempt, StateChain, assembleChain } from './chain';
import { BlobKind, checkCount, checkKind, checkQueryId } from './layout';
import { RedisStateBlobs, connectRedis, isRetriableRedisError } from './redis-blobs';
import { RedisConnection, describeRedis } from './redis-connection';
import { DEFAULT_RETRY_POLICY, RetryPolicy, retryWithBackoff } from '../retry/retry';
import type Redis from 'ioredis';

/**
 * Versioned state of the shuffle partitions of one query: opaque Arrow IPC blobs, a change set per
 * batch and a snapshot every `snapshotEvery` versions, in Redis (fast path) and under the
 * checkpoint location (durable copy). Stateless apart from its Redis connection: the owner of a
 * partition keeps the live table in memory.
 *
 * Write protocol (batch protocol steps 3 and 4), for version N by attempt A:
 *   1. The fence must read "N:A"; a superseded attempt gets FencedError before touching disk.
 *   2. The durable file `<N>.<A>.<kind>.arrow` is written (temp + fsync + rename). This must succeed,
 *      so state reaches durable storage before any sink commit of N.
 *   3. The Lua script stores the blob in Redis only if the fence still reads "N:A", else FencedError.
 *      An attempt superseded between steps 1 and 3 leaves its file behind: harmless, as only the
 *      committed attempt's files are ever read, and purged with its version. (It is not deleted: a
 *      late duplicate of a committed write must never remove the committed file.)
 * Redis unavailable: the fence lives in Redis, so a write cannot be judged without it. Steps 1 and 3
 * are retried with backoff and jitter until the retry deadline (`retry.deadlineMs`, default 60 s),
 * then fail with UnavailableError: the task waits for Redis rather than report state whose attempt
 * nobody checked. A missing fence (Redis restarted empty) fails at once with UnavailableError code
 * STATE_FENCE_MISSING: the driver must set the fence again, typically for a new attempt.
 * `setFence` retries like a write.
 * Loads and purges do not wait for Redis: a load takes each blob from Redis when Redis holds it
 * for the committed attempt, else from disk; a purge of Redis that fails is logged and left to the
 * next purge (the versions set remembers what is left).
 */
export interface StateStoreOptions {
  redis: RedisConnection;
  /** Where the durable copy lives (the checkpoint's storage). */
  storage: Storage;
  checkpointDir: string;
  queryId: string;
  /** A snapshot every this many versions (default 10). */
  snapshotEvery?: number;
  /** How long writes and setFence wait for Redis (default 60 s, the retry policy's deadline). */
  retry?: Partial<RetryPolicy>;
  /** Per-command timeout of the Redis client (default 5 s). */
  redisCommandTimeoutMs?: number;
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
}

export class StateStore {
  private constructor(
    private readonly redis: Redis,
    private readonly blobs: RedisStateBlobs,
    private readonly files: DurableStateFiles,
    private readonly snapshotEvery: number,
    private readonly retryPolicy: RetryPolicy,
    private readonly warn: (message: string) => void,
  ) {}

  static async open(options: StateStoreOptions): Promise<StateStore> {
    checkQueryId(options.queryId);
    const snapshotEvery = options.snapshotEvery ?? 10;
    checkCount('snapshotEvery', snapshotEvery, 1);
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const files = new DurableStateFiles(options.storage, options.checkpointDir);
    await files.ensureMetadata(options.queryId);
    const where = describeRedis(options.redis);
    let connected = true;
    const redis = connectRedis(options.redis, options.redisCommandTimeoutMs ?? 5_000, (error) => {
      if (connected) warn(`state store: Redis at ${where} unavailable: ${error.message}`);
      connected = false;
    });
    redis.on('ready', () => {
      connected = true;
    });
    const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    return new StateStore(redis, new RedisStateBlobs(redis, options.queryId), files, snapshotEvery, policy, warn);
  }

  /** Driver side: from now on only attempt `attempt` (of the batch that writes it) may write state `version`. */
  async setFence(version: StateVersion, attempt: number): Promise<void> {
    checkCount('version', version, 1);
    checkCount('attempt', attempt, 0);
    await this.withRedisRetry(`setting the state fence to version ${version} attempt ${attempt}`, () =>
      this.blobs.setFence(version, attempt),
    );
  }

  shouldSnapshot(version: StateVersion): boolean {
    return version > 0 && version % this.snapshotEvery === 0;
  }

  /**
   * Writes version `version` of `partition` for attempt `attempt`: durable first, then fenced Redis.
   * `emittedRows`, the rows the partition emitted in this version, is recorded beside the blob in
   * Redis by the same fenced script (the driver checks the files a reduce reports against it).
   */
  async write(partition: number, version: StateVersion, attempt: number, kind: BlobKind, bytes: Uint8Array, emittedRows?: number): Promise<void> {
    checkCount('partition', partition, 0);
    checkCount('version', version, 1);
    checkCount('attempt', attempt, 0);
    checkKind(kind);
    if (emittedRows !== undefined) checkCount('emittedRows', emittedRows, 0);
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('state bytes must be a Uint8Array');
    const blob = { version, attempt, kind };
    const what = `state write of partition ${partition} version ${version} attempt ${attempt}`;
    await this.withRedisRetry(what, () => this.blobs.checkFence(partition, blob));
    await this.files.write(partition, blob, bytes);
    await this.withRedisRetry(what, () => this.blobs.writeFenced(partition, blob, bytes, emittedRows));
  }

  /**
   * Driver side: the rows the change set of `version` by `attempt` recorded as emitted by
   * `partition`; undefined when Redis holds no such write of that attempt (or it recorded none).
   */
  async emittedRows(partition: number, version: StateVersion, attempt: number): Promise<number | undefined> {
    checkCount('partition', partition, 0);
    checkCount('version', version, 1);
    const held = await this.withRedisRetry(`reading the emitted rows of partition ${partition} version ${version}`, () =>
      this.blobs.emittedRows(partition, version, 'delta'),
    );
    return held !== undefined && held.attempt === attempt ? held.rows : undefined;
  }

  /**
   * Writes a snapshot of `version` by `attempt` to the durable copy only, without the fence. Safe
   * because snapshot files are named by attempt and a load reads only the committed attempt's files:
   * a stale attempt's snapshot is never read, and purge removes it. Meant to run after the batch,
   * off its critical path; the version's change set (written fenced) already makes it loadable.
   */
  async writeDurableSnapshot(partition: number, version: StateVersion, attempt: number, bytes: Uint8Array): Promise<void> {
    checkCount('partition', partition, 0);
    checkCount('version', version, 1);
    checkCount('attempt', attempt, 0);
    await this.files.write(partition, { version, attempt, kind: 'snapshot' }, bytes);
  }

  /** The blobs that rebuild `version` of `partition`; an empty chain for version 0. */
  async loadChain(partition: number, version: StateVersion, committedAttempt: CommittedAttempt): Promise<StateChain> {
    checkCount('partition', partition, 0);
    checkCount('version', version, 0);
    let redisUsable = true;
    const fetch: BlobFetch = async (v, attempt, kind) => {
      if (redisUsable) {
        try {
          const held = await this.blobs.read(partition, v, kind);
          if (held !== undefined && held.attempt === attempt) return held.bytes;
        } catch (error) {
          redisUsable = false;
          this.warn(`state load of partition ${partition}: Redis failed (${(error as Error).message}); reading the checkpoint`);
        }
      }
      return this.files.read(partition, { version: v, attempt, kind });
    };
    return assembleChain(partition, version, committedAttempt, fetch);
  }

  /** The newest version whose committed attempt has a durable file (0 if none); for recovery. */
  async newestDurableVersion(partition: number, committedAttempt: CommittedAttempt): Promise<StateVersion> {
    checkCount('partition', partition, 0);
    let newest = EMPTY_STATE_VERSION;
    for (const blob of await this.files.list(partition)) {
      if (blob.version > newest && committedAttempt(blob.version) === blob.attempt) newest = blob.version;
    }
    return newest;
  }

  /**
   * Deletes, on disk and in Redis, every version older than the newest committed snapshot at or below
   * `keepFromVersion` (the base that loading `keepFromVersion` starts from), of every attempt. With
   * no such snapshot everything is kept.
   */
  async purge(partition: number, keepFromVersion: StateVersion, committedAttempt: CommittedAttempt): Promise<void> {
    checkCount('partition', partition, 0);
    checkCount('keepFromVersion', keepFromVersion, 0);
    const snapshots = new Set<string>();
    for (const blob of await this.files.list(partition)) {
      if (blob.kind === 'snapshot') snapshots.add(`${blob.version}.${blob.attempt}`);
    }
    let base = EMPTY_STATE_VERSION;
    for (let n = keepFromVersion; n >= 1; n--) {
      const v = n as StateVersion;
      const attempt = committedAttempt(v);
      if (attempt === undefined) break;
      if (snapshots.has(`${v}.${attempt}`)) {
        base = v;
        break;
      }
    }
    if (base === 0) return;
    await this.files.removeBelow(partition, base);
    try {
      await this.blobs.removeBelow(partition, base);
    } catch (error) {
      this.warn(`state purge of partition ${partition} below version ${base}: Redis failed (${(error as Error).message}); left for the next purge`);
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private withRedisRetry<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return retryWithBackoff(what, operation, this.retryPolicy, {
      isRetriable: (error) => isRetriableRedisError(error) && !(error instanceof TributaryError && error.code === 'STATE_FENCE_MISSING'),
    });
  }
}
