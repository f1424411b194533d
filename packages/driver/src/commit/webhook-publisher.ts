/**
 * At least once to an HTTP endpoint (docs/webhook-sink.md). A batch's rows are sorted by their
 * idempotency key and POSTed in requests of at most `maxRowsPerRequest` rows, one at a time:
 *
 *   POST <url>
 *   Content-Type: application/json
 *   Idempotency-Key: <queryId>:<batchId>:part-<i>          (the i-th request of the batch)
 *   { "queryId": "…", "batchId": N, "part": i, "rows": [ { "idempotencyKey": "<queryId>:<batchId>:<rowKey>", "row": { … } }, … ] }
 *
 * Row values are canonical (delta/row-format.ts): decimals and longs as exact strings, timestamps
 * as µs since the epoch as strings. A 2xx answer is delivery; 408, 429, 5xx and network errors are
 * retried with backoff (the shared retrier) until `retryDeadlineMs`, then the batch fails as
 * retriable and recovery runs it again from its plan — with the same rows and keys. Other answers
 * fail the query (a misconfigured endpoint is not retried for ever).
 *
 * Delivered batches are recorded in `<stage>/_published.json` (after the last request), which the
 * recovery decision reads as the sink's txn version: a batch whose every request was answered is
 * not posted again; a batch interrupted mid-way is posted again from its first request. So the
 * receiver sees every row at least once, and exactly once after dropping repeated keys.
 */
import type { BatchId, Storage } from '@tributary/common';
import { retryWithBackoff, TributaryError } from '@tributary/common';
import type { RowPublisher } from './published-sink';
import type { RowKeyOf } from './row-keys';
import type { StagedRow } from './staged-rows';

/** The HTTP call the publisher makes (Node's fetch by default): injected, so tests can fail it on cue. */
export type HttpPost = (url: string, headers: Record<string, string>, body: string) => Promise<{ status: number; text: string }>;

export const fetchPost: HttpPost = async (url, headers, body) => {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: (await res.text()).slice(0, 300) };
};

export interface WebhookPublisherOptions {
  queryId: string;
  url: string;
  headers: Record<string, string>;
  maxRowsPerRequest: number;
  retryDeadlineMs: number;
  storage: Storage;
  /** The stage directory: the delivery record is kept in it. */
  stagePath: string;
  rowKeys: RowKeyOf;
}

class RetriableHttp extends Error {}

export class WebhookPublisher implements RowPublisher {
  constructor(private readonly opts: WebhookPublisherOptions, private readonly post: HttpPost = fetchPost) {}

  async prepare(): Promise<void> {}

  async lastPublishedBatch(): Promise<number | undefined> {
    const bytes = await this.opts.storage.get(this.recordPath());
    if (bytes === undefined) return undefined;
    const d = JSON.parse(Buffer.from(bytes).toString('utf8')) as { queryId: string; batchId: number };
    return d.queryId === this.opts.queryId ? d.batchId : undefined;
  }

  async publish(batchId: BatchId, rows: readonly StagedRow[]): Promise<'published' | 'skipped'> {
    const last = await this.lastPublishedBatch();
    if (last !== undefined && batchId <= last) return 'skipped';
    const prefix = `${this.opts.queryId}:${batchId}:`;
    const keys = this.opts.rowKeys(rows);
    const order = rows.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    for (let part = 0, at = 0; at < order.length; part++, at += this.opts.maxRowsPerRequest) {
      const chunk = order.slice(at, at + this.opts.maxRowsPerRequest);
      const body = JSON.stringify({ queryId: this.opts.queryId, batchId, part, rows: chunk.map((i) => ({ idempotencyKey: prefix + keys[i], row: rows[i] })) });
      await this.postWithRetries(`${prefix}part-${part}`, body);
    }
    await this.opts.storage.put(this.recordPath(), JSON.stringify({ v: 1, queryId: this.opts.queryId, batchId }));
    return 'published';
  }

  async close(): Promise<void> {}

  private recordPath(): string {
    return `${this.opts.stagePath.replace(/\/+$/, '')}/_published.json`;
  }

  private async postWithRetries(idempotencyKey: string, body: string): Promise<void> {
    const headers = { ...this.opts.headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey };
    const policy = { initialDelayMs: 100, maxDelayMs: 5_000, factor: 2, jitter: 0.2, deadlineMs: this.opts.retryDeadlineMs };
    try {
      await retryWithBackoff(`POST ${this.opts.url} (${idempotencyKey})`, async () => {
        let res: { status: number; text: string };
        try {
          res = await this.post(this.opts.url, headers, body);
        } catch (err) {
          throw new RetriableHttp(`network error: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (res.status >= 200 && res.status < 300) return;
        const msg = `the endpoint answered ${res.status}: ${res.text}`;
        if (res.status === 408 || res.status === 429 || res.status >= 500) throw new RetriableHttp(msg);
        throw new TributaryError(`the webhook sink's POST to ${this.opts.url} was refused: ${msg}`, { code: 'WEBHOOK_REFUSED' });
      }, policy, { isRetriable: (e) => e instanceof RetriableHttp });
    } catch (err) {
      if (err instanceof TributaryError && err.code === 'WEBHOOK_REFUSED') throw err;
      throw new TributaryError(`the webhook sink could not deliver ${idempotencyKey}: ${err instanceof Error ? err.message : String(err)}`, { retriable: true, code: 'WEBHOOK_UNAVAILABLE', cause: err });
    }
  }
}
