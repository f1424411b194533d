/**
 * Tumbling event-time windows, as Spark's `window(timestamp, '5 minutes')`: aligned to the UTC epoch,
 * `[start, start + size)`, end exclusive. Times are integer epoch microseconds carried in a Float64
 * (exact below 2^53 µs, i.e. for any real date); all arithmetic here is exact on such integers.
 */

/** Throws unless `windowMicros` is a positive safe integer. */
export function assertWindowMicros(windowMicros: number): void {
  if (!Number.isSafeInteger(windowMicros) || windowMicros <= 0) {
    throw new RangeError(`window size must be a positive integer number of microseconds, got ${windowMicros}`);
  }
}

/**
 * Start of the window holding `eventTimeMicros`: the greatest multiple of `windowMicros` ≤ the time
 * (floor, so negative times fall in the window before the epoch, not towards zero). `%` on doubles
 * is exact, so no rounding happens for integer inputs.
 */
export function windowStartMicros(eventTimeMicros: number, windowMicros: number): number {
  let rem = eventTimeMicros % windowMicros;
  if (rem < 0) rem += windowMicros;
  return eventTimeMicros - rem;
}

/** Exclusive end of the window holding `eventTimeMicros`. */
export function windowEndMicros(eventTimeMicros: number, windowMicros: number): number {
  return windowStartMicros(eventTimeMicros, windowMicros) + windowMicros;
}

/**
 * Spark's late predicate: a row is late when its window's end ≤ the watermark. A row older than the
 * watermark still counts while its window is open.
 */
export function isWindowClosed(windowStart: number, windowMicros: number, watermarkMicros: number): boolean {
  return windowStart + windowMicros <= watermarkMicros;
}

/** ISO-8601 UTC with microseconds, e.g. `2024-05-01T12:05:00.000000Z`, for messages and logs. */
export function formatMicrosIso(micros: number): string {
  if (!Number.isFinite(micros)) return String(micros);
  let subMs = micros % 1000;
  if (subMs < 0) subMs += 1000;
  const ms = (micros - subMs) / 1000;
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  return `${iso.slice(0, -1)}${String(subMs).padStart(3, '0')}Z`;
}
