/**
 * The dashboard snapshot: everything the page shows, gathered from what the driver already holds —
 * the queries with their recent progress reports (QuerySource), the executor roster, and the
 * query's Delta tables (TableViews). The page receives it as JSON (`/api/snapshot`, and each
 * `snapshot` event of `/events`); docs/dashboard.md says where each number comes from.
 *
 * Only QuerySource is asked about queries: pointing the dashboard at another history (e.g. one kept
 * across driver restarts) means giving it another QuerySource.
 *
 * Rates, per batch:
 *   inputRate       records that arrived in Kafka per second: the growth of Σ latestOffset over the
 *                   topic's partitions between this batch's plan and the previous one's, over the
 *                   time between their triggers (the first batch: its input rows over its duration)
 *   processingRate  input rows over the batch's wall time (processedRowsPerSecond)
 * Lag per partition: latestOffset − endOffset of the newest report, i.e. the records already in
 * Kafka when that batch was planned that it did not read.
 */
import { processStorage, type QueryProgress, type Storage } from '@tributary/common';
import type { QueryInfoMsg } from '../query/query-manager';
import { ExecutorRoster, ExecutorRow } from './executor-roster';
import { BadRecordSample, CommitRow, ResultsView, TableViews } from './table-views';

/** One query as the dashboard sees it. */
export interface QueryView {
  info: QueryInfoMsg;
  /** Recent progress reports, oldest first. */
  progress: readonly QueryProgress[];
  tablePath: string;
  quarantineTablePath: string | null;
  /** Where a Kafka or webhook sink publishes (publishedSinkDescription); null: the query writes the Delta table at tablePath. */
  publishedTo: string | null;
}

export interface QuerySource {
  views(): QueryView[];
}

/** The steps of a batch, in protocol order, as progress reports time them (durationMs). */
export const BATCH_STEPS = ['latestOffset', 'walCommit', 'addBatch', 'sinkCommit', 'commitOffsets'] as const;

export interface BatchPoint {
  batchId: number;
  /** Trigger time of the batch, ms since the epoch. */
  atMs: number;
  numInputRows: number;
  inputRate: number;
  processingRate: number;
  /** Step → ms (BATCH_STEPS), and `total` (triggerExecution). */
  steps: Record<string, number>;
  /** Event-time max seen so far minus the watermark, ms; null before any event. */
  eventTimeGapMs: number | null;
  /** Trigger time minus the watermark, ms; null while the watermark is unset. */
  wallGapMs: number | null;
  watermark: string | null;
  stateRows: number;
  stateMemoryBytes: number;
  late: number;
  bad: number;
  quarantined: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  latestOffset: string;
  endOffset: string;
  lag: number;
}

export interface QuerySnapshot {
  id: string;
  name: string;
  state: string;
  message: string;
  error: string;
  lastCommittedBatch: number;
  tablePath: string;
  batches: BatchPoint[];
  lag: PartitionLag[];
  /** Over the batches in `batches`. */
  totals: { late: number; bad: number; quarantined: number; badByReason: Record<string, number> };
  badRecordSamples: BadRecordSample[];
  commits: (CommitRow & { batchDurationMs: number | null; commitStepMs: number | null })[];
  results: ResultsView | null;
  /** Where the query publishes its rows when it has no table to show (a Kafka or webhook sink), else null. */
  publishedTo: string | null;
  /** Why a table panel is empty (e.g. the table could not be read), else null. */
  tableError: string | null;
}

export interface DashboardSnapshot {
  atMs: number;
  heartbeatTimeoutMs: number;
  queries: QuerySnapshot[];
  executors: ExecutorRow[];
}

export interface GatherLimits {
  resultRows: number;
  commits: number;
  badRecordSamples: number;
}

const DEFAULT_LIMITS: GatherLimits = { resultRows: 10, commits: 20, badRecordSamples: 5 };

export class SnapshotGatherer {
  private readonly tables: TableViews;

  /** `storage`: where the queries' tables are read (the driver's own storage). */
  constructor(
    private readonly queries: QuerySource,
    private readonly roster: ExecutorRoster,
    storage: Storage = processStorage(),
    private readonly limits: GatherLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.tables = new TableViews(storage);
  }

  /** The newest committed batch of every query, joined: it changes when any query commits a batch. */
  commitMark(): string {
    return this.queries.views().map((v) => `${v.info.id}:${v.info.last_committed_batch}:${v.info.state}`).join(',');
  }

  async gather(): Promise<DashboardSnapshot> {
    const queries: QuerySnapshot[] = [];
    for (const v of this.queries.views()) queries.push(await this.query(v));
    return { atMs: this.now(), heartbeatTimeoutMs: this.roster.heartbeatTimeoutMs, queries, executors: this.roster.rows() };
  }

  private async query(v: QueryView): Promise<QuerySnapshot> {
    const batches = batchPoints(v.progress);
    const totals = { late: 0, bad: 0, quarantined: 0, badByReason: {} as Record<string, number> };
    for (const p of v.progress) {
      totals.late += p.lateRows?.total ?? 0;
      totals.bad += p.badRecords?.total ?? 0;
      totals.quarantined += p.badRecords?.quarantined ?? 0;
      for (const [k, n] of Object.entries(p.badRecords?.byReason ?? {})) totals.badByReason[k] = (totals.badByReason[k] ?? 0) + n;
    }
    const byBatch = new Map(v.progress.map((p) => [p.batchId, p]));
    let results: ResultsView | null = null;
    let commits: QuerySnapshot['commits'] = [];
    let badRecordSamples: BadRecordSample[] = [];
    let tableError: string | null = null;
    try {
      // A Kafka or webhook sink only stages its rows at tablePath (not a Delta table): no results or commits to read.
      if (v.publishedTo === null) ({ results, commits } = await this.mainTable(v, byBatch));
      if (v.quarantineTablePath) {
        badRecordSamples = await this.tables.badRecordSamplesOf(v.quarantineTablePath, this.limits.badRecordSamples);
      }
    } catch (err) {
      tableError = err instanceof Error ? err.message : String(err);
    }
    return {
      id: v.info.id,
      name: v.info.name,
      state: v.info.state,
      message: v.info.message,
      error: v.info.error,
      lastCommittedBatch: v.info.last_committed_batch,
      tablePath: v.tablePath,
      batches,
      lag: partitionLag(v.progress.at(-1)),
      totals,
      badRecordSamples,
      commits,
      results,
      publishedTo: v.publishedTo,
      tableError,
    };
  }

  /** The main table's newest rows and its commit history, joined with the batches' durations. */
  private async mainTable(v: QueryView, byBatch: ReadonlyMap<number, QueryProgress>): Promise<{ results: ResultsView; commits: QuerySnapshot['commits'] }> {
    const results = await this.tables.resultsOf(v.tablePath, this.limits.resultRows);
    const commits = (await this.tables.commitHistoryOf(v.tablePath, v.info.id, this.limits.commits)).map((c) => {
      const p = c.batchId === null ? undefined : byBatch.get(c.batchId);
      return {
        ...c,
        batchDurationMs: p?.durationMs.triggerExecution ?? null,
        commitStepMs: p ? (p.durationMs.sinkCommit ?? 0) + (p.durationMs.commitOffsets ?? 0) : null,
      };
    });
    return { results, commits };
  }
}

export function batchPoints(progress: readonly QueryProgress[]): BatchPoint[] {
  const out: BatchPoint[] = [];
  let prev: QueryProgress | undefined;
  for (const p of progress) {
    const atMs = Date.parse(p.timestamp);
    const total = p.durationMs.triggerExecution ?? p.batchDuration ?? 0;
    const steps: Record<string, number> = { total };
    for (const s of BATCH_STEPS) steps[s] = p.durationMs[s] ?? 0;
    const watermarkMs = p.eventTime?.watermark ? Date.parse(p.eventTime.watermark) : NaN;
    const maxMs = p.eventTime?.max ? Date.parse(p.eventTime.max) : NaN;
    const op = p.stateOperators ?? [];
    out.push({
      batchId: p.batchId,
      atMs,
      numInputRows: p.numInputRows,
      inputRate: arrivalRate(prev, p) ?? p.inputRowsPerSecond,
      processingRate: p.processedRowsPerSecond,
      steps,
      // A watermark at the epoch is the initial one (no event yet): no gap to show.
      eventTimeGapMs: Number.isFinite(maxMs) && watermarkMs > 0 ? maxMs - watermarkMs : null,
      wallGapMs: watermarkMs > 0 ? atMs - watermarkMs : null,
      watermark: p.eventTime?.watermark ?? null,
      stateRows: op.reduce((a, s) => a + s.numRowsTotal, 0),
      stateMemoryBytes: op.reduce((a, s) => a + s.memoryUsedBytes, 0),
      late: p.lateRows?.total ?? 0,
      bad: p.badRecords?.total ?? 0,
      quarantined: p.badRecords?.quarantined ?? 0,
    });
    prev = p;
  }
  return out;
}

/** Records per second that arrived in Kafka between two batches' plans (null when unknown). */
function arrivalRate(prev: QueryProgress | undefined, p: QueryProgress): number | null {
  if (!prev) return null;
  const dt = (Date.parse(p.timestamp) - Date.parse(prev.timestamp)) / 1000;
  const a = sumOffsets(prev.sources[0]?.latestOffset ?? undefined), b = sumOffsets(p.sources[0]?.latestOffset ?? undefined);
  if (dt <= 0 || a === null || b === null || b < a) return null;
  return Number(b - a) / dt;
}

function sumOffsets(offsets: Record<string, Record<string, string>> | undefined): bigint | null {
  if (!offsets) return null;
  let sum = 0n;
  for (const parts of Object.values(offsets)) for (const o of Object.values(parts)) sum += BigInt(o);
  return sum;
}

export function partitionLag(p: QueryProgress | undefined): PartitionLag[] {
  const src = p?.sources[0];
  if (!src) return [];
  const out: PartitionLag[] = [];
  for (const [topic, parts] of Object.entries(src.endOffset ?? {})) {
    for (const [partition, end] of Object.entries(parts)) {
      const latest = src.latestOffset?.[topic]?.[partition] ?? end;
      out.push({ topic, partition: Number(partition), latestOffset: latest, endOffset: end, lag: Number(BigInt(latest) - BigInt(end)) });
    }
  }
  return out.sort((a, b) => a.partition - b.partition);
}
