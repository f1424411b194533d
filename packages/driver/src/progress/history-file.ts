/**
 * The query's recent history kept in its checkpoint, so that a restarted driver shows the old
 * batches at once: `<checkpoint>/observe/history.json`, written after batches commit, off the
 * batch's path (the loop never waits for it), and never read for correctness — a missing, damaged
 * or newer-format file is an empty history.
 *
 * Format (version 1): {"version":1,"queryId":"…","writtenAtMs":…,"progress":[QueryProgress…],
 * "commits":[CommitRecord…]}, both lists oldest first, at most HISTORY_LIMIT each. Written to a
 * temporary file, then renamed over the old one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Log } from '@tributary/common';
import { HISTORY_LIMIT, QueryHistory } from './progress-store';

export const HISTORY_FORMAT_VERSION = 1;

export function historyPath(checkpointDir: string): string {
  return path.join(checkpointDir, 'observe', 'history.json');
}

export function readHistory(checkpointDir: string, queryId: string, log: Log): QueryHistory {
  const file = historyPath(checkpointDir);
  let doc: any;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log(`WARN ignoring the query history ${file}: ${(err as Error).message}`, { queryId });
    return { progress: [], commits: [] };
  }
  if (doc?.version !== HISTORY_FORMAT_VERSION || doc.queryId !== queryId || !Array.isArray(doc.progress) || !Array.isArray(doc.commits)) {
    log(`WARN ignoring the query history ${file}: not a version ${HISTORY_FORMAT_VERSION} history of query ${queryId}`, { queryId });
    return { progress: [], commits: [] };
  }
  return { progress: doc.progress.slice(-HISTORY_LIMIT), commits: doc.commits.slice(-HISTORY_LIMIT) };
}

/**
 * Writes a query's history in the background: at most one write at a time; a request while one
 * runs makes one more write after it with the newest history. `flush()` waits for the writes asked
 * for so far.
 */
export class HistoryWriter {
  private running: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(
    private readonly checkpointDir: string,
    private readonly queryId: string,
    private readonly current: () => QueryHistory,
    private readonly log: Log,
  ) {}

  request(): void {
    if (this.pending) return;
    this.pending = true;
    this.running = this.running.then(() => {
      this.pending = false;
      return this.write();
    });
  }

  flush(): Promise<void> {
    return this.running;
  }

  private async write(): Promise<void> {
    const file = historyPath(this.checkpointDir);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const h = this.current();
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(tmp, JSON.stringify({ version: HISTORY_FORMAT_VERSION, queryId: this.queryId, writtenAtMs: Date.now(), progress: h.progress, commits: h.commits }));
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
      this.log(`WARN could not write the query history ${file} (status after a restart shows fewer batches): ${(err as Error).message}`, { queryId: this.queryId });
    }
  }
}
