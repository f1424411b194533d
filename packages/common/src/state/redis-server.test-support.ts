/**
 * Test support: a private redis-server child process on a free port, so tests can flush, kill and
 * restart Redis without touching the shared development server. With `appendOnly` the data (the
 * fence included) survives a restart, as with a production Redis running AOF.
 * With `users`, the server has those ACL users (each with every key and command) and the `default`
 * user switched off; with `tls`, it listens only with TLS on its port (no plain-text port), and
 * asks clients for a certificate when `tls.requireClientCert`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PrivateRedisOptions {
  appendOnly?: boolean;
  /** ACL users: name → password. */
  users?: Record<string, string>;
  /** PEM files of the server's certificate and key, and of the CA it trusts for client certificates. */
  tls?: { cert: string; key: string; ca: string; requireClientCert?: boolean };
}

export class PrivateRedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'trib-state-redis-'));

  private constructor(readonly port: number, private readonly options: PrivateRedisOptions) {}

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedisServer> {
    const server = new PrivateRedisServer(await freePort(), options);
    await server.restart();
    return server;
  }

  /** Starts the server (again) on the same port and data directory; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const { appendOnly, users, tls } = this.options;
    const args = tls === undefined
      ? ['--port', String(this.port)]
      : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key,
        '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', tls.requireClientCert ? 'yes' : 'no'];
    args.push('--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--dir', this.dir);
    if (appendOnly) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    if (users !== undefined) {
      args.push('--user', 'default', 'off');
      for (const [name, password] of Object.entries(users)) args.push('--user', name, 'on', `>${password}`, '~*', '&*', '+@all');
    }
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  /** Kills the server at once (SIGKILL: no shutdown save) and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}
