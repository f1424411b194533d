/**
 * The benchmark's own servers and cluster: a Kafka broker and a Redis started on free ports under a
 * fresh directory (deploy/ scripts via @tributary/client), and a LocalCluster of a driver and E
 * executors as real processes. With `profileDir`, the driver and executors preload
 * cpu-profile-preload.js (NODE_OPTIONS is passed through to the children) and write their CPU
 * profiles there when they exit.
 *
 * A fresh broker is prepared as a running one is: its consumer-offsets topic exists before any job
 * runs (prepareBroker). The driver mirrors each query's committed offsets to a consumer group (the
 * lag mirror); on a broker that never had a group, the first such commit makes it create that topic
 * (50 partitions by default) in the middle of the measured batches, a one-time cost of the broker
 * that no production broker pays.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectKafkaAdmin } from '@tributary/common';
import { freePort, LocalCluster, startKafka, startRedis, stopKafka, stopRedis } from '@tributary/client';

export interface BenchEnvironment {
  dir: string;
  kafka: string;
  kafkaPid: number;
  redis: { host: string; port: number };
  redisPid: number;
  cluster: LocalCluster;
  /** Every process the benchmark watches, by name (driver, exec-0…, kafka, redis). */
  pids(): Map<string, number>;
  stop(keep: boolean): Promise<void>;
}

export async function startEnvironment(opts: { executors: number; profileDir?: string; log: (m: string) => void }): Promise<BenchEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
  const kafkaDir = path.join(dir, 'kafka');
  const redisDir = path.join(dir, 'redis');
  const kafkaPort = await freePort(true);
  const redisPort = await freePort();
  opts.log(`starting Kafka on ${kafkaPort} and Redis on ${redisPort} under ${dir}`);
  await Promise.all([startKafka(kafkaDir, kafkaPort), startRedis(redisDir, redisPort)]);
  await prepareBroker(`127.0.0.1:${kafkaPort}`);
  const redis = { host: '127.0.0.1', port: redisPort };
  const savedNodeOptions = process.env.NODE_OPTIONS;
  if (opts.profileDir) {
    fs.mkdirSync(opts.profileDir, { recursive: true });
    process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --require ${path.join(__dirname, 'cpu-profile-preload.js')}`.trim();
    process.env.TRIBUTARY_CPU_PROFILE_DIR = opts.profileDir;
  }
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis, executors: opts.executors, heartbeatTimeoutMs: 10_000 });
  } catch (e) {
    await Promise.all([stopKafka(kafkaDir), stopRedis(redisDir)]).catch(() => {});
    throw e;
  } finally {
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS; else process.env.NODE_OPTIONS = savedNodeOptions;
    delete process.env.TRIBUTARY_CPU_PROFILE_DIR;
  }
  const kafkaPid = Number(fs.readFileSync(path.join(kafkaDir, 'kafka.pid'), 'utf8'));
  const redisPid = Number(fs.readFileSync(path.join(redisDir, 'redis.pid'), 'utf8'));
  return {
    dir,
    kafka: `127.0.0.1:${kafkaPort}`,
    kafkaPid,
    redis,
    redisPid,
    cluster,
    pids() {
      const m = new Map<string, number>([['driver', cluster.driver.child.pid!]]);
      for (const [name, p] of cluster.executors) m.set(name, p.child.pid!);
      m.set('kafka', kafkaPid);
      m.set('redis', redisPid);
      return m;
    },
    async stop(keep: boolean) {
      await cluster.stop();
      await Promise.all([stopKafka(kafkaDir), stopRedis(redisDir)]);
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Commits an offset of a throwaway group on a one-partition topic: the broker creates its consumer-offsets topic now. */
async function prepareBroker(bootstrap: string): Promise<void> {
  const admin = await connectKafkaAdmin({ brokers: [bootstrap] });
  try {
    await admin.createTopic('bench_prepare_broker', 1);
    await admin.commitGroupOffsets('bench-prepare-broker', 'bench_prepare_broker', new Map([[0, 0n]]));
  } finally {
    await admin.close();
  }
}
