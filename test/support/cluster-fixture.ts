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

export function clusterPerTest(prefix: string, executors = 3, options: Partial<ClusterOptions> = {}): ClusterFixture {
  let dir = '';
  let cluster: LocalCluster | undefined;
  const clients: DriverClient[] = [];
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    cluster = await LocalCluster.start({ ...options, dir: path.join(dir, 'cluster'), redis: testRedis(), executors });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      for (const name of ['driver', ...cluster.executors.keys()]) console.log(`--- ${name} log (tail)\n${cluster.logOf(name).slice(-4000)}`);
    }
    for (const c of clients.splice(0)) c.close();
    await cluster?.stop();
    cluster = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() { return dir; },
    get cluster() {
      if (!cluster) throw new Error('the cluster exists only inside a test');
      return cluster;
    },
    track(client) { clients.push(client); return client; },
  };
}
