/**
 * Follows a query's commit log (`<checkpoint>/commits/<N>`, format v1: a version line, then one JSON
 * document) straight from its storage (a local directory or the object store, through the Storage
 * interface), independently of the driver, which may be dead: which batches
 * committed, when (the driver's committedAtMs), with which attempt and watermark, and how many input
 * records they read. Entries are remembered once seen, so purges of old entries lose nothing.
 */
import { joinLocation, type Storage } from '@tributary/common';

export interface SeenCommit {
  batchId: number;
  attempt: number;
  committedAtMs: number;
  watermarkMicros: number;
  numInputRows: number;
}

export class CommitWatch {
  private readonly seen = new Map<number, SeenCommit>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private consumed = 0;
  private watermark = -Infinity;

  constructor(private readonly storage: Storage, private readonly dir: string) {}

  /** Polls every `everyMs` in the background (one poll at a time; a failed poll is tried again on the next tick). */
  start(everyMs = 100): void {
    this.timer = setInterval(() => { void this.poll().catch(() => {}); }, everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.poll().catch(() => {}); // a last look; what it misses only leaves the report shorter
  }

  /** Reads the entries not seen yet; concurrent calls share one poll. */
  poll(): Promise<void> {
    this.polling ??= this.readNew().finally(() => { this.polling = undefined; });
    return this.polling;
  }

  private async readNew(): Promise<void> {
    for (const { name } of await this.storage.list(this.dir)) {
      if (!/^\d+$/.test(name) || this.seen.has(Number(name))) continue;
      const bytes = await this.storage.get(joinLocation(this.dir, name)).catch(() => undefined);
      if (bytes === undefined) continue; // purged meanwhile, or unreadable now: the next poll tries again
      const [version, body] = Buffer.from(bytes).toString('utf8').split('\n');
      if (version !== 'v1' || !body) continue; // not complete yet: read on the next poll
      const d = JSON.parse(body);
      const c: SeenCommit = { batchId: d.batchId, attempt: d.attempt, committedAtMs: d.committedAtMs, watermarkMicros: d.watermarkMicros, numInputRows: d.numInputRows };
      this.seen.set(c.batchId, c);
      this.consumed += c.numInputRows;
      if (c.watermarkMicros > this.watermark) this.watermark = c.watermarkMicros;
    }
  }

  commits(): SeenCommit[] {
    return [...this.seen.values()].sort((a, b) => a.batchId - b.batchId);
  }

  /** Input records read by the committed batches. */
  consumedRows(): number {
    return this.consumed;
  }

  /** The newest committed watermark, µs. */
  watermarkMicros(): number {
    return this.watermark;
  }

  /** The first commit after `t` (ms), if any yet. */
  firstCommitAfter(t: number): SeenCommit | undefined {
    let best: SeenCommit | undefined;
    for (const c of this.seen.values()) if (c.committedAtMs > t && (!best || c.committedAtMs < best.committedAtMs)) best = c;
    return best;
  }

  /** Resolves once `check()` holds; rejects with `what` after `timeoutMs`. */
  async waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll().catch(() => {});
      if (check()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
