/**
 * Hosts on one machine: each host is a Linux network namespace with its own address on a private
 * subnet, joined to the others by a bridge, and each process started on a host runs in a private
 * mount namespace that sees only that host's working directory. So a driver, its executors, Kafka,
 * Redis and the object store can run as on separate machines: they reach one another only over the
 * network, and no process can read another host's files. Needs root (CI runs as root).
 *
 *   bridge        tb<tag>        in the root namespace, address 10.213.<net>.1/24: the test process
 *                                reaches every host through it
 *   host i        netns tributary-<tag>-<name>; veth tb<tag>h<i> (bridge side) ⇄ eth0 inside,
 *                                address 10.213.<net>.<i + 2>/24, lo up
 *   files         <root>/<name>/ on the real file system; inside a host's processes /tmp is an
 *                 empty tmpfs and only <root>/<name> is mounted back (at the same path), so every
 *                 other host's directory is absent
 *   partition(h)  the host's bridge-side link goes down: it reaches no one and no one reaches it,
 *                 its processes keep running; heal(h) brings the link up again
 *
 * <tag> is the creating process's pid in hex, 'x' and a sequence number, so stale namespaces and links of a test process
 * that died (even by SIGKILL) are recognised and removed by the next `NetworkHosts.create`.
 * `destroy()` kills every process in the namespaces (the daemons started in them too), removes the
 * namespaces, links and directories; it also runs when the test process exits.
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const NS_PREFIX = 'tributary-';
const STAGE_DIR = '/run/tributary-hosts';
let sequence = 0;

export interface HostProcess {
  host: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export class NetworkHosts {
  private readonly procs: HostProcess[] = [];
  private destroyed = false;
  private readonly onExit = (): void => this.destroySync();

  private constructor(
    readonly tag: string,
    readonly names: readonly string[],
    readonly net: number,
    /** The real directory holding each host's working directory. */
    readonly root: string,
  ) {
    process.once('exit', this.onExit);
  }

  /** Creates one namespace per name, on a fresh subnet, after removing stale ones of dead test processes. */
  static create(names: readonly string[]): NetworkHosts {
    if (process.getuid?.() !== 0) throw new Error('network hosts need root (ip netns); run this suite as root, as CI does');
    if (new Set(names).size !== names.length || names.some((n) => !/^[a-z][a-z0-9-]{0,20}$/.test(n))) throw new Error(`bad host names ${names.join(', ')}`);
    NetworkHosts.removeStale();
    const tag = `${process.pid.toString(16)}x${sequence++}`;
    const net = freeSubnet();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-hosts-'));
    const hosts = new NetworkHosts(tag, names, net, root);
    try {
      ip('link', 'add', hosts.bridge, 'type', 'bridge');
      ip('addr', 'add', `10.213.${net}.1/24`, 'dev', hosts.bridge);
      ip('link', 'set', hosts.bridge, 'up');
      names.forEach((name, i) => {
        const ns = hosts.namespace(name);
        const outer = `${hosts.bridge}h${i}`;
        ip('netns', 'add', ns);
        ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
        ip('link', 'set', outer, 'master', hosts.bridge);
        ip('link', 'set', outer, 'up');
        ip('-n', ns, 'addr', 'add', `${hosts.address(name)}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'eth0', 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'route', 'add', 'default', 'via', `10.213.${net}.1`);
        fs.mkdirSync(hosts.dirOf(name), { recursive: true });
        fs.mkdirSync(hosts.stageOf(name), { recursive: true });
      });
    } catch (err) {
      hosts.destroySync();
      throw err;
    }
    return hosts;
  }

  get bridge(): string {
    return `tb${this.tag}`;
  }

  namespace(name: string): string {
    return `${NS_PREFIX}${this.tag}-${name}`;
  }

  /** The host's address. */
  address(name: string): string {
    return `10.213.${this.net}.${this.indexOf(name) + 2}`;
  }

  /** The host's private working directory (the same path inside its processes and outside). */
  dirOf(name: string): string {
    return path.join(this.root, name);
  }

  /**
   * Starts `command args` on `host`: in its network namespace, in a private mount namespace where
   * /tmp is empty and only the host's directory is present, with that directory as cwd.
   */
  spawn(host: string, command: string, args: readonly string[], options: Pick<SpawnOptions, 'env' | 'stdio'> = {}): HostProcess {
    this.indexOf(host);
    const script = [
      'set -e',
      'dir="$1"; stage="$2"; shift 2',
      'mount --bind "$dir" "$stage"',
      'mount -t tmpfs -o mode=1777 tmpfs /tmp',
      'mkdir -p "$dir"',
      'mount --move "$stage" "$dir"',
      'cd "$dir"',
      'exec "$@"',
    ].join('\n');
    const child = spawn('ip', ['netns', 'exec', this.namespace(host), 'unshare', '--mount', '--propagation', 'private',
      'bash', '-c', script, 'host-shell', this.dirOf(host), this.stageOf(host), command, ...args], {
      env: { ...process.env, TMPDIR: '/tmp', ...options.env },
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const p = { host, child, exited };
    this.procs.push(p);
    return p;
  }

  /** Runs `command args` on `host` to completion; rejects with its output when it fails. */
  async run(host: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const p = this.spawn(host, command, args, { env });
    let out = '';
    p.child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    p.child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await p.exited;
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} on ${host} exited ${code}:\n${out.slice(-3000)}`);
    return out;
  }

  /** Cuts `host` off the network (its bridge-side link down); its processes keep running. */
  partition(host: string): void {
    ip('link', 'set', `${this.bridge}h${this.indexOf(host)}`, 'down');
  }

  /** Connects `host` again. */
  heal(host: string): void {
    ip('link', 'set', `${this.bridge}h${this.indexOf(host)}`, 'up');
  }

  /** Pids of every process in the host's network namespace (daemons it started included). */
  pidsOf(host: string): number[] {
    try {
      return execFileSync('ip', ['netns', 'pids', this.namespace(host)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Kills every process on every host, removes namespaces, links and directories. */
  async destroy(): Promise<void> {
    this.destroySync();
    await Promise.all(this.procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))])));
  }

  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('exit', this.onExit);
    for (const p of this.procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const name of this.names) {
      for (const pid of this.pidsOf(name)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      tryIp('netns', 'del', this.namespace(name));
      tryIp('link', 'del', `${this.bridge}h${this.names.indexOf(name)}`);
      fs.rmSync(this.stageOf(name), { recursive: true, force: true });
    }
    tryIp('link', 'del', this.bridge);
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private stageOf(name: string): string {
    return path.join(STAGE_DIR, `${this.tag}-${name}`);
  }

  private indexOf(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no host ${name} (hosts: ${this.names.join(', ')})`);
    return i;
  }

  /** Removes namespaces, links and stage directories left by test processes that no longer run. */
  static removeStale(): void {
    const live = (tag: string): boolean => {
      const pid = parseInt(tag.split('x')[0], 16);
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const namespaces = tryIpOut('netns', 'list').split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(NS_PREFIX));
    for (const ns of namespaces) {
      const tag = ns.slice(NS_PREFIX.length).split('-')[0];
      if (live(tag)) continue;
      for (const pid of tryIpOut('netns', 'pids', ns).split(/\s+/).filter(Boolean)) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      }
      tryIp('netns', 'del', ns);
    }
    for (const line of tryIpOut('-o', 'link', 'show').split('\n')) {
      const m = /^\d+: (tb[0-9a-f]+x\d+)(h\d+)?[@:]/.exec(line);
      if (m && !live(m[1].slice(2))) tryIp('link', 'del', m[1] + (m[2] ?? ''));
    }
    if (fs.existsSync(STAGE_DIR)) {
      for (const d of fs.readdirSync(STAGE_DIR)) if (!live(d.split('-')[0])) fs.rmSync(path.join(STAGE_DIR, d), { recursive: true, force: true });
    }
  }
}

/** A /24 of 10.213.0.0/16 that no interface of this machine is on. */
function freeSubnet(): number {
  const used = tryIpOut('-4', '-o', 'addr', 'show');
  for (let k = 0; k < 254; k++) {
    const net = ((process.pid + k) % 254) + 1;
    if (!used.includes(`10.213.${net}.`)) return net;
  }
  throw new Error('no free subnet in 10.213.0.0/16');
}

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || String(err)}`);
  }
}

function tryIp(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch { /* absent already */ }
}

function tryIpOut(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}
