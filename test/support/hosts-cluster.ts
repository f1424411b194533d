/**
 * A Tributary cluster on separate hosts (network-hosts.ts) for the hosts suite: Kafka, Redis and
 * S3Mock each on a host of their own (bucket `lake` created), certificates from `tributary certs`
 * (the driver certificate names the given driver hosts), and Tributary processes started on their
 * hosts with mutual TLS, each logging to <its directory>/<name>.log. Processes reach the object
 * store through the AWS environment only (`aws`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { certDirFiles, LocalStorage, readTableRows, readTlsIdentity, S3Storage, StorageRouter, type RpcClientSecurity, type Storage } from '@tributary/common';
import { REPO_ROOT } from '@tributary/client';
import { aggregateRows } from './aggregate-rows';
import { HostProcess, NetworkHosts } from './network-hosts';
import { computeExpected, diffRows } from './oracle';
import { DELAY, readDeltaCommits, WINDOW } from './seed-run';
import { S3_TEST_REGION, s3TestCredentials } from './s3-server';

const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
export const KAFKA_PORT = 9092;
export const REDIS_PORT = 6379;
export const S3_PORT = 9000;
export const DRIVER_PORT = 7077;

export class HostsCluster {
  readonly procs = new Map<string, HostProcess>();

  private constructor(readonly hosts: NetworkHosts, readonly certs: string) {}

  /** Hosts 'kafka', 'redis', 's3' plus `others`; the three servers started, the bucket made. */
  static async start(others: string[], driverHosts: string[]): Promise<HostsCluster> {
    const hosts = NetworkHosts.create(['kafka', 'redis', 's3', ...others]);
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-hosts-certs-'));
    const c = new HostsCluster(hosts, certs);
    try {
      execFileSync(process.execPath, [BIN, 'certs', certs, '--driver-hosts', driverHosts.map((h) => hosts.address(h)).join(',')], { stdio: 'pipe' });
      await Promise.all([
        hosts.run('kafka', 'bash', [path.join(REPO_ROOT, 'deploy', 'kafka', 'start.sh'), path.join(hosts.dirOf('kafka'), 'broker'), String(KAFKA_PORT), hosts.address('kafka')]),
        hosts.run('redis', 'bash', [path.join(REPO_ROOT, 'deploy', 'redis', 'start.sh'), path.join(hosts.dirOf('redis'), 'redis'), String(REDIS_PORT), hosts.address('redis')]),
        c.startObjectStore(),
      ]);
    } catch (err) {
      await c.destroy();
      throw err;
    }
    return c;
  }

  get bootstrap(): string {
    return `${this.hosts.address('kafka')}:${KAFKA_PORT}`;
  }

  get redis(): string {
    return `${this.hosts.address('redis')}:${REDIS_PORT}`;
  }

  /** The AWS settings of every process (and of the test, when it reads the store). */
  get aws(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_S3: `http://${this.hosts.address('s3')}:${S3_PORT}`, AWS_REGION: S3_TEST_REGION,
      AWS_ACCESS_KEY_ID: s3TestCredentials().accessKeyId, AWS_SECRET_ACCESS_KEY: s3TestCredentials().secretAccessKey,
    };
  }

  /** Storage as the processes have it (local paths, and s3:// on the store through `aws`), for the test to read what they wrote. */
  storage(): Storage {
    const s3 = new S3Storage({ env: this.aws });
    return new StorageRouter(new LocalStorage(), { s3, s3a: s3 });
  }

  driverAddress(host: string): string {
    return `${this.hosts.address(host)}:${DRIVER_PORT}`;
  }

  /**
   * Starts a driver on `host` (process and log named after the host) with mutual TLS and the token,
   * its state on `stateDir`, locations confined to `allowedRoots`. With `leaseTtlMs`, it shares the
   * driver lease of cluster 'hosts' in this cluster's Redis with every other driver started so.
   */
  startDriver(host: string, opts: { stateDir: string; allowedRoots: string[]; leaseTtlMs?: number; heartbeatTimeoutMs?: number }): HostProcess {
    return this.tributary(host, host, [
      'driver', '--host', this.hosts.address(host), '--port', String(DRIVER_PORT), '--redis', this.redis,
      '--state-dir', opts.stateDir, '--heartbeat-timeout-ms', String(opts.heartbeatTimeoutMs ?? 3000), '--allowed-roots', opts.allowedRoots.join(','),
      ...(opts.leaseTtlMs === undefined ? [] : ['--lease', `redis://${this.redis}`, '--cluster', 'hosts', '--lease-ttl-ms', String(opts.leaseTtlMs)]),
      ...this.certificateFlags(host, 'driver'), ...this.tokenFlags(host),
    ]);
  }

  /** Starts executor `id` on `host` (process and log named `id`), given the address of every driver. */
  startExecutor(host: string, id: string, driverHosts: string[]): HostProcess {
    return this.tributary(host, id, [
      'executor', '--driver', driverHosts.map((d) => this.driverAddress(d)).join(','), '--host', this.hosts.address(host), '--id', id, ...this.certificateFlags(host, 'executor'),
    ]);
  }

  /** The client's TLS identity and token. */
  get clientSecurity(): RpcClientSecurity {
    return { tls: readTlsIdentity(certDirFiles(this.certs, 'client')), token: fs.readFileSync(path.join(this.certs, 'token'), 'utf8').trim() };
  }

  logFile(host: string, name: string): string {
    return path.join(this.hosts.dirOf(host), `${name}.log`);
  }

  logOf(host: string, name: string): string {
    const f = this.logFile(host, name);
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  }

  /** Waits until `pattern` appears in a log after byte `from`, failing with the log's tail. */
  async waitForLog(host: string, name: string, pattern: RegExp, timeoutMs: number, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(this.logOf(host, name).slice(from))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} on ${host} did not log ${pattern} within ${timeoutMs} ms:\n${this.logOf(host, name).slice(-3000)}`);
  }

  /** Starts `tributary <args>` on `host` with the AWS environment, logging to <its dir>/<name>.log. */
  tributary(host: string, name: string, args: string[]): HostProcess {
    const fd = fs.openSync(this.logFile(host, name), 'a');
    const p = this.hosts.spawn(host, process.execPath, [BIN, ...args], { env: this.aws, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.procs.set(name, p);
    return p;
  }

  /** Copies the CA and certificate `name` (driver, executor) into the host's directory; the TLS flags. */
  certificateFlags(host: string, name: string): string[] {
    const dir = path.join(this.hosts.dirOf(host), 'tls');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['ca.crt', `${name}.crt`, `${name}.key`]) fs.copyFileSync(path.join(this.certs, f), path.join(dir, f));
    return ['--tls-ca', path.join(dir, 'ca.crt'), '--tls-cert', path.join(dir, `${name}.crt`), '--tls-key', path.join(dir, `${name}.key`)];
  }

  /** The token file, copied into the host's directory; its flag. */
  tokenFlags(host: string): string[] {
    const f = path.join(this.hosts.dirOf(host), 'token');
    fs.copyFileSync(path.join(this.certs, 'token'), f);
    return ['--token-file', f];
  }

  /** Prints the tail of every Tributary log (for a failed test). */
  printLogs(hosts: string[]): void {
    for (const host of hosts) {
      const dir = this.hosts.dirOf(host);
      for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (f.endsWith('.log')) console.log(`--- ${host}/${f} (tail)\n${fs.readFileSync(path.join(dir, f), 'utf8').slice(-4000)}`);
      }
    }
  }

  async destroy(): Promise<void> {
    await this.hosts.destroy();
    fs.rmSync(this.certs, { recursive: true, force: true });
  }

  private async startObjectStore(): Promise<void> {
    const fd = fs.openSync(this.logFile('s3', 's3mock'), 'a');
    this.procs.set('s3mock', this.hosts.spawn('s3', 'bash', [
      path.join(REPO_ROOT, 'deploy', 's3mock', 'run.sh'), String(S3_PORT), String(S3_PORT + 1), path.join(this.hosts.dirOf('s3'), 'root'), this.hosts.address('s3'),
    ], { stdio: ['pipe', fd, fd] }));
    fs.closeSync(fd);
    const client = new S3Client({ endpoint: `http://${this.hosts.address('s3')}:${S3_PORT}`, region: S3_TEST_REGION, forcePathStyle: true, credentials: s3TestCredentials() });
    const deadline = Date.now() + 180_000;
    try {
      for (;;) {
        try {
          await client.send(new CreateBucketCommand({ Bucket: 'lake' }));
          return;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`S3Mock did not serve on ${this.hosts.address('s3')}: ${String(err)}\n${this.logOf('s3', 's3mock').slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      client.destroy();
    }
  }
}

/** Runs `f` with the AWS settings in this process's environment (for a processStorage() of the test). */
export async function withEnvironment<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) { saved[k] = process.env[k]; process.env[k] = v; }
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

/**
 * The seed table on the store against the independent calculation, and each batch of `queryId`
 * committed exactly once, in order (read straight from the Delta log).
 */
export async function assertSeedTableExact(
  storage: Storage, table: string, queryId: string, events: Parameters<typeof computeExpected>[0], lateEventIds: Parameters<typeof computeExpected>[1]['lateEventIds'],
): Promise<void> {
  const expected = computeExpected(events, { windowMicros: WINDOW, delayMicros: DELAY, lateEventIds });
  const actual = aggregateRows(await readTableRows(storage, table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
  const diff = diffRows(expected.rows, actual);
  assert.ok(diff.equal, diff.text);
  assert.ok(expected.rows.length > 1_000, `expected many rows, got ${expected.rows.length}`);
  const batches: number[] = [];
  for (const { version, actions } of (await readDeltaCommits(storage, table)).slice(1)) {
    const own = actions.filter((a) => a.txn?.appId === queryId);
    assert.equal(own.length, 1, `version ${version} carries the query's txn once`);
    batches.push(own[0].txn.version);
  }
  assert.deepEqual(batches, batches.map((_, i) => i), 'each batch committed once, in order');
}
