/**
 * approx_count_distinct's sketch size from its relative standard deviation, as Spark's
 * HyperLogLogPlusPlusHelper computes it: p = ⌈2·log2(1.106 / rsd)⌉ index bits, 2^p registers.
 * Spark requires p ≥ 4 (rsd at most 39%); Tributary also caps p at MAX_HLL_PRECISION (one byte
 * per register per group: 2^18 = 256 KiB per group), where Spark's bias tables end.
 */
export const DEFAULT_RELATIVE_SD = 0.05;
export const MIN_HLL_PRECISION = 4;
export const MAX_HLL_PRECISION = 18;

export function hllPrecision(relativeSD: number): number {
  return Math.ceil((2.0 * Math.log(1.106 / relativeSD)) / Math.log(2.0));
}

/** Why approx_count_distinct cannot take this rsd, or null when it can. */
export function relativeSDProblem(relativeSD: number): string | null {
  if (!(typeof relativeSD === 'number' && Number.isFinite(relativeSD) && relativeSD > 0)) return `the relative standard deviation must be a positive number, got ${relativeSD}`;
  const p = hllPrecision(relativeSD);
  if (p < MIN_HLL_PRECISION) return `HLL++ requires at least 4 bits for addressing. Use a lower error, at most 39% (got rsd ${relativeSD})`;
  if (p > MAX_HLL_PRECISION) return `rsd ${relativeSD} needs 2^${p} registers per group; Tributary keeps at most 2^${MAX_HLL_PRECISION} (rsd of at least 0.0022)`;
  return null;
}
