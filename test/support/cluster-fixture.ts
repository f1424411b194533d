/**
 * A fresh real cluster for each test of a mocha suite: a temp directory, a LocalCluster (driver and
 * executor processes) on the run's Kafka and Redis; when a test fails, the tail of every process's
 * log is printed; afterwards clients are closed, processes stopped and the directory removed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterOptions, DriverClient, LocalCluster } from '@tributary/client';
import { testRedis } from '@tributary/common';

export interface ClusterFixture {
  readonly dir: string;
  readonly cluster: LocalCluster;
  /** Closes the client after the test. */
  track(client: DriverClient): DriverClient;
}

/** A cluster a test starts itself, with options of its own (`start`); torn down like clusterPerTest's. */
export interface ClusterSlot extends ClusterFixture {
  /** Starts the test's cluster under `dir`, on the run's Redis unless `options` name another. */
  start(options: Partial<ClusterOptions> & { executors: number }): Promise<LocalCluster>;
}

export function clusterSlotPerTest(prefix: string): ClusterSlot {
  let dir = '';
  let cluster: LocalCluster | undefined;
  const clients: DriverClient[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      for (const name of ['driver', ...(cluster.standbyDriver ? ['standby'] : []), ...cluster.executors.keys()]) console.log(`--- ${name} log (tail)\n${cluster.logOf(name).slice(-5000)}`);
    }
    for (const c of clients.splice(0)) c.close();
    await cluster?.stop();
    cluster = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() { return dir; },
    get cluster() {
      if (!cluster) throw new Error('the cluster exists only inside a test, once started');
      return cluster;
    },
    async start(options) {
      cluster = await LocalCluster.start({ redis: testRedis(), ...options, dir: path.join(dir, 'cluster') });
      return cluster;
    },
    track(client) { clients.push(client); return client; },
  };
}

/** A cluster of `executors` executors started before each test. */
export function clusterPerTest(prefix: string, executors = 3, options: Partial<ClusterOptions> = {}): ClusterFixture {
  const slot = clusterSlotPerTest(prefix);
  beforeEach(async () => {
    await slot.start({ ...options, executors });
  });
  return slot;
}
