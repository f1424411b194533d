/**
 * The batch attempts running on this executor, per query then per batch, so that an AbortAttempt
 * from the driver (or the start of a newer attempt of the same batch of the same query) cancels the
 * older one's reads. Attempt numbers are the query's own (claimed under its checkpoint): one query's
 * attempts never cancel another's.
 */
import { BatchId } from '@tributary/common';
export class AttemptTracker {
  /** query id → batch id → the newest attempt begun and its cancel switch */
  private readonly running = new Map<string, Map<number, { attempt: number; controller: AbortController }>>();

  begin(queryId: string, batchId: BatchId, attempt: number): AbortSignal {
    let batches = this.running.get(queryId);
    if (!batches) this.running.set(queryId, (batches = new Map()));
    const cur = batches.get(batchId);
    if (cur && cur.attempt === attempt) return cur.controller.signal;
    if (cur && cur.attempt < attempt) cur.controller.abort();
    const controller = new AbortController();
    if (!cur || cur.attempt < attempt) batches.set(batchId, { attempt, controller });
    for (const n of [...batches.keys()]) if (n < batchId - 1) batches.delete(n);
    return controller.signal;
  }

  abort(queryId: string, batchId: BatchId, attempt: number): void {
    const cur = this.running.get(queryId)?.get(batchId);
    if (cur && cur.attempt <= attempt) cur.controller.abort();
  }
}
