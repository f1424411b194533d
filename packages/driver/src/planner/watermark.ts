/**
 * Event-time watermark (Spark semantics). WM(N) = max(WM(N−1), maxEventTime(batches < N) − delay),
 * starting at 0 (1970-01-01, as Spark reports it). Tributary follows Spark ≥ 3.4 for a single
 * stateful operator: batch N drops rows as late with WM(N−1) (window end ≤ WM(N−1)) and emits and
 * evicts windows with WM(N) (window end ≤ WM(N)). So a row is never dropped while its window can
 * still be emitted, and never accepted after its window was emitted. Both are recorded in the plan.
 */
export const INITIAL_WATERMARK_MICROS = 0;

export function nextWatermark(previousMicros: number, maxEventTimeMicros: number | null, delayMicros: number): number {
  if (maxEventTimeMicros === null) return previousMicros;
  return Math.max(previousMicros, maxEventTimeMicros - delayMicros);
}
