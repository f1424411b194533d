/**
 * Follows a query's commit log (`<checkpoint>/commits/<N>`, format v1: a version line, then one JSON
 * document) straight from disk, independently of the driver, which may be dead: which batches
 * committed, when (the driver's committedAtMs), with which attempt and watermark, and how many input
 * records they read. Entries are remembered once seen, so purges of old entries lose nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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
  private consumed = 0;
  private watermark = -Infinity;

  constructor(private readonly dir: string) {}

  start(everyMs = 100): void {
    this.timer = setInterval(() => this.poll(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.poll();
  }

  poll(): void {
    if (!fs.existsSync(this.dir)) return;
    for (const name of fs.readdirSync(this.dir)) {
      if (!/^\d+$/.test(name) || this.seen.has(Number(name))) continue;
      let text: string;
      try { text = fs.readFileSync(path.join(this.dir, name), 'utf8'); } catch { continue; }
      const [version, body] = text.split('\n');
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
      this.poll();
      if (check()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
