/**
 * How many attempts a batch gets. A batch whose attempts keep failing as retriable (an executor
 * that never answers, or whose reports are refused every time) would otherwise be retried forever;
 * past the cap the query fails, naming the batch and the last error. The count is per batch and
 * kept across recoveries within one driver run.
 */
import { TributaryError, BatchId } from '@tributary/common';

/** Default of the driver option `--max-attempts-per-batch` (registry option maxAttemptsPerBatch). */
export const DEFAULT_MAX_ATTEMPTS_PER_BATCH = 8;

export type AttemptCapDecision = { kind: 'retry' } | { kind: 'fail'; error: TributaryError };

/** The decision after `failed` attempts of batch `batchId` failed, the last with `lastError`. */
export function afterFailedAttempt(batchId: BatchId, failed: number, maxAttempts: number, lastError: string): AttemptCapDecision {
  if (failed < maxAttempts) return { kind: 'retry' };
  return {
    kind: 'fail',
    error: new TributaryError(`batch ${batchId} failed ${failed} attempts (maxAttemptsPerBatch ${maxAttempts}); last error: ${lastError}`, {
      code: 'BATCH_ATTEMPTS_EXHAUSTED',
      retriable: false,
    }),
  };
}
