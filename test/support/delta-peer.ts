/**
 * The JVM Delta reference implementation (deploy/delta-jvm: delta-spark on Spark 3.5, local mode) as
 * one child process for a whole test run, spoken to in JSON lines (see DeltaPeer.java for the
 * requests and the canonical value forms, which match @tributary/common's canonicalRows).
 * `fetch.sh` must have run (npm run test:interop does it).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { strict as assert } from 'node:assert';
import { canonicalRows, readSnapshot, readTableRows, type CanonicalValue, type Storage } from '@tributary/common';
import { REPO_ROOT } from '@tributary/client';
import { SPARK_ADD_OPENS } from './jvm-spark';

export interface PeerSnapshot {
  ok: true;
  version?: number;
  schema?: string;
  minReaderVersion?: number;
  readerFeatures?: string[];
  partitionColumns?: string[];
  files?: string[];
  txns?: Record<string, string>;
  rows: Record<string, CanonicalValue>[];
}
export type PeerAnswer = PeerSnapshot | { ok: false; error: string };
type Row = Record<string, CanonicalValue>;

/** Rows as sorted canonical JSON lines, for comparing two reads as multisets. */
export function sortedRows(rows: readonly object[]): string[] {
  return rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
}

/**
 * The interop check of a streaming table: at every version from 1 to the newest (at least
 * `minVersions` of them), the JVM reads the rows Tributary reads; `each` asserts what must hold of
 * every version's rows. Returns the newest version's rows.
 */
export async function assertEveryVersionReadsAlike(
  peer: DeltaPeer, storage: Storage, table: string, minVersions: number, each: (rows: Row[], version: number) => void = () => {},
): Promise<Row[]> {
  const last = (await readSnapshot(storage, table)).version;
  assert.ok(last >= minVersions, `several batches, got version ${last}`);
  let rows: Row[] = [];
  for (let v = 1; v <= last; v++) {
    const theirs = await peer.read(table, { version: v });
    assert.ok(theirs.ok, `the JVM could not read version ${v}: ${!theirs.ok ? theirs.error : ''}`);
    rows = canonicalRows(await readTableRows(storage, table, { version: v }));
    assert.deepEqual(sortedRows(theirs.rows), sortedRows(rows), `version ${v}`);
    each(rows, v);
  }
  return rows;
}

export class DeltaPeer {
  private readonly waiting: ((line: string) => void)[] = [];
  private stderrTail = '';

  private constructor(private readonly child: ChildProcess) {}

  /**
   * Starts the peer. With `s3`, Hadoop's S3A file system reads `s3a://bucket/…` from that
   * S3-compatible endpoint (path-style, plain HTTP), with those credentials.
   */
  static async start(timeoutMs = 240_000, s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string }): Promise<DeltaPeer> {
    const dir = path.join(REPO_ROOT, 'deploy', 'delta-jvm');
    if (!fs.existsSync(path.join(dir, 'classes', 'DeltaPeer.class'))) {
      throw new Error('the JVM Delta peer is not built: run bash deploy/delta-jvm/fetch.sh (npm run test:interop does)');
    }
    // Spark reads spark.* system properties into its configuration; spark.hadoop.* go to Hadoop's.
    const s3a = s3 === undefined ? [] : [
      `-Dspark.hadoop.fs.s3a.endpoint=${s3.endpoint}`, `-Dspark.hadoop.fs.s3a.endpoint.region=${s3.region}`,
      '-Dspark.hadoop.fs.s3a.path.style.access=true', '-Dspark.hadoop.fs.s3a.connection.ssl.enabled=false',
      `-Dspark.hadoop.fs.s3a.access.key=${s3.accessKeyId}`, `-Dspark.hadoop.fs.s3a.secret.key=${s3.secretAccessKey}`,
      '-Dspark.hadoop.fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
      '-Dspark.hadoop.fs.s3a.impl=org.apache.hadoop.fs.s3a.S3AFileSystem',
      // S3Mock answers ranged GETs without the object's ETag, which S3A's change detection
      // (comparing ETags between open and read) takes for a concurrent change: off, for the mock.
      '-Dspark.hadoop.fs.s3a.change.detection.mode=none',
    ];
    const child = spawn('java', ['-Xmx3g', '-XX:+UseSerialGC', ...SPARK_ADD_OPENS, ...s3a, '-cp', `${path.join(dir, 'classes')}:${path.join(dir, 'jars', '*')}`, 'DeltaPeer'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new DeltaPeer(child);
    child.stderr!.on('data', (b: Buffer) => {
      peer.stderrTail = (peer.stderrTail + b.toString()).slice(-4000);
    });
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => peer.waiting.shift()?.(line));
    const ready = await Promise.race([
      new Promise<string>((resolve) => peer.waiting.push(resolve)),
      new Promise<string>((_, reject) => child.once('exit', (code) => reject(new Error(`the JVM Delta peer exited (${code}): ${peer.stderrTail}`)))),
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`the JVM Delta peer did not start in ${timeoutMs} ms: ${peer.stderrTail}`)), timeoutMs).unref()),
    ]);
    if (!ready.includes('"ready"')) throw new Error(`unexpected first line from the JVM Delta peer: ${ready}`);
    return peer;
  }

  /** One request; answers come back in order. */
  request(req: Record<string, unknown>): Promise<PeerAnswer> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the JVM Delta peer exited (${code}): ${this.stderrTail}`));
      this.child.once('exit', onExit);
      this.waiting.push((line) => {
        this.child.off('exit', onExit);
        resolve(JSON.parse(line) as PeerAnswer);
      });
      this.child.stdin!.write(JSON.stringify(req) + '\n');
    });
  }

  async sql(sql: string, conf: Record<string, string> = {}): Promise<Record<string, CanonicalValue>[]> {
    const a = await this.request({ op: 'sql', sql, conf });
    if (!a.ok) throw new Error(`JVM Delta: ${a.error}\n  in: ${sql}`);
    return a.rows;
  }

  read(tablePath: string, at: { version?: number; timestamp?: string } = {}): Promise<PeerAnswer> {
    return this.request({ op: 'read', path: tablePath, ...at });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end(JSON.stringify({ op: 'quit' }) + '\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}
