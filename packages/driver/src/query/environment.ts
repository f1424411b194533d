/**
 * The driver's view of the outside world for a query: Kafka offsets (admin client, one per
 * bootstrap list), Redis reachability, and the state store's fence and durable versions. The one
 * place the query code reaches Kafka and Redis from the driver.
 */
import type { Storage } from '@tributary/common';
import { connectKafkaAdmin, EMPTY_STATE_VERSION, KafkaAdmin, KafkaSecurity, pingRedis, RedisConnection, securityKey, StateStore, StateVersion, stateVersionAfter, UnavailableError } from '@tributary/common';
import { Environment } from './query-manager';
import { SourceOffsets, StateFence } from './micro-batch-execution';

/** Admin clients are kept per purpose: the lag mirror's failures never drop the client the query's offsets come from. */
type AdminPurpose = 'query' | 'lagMirror';

export function productionEnvironment(redis: RedisConnection, storage: Storage): Environment & { close(): Promise<void> } {
  // One admin client per bootstrap list. A call that fails drops it (closing it in the background):
  // after a broker restart a client may hold dead connections or stale metadata, so the next call
  // connects afresh instead of trusting it.
  const admins = new Map<string, Promise<KafkaAdmin>>();
  const admin = (servers: string[], security: KafkaSecurity | undefined, purpose: AdminPurpose): Promise<KafkaAdmin> => {
    const key = `${purpose}|${servers.join(',')} ${securityKey(security)}`;
    let a = admins.get(key);
    if (!a) {
      a = connectKafkaAdmin({ brokers: servers, clientId: 'tributary-driver', security });
      a.catch(() => { if (admins.get(key) === a) admins.delete(key); });
      admins.set(key, a);
    }
    return a;
  };
  const drop = (servers: string[], security: KafkaSecurity | undefined, purpose: AdminPurpose, failed: Promise<KafkaAdmin>): void => {
    const key = `${purpose}|${servers.join(',')} ${securityKey(security)}`;
    if (admins.get(key) !== failed) return;
    admins.delete(key);
    failed.then((a) => a.close()).catch(() => {});
  };
  const withAdmin = async <T>(servers: string[], security: KafkaSecurity | undefined, fn: (a: KafkaAdmin) => Promise<T>, purpose: AdminPurpose = 'query'): Promise<T> => {
    const a = admin(servers, security, purpose);
    try {
      return await fn(await a);
    } catch (err) {
      drop(servers, security, purpose, a);
      throw new UnavailableError(`Kafka at ${servers.join(',')} is unavailable: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    redis,
    async checkKafka(servers, topic, security) {
      const missing = () => new UnavailableError(`topic ${topic} does not exist on Kafka at ${servers.join(',')}`, { code: 'UNAVAILABLE' });
      let partitions: number[];
      try {
        partitions = await withTimeout(withAdmin(servers, security, (a) => a.listPartitions(topic)), 10_000, `Kafka at ${servers.join(',')} did not answer within 10 s`);
      } catch (err) {
        // The broker answered, naming the topic unknown: Kafka is there, the topic is not.
        if ((err as { cause?: { type?: string } }).cause?.type === 'UNKNOWN_TOPIC_OR_PARTITION') throw missing();
        throw err;
      }
      if (partitions.length === 0) throw missing();
    },
    async mirrorGroupOffsets(servers, security, groupId, topic, offsets) {
      // A client of its own (with the query's Kafka credentials): a failed mirror commit must not drop the client the query's offsets come from.
      await withAdmin(servers, security, (a) => a.commitGroupOffsets(groupId, topic, offsets), 'lagMirror');
    },
    async checkRedis() {
      await pingRedis(redis);
    },
    source(servers, security): SourceOffsets {
      return {
        latest: (topic, isolation) => withAdmin(servers, security, (a) => a.latestOffsets(topic, isolation)),
        earliest: (topic) => withAdmin(servers, security, (a) => a.earliestOffsets(topic)),
      };
    },
    async stateFence(queryId, checkpointDir, statePartitions): Promise<StateFence & { close(): Promise<void> }> {
      const store = await StateStore.open({ storage, redis, checkpointDir, queryId });
      return {
        setFence: (batchId, attempt) => store.setFence(stateVersionAfter(batchId), attempt),
        async newestDurableVersion(committedAttempt) {
          let newest: StateVersion | undefined;
          for (let p = 0; p < statePartitions; p++) {
            const v = await store.newestDurableVersion(p, committedAttempt);
            if (newest === undefined || v < newest) newest = v;
          }
          return newest ?? EMPTY_STATE_VERSION;
        },
        async purge(keepFromVersion, committedAttempt) {
          for (let p = 0; p < statePartitions; p++) await store.purge(p, keepFromVersion, committedAttempt);
        },
        emittedRows: (batchId, attempt, partition) => store.emittedRows(partition, stateVersionAfter(batchId), attempt),
        close: () => store.close(),
      };
    },
    async close() {
      for (const a of admins.values()) await a.then((x) => x.close()).catch(() => {});
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new UnavailableError(message)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
