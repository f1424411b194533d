/**
 * Starts and stops the real servers of a local cluster through the scripts in deploy/: a KRaft
 * Kafka broker (Maven Central jars) and a private redis-server. Used by `tributary demo`, the tests,
 * the benchmark and the chaos harness.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const DEPLOY = path.join(REPO_ROOT, 'deploy');

async function script(rel: string, args: string[], timeoutMs = 300_000): Promise<void> {
  try {
    await run(path.join(DEPLOY, rel), args, { timeout: timeoutMs });
  } catch (err: any) {
    throw new Error(`deploy/${rel} failed: ${(err.stderr || err.message).trim()}`);
  }
}

export const startKafka = (dir: string, port: number) => script('kafka/start.sh', [dir, String(port)]);
export const stopKafka = (dir: string) => script('kafka/stop.sh', [dir]);
export const startRedis = (dir: string, port: number) => script('redis/start.sh', [dir, String(port)]);
export const stopRedis = (dir: string) => script('redis/stop.sh', [dir]);

/** Empties the Redis on `port` (FLUSHALL), as an operator's mistake would. */
export async function flushRedis(port: number): Promise<void> {
  try {
    await run('redis-cli', ['-p', String(port), 'FLUSHALL'], { timeout: 10_000 });
  } catch (err: any) {
    throw new Error(`redis-cli FLUSHALL on port ${port} failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** Kills the broker at once (SIGKILL), as a crash would; its data stays for a restart. */
export function killKafka(dir: string): void {
  const pidFile = path.join(dir, 'kafka.pid');
  if (!fs.existsSync(pidFile)) return;
  try { process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* already gone */ }
  fs.rmSync(pidFile, { force: true });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (with `pair`, the next one as well). */
export async function freePort(pair = false): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await listenAndClose(0);
    if (port !== undefined && (!pair || (await listenAndClose(port + 1)) !== undefined)) return port;
  }
  throw new Error('no free port found');
}

function listenAndClose(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}
