/**
 * Partials pushed to this executor for the shuffle partitions it owns, keyed by batch attempt.
 * Protocol: every map task of attempt (N, A) pushes exactly one message per shuffle partition, so
 * the reduce task of (N, A) knows it has everything when each expected map task id has arrived for
 * each of its partitions. A push from an attempt older than the newest seen for N is fenced; pushes
 * of a newer attempt drop what older attempts of N left behind.
 */
export interface InboxMessage { mapTaskId: number; bytes: Uint8Array; rows: number }

export class ShuffleInbox {
  private readonly newestAttempt = new Map<number, number>();
  /** key `${batch}:${attempt}:${partition}` → map task id → message */
  private readonly messages = new Map<string, Map<number, InboxMessage>>();
  private readonly waiters = new Set<() => void>();

  /** Returns false when the push belongs to a superseded attempt. */
  push(batchId: number, attempt: number, partition: number, msg: InboxMessage): boolean {
    const newest = this.newestAttempt.get(batchId) ?? 0;
    if (attempt < newest) return false;
    if (attempt > newest) this.advance(batchId, attempt);
    const key = `${batchId}:${attempt}:${partition}`;
    let byTask = this.messages.get(key);
    if (!byTask) { byTask = new Map(); this.messages.set(key, byTask); }
    byTask.set(msg.mapTaskId, msg);
    for (const w of this.waiters) w();
    return true;
  }

  /** Declares attempt (N, A) current (e.g. when its reduce task starts); older attempts are fenced. */
  advance(batchId: number, attempt: number): void {
    const newest = this.newestAttempt.get(batchId) ?? 0;
    if (attempt <= newest) return;
    this.newestAttempt.set(batchId, attempt);
    for (const key of [...this.messages.keys()]) {
      const [n, a] = key.split(':').map(Number);
      if (n === batchId && a < attempt) this.messages.delete(key);
    }
  }

  isFenced(batchId: number, attempt: number): boolean {
    return attempt < (this.newestAttempt.get(batchId) ?? 0);
  }

  /**
   * The messages of each expected map task for one partition, waiting up to `timeoutMs` for stragglers
   * (a push is acknowledged before its map task reports success, so normally none is missing).
   */
  async take(batchId: number, attempt: number, partition: number, mapTaskIds: number[], timeoutMs: number): Promise<InboxMessage[]> {
    const key = `${batchId}:${attempt}:${partition}`;
    const complete = () => {
      const byTask = this.messages.get(key);
      return mapTaskIds.every((id) => byTask?.has(id));
    };
    if (!complete()) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { this.waiters.delete(check); reject(new Error(`missing shuffle input for batch ${batchId} attempt ${attempt} partition ${partition}`)); }, timeoutMs);
        const check = () => { if (complete()) { clearTimeout(timer); this.waiters.delete(check); resolve(); } };
        this.waiters.add(check);
      });
    }
    const byTask = this.messages.get(key) ?? new Map();
    this.messages.delete(key);
    return mapTaskIds.map((id) => byTask.get(id)!);
  }

  /** Forgets every message of batches before `batchId`, and of (batchId, attempt). */
  release(batchId: number, attempt?: number): void {
    for (const key of [...this.messages.keys()]) {
      const [n, a] = key.split(':').map(Number);
      if (n < batchId || (n === batchId && (attempt === undefined || a === attempt))) this.messages.delete(key);
    }
    for (const n of [...this.newestAttempt.keys()]) if (n < batchId - 1) this.newestAttempt.delete(n);
  }
}
