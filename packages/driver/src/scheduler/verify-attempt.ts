/**
 * The driver's checks of an attempt's reports, run after its last task answered and before the
 * attempt counts as done (so before any commit). Every data file (of reduce tasks, and of the map
 * tasks of an ingest job) is checked on disk
 * (commit/verify-files.ts), then the reports are cross-checked against the map tasks' sent rows
 * and the emitted rows each state write recorded (report-checks.ts). Any problem fails the attempt
 * as retriable, naming it; the attempt cap (attempt-cap.ts) ends an executor that fails every time.
 */
import { cdcStatePartition, ExecutorJob, BatchId, MapTaskStats, Storage } from '@tributary/common';
import { DataFileRejected, verifyDataFiles } from '../commit/verify-files';
import { AttemptFailed, AttemptOutput } from './attempt-runner';
import { reduceReportProblems, ReduceReport } from './report-checks';

/** The rows the state write of batch `batchId` by `attempt` recorded as emitted by `partition`. */
export type RecordedEmittedRows = (batchId: BatchId, attempt: number, partition: number) => Promise<number | undefined>;

/**
 * `routeTablePaths`: a CDC query of several source tables, the tables of routes 1, 2, …: their
 * files are checked in their own tables, and each reduce's partition p counts as route r's
 * partition r·P + p (cdc-spec.ts cdcStatePartition), as the map tasks and state writes count it.
 */
export async function verifyAttemptOutput(
  storage: Storage, job: ExecutorJob, batchId: BatchId, attempt: number, out: AttemptOutput, recordedEmitted: RecordedEmittedRows, routeTablePaths: readonly string[] = [],
): Promise<void> {
  const at = `batch ${batchId} attempt ${attempt}`;
  try {
    for (const m of out.mapReports) {
      const who = `map task ${m.taskId} on executor ${m.executorId} (${at})`;
      for (const [side, adds, table, reported] of [
        ['quarantine', m.quarantine, job.quarantineTablePath, m.stats.quarantinedRows],
        ['late-rows', m.lateRows, job.lateRowsTablePath, m.stats.lateRowsWritten],
      ] as const) {
        if (adds.length === 0 && !reported) continue;
        if (table === null) throw new DataFileRejected(`${who} reported ${side} files, but the query has no ${side} table`);
        const rows = await verifyDataFiles(storage, table, adds, who);
        if (rows !== reported) throw new DataFileRejected(`${who} reported ${reported} ${side} rows, but its ${side} files hold ${rows}`);
      }
      // An ingest task's data files: on disk, in the table, holding the rows it reports.
      if (m.data.length > 0 || m.stats.outputRows) {
        const rows = await verifyDataFiles(storage, job.tablePath, m.data, who);
        if (rows !== m.stats.outputRows) throw new DataFileRejected(`${who} reported ${m.stats.outputRows} output rows, but its data files hold ${rows}`);
      }
    }
    const reduces: ReduceReport[] = [];
    const routes = 1 + routeTablePaths.length;
    for (const r of out.reduceReports) {
      const who = `reduce task on executor ${r.executorId} (${at})`;
      let fileRows = await verifyDataFiles(storage, job.tablePath, r.adds, who);
      for (const [i, path] of routeTablePaths.entries()) fileRows += await verifyDataFiles(storage, path, r.routeFiles[i]?.adds ?? [], who);
      const partitions = Array.from({ length: routes }, (_, route) => r.partitions.map((p) => cdcStatePartition(route, p, job.shufflePartitions))).flat();
      reduces.push({ executorId: r.executorId, partitions, stats: r.stats, fileRows });
    }
    const problems: string[] = [];
    let senders: Pick<MapTaskStats, 'sentRowsByPartition'>[] = out.mapStats;
    if (out.dedupReports !== undefined) {
      // dropDuplicates before an aggregation: the dedup reduces took the map tasks' rows, wrote no
      // files, recorded their kept rows with their dedup state (store partition P + p), and sent on.
      for (const r of out.dedupReports) if (r.adds.length > 0) problems.push(`dedup reduce task on executor ${r.executorId} (${at}) reported data files`);
      const dedups = out.dedupReports.map((r) => ({ executorId: r.executorId, partitions: r.partitions, stats: r.stats, fileRows: 0, writesFiles: false }));
      const partitions = out.dedupReports.flatMap((r) => r.partitions);
      const recorded = await Promise.all(partitions.map((p) => recordedEmitted(batchId, attempt, job.shufflePartitions + p)));
      problems.push(...reduceReportProblems({ batchId, attempt, mapStats: out.mapStats, reduces: dedups, stateEmitted: new Map(partitions.map((p, i) => [p, recorded[i]])) }));
      senders = out.dedupReports.map((r) => ({ sentRowsByPartition: r.stats.sentRowsByPartition as number[] }));
    }
    const partitions = reduces.flatMap((r) => r.partitions);
    const recorded = await Promise.all(partitions.map((p) => recordedEmitted(batchId, attempt, p)));
    const stateEmitted = new Map(partitions.map((p, i) => [p, recorded[i]]));
    problems.push(...reduceReportProblems({ batchId, attempt, mapStats: senders, reduces, stateEmitted }));
    if (problems.length > 0) throw new DataFileRejected(problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : ''));
  } catch (err) {
    if (err instanceof DataFileRejected) throw new AttemptFailed(`reports refused: ${err.message}`, 'retriable', err);
    throw err;
  }
}
