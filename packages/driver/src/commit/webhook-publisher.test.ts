import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asBatchId, LocalStorage, TributaryError } from '@tributary/common';
import type { StagedRow } from './staged-rows';
import { HttpPost, WebhookPublisher } from './webhook-publisher';

const QUERY = '0b6c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
const storage = new LocalStorage();

/** An endpoint that answers from a script (status per call, or a thrown network error), recording every request. */
function endpoint(script: (number | 'network')[]): { post: HttpPost; calls: { headers: Record<string, string>; body: any }[] } {
  const calls: { headers: Record<string, string>; body: any }[] = [];
  const post: HttpPost = async (_url, headers, body) => {
    const next = script.shift() ?? 200;
    calls.push({ headers, body: JSON.parse(body) });
    if (next === 'network') throw new Error('ECONNRESET');
    return { status: next, text: next === 200 ? 'ok' : 'nope' };
  };
  return { post, calls };
}

const rows = (n: number): StagedRow[] => Array.from({ length: n }, (_, i) => ({ id: String(n - i), amount: `${i}.00` }));

describe('WebhookPublisher (fake endpoint, real stage directory)', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-webhook-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const publisher = (post: HttpPost, maxRowsPerRequest = 2): WebhookPublisher => new WebhookPublisher({
    queryId: QUERY, url: 'http://receiver.invalid/alerts', headers: { authorization: 'Bearer t' }, maxRowsPerRequest, retryDeadlineMs: 5_000,
    storage, stagePath: dir, rowKeys: (rs) => rs.map((r) => `id-${r.id as string}`),
  }, post);

  it('posts a batch in requests sorted by row key, each with its idempotency keys, and records the batch as delivered', async () => {
    const { post, calls } = endpoint([]);
    const p = publisher(post);
    assert.equal(await p.lastPublishedBatch(), undefined);
    assert.equal(await p.publish(asBatchId(4), rows(3)), 'published');
    assert.deepEqual(calls.map((c) => c.headers['idempotency-key']), [`${QUERY}:4:part-0`, `${QUERY}:4:part-1`]);
    assert.equal(calls[0].headers.authorization, 'Bearer t');
    assert.deepEqual(calls.flatMap((c) => c.body.rows.map((r: { idempotencyKey: string }) => r.idempotencyKey)), [`${QUERY}:4:id-1`, `${QUERY}:4:id-2`, `${QUERY}:4:id-3`]);
    assert.deepEqual(calls[1].body, { queryId: QUERY, batchId: 4, part: 1, rows: [{ idempotencyKey: `${QUERY}:4:id-3`, row: { id: '3', amount: '0.00' } }] });
    assert.equal(await p.lastPublishedBatch(), 4);
    assert.equal(await p.publish(asBatchId(4), rows(3)), 'skipped', 'a delivered batch is not posted again');
    assert.equal(calls.length, 2);
  });

  it('retries 503, 429 and network errors with backoff, then delivers', async () => {
    const { post, calls } = endpoint([503, 'network', 429, 200]);
    assert.equal(await publisher(post, 10).publish(asBatchId(0), rows(2)), 'published');
    assert.equal(calls.length, 4);
    assert.ok(calls.every((c) => c.headers['idempotency-key'] === `${QUERY}:0:part-0`), 'a retried request keeps its keys');
  });

  it('fails the query on a refusal (4xx other than 408/429), naming the endpoint and its answer, without recording the batch', async () => {
    const { post } = endpoint([400]);
    const p = publisher(post);
    await assert.rejects(p.publish(asBatchId(1), rows(1)), (e) => e instanceof TributaryError && !e.retriable && /was refused: the endpoint answered 400: nope/.test(e.message));
    assert.equal(await p.lastPublishedBatch(), undefined);
  });

  it('fails the batch as retriable once the retry deadline passes', async () => {
    const { post } = endpoint(Array.from({ length: 100 }, () => 503));
    const p = new WebhookPublisher({ queryId: QUERY, url: 'http://receiver.invalid/', headers: {}, maxRowsPerRequest: 5, retryDeadlineMs: 300, storage, stagePath: dir, rowKeys: (rs) => rs.map((_, i) => String(i)) }, post);
    await assert.rejects(p.publish(asBatchId(2), rows(1)), (e) => e instanceof TributaryError && e.retriable && /could not deliver/.test(e.message));
  });
});
