/**
 * Injects one fault into a running chaos cluster and brings the failed part back, as an operator or
 * a supervisor would: a killed executor is replaced by a new one, a paused one continued, a killed
 * driver restarted on the same state directory and port, Redis started again empty, the Kafka
 * broker started again on its data. `at` is the moment the fault took effect (ms).
 */
import { flushRedis, killKafka, LocalCluster, startKafka, startRedis, stopKafka, stopRedis, Xoshiro128 } from '@tributary/client';
import { AimedQuery, Fault } from './schedule';

export interface ChaosServers {
  kafkaDir: string;
  kafkaPort: number;
  redisDir: string;
  redisPort: number;
}

export interface Injected {
  at: number;
  detail: string;
  /** A protocol-step kill whose step the driver never reached. */
  missed?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the driver to kill itself through the fault hook at `step`. */
const HOOK_WAIT_MS = 120_000;

/** `queries`: the ids of the queries a fault may be aimed at. */
export async function inject(fault: Fault, cluster: LocalCluster, servers: ChaosServers, rng: Xoshiro128, queries: Record<AimedQuery, string>): Promise<Injected> {
  switch (fault.kind) {
    case 'executor-kill': {
      const id = pick([...cluster.executors.keys()].filter((e) => !cluster.paused.has(e)), rng);
      cluster.kill(id, 'SIGKILL');
      const at = Date.now();
      const replacement = await cluster.addExecutor();
      return { at, detail: `${id} (SIGKILL), replaced by ${replacement}` };
    }
    case 'executor-pause': {
      const id = pick([...cluster.executors.keys()].filter((e) => !cluster.paused.has(e)), rng);
      // Below and above the 3 s heartbeat timeout: a slow executor is waited for, a hung one replaced.
      const pauseMs = 1000 + rng.nextInt(7000);
      cluster.kill(id, 'SIGSTOP');
      const at = Date.now();
      await sleep(pauseMs);
      cluster.kill(id, 'SIGCONT');
      return { at, detail: `${id} (SIGSTOP for ${(pauseMs / 1000).toFixed(1)} s, then SIGCONT)` };
    }
    case 'driver-kill': {
      cluster.kill('driver', 'SIGKILL');
      const at = Date.now();
      await cluster.driver.exited;
      await cluster.startDriver({});
      return { at, detail: 'SIGKILL, restarted' };
    }
    case 'driver-kill-at': {
      const aim = fault.query ? `:${queries[fault.query]}` : '';
      await cluster.restartDriver({ TRIBUTARY_FAULT_KILL_AT: `${fault.step}:*${aim}` });
      const hooked = cluster.driver;
      const died = await Promise.race([hooked.exited.then(() => true), sleep(HOOK_WAIT_MS).then(() => false)]);
      const at = Date.now();
      const hit = died ? new RegExp(`fault hook: killing the driver at ${fault.step} of batch (\\d+) of query ([0-9a-f-]+)`).exec(cluster.logOf('driver', hooked.logStart)) : null;
      await cluster.restartDriver({});
      if (!hit) return { at, detail: `NOT REACHED: the driver did not die at ${fault.step} within ${HOOK_WAIT_MS / 1000} s`, missed: true };
      return { at, detail: `SIGKILL by the fault hook at ${fault.step} of batch ${hit[1]} of query ${hit[2]}, restarted` };
    }
    case 'redis-restart': {
      await stopRedis(servers.redisDir);
      const at = Date.now();
      const downMs = 500 + rng.nextInt(4000);
      await sleep(downMs);
      await startRedis(servers.redisDir, servers.redisPort);
      return { at, detail: `stopped for ${(downMs / 1000).toFixed(1)} s, started empty` };
    }
    case 'redis-flushall': {
      await flushRedis(servers.redisPort);
      return { at: Date.now(), detail: 'FLUSHALL' };
    }
    case 'kafka-restart': {
      const crash = rng.chance(0.5);
      if (crash) killKafka(servers.kafkaDir);
      else await stopKafka(servers.kafkaDir);
      const at = Date.now();
      const downMs = rng.nextInt(3000);
      await sleep(downMs);
      await startKafka(servers.kafkaDir, servers.kafkaPort);
      return { at, detail: `${crash ? 'SIGKILL' : 'clean stop'}, down ${(downMs / 1000).toFixed(1)} s + broker start, restarted on its data` };
    }
  }
}

function pick<T>(items: T[], rng: Xoshiro128): T {
  if (items.length === 0) throw new Error('no running executor to inject a fault into');
  return items[rng.nextInt(items.length)];
}

