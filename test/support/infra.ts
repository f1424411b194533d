/**
 * Real infrastructure for tests: one Kafka broker (KRaft, deploy/kafka) and one private
 * redis-server (deploy/redis, never the one on 6379), started once per test run on free ports and
 * stopped afterwards. Their addresses are published as TRIBUTARY_TEST_KAFKA and TRIBUTARY_TEST_REDIS
 * (host:port) so every test and every child process finds them. If both variables are already set,
 * the servers there are used as they are and nothing is started.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKafka, testRedis } from '@tributary/common';
import { freePort, startKafka, startRedis, stopKafka, stopRedis } from '@tributary/client';

export interface Infra {
  kafka: string;
  redis: { host: string; port: number };
  kafkaDir?: string;
  kafkaPort?: number;
  redisDir?: string;
  stop(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  if (process.env.TRIBUTARY_TEST_KAFKA && process.env.TRIBUTARY_TEST_REDIS) {
    return { kafka: process.env.TRIBUTARY_TEST_KAFKA, redis: testRedis(), stop: async () => {} };
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-test-infra-'));
  const kafkaDir = path.join(base, 'kafka');
  const redisDir = path.join(base, 'redis');
  const kafkaPort = await freePort(true);
  const redisPort = await freePort();
  await Promise.all([startKafka(kafkaDir, kafkaPort), startRedis(redisDir, redisPort)]);
  process.env.TRIBUTARY_TEST_KAFKA = `127.0.0.1:${kafkaPort}`;
  process.env.TRIBUTARY_TEST_REDIS = `127.0.0.1:${redisPort}`;
  return {
    kafka: process.env.TRIBUTARY_TEST_KAFKA,
    redis: { host: '127.0.0.1', port: redisPort },
    kafkaDir,
    kafkaPort,
    redisDir,
    stop: async () => {
      await Promise.all([stopKafka(kafkaDir), stopRedis(redisDir)]);
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

export { testKafka, testRedis };
