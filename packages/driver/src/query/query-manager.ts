/**
 * Submitted queries of this driver: submit (validate, check the environment, open or create the
 * checkpoint, start the micro-batch loop), list, get, stop. Specs of active queries are kept in the
 * driver's state directory so that a restarted driver resumes them (waiting for Kafka and Redis
 * instead of refusing, since the user already chose to run them). Those files, the checkpoint and the
 * tables are all read and written through the driver's one Storage.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  asVersion2, BatchId, stateStorePartitions, canonicalJson, Checkpoint, DEFAULT_MAX_EVENT_TIME_AHEAD, defaultSideTablePath, ExecutorJob,
  InvalidArgumentError, parseDuration, parseSpecDocument, QUARANTINE_TABLE_SCHEMA, QuerySpec,
  TributaryError, UnavailableError, QuerySpecV2, type QueryProgress, publishedSinkDescription, Storage, joinLocation, resolveLocation, type RedisConnection, kafkaSecurityFromOptions, type KafkaSecurity, type Log, ResolvedQuery, resolveQuery, diffResolved, deltaSchemaOf, lateRowsTableSchema,
} from '@tributary/common';
import { ExecutorRegistry } from '../scheduler/executor-registry';
import { MicroBatchExecution, SourceOffsets, StateFence } from './micro-batch-execution';
import { QueryContext } from './query-context';
import { DeltaSink } from '../commit/delta-sink';
import { createMainSink } from '../commit/main-sink';
import { SideTableSink } from '../commit/side-table-sink';
import { asPreconditionError, PathPolicy } from './path-policy';
import { executorRefusals } from './executor-refusals';
import { earlierFormatRefusal } from './earlier-checkpoint';
import type { FaultHook } from './fault-hook';
import { ObserveOptions, QueryObserver } from '../progress/query-observer';
import { ProgressStore } from '../progress/progress-store';
import type { QueryView } from '../dashboard/snapshot';
import { Leadership, soleLeadership } from '../leadership/leadership';

export interface Environment {
  /** Checks Kafka is reachable and the topic exists; throws UnavailableError naming what and where. */
  checkKafka(bootstrapServers: string[], topic: string, security?: KafkaSecurity): Promise<void>;
  checkRedis(): Promise<void>;
  /** Commits offsets for a consumer group with the query's Kafka security (the lag mirror, progress/lag-mirror.ts); absent: no mirror. */
  mirrorGroupOffsets?(bootstrapServers: string[], security: KafkaSecurity | undefined, groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void>;
  redis: RedisConnection;
  source(bootstrapServers: string[], security?: KafkaSecurity): SourceOffsets;
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
  /** Leadership (standby driver): bumped when this driver stops leading, so resume retries of before end. */
  private generation = 0;

  /** `allowedRoots`: when not empty, every table, checkpoint and side table must lie inside one of them. */
  constructor(
    private readonly registry: ExecutorRegistry,
    private readonly env: Environment,
    private readonly storage: Storage,
    private readonly stateDir: string,
    private readonly log: Log,
    private readonly faultHook?: FaultHook,
    allowedRoots: readonly string[] = [],
    /** The driver lease (leadership/): checked before the query's protocol writes and the saved specs' writes. */
    private readonly leadership: Leadership = soleLeadership(''),
    readonly observe: ManagerObserveOptions = { store: new ProgressStore() },
  ) {
    this.paths = new PathPolicy(stateDir, allowedRoots);
  }

  /**
   * Resumes the queries that were active when this driver (or its predecessor) stopped. A file of
   * the state directory that is not a saved query (unreadable or damaged JSON) is logged and
   * skipped (a directory is no object to storage and is not listed); every other query is resumed.
   */
  async resumeSaved(): Promise<void> {
    const dir = joinLocation(this.stateDir, 'queries');
    let names: string[];
    try {
      names = (await this.storage.list(dir)).map((o) => o.name);
    } catch (err) {
      this.log(`WARN cannot list saved queries in ${dir}, none resumed: ${(err as Error).message}`);
      return;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = joinLocation(dir, name);
      let spec: AnySpec;
      try {
        const bytes = await this.storage.get(file);
        if (bytes === undefined) continue; // forgotten meanwhile
        spec = parseSpecDocument(Buffer.from(bytes).toString('utf8'), `saved query ${file}`) as AnySpec;
      } catch (err) {
        this.log(`WARN skipping ${file}: not a saved query (${(err as Error).message}); the other saved queries are resumed`);
        continue;
      }
      this.resumeWithRetry(spec, file);
    }
  }

  private resumeWithRetry(spec: AnySpec, file: string): void {
    let delay = 500;
    const generation = this.generation;
    const attempt = async () => {
      if (generation !== this.generation) return; // this driver stopped leading; the next leader resumes it
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
    const checkpointDir = resolveLocation(spec.sink.checkpointLocation);
    for (const q of this.queries.values()) {
      if (q.ctx.checkpointDir === checkpointDir && (q.execution.state === 'ACTIVE' || q.execution.state === 'STARTING')) {
        throw new TributaryError(`checkpoint location ${checkpointDir} is already used by running query ${q.ctx.queryId}`, { code: 'FAILED_PRECONDITION' });
      }
    }
    const servers = spec.source.bootstrapServers.split(',').map((s) => s.trim()).filter(Boolean);
    // The files the security options name are read here, at every start: the checkpoint and the saved
    // spec hold only the options (file names), never what is in the files.
    const security = kafkaSecurityOf(spec.source.kafkaOptions);
    await this.env.checkKafka(servers, spec.source.topic, security);
    await this.env.checkRedis();

    const checkpoint = await Checkpoint.open(this.storage, checkpointDir, { leaseToken: this.leadership.token() }).catch((err) => { throw asPreconditionError(err); });
    let closeFence: (() => Promise<void>) | undefined;
    let closeSink: (() => Promise<void>) | undefined;
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
      // A CDC query of several source tables: the tables of routes 1, 2, … (cdc-spec.ts), each its own
      // Delta table (the path policy above refused overlapping locations).
      const routePaths = (query.cdc?.routes ?? []).map((r) => resolveLocation(r.path));
      const metadata = existing ?? (await checkpoint.initMetadata({
        shufflePartitions: query.options.shufflePartitions,
        // Restarts compare the resolved query recorded beside it (diffResolved); the fingerprint is kept for readers of the file.
        statefulFingerprint: canonicalJson({ aggregate: query.aggregate, ...(query.dedup === undefined ? {} : { dedup: query.dedup }), ...(query.cdc === undefined ? {} : { cdc: query.cdc }) }),
        resolvedQuery: query,
        sinkPaths: [...sidePaths, ...routePaths, resolveLocation(spec.sink.path)],
        sourceTopic: spec.source.topic,
      }));
      const queryId = metadata.queryId;
      const ctx = this.context(spec, query, queryId, checkpointDir, metadata.shufflePartitions, security);
      // every state store partition: after dropDuplicates before an aggregation, the dedup state is in P more (batch-stages.ts)
      const fence = await this.env.stateFence(queryId, checkpointDir, stateStorePartitions(query, metadata.shufflePartitions));
      closeFence = () => fence.close();
      const sink = await createMainSink(this.storage, ctx.job.tablePath, spec, query, queryId);
      closeSink = () => sink.close?.() ?? Promise.resolve();
      await sink.ensureTable();
      const routeSinks = (query.cdc?.routes ?? []).map((r, i) => new DeltaSink(this.storage, routePaths[i], {
        schema: deltaSchemaOf(r.output), partitionColumns: [], complete: false, update: true,
      }, queryId));
      for (const r of routeSinks) await r.ensureTable();
      const lastCommitted = (await checkpoint.commits.getLatest())?.batchId ?? -1;
      const sideSinks: SideTableSink[] = [];
      if (ctx.job.quarantineTablePath) sideSinks.push(new SideTableSink(this.storage, 'quarantine', ctx.job.quarantineTablePath, QUARANTINE_TABLE_SCHEMA, queryId));
      if (ctx.job.lateRowsTablePath) {
        // The late-rows table's schema follows the aggregation's input row (task/late-rows-table.ts).
        const lateSchema = deltaSchemaOf(lateRowsTableSchema(query));
        sideSinks.push(new SideTableSink(this.storage, 'lateRows', ctx.job.lateRowsTablePath, lateSchema, queryId));
      }
      for (const side of sideSinks) await side.ensureTable(lastCommitted);
      const mirror = this.env.mirrorGroupOffsets;
      const observeOpts: ObserveOptions = {
        store: this.observe.store,
        commitGroupOffsets: mirror && this.observe.mirrorLagToKafka !== false ? (g, t, o) => mirror.call(this.env, servers, security, g, t, o) : undefined,
      };
      const observer = await QueryObserver.open({ queryId, runId: ctx.runId, name: ctx.name }, this.storage, checkpointDir, observeOpts, this.log);
      const execution = new MicroBatchExecution(ctx, {
        registry: this.registry,
        checkpoint,
        source: this.env.source(servers, security),
        state: fence,
        sink,
        sideSinks,
        routeSinks,
        faultHook: this.faultHook && ((step, batchId) => this.faultHook!(step, batchId, queryId)),
        log: this.log,
        observe: observer,
        assertLeader: (what) => this.leadership.assertLeader(`query ${queryId}: ${what}`),
        leaseToken: () => this.leadership.token(),
      });
      // A restarted driver shows the batches of earlier runs at once (progress/history-file.ts).
      execution.progress.push(...observer.history.progress);
      const running: Running = {
        ctx, execution, checkpoint, observer,
        close: async () => { await observer.flush(); await fence.close(); await closeSink?.().catch(() => {}); await checkpoint.close(); },
      };
      await this.leadership.assertLeader(`saving query ${queryId}`);
      await this.save(queryId, submitted);
      this.queries.set(queryId, running);
      observer.started();
      execution.start();
      void execution.awaitTermination().then(async () => {
        observer.terminated(execution.state, execution.error ?? null);
        if (!this.shuttingDown) await this.forget(queryId, execution.state);
        await running.close();
      });
      this.log(`query ${queryId} (${ctx.name}) started on ${checkpointDir}${resuming ? ' (resumed)' : ''}${observer.lagGroupId ? `; committed offsets mirrored to Kafka consumer group ${observer.lagGroupId}` : ''}`, { queryId });
      return this.info(running);
    } catch (err) {
      await closeFence?.().catch(() => {});
      await closeSink?.().catch(() => {});
      await checkpoint.close().catch(() => {});
      throw asPreconditionError(err);
    }
  }

  list(): QueryInfoMsg[] {
    return [...this.queries.values()].map((q) => this.info(q));
  }

  /**
   * Each query with its recent progress and tables, for the dashboard (dashboard/snapshot.ts). The
   * progress store's reports when it holds more (it starts from the checkpoint's history file, so
   * the charts survive a driver restart), else this run's.
   */
  views(): QueryView[] {
    return [...this.queries.values()].map((q) => ({
      info: this.info(q), progress: this.progressOf(q.ctx.queryId, q.execution.progress), tablePath: q.ctx.job.tablePath, quarantineTablePath: q.ctx.job.quarantineTablePath,
      publishedTo: publishedSinkDescription(q.ctx.spec.sink),
    }));
  }

  private progressOf(queryId: string, run: readonly QueryProgress[]): readonly QueryProgress[] {
    const kept = this.observe.store.recentProgress(queryId);
    return kept.length > run.length ? kept : run;
  }

  get(queryId: string, recent: number): { info: QueryInfoMsg; progress: unknown[] } {
    const q = this.find(queryId);
    return { info: this.info(q), progress: q.execution.progress.slice(-recent) };
  }

  async stop(queryId: string): Promise<QueryInfoMsg> {
    const q = this.find(queryId);
    await q.execution.stop();
    await this.forget(queryId, 'STOPPED');
    return this.info(q);
  }

  async close(): Promise<void> {
    // Driver shutdown: stop loops but keep the saved specs, so the next driver resumes them.
    this.shuttingDown = true;
    await Promise.all([...this.queries.values()].map((q) => q.execution.stop().catch(() => {})));
    await Promise.all([...this.queries.values()].map((q) => q.observer.flush()));
  }

  /**
   * This driver stopped leading (deposed): stops every loop without committing anything more and
   * keeps the saved specs, which the new leader resumes. Resolves once every loop has ended.
   */
  async standDown(): Promise<void> {
    this.generation++;
    const running = [...this.queries.values()];
    this.queries.clear();
    await Promise.all(running.map((q) => q.execution.stop().catch(() => {})));
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

  private context(spec: QuerySpecV2, query: ResolvedQuery, queryId: string, checkpointDir: string, shufflePartitions: number, security?: KafkaSecurity): QueryContext {
    const job: ExecutorJob = {
      queryId,
      shufflePartitions,
      checkpointLocation: checkpointDir,
      tablePath: resolveLocation(query.sink.path),
      redis: this.env.redis,
      quarantineTablePath: this.quarantinePath(spec),
      lateRowsTablePath: query.aggregate === null ? null : this.lateRowsPath(spec),
      snapshotEvery: 10,
      isolationLevel: query.source.isolationLevel,
      ...(security === undefined ? {} : { kafka: security }),
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
    return resolveLocation(spec.options.quarantinePath ?? defaultSideTablePath(spec.sink.path, 'quarantine'));
  }

  /** The late-rows table's absolute path, or null unless lateRows is 'table' (append and update mode: complete mode has no late rows). */
  private lateRowsPath(spec: AnySpec): string | null {
    if (spec.options.lateRows !== 'table' || spec.sink.outputMode === 'complete') return null;
    return resolveLocation(spec.options.lateRowsPath ?? defaultSideTablePath(spec.sink.path, 'lateRows'));
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

  /** Saves the spec as <state dir>/queries/<query id>.json (`put`: replaced whole); FAILED_PRECONDITION naming the directory when it cannot. */
  private async save(queryId: string, spec: AnySpec): Promise<void> {
    try {
      await this.storage.put(joinLocation(this.stateDir, 'queries', `${queryId}.json`), JSON.stringify(spec));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new TributaryError(`the driver cannot save the query in its state directory ${this.stateDir}${code ? ` (${code})` : ''}: ${(err as Error).message}; the query was not started`, { code: 'FAILED_PRECONDITION', cause: err });
    }
  }

  private async forget(queryId: string, state: string): Promise<void> {
    // A loop that ended because this driver was deposed is the new leader's to resume: its spec stays.
    if (!this.leadership.isLeader()) return;
    if (state === 'STOPPED' || state === 'FINISHED' || state === 'FAILED') {
      await this.storage.delete(joinLocation(this.stateDir, 'queries', `${queryId}.json`)).catch((err: unknown) => {
        this.log(`WARN cannot remove the saved query ${queryId} from ${this.stateDir}: ${(err as Error).message}`);
      });
    }
  }
}

/** The table a resolved query writes. */

type AnySpec = QuerySpec | QuerySpecV2;

export { UnavailableError };

/** The Kafka security of the source options, files read; undefined for plain text. */
function kafkaSecurityOf(options: Record<string, string> | undefined): KafkaSecurity | undefined {
  const security = kafkaSecurityFromOptions(options);
  return security.tls === undefined && security.sasl === undefined ? undefined : security;
}
