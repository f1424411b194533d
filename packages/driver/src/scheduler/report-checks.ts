/**
 * Cross-checks of an attempt's reduce reports against facts the reporting executor does not
 * control, so an executor that drops, invents or double-counts output fails the attempt instead of
 * reaching the commit:
 *   - merged: the partial rows a reduce merged for shuffle partition p equal the partial rows the
 *     map tasks (other reports) say they sent to p;
 *   - emitted: the rows it reports emitting for p equal the count the fenced state write of that
 *     version recorded for p (read back from the state store by the driver);
 *   - files: the rows in the files it reported (their Parquet footers, checked in
 *     commit/verify-files.ts) equal the sum of what its partitions emitted;
 *   - coverage: each reduce reports each partition it was given, once, and no other.
 * A dedup reduce before an aggregation writes no files (`writesFiles` false: no files check) and
 * sends on to the aggregation's reduces, whose merged rows are checked against its sent rows.
 * Pure: the caller gathers the facts. Returns the problems found, each naming the executor, the
 * partition and both numbers; empty when the reports agree.
 */
import { MapTaskStats, ReduceTaskStats, BatchId } from '@tributary/common';

export interface ReduceReport {
  executorId: string;
  /** The partitions the driver gave this reduce task. */
  partitions: number[];
  stats: ReduceTaskStats;
  /** Rows in the files it reported, from their footers. */
  fileRows: number;
  /** False for a dedup reduce before an aggregation, which writes no files. Default true. */
  writesFiles?: boolean;
}

export interface ReportFacts {
  batchId: BatchId;
  attempt: number;
  /** Whoever pushed to these reduces: the map tasks, or, after a dedup reduce stage, its tasks. */
  mapStats: Pick<MapTaskStats, 'sentRowsByPartition'>[];
  reduces: ReduceReport[];
  /** Rows the state write of (batch, attempt) recorded as emitted by partition p; undefined if none. */
  stateEmitted: ReadonlyMap<number, number | undefined>;
}

export function reduceReportProblems(facts: ReportFacts): string[] {
  const problems: string[] = [];
  const sent = new Map<number, number>();
  for (const [i, m] of facts.mapStats.entries()) {
    if (!Array.isArray(m.sentRowsByPartition)) {
      problems.push(`map task report ${i} has no per-partition sent row counts`);
      continue;
    }
    m.sentRowsByPartition.forEach((rows, p) => sent.set(p, (sent.get(p) ?? 0) + rows));
  }
  for (const r of facts.reduces) {
    const who = `reduce task on executor ${r.executorId} (batch ${facts.batchId} attempt ${facts.attempt})`;
    const reported = Array.isArray(r.stats.byPartition) ? r.stats.byPartition : [];
    const given = new Set(r.partitions);
    const seen = new Set<number>();
    let emittedTotal = 0;
    for (const entry of reported) {
      const p = entry.partition;
      if (!given.has(p) || seen.has(p)) {
        problems.push(`${who} reported partition ${p}, which it was not given or reported twice`);
        continue;
      }
      seen.add(p);
      emittedTotal += entry.emittedRows;
      const expectedMerged = sent.get(p) ?? 0;
      if (entry.mergedPartialRows !== expectedMerged) {
        problems.push(`${who} merged ${entry.mergedPartialRows} partial rows for partition ${p}, but the map tasks sent ${expectedMerged}`);
      }
      const recorded = facts.stateEmitted.get(p);
      if (recorded === undefined) {
        problems.push(`${who}: the state store holds no emitted row count of partition ${p} written by this attempt`);
      } else if (entry.emittedRows !== recorded) {
        problems.push(`${who} reported ${entry.emittedRows} rows emitted by partition ${p}, but its state write recorded ${recorded}`);
      }
    }
    for (const p of given) if (!seen.has(p)) problems.push(`${who} did not report partition ${p}`);
    if (r.stats.emittedRows !== emittedTotal) {
      problems.push(`${who} reported ${r.stats.emittedRows} rows emitted in total, but ${emittedTotal} by partition`);
    }
    // Update mode: the files also hold the rows kept from the files they replace.
    const kept = r.stats.update?.keptRows ?? 0;
    if (kept > (r.stats.update?.removedRows ?? 0)) {
      problems.push(`${who} reported keeping ${kept} rows of the files it rewrote, which held ${r.stats.update?.removedRows ?? 0}`);
    }
    if (r.writesFiles !== false && r.fileRows !== emittedTotal + kept) {
      problems.push(`${who} reported files holding ${r.fileRows} rows, but its partitions emitted ${emittedTotal}${kept === 0 ? '' : ` and kept ${kept}`}`);
    }
  }
  return problems;
}

/** The side-table rows the map tasks say they wrote, to compare with the rows of their files. */
export function sideRowsReported(mapStats: MapTaskStats[]): { quarantine: number; lateRows: number } {
  return {
    quarantine: mapStats.reduce((a, s) => a + s.quarantinedRows, 0),
    lateRows: mapStats.reduce((a, s) => a + s.lateRowsWritten, 0),
  };
}
