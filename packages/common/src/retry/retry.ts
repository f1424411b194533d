import { UnavailableError } from '../errors';

/**
 * One retrier: exponential backoff with jitter, bounded by a deadline.
 *
 * Try k (k = 0, 1, ...) that fails with a retriable error waits
 *   base(k)  = min(maxDelayMs, initialDelayMs * factor^k)
 *   delay(k) = base(k) * (1 + jitter * (2 * random() - 1))      (random() in [0, 1))
 * cut to the time left before the deadline, then tries again. Once the deadline has passed the last
 * error is wrapped in an UnavailableError. A non-retriable error is rethrown at once, unchanged.
 * Timings and clocks are injectable so tests run in milliseconds.
 */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Fraction of the delay randomised either way, in [0, 1]. */
  jitter: number;
  /** Total time budget measured from the first try. */
  deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  factor: 2,
  jitter: 0.2,
  deadlineMs: 60_000,
});

export interface RetryHooks {
  isRetriable(error: unknown): boolean;
  onRetry?(error: unknown, tryNumber: number, delayMs: number): void;
  sleep?(ms: number): Promise<void>;
  now?(): number;
  random?(): number;
}

export function backoffDelayMs(policy: RetryPolicy, tryNumber: number, random: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.factor, tryNumber));
  return Math.max(0, base * (1 + policy.jitter * (2 * random - 1)));
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it succeeds, fails for good, or the deadline passes; `what` names it in errors. */
export async function retryWithBackoff<T>(
  what: string,
  operation: (tryNumber: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const sleep = hooks.sleep ?? realSleep;
  const random = hooks.random ?? Math.random;
  const started = now();
  for (let tryNumber = 0; ; tryNumber++) {
    try {
      return await operation(tryNumber);
    } catch (error) {
      if (!hooks.isRetriable(error)) throw error;
      const left = started + policy.deadlineMs - now();
      if (left <= 0) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new UnavailableError(
          `${what}: still failing after ${tryNumber + 1} tries over ${now() - started} ms (deadline ${policy.deadlineMs} ms): ${reason}`,
          { cause: error },
        );
      }
      const delay = Math.min(left, backoffDelayMs(policy, tryNumber, random()));
      hooks.onRetry?.(error, tryNumber, delay);
      await sleep(delay);
    }
  }
}
