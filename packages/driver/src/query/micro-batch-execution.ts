/**
 * The micro-batch loop of one query, step by named step (the batch protocol of DESIGN.md):
 *
 *   recover             → pure decision over the checkpoint, sink and state facts (recovery/)
 *   constructNextBatch  → latest offsets → plan N: ranges [from, to), WM(N−1), WM(N), limits
 *   markMicroBatchStart → the plan goes to the offsets log before any task runs ("walCommit")
 *   runBatch            → attempts (N, A) on the executors until one succeeds ("addBatch");
 *                         reduce tasks make state N durable before they answer (after
 *                         dropDuplicates before an aggregation, both reduce stages: "dedupReduce")
 *   commitSinks         → Delta commits with txn (queryId, N): side tables (quarantine, late rows)
 *                         first, then a CDC query's route tables (routes 1, 2, … in order), then
 *                         the main table with the Kafka end offsets ("sinkCommit")
 *   markMicroBatchEnd   → the commit log gets N ("commitOffsets"); every 10th batch, old logs and
 *                         state are purged in the background
 *
 * At most one batch is planned and uncommitted at a time. Each step is timed under its name in the
 * batch's progress report.
 */
import {
  asBatchId, BatchId, batchThatWrote, isRetriable, nextBatch, StateVersion, stateVersionAfter, TributaryError, QueryProgress, BatchPlan,
  BatchCommit, Checkpoint, DEFAULT_ISOLATION_LEVEL, type IsolationLevel, type Log, type Snapshot,
} from '@tributary/common';
import { decideRecovery, RecoveryDecision } from '../recovery';
import { ExecutorRegistry } from '../scheduler/executor-registry';
import { AttemptFailed, AttemptOutput, runAttempt } from '../scheduler/attempt-runner';
import { afterFailedAttempt } from '../scheduler/attempt-cap';
import { verifyAttemptOutput } from '../scheduler/verify-attempt';
import { planRanges } from '../planner/offset-ranges';
import { INITIAL_WATERMARK_MICROS, nextWatermark } from '../planner/watermark';
import { resolveStartingOffsets } from '../planner/starting-offsets';
import { claimAttempt, purgeAttemptClaims } from '../commit/attempt-claims';
import type { BatchSink } from '../commit/batch-sink';
import type { DeltaSink } from '../commit/delta-sink';
import { SideTableSink } from '../commit/side-table-sink';
import { buildProgress } from '../progress/progress-builder';
import { isStateless, QueryContext } from './query-context';

export interface SourceOffsets {
  /** The end of each partition's log as a reader at `isolation` sees it (the last stable offset under read_committed). */
  latest(topic: string, isolation: IsolationLevel): Promise<Map<number, bigint>>;
  earliest(topic: string): Promise<Map<number, bigint>>;
}

/**
 * Between this run's recovery and its next plan, batch N was planned by another writer: a deposed
 * leader whose plan write was already under way when its lease ran out lands it late (put-if-absent
 * lets it in, since nobody had planned N yet). Planning after it would skip N, and planning N again
 * is refused; so the run recovers again, which replays that plan like any planned, uncommitted batch.
 */
function plannedElsewhere(batchId: BatchId): TributaryError {
  return new TributaryError(`batch ${batchId} was planned by another run of this query (a deposed leader's late write?); recovering again to replay it`, {
    code: 'PLANNED_ELSEWHERE', retriable: true,
  });
}

/** The committed attempt of the batch that wrote a state version (batch/batch-id.ts in common). */
export type CommittedAttemptOfVersion = (version: StateVersion) => number | undefined;

export interface StateFence {
  /** Lets only attempt A of batch N write the state version batch N writes. */
  setFence(batchId: BatchId, attempt: number): Promise<void>;
  /** The newest state version durable for every partition, counting only committed attempts. */
  newestDurableVersion(committedAttempt: CommittedAttemptOfVersion): Promise<StateVersion>;
  purge(keepFromVersion: StateVersion, committedAttempt: CommittedAttemptOfVersion): Promise<void>;
  /** The rows the state write of batch N by attempt A recorded as emitted by a partition (report checks). */
  emittedRows(batchId: BatchId, attempt: number, partition: number): Promise<number | undefined>;
}

export interface ExecutionDeps {
  registry: ExecutorRegistry;
  checkpoint: Checkpoint;
  source: SourceOffsets;
  state: StateFence;
  /** The main sink: a Delta table, or a sink publishing the batch's rows (Kafka, webhook). */
  sink: BatchSink;
  /** Side tables, committed before the main table in this order. */
  sideSinks: SideTableSink[];
  /**
   * A CDC query of several source tables: the tables of routes 1, 2, … (cdc-spec.ts), in route
   * order; committed after the side tables and before the main table, each with txn (queryId, N).
   */
  routeSinks?: DeltaSink[];
  /**
   * Called before every protocol write (plan, attempt claim and state fence, each sink commit, commit
   * log, purge): throws NOT_LEADER once this driver lost the driver lease (leadership/). Absent
   * for a driver without a lease.
   */
  assertLeader?: (what: string) => Promise<void>;
  /** The fencing token of this driver's leadership, recorded in plans, commit log entries and Delta commits (absent without a lease). */
  leaseToken?: () => number | undefined;
  /** Test-only fault hook: called at each named step; may throw or kill the process. */
  faultHook?: (step: string, batchId: BatchId) => void | Promise<void>;
  log: Log;
  /**
   * Told of each committed batch (its progress report, commit-log entry and the data files it
   * added to the main table) and of each retry; for observers only (progress/query-observer.ts):
   * called synchronously, must not throw or block.
   */
  observe?: {
    batchCommitted(progress: QueryProgress, commit: BatchCommit, files: number): void;
    retried(what: 'attempt' | 'recovery', batchId: number | null, reason: string): void;
  };
}

export type QueryState = 'STARTING' | 'ACTIVE' | 'STOPPED' | 'FAILED' | 'FINISHED';

/** Batches whose logs and state are kept (older are purged), as spark.sql.streaming.minBatchesToRetain. */
const RETAIN_BATCHES = 100;
/** Skew of the event-time guard for plans written before plans recorded it. */
const DEFAULT_MAX_EVENT_TIME_AHEAD_MS = 86_400_000;
const MAX_PROGRESS = 100;
/** Backoff between recoveries after a retriable failure of the loop. */
const RETRY_INITIAL_BACKOFF_MS = 250;
const RETRY_MAX_BACKOFF_MS = 5_000;
/**
 * How long the loop waits before asking Kafka again when the last look found no new data and the
 * trigger interval is shorter (Spark's spark.sql.streaming.pollingDelay, 10 ms there). Each look is
 * two ListOffsets round trips and two checkpoint reads on the driver's one thread, so an idle query
 * looks 10 times a second rather than 100: a new record waits at most this long more.
 */
export const IDLE_POLL_DELAY_MS = 100;
/** The longest delay one Node timer holds (2^31 − 1 ms, about 24.8 days); longer sleeps are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class MicroBatchExecution {
  state: QueryState = 'STARTING';
  message = 'Initializing';
  error: string | undefined;
  lastCommittedBatch = -1;
  readonly progress: QueryProgress[] = [];
  private stopRequested = false;
  /** Aborted by stop(): ends waits for executors at once. */
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private availableNowTarget: Map<number, bigint> | undefined;
  /** The topic's latest offsets when the last batch was planned (progress: lag behind latest). */
  private latestOffsets: Map<number, bigint> | undefined;
  /** batch id → the attempt whose results were committed, for the retained batches. */
  private readonly committedAttempts = new Map<BatchId, number>();
  private readonly committedAttemptOfVersion: CommittedAttemptOfVersion = (v) => {
    const writer = batchThatWrote(v);
    return writer === null ? undefined : this.committedAttempts.get(writer);
  };
  private finished: Promise<void> | undefined;
  /** batch id → attempts of it that failed in this driver run (attempt-cap.ts). */
  private readonly failedAttempts = new Map<number, number>();
  /** The purge running in the background, if any (see purgeInBackground); never rejects. */
  private purging: Promise<void> = Promise.resolve();

  constructor(readonly ctx: QueryContext, private readonly deps: ExecutionDeps) {}

  start(): void {
    this.finished = this.run().then(() => this.purging);
  }

  /** Ends the query whatever its state; a query never started ends STOPPED at once. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.stopping.abort();
    this.wake?.();
    if (this.finished === undefined) {
      this.state = 'STOPPED';
      this.message = 'Stopped';
      this.finished = Promise.resolve();
    }
    await this.finished;
  }

  awaitTermination(): Promise<void> {
    return this.finished ?? Promise.resolve();
  }

  /**
   * Recovers, then runs batches until stopped or finished. A retriable failure anywhere (Kafka down
   * while planning, Redis down while fencing, Delta or checkpoint I/O while committing) does not fail
   * the query: after a backoff (doubling up to RETRY_MAX_BACKOFF_MS, reset once a batch commits) it
   * recovers again from the checkpoint — the pure decision replays a batch planned but not committed,
   * skipping sinks that hold it — and goes on. Only a non-retriable error fails the query.
   */
  private async run(): Promise<void> {
    this.state = 'ACTIVE';
    let backoffMs = RETRY_INITIAL_BACKOFF_MS;
    let committedBefore = this.lastCommittedBatch;
    for (;;) {
      try {
        await this.recover();
        await this.runBatches();
        return;
      } catch (err) {
        if (this.stopRequested && !(err instanceof TributaryError && !err.retriable)) {
          this.state = 'STOPPED';
          this.message = 'Stopped';
          return;
        }
        if (!isRetriable(err)) {
          this.state = 'FAILED';
          this.error = err instanceof Error ? err.message : String(err);
          this.message = `Failed: ${this.error}`;
          this.deps.log(`ERROR query ${this.ctx.queryId} failed: ${err instanceof Error ? err.stack : err}`, { queryId: this.ctx.queryId });
          return;
        }
        if (this.lastCommittedBatch > committedBefore) backoffMs = RETRY_INITIAL_BACKOFF_MS;
        committedBefore = this.lastCommittedBatch;
        this.message = `Waiting to retry: ${err instanceof Error ? err.message : String(err)}`;
        this.deps.log(`WARN query ${this.ctx.queryId}: retriable failure, recovering again in ${backoffMs} ms: ${err instanceof Error ? err.message : err}`, { queryId: this.ctx.queryId });
        this.deps.observe?.retried('recovery', null, err instanceof Error ? err.message : String(err));
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, RETRY_MAX_BACKOFF_MS);
        if (this.stopRequested) { this.state = 'STOPPED'; this.message = 'Stopped'; return; }
      }
    }
  }

  private async runBatches(): Promise<void> {
    while (!this.stopRequested) {
      const triggerStart = Date.now();
      const timings: Record<string, number> = {};
      const plan = await this.timed(timings, 'latestOffset', () => this.constructNextBatch());
      if (!plan) {
        if (this.ctx.availableNow) { this.state = 'FINISHED'; this.message = 'All available data processed'; return; }
        this.message = 'Waiting for data to arrive';
        await this.sleep(Math.max(this.ctx.triggerIntervalMs, IDLE_POLL_DELAY_MS));
        continue;
      }
      this.message = `Processing batch ${plan.batchId}`;
      await this.timed(timings, 'walCommit', () => this.markMicroBatchStart(plan));
      await this.runBatch(plan, [], timings, triggerStart);
      const elapsed = Date.now() - triggerStart;
      if (!this.ctx.availableNow && elapsed < this.ctx.triggerIntervalMs) await this.sleep(this.ctx.triggerIntervalMs - elapsed);
    }
    this.state = 'STOPPED';
    this.message = 'Stopped';
  }

  // ---- recover ---------------------------------------------------------------------------------

  private async recover(): Promise<void> {
    await this.purging; // the decision reads the logs a purge removes entries from
    const cp = this.deps.checkpoint;
    for (const id of await cp.commits.list()) {
      const c = await cp.commits.get(id);
      if (c) this.committedAttempts.set(id, c.attempt);
    }
    // Decide, act, and decide again until the query is at a clean batch boundary.
    for (;;) {
      const decision = await this.decide();
      this.deps.log(`query ${this.ctx.queryId} recovery: ${JSON.stringify(decision)}`, { queryId: this.ctx.queryId });
      switch (decision.kind) {
        case 'startFresh':
        case 'runNext':
          return;
        case 'replay': {
          const plan = await cp.offsets.get(decision.batchId);
          if (!plan) throw new TributaryError(`offsets log has no plan for batch ${decision.batchId}`);
          await this.runBatch(plan, [...decision.skipSinks], {}, Date.now());
          return;
        }
        case 'rebuildState': {
          // State behind the commit log (e.g. lost with its storage): re-run the batches from their
          // plans with every sink skipped; their outputs are already in the tables.
          for (let n = decision.fromBatchId; n <= decision.toBatchId; n = nextBatch(n)) {
            const plan = await cp.offsets.get(n);
            if (!plan) throw new TributaryError(`offsets log has no plan for batch ${n}, needed to rebuild state`);
            await this.runBatch(plan, this.sinkPaths(), {}, Date.now());
          }
          continue;
        }
        case 'fail':
          throw new TributaryError(`cannot recover query ${this.ctx.queryId}: ${decision.reason}`, { code: decision.code });
      }
    }
  }

  /** Gathers the facts of the recovery decision (recovery/decide.ts) from the checkpoint, sink and state. */
  private async decide(): Promise<RecoveryDecision> {
    const cp = this.deps.checkpoint;
    const planned = await cp.offsets.list();
    const committed = await cp.commits.getLatest();
    if (committed) this.lastCommittedBatch = committed.batchId;
    // The decision counts state by the batch that wrote it; a query without aggregation has none.
    const stateVersion = isStateless(this.ctx) ? null : await this.deps.state.newestDurableVersion(this.committedAttemptOfVersion);
    return decideRecovery({
      lastPlanned: planned.length ? planned[planned.length - 1] : null,
      oldestPlanned: planned.length ? planned[0] : null,
      lastCommitted: committed?.batchId ?? null,
      sinks: [
        ...(await Promise.all([...this.deps.sideSinks, ...this.routeSinks()].map(async (s) => ({ path: s.tablePath, txnVersion: (await s.txnVersion()) ?? null })))),
        { path: this.ctx.job.tablePath, txnVersion: (await this.deps.sink.txnVersion()) ?? null },
      ],
      stateBatch: stateVersion === null ? 'notApplicable' : batchThatWrote(stateVersion),
    });
  }

  // ---- constructNextBatch ----------------------------------------------------------------------

  private async constructNextBatch(): Promise<BatchPlan | undefined> {
    const cp = this.deps.checkpoint;
    const prevPlan = (await cp.offsets.getLatest())?.value;
    const prevCommit = (await cp.commits.getLatest())?.value;
    if (prevPlan && prevPlan.batchId !== prevCommit?.batchId) throw plannedElsewhere(prevPlan.batchId);
    const topic = this.ctx.query.source.topic;
    const [latestRaw, earliest] = await Promise.all([this.deps.source.latest(topic, this.ctx.query.source.isolationLevel), this.deps.source.earliest(topic)]);
    this.latestOffsets = latestRaw;
    let latest = latestRaw;
    if (this.ctx.availableNow) {
      // availableNow: everything available when the run started, in batches, then stop.
      if (!this.availableNowTarget) this.availableNowTarget = latestRaw;
      latest = new Map([...this.availableNowTarget].map(([p, o]) => [p, o < (latestRaw.get(p) ?? o) ? o : (latestRaw.get(p) ?? o)]));
    }
    const start: Record<number, bigint> = {};
    if (prevPlan) {
      for (const s of prevPlan.sources) for (const p of s.partitions) start[p.partition] = BigInt(p.to);
    } else {
      Object.assign(start, resolveStartingOffsets(this.ctx.spec.source.startingOffsets, topic, earliest, latest));
    }
    const ranges = planRanges({
      topic,
      start,
      earliest: Object.fromEntries(earliest),
      latest: Object.fromEntries(latest),
      maxOffsetsPerTrigger: this.ctx.spec.source.maxOffsetsPerTrigger,
      failOnDataLoss: this.ctx.spec.source.failOnDataLoss,
      onDataLoss: (m) => this.deps.log(`WARN ${m}; continuing because failOnDataLoss is false`),
    });
    const hasData = ranges.some((r) => r.to > r.from);
    // A no-data batch runs when the watermark moved, where state leaves by it: append mode (windows,
    // sessions and dedup keys the watermark closes are emitted or evicted) and update mode with a time
    // window (closed windows leave state). Complete mode and update without a window keep every key.
    const mode = this.ctx.query.sink.outputMode;
    const evicts = mode === 'append' || (mode === 'update' && this.ctx.query.aggregate?.window != null);
    const lateWatermark = prevPlan?.watermarkMicros ?? INITIAL_WATERMARK_MICROS;
    const maxBefore = prevCommit?.maxEventTimeMicros ?? null;
    const watermark = nextWatermark(lateWatermark, maxBefore, this.ctx.delayMicros);
    let noData = false;
    if (!hasData) {
      // A no-data batch runs when the watermark moved and state may hold windows it closes.
      if (!evicts || isStateless(this.ctx) || watermark <= lateWatermark || (prevCommit?.stateRowsTotal ?? 0) === 0) return undefined;
      noData = true;
    }
    return {
      batchId: prevPlan ? nextBatch(prevPlan.batchId) : asBatchId(0),
      queryId: this.ctx.queryId,
      batchTimestampMs: Date.now(),
      sources: [{ topic, partitions: ranges.map((r) => ({ partition: r.partition, from: r.from.toString(), to: r.to.toString() })) }],
      lateWatermarkMicros: lateWatermark,
      watermarkMicros: watermark,
      maxEventTimeMicrosBefore: maxBefore,
      eventTimeGuardReferenceMs: Date.now(),
      shufflePartitions: this.ctx.job.shufflePartitions,
      configHash: this.ctx.configHash,
      limits: { maxOffsetsPerTrigger: this.ctx.spec.source.maxOffsetsPerTrigger, maxEventTimeAheadMs: this.ctx.maxEventTimeAheadMs },
      noData,
      isolationLevel: this.ctx.query.source.isolationLevel,
      ...this.leaseTokenField(),
    };
  }

  // ---- markMicroBatchStart ---------------------------------------------------------------------

  private async markMicroBatchStart(plan: BatchPlan): Promise<void> {
    await this.deps.faultHook?.('beforeWalCommit', plan.batchId);
    await this.deps.assertLeader?.(`planning batch ${plan.batchId}`);
    const added = await this.deps.checkpoint.offsets.add(plan.batchId, plan);
    if (!added) throw plannedElsewhere(plan.batchId);
    await this.deps.faultHook?.('afterWalCommit', plan.batchId);
  }

  // ---- runBatch ---------------------------------------------------------------------------------

  private async runBatch(plan: BatchPlan, skipSinks: string[], timings: Record<string, number>, triggerStart: number): Promise<void> {
    const out = await this.timed(timings, 'addBatch', () => this.runAttempts(plan));
    await this.deps.faultHook?.('afterStateDurable', plan.batchId);
    const sinkResult = await this.timed(timings, 'sinkCommit', () => this.commitSinks(plan, out.output, skipSinks, out.mergeSnapshot, out.routeSnapshots));
    await this.deps.faultHook?.('afterSinkCommit', plan.batchId);
    const commit = await this.timed(timings, 'commitOffsets', () => this.markMicroBatchEnd(plan, out.attempt, out.output, sinkResult));
    for (const sink of [...this.deps.sideSinks, ...this.routeSinks(), this.deps.sink]) sink.startMaintenance(); // checkpoints, off the batch's path
    timings.map = out.output.timingsMs.map;
    timings.reduce = out.output.timingsMs.reduce;
    if (out.output.timingsMs.dedup !== undefined) timings.dedupReduce = out.output.timingsMs.dedup;
    timings.triggerExecution = Date.now() - triggerStart;
    const progress = buildProgress({ ctx: this.ctx, plan, output: out.output, commit, timings, attempt: out.attempt, sideSinks: this.deps.sideSinks, latestOffsets: this.latestOffsets });
    this.pushProgress(progress);
    this.deps.log(`batch ${plan.batchId} committed: ${commit.numInputRows} input rows, ${commit.numOutputRows} output rows in ${timings.triggerExecution} ms`, { queryId: this.ctx.queryId, batchId: plan.batchId, attempt: out.attempt });
    this.deps.observe?.batchCommitted(progress, commit, out.output.addActions.length);
  }

  private async runAttempts(plan: BatchPlan): Promise<{ attempt: number; output: AttemptOutput; mergeSnapshot?: Snapshot; routeSnapshots: Snapshot[] }> {
    let backoffMs = 100;
    for (;;) {
      if (this.stopRequested) throw new TributaryError('query stopped', { retriable: true, code: 'STOPPED' });
      await this.deps.registry.waitFor(1, 24 * 3600_000, this.stopping.signal);
      await this.deps.assertLeader?.(`claiming an attempt of batch ${plan.batchId}`);
      const attempt = await claimAttempt(this.deps.checkpoint.storage, this.ctx.checkpointDir, plan.batchId);
      const stateless = isStateless(this.ctx);
      if (!stateless) await this.deps.state.setFence(plan.batchId, attempt);
      // Update mode: the reduce tasks merge into this version of the table; the commit reads it.
      const mergeSnapshot = this.ctx.query.sink.outputMode === 'update' && this.deps.sink.updateSnapshot ? await this.deps.sink.updateSnapshot() : undefined;
      // A CDC query's route tables likewise, each at its own newest version.
      const routeSnapshots = await Promise.all(this.routeSinks().map((r) => r.updateSnapshot()));
      const routeTables = routeSnapshots.map((snap, i) => ({ tablePath: this.routeSinks()[i].tablePath, tableVersion: snap.version }));
      const committedAttempts = [...this.committedAttempts]
        .filter(([n]) => n >= plan.batchId - 2 * this.ctx.job.snapshotEvery - 2)
        .map(([n, a]) => ({ batchId: n, attempt: a }));
      try {
        const output = await runAttempt(this.deps.registry, {
          queryId: this.ctx.queryId,
          batchId: plan.batchId,
          attempt,
          // The plan's isolation level, not the query's: a replay reads what the batch first meant.
          job: { ...this.ctx.job, isolationLevel: plan.isolationLevel ?? DEFAULT_ISOLATION_LEVEL },
          ranges: plan.sources.flatMap((s) => s.partitions.map((p) => ({ topic: s.topic, partition: p.partition, from: p.from, to: p.to }))),
          lateWatermarkMicros: plan.lateWatermarkMicros,
          lateFilter: this.ctx.query.sink.outputMode !== 'complete' && !stateless,
          tableVersion: mergeSnapshot?.version ?? null,
          ...(routeTables.length === 0 ? {} : { routeTables }),
          stateless,
          query: this.ctx.query,
          watermarkMicros: plan.watermarkMicros,
          committedAttempts,
          noData: plan.noData,
          eventTimeGuardReferenceMs: plan.eventTimeGuardReferenceMs,
          maxEventTimeAheadMs: plan.limits.maxEventTimeAheadMs ?? DEFAULT_MAX_EVENT_TIME_AHEAD_MS,
          taskDeadlineMs: this.deps.registry.taskDeadlineMs,
          verify: (out) => verifyAttemptOutput(
            this.deps.checkpoint.storage, this.ctx.job, plan.batchId, attempt, out, (n, a, p) => this.deps.state.emittedRows(n, a, p), routeTables.map((t) => t.tablePath),
          ),
        });
        this.failedAttempts.delete(plan.batchId);
        return { attempt, output, mergeSnapshot, routeSnapshots };
      } catch (err) {
        if (err instanceof AttemptFailed && err.retryClass === 'retriable') {
          const failed = (this.failedAttempts.get(plan.batchId) ?? 0) + 1;
          this.failedAttempts.set(plan.batchId, failed);
          const decision = afterFailedAttempt(plan.batchId, failed, this.deps.registry.maxAttemptsPerBatch, err.message);
          if (decision.kind === 'fail') throw decision.error;
          this.deps.log(`WARN batch ${plan.batchId} attempt ${attempt} failed, retrying: ${err.message}`, { queryId: this.ctx.queryId, batchId: plan.batchId, attempt });
          this.deps.observe?.retried('attempt', plan.batchId, err.message);
          await this.sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 2000);
          continue;
        }
        throw err;
      }
    }
  }

  // ---- commitSinks ------------------------------------------------------------------------------

  /**
   * Side tables first, each with txn (queryId, N); then a CDC query's route tables, one after the
   * other in route order, each with txn (queryId, N) and its own files; then the main table with
   * the Kafka end offsets. A table in `skipSinks` already holds N. A driver that dies between two
   * of these commits leaves batch N planned and not committed: recovery replays N (the same plan,
   * the key state of N−1, so the same changes) and commits it only to the tables whose txn is
   * below N (recovery/decide.ts, rule 10); the commit log gets N once every table holds it.
   */
  private async commitSinks(
    plan: BatchPlan, out: AttemptOutput, skipSinks: string[], mergeSnapshot?: Snapshot, routeSnapshots: Snapshot[] = [],
  ): Promise<{ path: string; version: number | 'skipped' }[]> {
    // Side tables are independent of each other: committed together, all before the main table.
    if (this.deps.sideSinks.some((side) => !skipSinks.includes(side.tablePath))) await this.deps.assertLeader?.(`committing batch ${plan.batchId} to the side tables`);
    const results: { path: string; version: number | 'skipped' }[] = await Promise.all(this.deps.sideSinks.map(async (side) => ({
      path: side.tablePath,
      version: skipSinks.includes(side.tablePath) ? ('skipped' as const) : await side.commitBatch(plan.batchId, out.sideAddActions[side.name], this.deps.leaseToken?.()),
    })));
    await this.deps.faultHook?.('afterSideCommits', plan.batchId);
    for (const [i, route] of this.routeSinks().entries()) {
      if (skipSinks.includes(route.tablePath)) { results.push({ path: route.tablePath, version: 'skipped' }); continue; }
      const files = out.routeOutputs?.[i];
      if (files === undefined || routeSnapshots[i] === undefined) throw new TributaryError(`batch ${plan.batchId} has no files or snapshot of route table ${route.tablePath}`);
      await this.deps.assertLeader?.(`committing batch ${plan.batchId} to ${route.tablePath}`);
      const version = await route.commitBatch(plan.batchId, files.addActions, [], { snapshot: routeSnapshots[i], removedPaths: files.removedPaths }, this.deps.leaseToken?.());
      results.push({ path: route.tablePath, version });
      await this.deps.faultHook?.('afterRouteCommit', plan.batchId);
    }
    if (skipSinks.includes(this.ctx.job.tablePath)) return [...results, { path: this.ctx.job.tablePath, version: 'skipped' }];
    const offsets = plan.sources.flatMap((s) => s.partitions.map((p) => ({ topic: s.topic, partition: p.partition, endOffset: p.to })));
    const merge = mergeSnapshot === undefined ? undefined : { snapshot: mergeSnapshot, removedPaths: out.removedPaths };
    await this.deps.assertLeader?.(`committing batch ${plan.batchId} to ${this.ctx.job.tablePath}`);
    const version = await this.deps.sink.commitBatch(plan.batchId, out.addActions, offsets, merge, this.deps.leaseToken?.());
    return [...results, { path: this.ctx.job.tablePath, version }];
  }

  private sinkPaths(): string[] {
    return [...this.deps.sideSinks.map((s) => s.tablePath), ...this.routeSinks().map((s) => s.tablePath), this.ctx.job.tablePath];
  }

  private routeSinks(): DeltaSink[] {
    return this.deps.routeSinks ?? [];
  }

  // ---- markMicroBatchEnd ------------------------------------------------------------------------

  private async markMicroBatchEnd(plan: BatchPlan, attempt: number, out: AttemptOutput, sinks: { path: string; version: number | 'skipped' }[]): Promise<BatchCommit> {
    let batchMax: number | null = null;
    for (const s of out.mapStats) if (s.maxEventTimeMicros !== null) batchMax = batchMax === null ? s.maxEventTimeMicros : Math.max(batchMax, s.maxEventTimeMicros);
    const prevMax = plan.maxEventTimeMicrosBefore;
    const maxEventTimeMicros = batchMax === null ? prevMax : prevMax === null ? batchMax : Math.max(prevMax, batchMax);
    const commit: BatchCommit = {
      batchId: plan.batchId,
      attempt,
      maxEventTimeMicros,
      watermarkMicros: plan.watermarkMicros,
      stateVersion: plan.batchId,
      committedAtMs: Date.now(),
      numInputRows: out.mapStats.reduce((a, s) => a + s.inputRows, 0),
      numOutputRows: out.reduceStats.reduce((a, s) => a + s.emittedRows, 0) + out.mapStats.reduce((a, s) => a + (s.outputRows ?? 0), 0),
      // every operator's live rows (a dedup before an aggregation too): a no-data batch runs while any remain
      stateRowsTotal: [...out.reduceStats, ...(out.dedupReports ?? []).map((r) => r.stats)].reduce((a, s) => a + s.stateRowsTotal, 0),
      sinks,
      ...this.leaseTokenField(),
    };
    // False when rebuilding state of a batch already committed: its entry stays; this run uses
    // the rebuild's attempt for the state it wrote.
    await this.deps.assertLeader?.(`writing the commit log entry of batch ${plan.batchId}`);
    await this.deps.checkpoint.commits.add(plan.batchId, commit);
    this.committedAttempts.set(plan.batchId, attempt);
    this.lastCommittedBatch = plan.batchId;
    await this.deps.faultHook?.('afterCommitLog', plan.batchId);
    const keepFrom = plan.batchId - RETAIN_BATCHES + 1;
    if (keepFrom > 0 && plan.batchId % 10 === 0) this.purgeInBackground(asBatchId(keepFrom));
    return commit;
  }

  /**
   * Removes what batches before `keepFrom` left (log entries, state versions, attempt claims) off
   * the batch's path: one purge at a time, awaited before any recovery reads the checkpoint and
   * before the query ends. A purge that fails is logged; the next one removes everything below
   * its own bound, so nothing is left for good.
   */
  private purgeInBackground(keepFrom: BatchId): void {
    this.purging = this.purging.then(async () => {
      try {
        await this.deps.assertLeader?.(`purging batches below ${keepFrom}`);
        await this.deps.checkpoint.purge(keepFrom);
        if (!isStateless(this.ctx)) await this.deps.state.purge(stateVersionAfter(keepFrom), this.committedAttemptOfVersion);
        await purgeAttemptClaims(this.deps.checkpoint.storage, this.ctx.checkpointDir, keepFrom);
        for (const n of [...this.committedAttempts.keys()]) if (n < keepFrom - 1) this.committedAttempts.delete(n);
      } catch (err) {
        this.deps.log(`WARN query ${this.ctx.queryId}: purge below batch ${keepFrom} failed (the next purge retries it): ${err instanceof Error ? err.message : err}`);
      }
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private leaseTokenField(): { leaseToken?: number } {
    const token = this.deps.leaseToken?.();
    return token === undefined ? {} : { leaseToken: token };
  }

  private pushProgress(p: QueryProgress): void {
    this.progress.push(p);
    if (this.progress.length > MAX_PROGRESS) this.progress.shift();
  }

  private async timed<T>(timings: Record<string, number>, key: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[key] = (timings[key] ?? 0) + (Date.now() - t0);
    }
  }

  /** Sleeps `ms` (any length: timers past MAX_TIMER_MS are chained), or until stop() wakes it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const until = Date.now() + ms;
      let t: NodeJS.Timeout;
      const arm = (): void => {
        const left = until - Date.now();
        if (left <= 0) { this.wake = undefined; resolve(); return; }
        t = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
      t = setTimeout(arm, Math.min(ms, MAX_TIMER_MS));
    });
  }
}
