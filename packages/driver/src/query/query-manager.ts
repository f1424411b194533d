/**
 * Submitted queries of this driver: submit (validate, check the environment, open or create the
 * checkpoint, start the micro-batch loop), list, get, stop. Specs of active queries are kept in the
 * driver's state directory so that a restarted driver resumes them (waiting for Kafka and Redis
 * instead of refusing, since the user already chose to run them).
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  asVersion2, BatchId, stateStorePartitions, canonicalJson, Checkpoint, DEFAULT_MAX_EVENT_TIME_AHEAD, defaultSideTablePath, ExecutorJob,
  InvalidArgumentError, parseDuration, parseSpecDocument, QUARANTINE_TABLE_SCHEMA, QuerySpec,
  TributaryError, UnavailableError, QuerySpecV2, type Log, ResolvedQuery, resolveQuery, diffResolved, deltaSchemaOf, lateRowsTableSchema,
} from '@tributary/common';
import { ExecutorRegistry } from '../scheduler/executor-registry';
import { MicroBatchExecution, SourceOffsets, StateFence } from './micro-batch-execution';
import { QueryContext } from './query-context';
import { DeltaSink, SinkTable } from '../commit/delta-sink';
import { SideTableSink } from '../commit/side-table-sink';
import { asPreconditionError, PathPolicy } from './path-policy';
import { executorRefusals } from './executor-refusals';
import { earlierFormatRefusal } from './earlier-checkpoint';
import type { FaultHook } from './fault-hook';
import { ObserveOptions, QueryObserver } from '../progress/query-observer';
import { ProgressStore } from '../progress/progress-store';

export interface Environment {
  /** Checks Kafka is reachable and the topic exists; throws UnavailableError naming what and where. */
  checkKafka(bootstrapServers: string[], topic: string): Promise<void>;
  checkRedis(): Promise<void>;
  /** Commits offsets for a consumer group (the lag mirror, progress/lag-mirror.ts); absent: no mirror. */
  mirrorGroupOffsets?(bootstrapServers: string[], groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void>;
  redis: { host: string; port: number };
  source(bootstrapServers: string[]): SourceOffsets;
  /** `statePartitions`: the state store partitions of the query (stateStorePartitions in common). */
  stateFence(queryId: string, checkpointDir: string, statePartitions: number): Promise<StateFence & { close(): Promise<void> }>;
}

export interface QueryInfoMsg {
  id: string; run_id: string; name: string; state: string; message: string; error: string;
  last_committed_batch: number; checkpoint_location: string;
}

interface Running {
  ctx: QueryContext;
  execution: MicroBatchExecution;
  checkpoint: Checkpoint;
  close: () => Promise<void>;
  observer: QueryObserver;
}

/** What the query manager reports to (progress/): the driver's progress store, and whether offsets are mirrored to Kafka. */
export interface ManagerObserveOptions {
  store: ProgressStore;
  /** Mirror committed offsets to a consumer group per query (progress/lag-mirror.ts); default true. */
  mirrorLagToKafka?: boolean;
}

const DEFAULT_SHUFFLE_PARTITIONS = 8;

export class QueryManager {
  private readonly queries = new Map<string, Running>();
  private readonly paths: PathPolicy;
  private shuttingDown = false;

  /** `allowedRoots`: when not empty, every table, checkpoint and side table must lie inside one of them. */
  constructor(
    private readonly registry: ExecutorRegistry,
    private readonly env: Environment,
    private readonly stateDir: string,
    private readonly log: Log,
    private readonly faultHook?: FaultHook,
    allowedRoots: readonly string[] = [],
    readonly observe: ManagerObserveOptions = { store: new ProgressStore() },
  ) {
    this.paths = new PathPolicy(stateDir, allowedRoots);
  }

  /**
   * Resumes the queries that were active when this driver (or its predecessor) stopped. An entry of
   * the state directory that is not a saved query (a directory, unreadable or damaged JSON) is
   * logged and skipped; every other query is resumed.
   */
  async resumeSaved(): Promise<void> {
    const dir = path.join(this.stateDir, 'queries');
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`WARN cannot list saved queries in ${dir}, none resumed: ${(err as Error).message}`);
      return;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(dir, name);
      let spec: AnySpec;
      try {
        spec = parseSpecDocument(fs.readFileSync(file, 'utf8'), `saved query ${file}`) as AnySpec;
      } catch (err) {
        this.log(`WARN skipping ${file}: not a saved query (${(err as Error).message}); the other saved queries are resumed`);
        continue;
      }
      this.resumeWithRetry(spec, file);
    }
  }

  private resumeWithRetry(spec: AnySpec, file: string): void {
    let delay = 500;
    const attempt = async () => {
      try {
        await this.start(spec, true);
      } catch (err) {
        if (err instanceof TributaryError && err.retriable) {
          this.log(`resuming query from ${file} waits: ${err.message}`);
          setTimeout(attempt, delay).unref();
          delay = Math.min(delay * 2, 10_000);
        } else {
          this.log(`cannot resume query from ${file}: ${(err as Error).message}`);
        }
      }
    };
    void attempt();
  }

  async submit(raw: unknown): Promise<QueryInfoMsg> {
    return this.start(raw as AnySpec, false);
  }

  /**
   * All or nothing: the spec is validated, its locations checked, Kafka and Redis probed, the
   * checkpoint and tables opened and the spec saved before the query is registered and started; a
   * failure at any step releases what was opened and leaves nothing registered.
   */
  private async start(submitted: AnySpec, resuming: boolean): Promise<QueryInfoMsg> {
    const spec = asVersion2(submitted);
    let query = this.validate(spec);
    this.paths.check(spec);
    const checkpointDir = path.resolve(spec.sink.checkpointLocation);
    for (const q of this.queries.values()) {
      if (q.ctx.checkpointDir === checkpointDir && (q.execution.state === 'ACTIVE' || q.execution.state === 'STARTING')) {
        throw new TributaryError(`checkpoint location ${checkpointDir} is already used by running query ${q.ctx.queryId}`, { code: 'FAILED_PRECONDITION' });
      }
    }
    const servers = spec.source.bootstrapServers.split(',').map((s) => s.trim()).filter(Boolean);
    await this.env.checkKafka(servers, spec.source.topic);
    await this.env.checkRedis();

    const checkpoint = await Checkpoint.open(checkpointDir).catch((err) => { throw asPreconditionError(err); });
    let closeFence: (() => Promise<void>) | undefined;
    try {
      const existing = await checkpoint.readMetadata();
      if (existing) {
        const earlier = earlierFormatRefusal(checkpointDir, existing);
        if (earlier !== null) throw new TributaryError(earlier, { code: 'FAILED_PRECONDITION' });
        if (spec.options.shufflePartitions === undefined) {
          // Shuffle partitions are fixed at first start: a restart that leaves them unset keeps them.
          query = this.validate(spec, existing.shufflePartitions);
        }
        const changes = diffResolved(existing.resolvedQuery!, query);
        if (changes.length > 0) {
          throw new InvalidArgumentError(`the checkpoint at ${checkpointDir} belongs to a query whose stateful part differs: ${changes.join('; ')}. Use a new checkpoint location to run the changed query.`);
        }
      }
      const sidePaths = [this.quarantinePath(spec), this.lateRowsPath(spec)].filter((p): p is string => p !== null);
      const metadata = existing ?? (await checkpoint.initMetadata({
        shufflePartitions: query.options.shufflePartitions,
        // Restarts compare the resolved query recorded beside it (diffResolved); the fingerprint is kept for readers of the file.
        statefulFingerprint: canonicalJson(query.dedup === undefined ? { aggregate: query.aggregate } : { aggregate: query.aggregate, dedup: query.dedup }),
        resolvedQuery: query,
        sinkPaths: [...sidePaths, path.resolve(spec.sink.path)],
        sourceTopic: spec.source.topic,
      }));
      const queryId = metadata.queryId;
      const ctx = this.context(spec, query, queryId, checkpointDir, metadata.shufflePartitions);
      // every state store partition: after dropDuplicates before an aggregation, the dedup state is in P more (batch-stages.ts)
      const fence = await this.env.stateFence(queryId, checkpointDir, stateStorePartitions(query, metadata.shufflePartitions));
      closeFence = () => fence.close();
      const sink = new DeltaSink(ctx.job.tablePath, sinkTableOfQuery(query), queryId);
      await sink.ensureTable();
      const lastCommitted = (await checkpoint.commits.getLatest())?.batchId ?? -1;
      const sideSinks: SideTableSink[] = [];
      if (ctx.job.quarantineTablePath) sideSinks.push(new SideTableSink('quarantine', ctx.job.quarantineTablePath, QUARANTINE_TABLE_SCHEMA, queryId));
      if (ctx.job.lateRowsTablePath) {
        // The late-rows table's schema follows the aggregation's input row (task/late-rows-table.ts).
        const lateSchema = deltaSchemaOf(lateRowsTableSchema(query));
        sideSinks.push(new SideTableSink('lateRows', ctx.job.lateRowsTablePath, lateSchema, queryId));
      }
      for (const side of sideSinks) await side.ensureTable(lastCommitted);
      const mirror = this.env.mirrorGroupOffsets;
      const observeOpts: ObserveOptions = {
        store: this.observe.store,
        commitGroupOffsets: mirror && this.observe.mirrorLagToKafka !== false ? (g, t, o) => mirror.call(this.env, servers, g, t, o) : undefined,
      };
      const observer = new QueryObserver({ queryId, runId: ctx.runId, name: ctx.name }, checkpointDir, observeOpts, this.log);
      const execution = new MicroBatchExecution(ctx, {
        registry: this.registry,
        checkpoint,
        source: this.env.source(servers),
        state: fence,
        sink,
        sideSinks,
        faultHook: this.faultHook && ((step, batchId) => this.faultHook!(step, batchId, queryId)),
        log: this.log,
        observe: observer,
      });
      // A restarted driver shows the batches of earlier runs at once (progress/history-file.ts).
      execution.progress.push(...observer.history.progress);
      const running: Running = {
        ctx, execution, checkpoint, observer,
        close: async () => { await observer.flush(); await fence.close(); await checkpoint.close(); },
      };
      this.save(queryId, submitted);
      this.queries.set(queryId, running);
      observer.started();
      execution.start();
      void execution.awaitTermination().then(async () => {
        observer.terminated(execution.state, execution.error ?? null);
        if (!this.shuttingDown) this.forget(queryId, execution.state);
        await running.close();
      });
      this.log(`query ${queryId} (${ctx.name}) started on ${checkpointDir}${resuming ? ' (resumed)' : ''}${observer.lagGroupId ? `; committed offsets mirrored to Kafka consumer group ${observer.lagGroupId}` : ''}`, { queryId });
      return this.info(running);
    } catch (err) {
      await closeFence?.().catch(() => {});
      await checkpoint.close().catch(() => {});
      throw asPreconditionError(err);
    }
  }

  list(): QueryInfoMsg[] {
    return [...this.queries.values()].map((q) => this.info(q));
  }

  get(queryId: string, recent: number): { info: QueryInfoMsg; progress: unknown[] } {
    const q = this.find(queryId);
    return { info: this.info(q), progress: q.execution.progress.slice(-recent) };
  }

  async stop(queryId: string): Promise<QueryInfoMsg> {
    const q = this.find(queryId);
    await q.execution.stop();
    this.forget(queryId, 'STOPPED');
    return this.info(q);
  }

  async close(): Promise<void> {
    // Driver shutdown: stop loops but keep the saved specs, so the next driver resumes them.
    this.shuttingDown = true;
    await Promise.all([...this.queries.values()].map((q) => q.execution.stop().catch(() => {})));
    await Promise.all([...this.queries.values()].map((q) => q.observer.flush()));
  }

  private find(queryId: string): Running {
    const q = this.queries.get(queryId);
    if (!q) throw new TributaryError(`no query with id ${queryId}`, { code: 'NOT_FOUND' });
    return q;
  }

  /**
   * The resolved query of a spec (every spec is version 2 by now: asVersion2), refused by name
   * where the executors cannot run it yet (executorRefusals). `shufflePartitions`: the checkpoint's,
   * for a restart whose spec leaves them unset.
   */
  private validate(spec: QuerySpecV2, shufflePartitions?: number): ResolvedQuery {
    const query = resolveQuery(spec, shufflePartitions === undefined ? {} : { defaults: { shufflePartitions } });
    const refused = executorRefusals(query);
    if (refused.length > 0) throw new InvalidArgumentError(refused.join('; '), { code: 'UNSUPPORTED_OPERATION' });
    return query;
  }

  private context(spec: QuerySpecV2, query: ResolvedQuery, queryId: string, checkpointDir: string, shufflePartitions: number): QueryContext {
    const job: ExecutorJob = {
      queryId,
      shufflePartitions,
      checkpointLocation: checkpointDir,
      tablePath: path.resolve(query.sink.path),
      redis: this.env.redis,
      quarantineTablePath: this.quarantinePath(spec),
      lateRowsTablePath: query.aggregate === null ? null : this.lateRowsPath(spec),
      snapshotEvery: 10,
      isolationLevel: query.source.isolationLevel,
    };
    return {
      spec,
      query,
      queryId,
      runId: randomUUID(),
      name: query.name ?? '',
      job,
      checkpointDir,
      delayMicros: query.eventTime?.delayMicros ?? 0,
      windowMicros: query.aggregate?.window?.sizeMicros ?? 0,
      triggerIntervalMs: query.options.triggerIntervalMicros === null ? 0 : Math.floor(query.options.triggerIntervalMicros / 1000),
      availableNow: query.options.availableNow,
      maxEventTimeAheadMs: Math.floor((query.eventTime?.maxAheadMicros ?? parseDuration(DEFAULT_MAX_EVENT_TIME_AHEAD)) / 1000),
      configHash: 'sha256:' + createHash('sha256').update(canonicalJson({ job: { ...job, queryId: undefined }, query })).digest('hex'),
    };
  }

  /** The quarantine table's absolute path, or null unless badRecords is 'quarantine' (the default). */
  private quarantinePath(spec: AnySpec): string | null {
    if ((spec.options.badRecords ?? 'quarantine') !== 'quarantine') return null;
    return path.resolve(spec.options.quarantinePath ?? defaultSideTablePath(spec.sink.path, 'quarantine'));
  }

  /** The late-rows table's absolute path, or null unless lateRows is 'table' (append and update mode: complete mode has no late rows). */
  private lateRowsPath(spec: AnySpec): string | null {
    if (spec.options.lateRows !== 'table' || spec.sink.outputMode === 'complete') return null;
    return path.resolve(spec.options.lateRowsPath ?? defaultSideTablePath(spec.sink.path, 'lateRows'));
  }

  private info(q: Running): QueryInfoMsg {
    return {
      id: q.ctx.queryId,
      run_id: q.ctx.runId,
      name: q.ctx.name,
      state: q.execution.state,
      message: q.execution.message,
      error: q.execution.error ?? '',
      last_committed_batch: q.execution.lastCommittedBatch,
      checkpoint_location: q.ctx.checkpointDir,
    };
  }

  /** Saves the spec as <state dir>/queries/<query id>.json (write, then rename); FAILED_PRECONDITION naming the directory when it cannot. */
  private save(queryId: string, spec: AnySpec): void {
    const dir = path.join(this.stateDir, 'queries');
    const tmp = path.join(dir, `.${queryId}.json.tmp`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(spec));
      fs.renameSync(tmp, path.join(dir, `${queryId}.json`));
    } catch (err) {
      try { fs.rmSync(tmp, { force: true }); } catch { /* nothing was written */ }
      const code = (err as NodeJS.ErrnoException).code;
      throw new TributaryError(`the driver cannot save the query in its state directory ${this.stateDir}${code ? ` (${code})` : ''}: ${(err as Error).message}; the query was not started`, { code: 'FAILED_PRECONDITION', cause: err });
    }
  }

  private forget(queryId: string, state: string): void {
    if (state === 'STOPPED' || state === 'FINISHED' || state === 'FAILED') {
      fs.rmSync(path.join(this.stateDir, 'queries', `${queryId}.json`), { force: true });
    }
  }
}

/** The table a resolved query writes. */
function sinkTableOfQuery(query: ResolvedQuery): SinkTable {
  return { schema: deltaSchemaOf(query.output), partitionColumns: query.sink.partitionBy, complete: query.sink.outputMode === 'complete', update: query.sink.outputMode === 'update' };
}

type AnySpec = QuerySpec | QuerySpecV2;

export { UnavailableError };
