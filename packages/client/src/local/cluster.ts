/**
 * A local Tributary cluster of real OS processes: one driver and N executors, each started as
 * `tributary driver|executor` (packages/client/bin/tributary.js) and talking gRPC. Each process
 * logs to <dir>/logs/<name>.log. Processes can be killed (SIGKILL), paused (SIGSTOP/SIGCONT) and
 * restarted, which the end-to-end tests and the chaos harness rely on.
 *
 * With `standby`, a second driver ('standby') shares a driver lease with the first in the cluster's
 * Redis (docs/standby-driver.md): the first leads, the standby waits; executors and clients are
 * given both addresses (`driverAddress` is "leader,standby") and follow whichever leads.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, freePort } from './deploy';

const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');

export interface ClusterOptions {
  dir: string;
  redis: { host: string; port: number };
  executors: number;
  driverPort?: number;
  heartbeatTimeoutMs?: number;
  /** Extra environment for the (first) driver (e.g. TRIBUTARY_FAULT_KILL_AT for fault tests); the standby's is `standby.env`. */
  driverEnv?: Record<string, string>;
  /** The driver's Redis flags instead of `--redis HOST:PORT` from `redis` (e.g. a rediss:// URL with --redis-password-file). */
  redisArgs?: string[];
  /** Extra `tributary driver` options (e.g. ['--allowed-roots', '/data'], ['--task-deadline-ms', '3000']). */
  driverArgs?: string[];
  /** Serve the driver's dashboard on this port (0: any free port; its address is then in `dashboardUrl`). */
  dashboardPort?: number;
  /** Run the driver as this user (the cluster's directory must be writable by it). */
  driverUser?: { uid: number; gid: number };
  /** Serve Prometheus /metrics from every process (on free ports: `metricsPorts`); default true. */
  metrics?: boolean;
  /** Start a standby driver too, sharing a lease (ttl, default 5000 ms) in the cluster's Redis with the first. */
  standby?: { leaseTtlMs?: number; cluster?: string; env?: Record<string, string> };
  /**
   * Mutual TLS from a directory written by `tributary certs`: the driver serves with driver.crt,
   * every executor with executor.crt. Without it the cluster runs plaintext on loopback.
   */
  tlsDir?: string;
  /** The bearer token file the driver requires of its clients (e.g. `<tlsDir>/token`). */
  tokenFile?: string;
}

/** `--tls-ca/--tls-cert/--tls-key` of certificate `name` in a `tributary certs` directory. */
function tlsArgs(dir: string | undefined, name: string): string[] {
  if (!dir) return [];
  return ['--tls-ca', path.join(dir, 'ca.crt'), '--tls-cert', path.join(dir, `${name}.crt`), '--tls-key', path.join(dir, `${name}.key`)];
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Size of the process's log file when it was spawned: its own lines start there. */
  logStart: number;
}

export class LocalCluster {
  driver!: ManagedProcess;
  /** The standby driver, with `standby`. */
  standbyDriver: ManagedProcess | undefined;
  readonly executors = new Map<string, ManagedProcess>();
  /** The driver's address; with `standby`, "driver,standby" (clients and executors take the list). */
  driverAddress = '';
  /** Process name ('driver', 'exec-0', …) → its Prometheus /metrics port on 127.0.0.1. */
  readonly metricsPorts = new Map<string, number>();
  /** The dashboard's address (http://host:port/) when `dashboardPort` was given. */
  dashboardUrl = '';
  private readonly driverPorts = { driver: 0, standby: 0 };
  private nextExecutor = 0;

  constructor(readonly opts: ClusterOptions) {}

  static async start(opts: ClusterOptions): Promise<LocalCluster> {
    const c = new LocalCluster(opts);
    fs.mkdirSync(path.join(opts.dir, 'logs'), { recursive: true });
    c.driverPorts.driver = opts.driverPort ?? (await freePort());
    c.driverAddress = `127.0.0.1:${c.driverPorts.driver}`;
    await c.startDriver();
    if (opts.standby) {
      await c.waitForLog('driver', /leading: acquired the driver lease/, 30_000);
      c.driverPorts.standby = await freePort();
      c.driverAddress += `,127.0.0.1:${c.driverPorts.standby}`;
      await c.startStandby();
    }
    for (let i = 0; i < opts.executors; i++) await c.addExecutor();
    return c;
  }

  async startDriver(env: Record<string, string> = this.opts.driverEnv ?? {}): Promise<void> {
    this.driver = this.spawn('driver', this.driverArgs(this.driverPorts.driver, true, await this.metricsArgs('driver')), env, this.opts.driverUser);
    await this.waitForLog('driver', /driver serving on/, 30_000);
    if (this.opts.dashboardPort !== undefined) {
      this.dashboardUrl = /dashboard on (http:\/\/[^\s"]+)/.exec(this.logOf('driver', this.driver.logStart))?.[1] ?? '';
    }
  }

  /** Starts (again) the standby driver; it serves once it holds the lease. */
  async startStandby(env: Record<string, string> = this.opts.standby?.env ?? {}): Promise<void> {
    this.standbyDriver = this.spawn('standby', this.driverArgs(this.driverPorts.standby, false, await this.metricsArgs('standby')), env, this.opts.driverUser);
    await this.waitForLog('standby', /driver serving on/, 30_000);
  }

  /**
   * Both drivers share the state directory: whichever leads resumes the saved queries. Only the
   * first serves the dashboard (two drivers on one host cannot bind one port).
   */
  private driverArgs(port: number, first: boolean, metrics: string[]): string[] {
    const { redis, standby } = this.opts;
    return [
      'driver', '--port', String(port), ...(this.opts.redisArgs ?? ['--redis', `${redis.host}:${redis.port}`]),
      '--state-dir', path.join(this.opts.dir, 'driver-state'),
      '--heartbeat-timeout-ms', String(this.opts.heartbeatTimeoutMs ?? 3000),
      ...metrics,
      ...tlsArgs(this.opts.tlsDir, 'driver'),
      ...(this.opts.tokenFile ? ['--token-file', this.opts.tokenFile] : []),
      ...(standby ? ['--lease', `redis://${redis.host}:${redis.port}`, '--cluster', standby.cluster ?? 'local', '--lease-ttl-ms', String(standby.leaseTtlMs ?? 5000)] : []),
      ...(first && this.opts.dashboardPort !== undefined ? ['--dashboard-port', String(this.opts.dashboardPort)] : []),
      ...(this.opts.driverArgs ?? []),
    ];
  }

  async addExecutor(): Promise<string> {
    const id = `exec-${this.nextExecutor++}`;
    this.executors.set(id, this.spawn(id, ['executor', '--driver', this.driverAddress, '--id', id, ...tlsArgs(this.opts.tlsDir, 'executor'), ...(await this.metricsArgs(id))], {}));
    await this.waitForLog(id, /registered with the driver/, 30_000);
    return id;
  }

  /** Executors stopped with SIGSTOP and not continued yet. */
  readonly paused = new Set<string>();

  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const p = this.process(name);
    if (!p) throw new Error(`no process ${name}`);
    p.child.kill(signal);
    if (signal === 'SIGSTOP') this.paused.add(name);
    if (signal === 'SIGCONT') this.paused.delete(name);
    if (name !== 'driver' && name !== 'standby' && (signal === 'SIGKILL' || signal === 'SIGTERM')) { this.executors.delete(name); this.paused.delete(name); }
  }

  /** Whether the driver process is running (it may have killed itself through the fault hook). */
  driverRunning(): boolean {
    return this.driver.child.exitCode === null && this.driver.child.signalCode === null;
  }

  async restartDriver(env?: Record<string, string>): Promise<void> {
    if (this.driverRunning()) {
      this.driver.child.kill('SIGKILL');
      await this.driver.exited;
    }
    await this.startDriver(env);
  }

  /** The log of a process (by default all of it, across restarts; else from byte `fromByte`). */
  logOf(name: string, fromByte = 0): string {
    const f = path.join(this.opts.dir, 'logs', `${name}.log`);
    return fs.existsSync(f) ? fs.readFileSync(f).subarray(fromByte).toString('utf8') : '';
  }

  async stop(): Promise<void> {
    const all = [this.driver, this.standbyDriver, ...this.executors.values()].filter((p): p is ManagedProcess => p !== undefined);
    for (const p of all) { try { p.child.kill('SIGCONT'); } catch { /* gone */ } p.child.kill('SIGTERM'); }
    await Promise.race([Promise.all(all.map((p) => p.exited)), new Promise((r) => setTimeout(r, 10_000))]);
    for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    this.executors.clear();
  }

  /** `--metrics-port P` for a process (the same port across its restarts), or nothing when metrics are off. */
  private async metricsArgs(name: string): Promise<string[]> {
    if (this.opts.metrics === false) return [];
    let port = this.metricsPorts.get(name);
    if (port === undefined) { port = await freePort(); this.metricsPorts.set(name, port); }
    return ['--metrics-port', String(port)];
  }

  private spawn(name: string, args: string[], env: Record<string, string>, user?: { uid: number; gid: number }): ManagedProcess {
    const file = path.join(this.opts.dir, 'logs', `${name}.log`);
    const logStart = fs.existsSync(file) ? fs.statSync(file).size : 0;
    const log = fs.openSync(file, 'a');
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', log, log], env: { ...process.env, ...env }, ...user });
    fs.closeSync(log);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { name, child, exited, logStart };
  }

  private process(name: string): ManagedProcess | undefined {
    return name === 'driver' ? this.driver : name === 'standby' ? this.standbyDriver : this.executors.get(name);
  }

  /** Waits until the process's log (since it was last spawned) matches `pattern`. */
  async waitForLog(name: string, pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const proc = this.process(name)!;
    while (Date.now() < deadline) {
      if (pattern.test(this.logOf(name, proc.logStart))) return;
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${name} exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${this.logOf(name).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} did not log ${pattern} within ${timeoutMs} ms:\n${this.logOf(name).slice(-3000)}`);
  }
}
