/**
 * The query's recent history kept in its checkpoint, so that a restarted driver shows the old
 * batches at once: `<checkpoint>/observe/history.json`, written after batches commit, off the
 * batch's path (the loop never waits for it), and never read for correctness — a missing, damaged
 * or newer-format file is an empty history.
 *
 * Format (version 1): {"version":1,"queryId":"…","writtenAtMs":…,"progress":[QueryProgress…],
 * "commits":[CommitRecord…]}, both lists oldest first, at most HISTORY_LIMIT each. Read and
 * written through the driver's Storage (a whole-object put replaces the old one), so it lives
 * wherever the checkpoint lives (local directory or object store).
 */
import { joinLocation, type Log, type Storage } from '@tributary/common';
import { HISTORY_LIMIT, QueryHistory } from './progress-store';

export const HISTORY_FORMAT_VERSION = 1;

export function historyPath(checkpointDir: string): string {
  return joinLocation(checkpointDir, 'observe', 'history.json');
}

export async function readHistory(storage: Storage, checkpointDir: string, queryId: string, log: Log): Promise<QueryHistory> {
  const file = historyPath(checkpointDir);
  let doc: any;
  try {
    const bytes = await storage.get(file);
    if (bytes === undefined) return { progress: [], commits: [] };
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    log(`WARN ignoring the query history ${file}: ${(err as Error).message}`, { queryId });
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
    private readonly storage: Storage,
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
    try {
      const h = this.current();
      await this.storage.put(file, JSON.stringify({ version: HISTORY_FORMAT_VERSION, queryId: this.queryId, writtenAtMs: Date.now(), progress: h.progress, commits: h.commits }));
    } catch (err) {
      this.log(`WARN could not write the query history ${file} (status after a restart shows fewer batches): ${(err as Error).message}`, { queryId: this.queryId });
    }
  }
}
