/**
 * Test support: a private S3-compatible server (S3Mock, deploy/s3mock) for one test file, on free
 * ports, plain HTTP, with one request thread (deploy/s3mock/run.sh says why: it is what makes
 * S3Mock's conditional writes atomic). `S3TestServer.start()` fetches the jars if needed (deploy/s3mock/fetch.sh),
 * starts the server, waits until it answers ListBuckets and resolves; `stop()` stops it and removes
 * its directory. The server also stops by itself when the test process dies, even by kill -9 (see
 * deploy/s3mock/run.sh: it watches the pipe on its standard input).
 *
 * S3Mock accepts any credentials and does not check signatures; the tests still sign with fixed
 * dummy ones, as every S3 client must.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Storage, type S3StorageOptions } from '@tributary/common';
import { freePort, REPO_ROOT } from '@tributary/client';

/** Dummy credentials (a fresh object per use: the SDK annotates the object it is given). */
export const s3TestCredentials = () => ({ accessKeyId: 'tributary-test', secretAccessKey: 'tributary-test-secret' });
export const S3_TEST_REGION = 'us-east-1';

const READY_TIMEOUT_MS = 180_000;

export class S3TestServer {
  private readonly clients: S3Client[] = [];
  private readonly storages: S3Storage[] = [];

  private constructor(
    /** `http://127.0.0.1:<port>`, for `endpoint` options and AWS_ENDPOINT_URL. */
    readonly endpoint: string,
    /** How long the server took from spawn to answering its first request. */
    readonly startupMs: number,
    private readonly child: ChildProcess,
    /** The server's own directory (its objects are under `root/`), removed by `stop()`. */
    readonly dir: string,
    private readonly output: { text: string },
  ) {}

  static async start(): Promise<S3TestServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-s3mock-'));
    const port = await freePort();
    const secondPort = await freePort();
    const started = Date.now();
    const child = spawn('bash', [path.join(REPO_ROOT, 'deploy', 's3mock', 'run.sh'), String(port), String(secondPort), path.join(dir, 'root')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    const keep = (chunk: Buffer) => {
      output.text = (output.text + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(endpoint, child, output);
    } catch (error) {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new S3TestServer(endpoint, Date.now() - started, child, dir, output);
  }

  /** The last lines the server printed (for failure messages). */
  log(): string {
    return this.output.text;
  }

  /** A raw SDK client for this server (path-style, dummy credentials); closed by `stop()`. */
  client(): S3Client {
    const client = new S3Client({ endpoint: this.endpoint, region: S3_TEST_REGION, credentials: s3TestCredentials(), forcePathStyle: true });
    this.clients.push(client);
    return client;
  }

  /** An S3Storage on this server (options may override or add to the endpoint settings); closed by `stop()`. */
  storage(options: S3StorageOptions = {}): S3Storage {
    const storage = new S3Storage({ endpoint: this.endpoint, region: S3_TEST_REGION, credentials: s3TestCredentials(), ...options });
    this.storages.push(storage);
    return storage;
  }

  /** Creates a bucket with a fresh name and returns the name. */
  async createBucket(prefix = 'tributary'): Promise<string> {
    const bucket = `${prefix}-${randomBytes(6).toString('hex')}`;
    const client = this.client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  }

  /** Settings for a child process that builds its own S3Storage from the AWS environment. */
  environment(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_S3: this.endpoint,
      AWS_REGION: S3_TEST_REGION,
      AWS_ACCESS_KEY_ID: s3TestCredentials().accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3TestCredentials().secretAccessKey,
    };
  }

  async stop(): Promise<void> {
    for (const storage of this.storages.splice(0)) storage.close();
    for (const client of this.clients.splice(0)) client.destroy();
    await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitUntilServing(endpoint: string, child: ChildProcess, output: { text: string }): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`S3Mock exited before serving (exit ${child.exitCode}):\n${output.text.slice(-4000)}`);
    try {
      const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`S3Mock did not serve ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${output.text.slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Closes the server's standard input (run.sh then stops it), SIGTERM after 20 s, SIGKILL after 40 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end();
  const term = setTimeout(() => child.kill('SIGTERM'), 20_000);
  const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
  await exited;
  clearTimeout(term);
  clearTimeout(kill);
}
