/** Versioned state per shuffle partition: Redis fast path, durable copy under the checkpoint. */
export { StateStore } from './state-store';
export type { StateStoreOptions } from './state-store';
export type { StateChain, VersionedBytes, CommittedAttempt } from './chain';
export type { BlobKind } from './layout';
export { STATE_FORMAT_VERSION } from './layout';
export { pingRedis } from './redis-blobs';
export { createRedisClient, describeRedis, parseRedisAddress, redisConnectionFromFlags, DEFAULT_REDIS_PORT } from './redis-connection';
export type { RedisConnection, RedisClientOptions, RedisFlags, RedisTls } from './redis-connection';
