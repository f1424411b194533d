/**
 * A local Tributary cluster of real OS processes: one driver and N executors, each started as
 * `tributary driver|executor` (packages/client/bin/tributary.js) and talking gRPC. Each process
 * logs to <dir>/logs/<name>.log. Processes can be killed (SIGKILL), paused (SIGSTOP/SIGCONT) and
 * restarted, which the end-to-end tests and the chaos harness rely on.
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
  /** Extra environment for the driver (e.g. TRIBUTARY_FAULT_KILL_AT for fault tests). */
  driverEnv?: Record<string, string>;
  /** Extra `tributary driver` options (e.g. ['--allowed-roots', '/data'], ['--task-deadline-ms', '3000']). */
  driverArgs?: string[];
  /** Run the driver as this user (the cluster's directory must be writable by it). */
  driverUser?: { uid: number; gid: number };
  /** Serve Prometheus /metrics from every process (on free ports: `metricsPorts`); default true. */
  metrics?: boolean;
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
  readonly executors = new Map<string, ManagedProcess>();
  driverAddress = '';
  /** Process name ('driver', 'exec-0', …) → its Prometheus /metrics port on 127.0.0.1. */
  readonly metricsPorts = new Map<string, number>();
  private nextExecutor = 0;

  constructor(readonly opts: ClusterOptions) {}

  static async start(opts: ClusterOptions): Promise<LocalCluster> {
    const c = new LocalCluster(opts);
    fs.mkdirSync(path.join(opts.dir, 'logs'), { recursive: true });
    const port = opts.driverPort ?? (await freePort());
    c.driverAddress = `127.0.0.1:${port}`;
    await c.startDriver();
    for (let i = 0; i < opts.executors; i++) await c.addExecutor();
    return c;
  }

  async startDriver(env: Record<string, string> = this.opts.driverEnv ?? {}): Promise<void> {
    const port = this.driverAddress.split(':')[1];
    this.driver = this.spawn('driver', [
      'driver', '--port', port, '--redis', `${this.opts.redis.host}:${this.opts.redis.port}`,
      '--state-dir', path.join(this.opts.dir, 'driver-state'),
      '--heartbeat-timeout-ms', String(this.opts.heartbeatTimeoutMs ?? 3000),
      ...(await this.metricsArgs('driver')),
      ...(this.opts.driverArgs ?? []),
    ], env, this.opts.driverUser);
    await this.waitForLog('driver', /driver serving on/, 30_000);
  }

  async addExecutor(): Promise<string> {
    const id = `exec-${this.nextExecutor++}`;
    this.executors.set(id, this.spawn(id, ['executor', '--driver', this.driverAddress, '--id', id, ...(await this.metricsArgs(id))], {}));
    await this.waitForLog(id, /registered with the driver/, 30_000);
    return id;
  }

  /** Executors stopped with SIGSTOP and not continued yet. */
  readonly paused = new Set<string>();

  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const p = name === 'driver' ? this.driver : this.executors.get(name);
    if (!p) throw new Error(`no process ${name}`);
    p.child.kill(signal);
    if (signal === 'SIGSTOP') this.paused.add(name);
    if (signal === 'SIGCONT') this.paused.delete(name);
    if (name !== 'driver' && (signal === 'SIGKILL' || signal === 'SIGTERM')) { this.executors.delete(name); this.paused.delete(name); }
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
    const all = [this.driver, ...this.executors.values()].filter(Boolean);
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

  private async waitForLog(name: string, pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const proc = name === 'driver' ? this.driver : this.executors.get(name)!;
    while (Date.now() < deadline) {
      if (pattern.test(this.logOf(name, proc.logStart))) return;
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${name} exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${this.logOf(name).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} did not log ${pattern} within ${timeoutMs} ms:\n${this.logOf(name).slice(-3000)}`);
  }
}
