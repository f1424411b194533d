/**
 * The batch attempts running on this executor, so that an AbortAttempt from the driver (or the
 * start of a newer attempt of the same batch) cancels the older one's reads.
 */
export class AttemptTracker {
  private readonly running = new Map<string, { attempt: number; controller: AbortController }>();

  begin(queryId: string, batchId: number, attempt: number): AbortSignal {
    const key = `${queryId}:${batchId}`;
    const cur = this.running.get(key);
    if (cur && cur.attempt === attempt) return cur.controller.signal;
    if (cur && cur.attempt < attempt) cur.controller.abort();
    const controller = new AbortController();
    if (!cur || cur.attempt < attempt) this.running.set(key, { attempt, controller });
    for (const k of [...this.running.keys()]) {
      const [q, n] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
      if (q === queryId && n < batchId - 1) this.running.delete(k);
    }
    return controller.signal;
  }

  abort(queryId: string, batchId: number, attempt: number): void {
    const cur = this.running.get(`${queryId}:${batchId}`);
    if (cur && cur.attempt <= attempt) cur.controller.abort();
  }
}
