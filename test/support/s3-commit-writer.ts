/**
 * A Delta log writer in its own OS process, for the put-if-absent race tests on S3 (closer to two
 * hosts than two writers in one process: its own SDK client, connections and event loop). It
 * builds its S3Storage from the AWS environment only (AWS_ENDPOINT_URL_S3, AWS_REGION,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as a Tributary process on another host would.
 *
 *   node s3-commit-writer.js '<json task>'
 *
 * Protocol on stdout/stdin, one line each: the writer prints `ready`, waits for a line holding the
 * start time (ms since the epoch, the same for every writer), then works and prints one JSON line
 * with its results.
 * - `same-versions`: for round r = 0..rounds-1 it waits until start + r * roundMs, then
 *   put-if-absents version firstVersion + r with contents naming itself; results[r] is whether it won.
 * - `commit-loop`: it makes `commits` commits the way the Delta commit loop does: try the next
 *   version it does not know to be taken, on false move on to the one after; results are the
 *   versions it won, in order.
 */
import { randomBytes } from 'node:crypto';
import * as readline from 'node:readline';
import { joinLocation, S3Storage } from '@tributary/common';

export interface WriterTask {
  mode: 'same-versions' | 'commit-loop';
  /** `s3://bucket/table`, the table whose `_delta_log` the writers race on. */
  table: string;
  writer: string;
  rounds?: number;
  firstVersion?: number;
  roundMs?: number;
  commits?: number;
  /** Bytes of padding in each commit (bigger bodies keep a write in flight longer). */
  padding?: number;
}

export type WriterResult = { writer: string; won: boolean[] } | { writer: string; versions: number[] };

export const deltaLogFile = (table: string, version: number): string =>
  joinLocation(table, '_delta_log', `${String(version).padStart(20, '0')}.json`);

/** The bytes `writer` puts at `version` in its `seq`-th commit: unique to the writer, padded. */
export function commitContents(writer: string, version: number, seq: number, padding: number): string {
  return `${JSON.stringify({ commitInfo: { writer, version, seq } })}\n${randomBytes(Math.ceil(padding / 2)).toString('hex').slice(0, padding)}\n`;
}

/** The writer and sequence number a commit's first line names. */
export function commitAuthor(contents: string): { writer: string; version: number; seq: number } {
  return JSON.parse(contents.split('\n')[0]).commitInfo;
}

const sleepUntil = (t: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));

export async function runWriter(storage: S3Storage, task: WriterTask, start: number): Promise<WriterResult> {
  const padding = task.padding ?? 0;
  if (task.mode === 'same-versions') {
    const won: boolean[] = [];
    for (let r = 0; r < (task.rounds ?? 1); r++) {
      await sleepUntil(start + r * (task.roundMs ?? 0));
      const version = (task.firstVersion ?? 0) + r;
      won.push(await storage.putIfAbsent(deltaLogFile(task.table, version), commitContents(task.writer, version, r, padding)));
    }
    return { writer: task.writer, won };
  }
  await sleepUntil(start);
  const versions: number[] = [];
  let next = 0;
  for (let seq = 0; seq < (task.commits ?? 1); seq++) {
    while (!(await storage.putIfAbsent(deltaLogFile(task.table, next), commitContents(task.writer, next, seq, padding)))) next++;
    versions.push(next);
    next++;
  }
  return { writer: task.writer, versions };
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as WriterTask;
  const storage = new S3Storage();
  const lines = readline.createInterface({ input: process.stdin });
  const startLine = new Promise<string>((resolve) => lines.once('line', resolve));
  process.stdout.write('ready\n');
  const start = Number(await startLine);
  lines.close();
  process.stdin.destroy();
  const result = await runWriter(storage, task, start);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  storage.close();
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`s3-commit-writer failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
