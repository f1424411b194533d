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
  /** Serve the driver's dashboard on this port (0: any free port; its address is then in `dashboardUrl`). */
  dashboardPort?: number;
  /** Run the driver as this user (the cluster's directory must be writable by it). */
  driverUser?: { uid: number; gid: number };
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
  readonly executors = new Map<string, ManagedProcess>();
  driverAddress = '';
  /** The dashboard's address (http://host:port/) when `dashboardPort` was given. */
  dashboardUrl = '';
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
      ...tlsArgs(this.opts.tlsDir, 'driver'),
      ...(this.opts.tokenFile ? ['--token-file', this.opts.tokenFile] : []),
      ...(this.opts.dashboardPort === undefined ? [] : ['--dashboard-port', String(this.opts.dashboardPort)]),
      ...(this.opts.driverArgs ?? []),
    ], env, this.opts.driverUser);
    await this.waitForLog('driver', /driver serving on/, 30_000);
    if (this.opts.dashboardPort !== undefined) {
      this.dashboardUrl = /dashboard on (http:\/\/\S+)/.exec(this.logOf('driver', this.driver.logStart))?.[1] ?? '';
    }
  }

  async addExecutor(): Promise<string> {
    const id = `exec-${this.nextExecutor++}`;
    this.executors.set(id, this.spawn(id, ['executor', '--driver', this.driverAddress, '--id', id, ...tlsArgs(this.opts.tlsDir, 'executor')], {}));
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
