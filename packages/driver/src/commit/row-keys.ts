/**
 * The row key of a published row, part of its idempotency key `<queryId>:<batchId>:<rowKey>`
 * (webhook-publisher.ts). A batch replayed from its plan emits the same rows, so the same keys:
 *
 *   - a query whose aggregation keys (window and grouping keys) reach the output as they are: the
 *     canonical JSON of those columns, e.g. `[{"start":"1700000000000000","end":"…"},"42"]` — one
 *     row per key and batch in every output mode;
 *   - any other query: `sha256:` + the SHA-256 of the row's canonical JSON, then `#k` for the k-th
 *     repeat of an identical row in the batch (k from 0).
 */
import { createHash } from 'node:crypto';
import type { ResolvedQuery } from '@tributary/common';
import { canonicalJson, traceUpdateKeys } from '@tributary/common';
import type { StagedRow } from './staged-rows';

export type RowKeyOf = (rows: readonly StagedRow[]) => string[];

export function rowKeysFor(query: ResolvedQuery): RowKeyOf {
  const traced = query.aggregate === null ? null : traceUpdateKeys(query.aggregate, query.post);
  if (traced !== null && 'keys' in traced) {
    const names = [...(traced.keys.window === null ? [] : [traced.keys.window]), ...traced.keys.keys].map((i) => query.output[i].name);
    return (rows) => rows.map((r) => canonicalJson(names.map((n) => r[n])));
  }
  return (rows) => {
    const seen = new Map<string, number>();
    return rows.map((r) => {
      const h = `sha256:${createHash('sha256').update(canonicalJson(r)).digest('hex')}`;
      const k = seen.get(h) ?? 0;
      seen.set(h, k + 1);
      return `${h}#${k}`;
    });
  };
}
