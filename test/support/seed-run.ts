/**
 * Helpers of the end-to-end tests: run the seed job (examples/seed-job.js) on a LocalCluster,
 * follow its progress, and read its Delta table and log independently of the engine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { joinLocation, type RpcClientSecurity, type Storage } from '@tributary/common';
import { DriverClient, GrpcSubmitter, REPO_ROOT, StreamingQuery, TributarySession } from '@tributary/client';

export const MINUTE = 60_000_000;
export const WINDOW = 5 * MINUTE;
export const DELAY = 10 * MINUTE;

export interface SeedJobOptions {
  bootstrap: string;
  topic: string;
  table: string;
  checkpoint: string;
  trigger?: string;
  maxOffsetsPerTrigger?: number;
  /** kafka.isolation.level; the job's default (read_uncommitted) when absent. */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
}

/** `security`: the client's TLS identity and token when the cluster runs with mutual TLS (plaintext by default). */
export async function startSeedJob(driverAddress: string, opts: SeedJobOptions, security: RpcClientSecurity = {}): Promise<{ query: StreamingQuery; client: DriverClient }> {
  const client = new DriverClient(driverAddress, security);
  const spark = TributarySession.builder().appName('seed job test').submitter(new GrpcSubmitter(client)).getOrCreate();
  const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js'));
  const query: StreamingQuery = await seedJob(spark, { trigger: '200 milliseconds', ...opts });
  return { query, client };
}

/**
 * Polls `check` until it returns true, failing with `describe()` after `timeoutMs`, or at once when
 * the query is no longer active.
 */
export async function waitUntil(query: StreamingQuery, check: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (!(await query.isActive())) throw new Error(`the query stopped: ${await describe()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The watermark of a progress report, µs (Spark prints it with milliseconds). */
export function watermarkMicros(progress: { eventTime: { watermark?: string } } | null | undefined): number {
  const w = progress?.eventTime.watermark;
  return w === undefined ? -Infinity : Date.parse(w) * 1000;
}

/** The commits of a Delta table read straight from _delta_log, one action list per version. */
export function deltaCommits(table: string): { version: number; actions: any[] }[] {
  const log = path.join(table, '_delta_log');
  return fs.readdirSync(log)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 20)),
      actions: fs.readFileSync(path.join(log, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    }));
}

/** As deltaCommits, through Storage: for tables at any location (an `s3://` one too). */
export async function readDeltaCommits(storage: Storage, table: string): Promise<{ version: number; actions: any[] }[]> {
  const log = joinLocation(table, '_delta_log');
  const names = (await storage.list(log)).map((o) => o.name).filter((n) => /^\d{20}\.json$/.test(n)).sort();
  const out: { version: number; actions: any[] }[] = [];
  for (const name of names) {
    const bytes = await storage.get(joinLocation(log, name));
    if (bytes === undefined) throw new Error(`${table}: ${name} was listed but cannot be read`);
    out.push({ version: Number(name.slice(0, 20)), actions: Buffer.from(bytes).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) });
  }
  return out;
}
