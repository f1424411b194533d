/**
 * Time per stage from the progress reports: every `durationMs` key (the driver's named steps:
 * latestOffset, walCommit, addBatch = map + reduce, sinkCommit = the Delta commit, commitOffsets;
 * and any finer keys the driver reports, e.g. map.fetch or reduce.parquet), summed over batches and
 * per million input events.
 */
import type { QueryProgress } from '@tributary/common';

export interface StageTimes {
  batches: number;
  events: number;
  /** stage → { total ms over the batches, mean ms per batch, ms per million events } */
  stages: Record<string, { totalMs: number; meanMs: number; msPerMillionEvents: number }>;
}

export function stageTimes(progress: QueryProgress[]): StageTimes {
  const totals = new Map<string, number>();
  let events = 0;
  for (const p of progress) {
    events += p.numInputRows;
    for (const [k, v] of Object.entries(p.durationMs)) totals.set(k, (totals.get(k) ?? 0) + (v ?? 0));
  }
  const stages: StageTimes['stages'] = {};
  for (const [k, total] of totals) {
    stages[k] = {
      totalMs: total,
      meanMs: Math.round((total / Math.max(1, progress.length)) * 10) / 10,
      msPerMillionEvents: events > 0 ? Math.round((total / events) * 1e6) : 0,
    };
  }
  return { batches: progress.length, events, stages };
}
