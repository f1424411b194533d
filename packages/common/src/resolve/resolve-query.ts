/**
 * QuerySpecV2 → ResolvedQuery, once, in the driver: Spark 3.5's analyzer for the operations the job
 * API builds (spark.sql.caseSensitive=false), then Spark's streaming checks (UnsupportedOperationChecker)
 * and the Delta sink's.
 *
 * How the operations become the pipeline of resolved-query.ts:
 *   - The plan runs in at most two stages. `pre` reads the scan; it ends at the aggregation, or, in an
 *     ingest job whose watermark column is dropped later, at withWatermark (so the event-time column
 *     is one of pre's outputs). `post` holds the rest.
 *   - Within a stage, column references are inlined (each column is known by its expression over the
 *     stage input), so a stage is its filters, in the order written, then one projection (left out
 *     when it only passes the input through). A filter on a computed column computes it again.
 *   - The scan: the Kafka columns some expression of `pre` reads, then the struct parsed by the one
 *     from_json over `value` (that from_json becomes a reference to it).
 *   - dropDuplicates (dedup.ts) ends `pre` where it stands; `post` reads pre's output as deduplicated,
 *     or, when an aggregation follows, `dedup.beforeAggregate` holds the operations between them
 *     (ending with the aggregation's input projection) and `post` follows the aggregation.
 *   - An aggregation's `pre` projection is exactly what it reads: the event-time column, the window's
 *     time column, the keys, the aggregate inputs (each once). Its output is [window] + keys +
 *     aggregates; when the user put the window after a key, `post` restores the user's order.
 * Every problem found is reported (QueryResolutionError lists them); resolution of the operations
 * stops at the first operation that has one, since later ones would read unknown columns.
 */
import { parseDuration } from '../plan/duration';
import { externalSinkProblems } from '../plan/external-sink';
import { isolationLevelOf } from '../plan/kafka-options';
import type { LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import type { AggregateSpec, DedupSpec, EventTime, KafkaColumn, ResolvedQuery, RExpr, ScanSpec, Step } from '../plan/resolved-query';
import { KAFKA_COLUMNS, stepsOutput } from '../plan/resolved-query';
import { traceUpdateKeys } from '../plan/update-keys';
import { APPEND_WITHOUT_WATERMARK, sharedSectionProblems } from '../plan/validate-spec';
import { sqlField, type SqlField } from '../schema/sql-type';
import { DEFAULT_MAX_EVENT_TIME_AHEAD, defaultSideTablePath } from '../task/side-tables';
import { resolveGrouping, WINDOW_STRUCT, exprKey, type ResolvedGrouping } from './aggregate';
import { DEFAULT_CATALOG, type Catalog } from './catalog';
import { KAFKA_SCHEMA } from './kafka-schema';
import { matchingFields } from './names';
import { outputProblems } from './output-checks';
import { QueryResolutionError, ResolveProblem } from './problem';
import type { ExprEnv, JsonHoist, Resolved, ScopeColumn } from './resolve-expr';
import { columnsRead, renumberStep } from './rexpr-columns';
import { applyOp, type Stage } from './operations';
import { DEDUP_AFTER_AGGREGATION, dedupProblems, resolveDedup } from './dedup';
import { isCdcSpec, resolveCdcQuery } from './cdc';

/** Spark's message for complete mode on a query without aggregation (UnsupportedOperationChecker). */
export const COMPLETE_WITHOUT_AGGREGATION =
  'Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets';

/**
 * Update mode into Delta merges rows by key (Spark's Delta sink refuses update mode; Tributary
 * merges each batch's changed rows by their window and grouping keys). Without an aggregation
 * every row is new: Spark would treat update like append there; Tributary asks for append.
 */
export const UPDATE_WITHOUT_AGGREGATION =
  'Update output mode into Delta merges result rows by their window and grouping keys, so it needs a streaming aggregation; without one every row is new: use append mode';

export const DEFAULT_SHUFFLE_PARTITIONS = 8;
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

export interface ResolveOptions {
  /** Typing of calls and casts; default the function catalog. */
  catalog?: Catalog;
  /**
   * Values for options the spec leaves unset. On a restart the driver passes the shuffle partitions
   * recorded in the checkpoint, so a spec without the option keeps them (as Spark keeps
   * spark.sql.shuffle.partitions from the checkpoint).
   */
  defaults?: { shufflePartitions?: number; maxValueBytes?: number };
}

/** The resolved query of a spec; throws QueryResolutionError listing every problem. */
export function resolveQuery(spec: QuerySpecV2, opts: ResolveOptions = {}): ResolvedQuery {
  const problems: string[] = [];
  const shape = shapeProblems(spec);
  if (shape.length > 0) throw new QueryResolutionError(shape);
  problems.push(...sharedSectionProblems(spec));
  const timeZone = spec.options.timeZone ?? 'UTC';
  if (timeZone !== 'UTC' && !(typeof timeZone === 'string' && /^[+-]([01]\d|2[0-3]):[0-5]\d$/.test(timeZone))) {
    problems.push(`time zone ${JSON.stringify(timeZone)} is not supported yet; use 'UTC' or a fixed offset such as '+02:00'`);
  }
  if (isCdcSpec(spec)) return resolveCdcQuery(spec, opts, problems, timeZone);
  const env: ExprEnv = { catalog: opts.catalog ?? DEFAULT_CATALOG, ctx: { timeZone }, json: null, jsonRefusal: '' };
  const planProblems: string[] = [];
  let plan = resolvePlan(spec.plan, env, false, planProblems);
  if (plan !== null && plan.watermarkDropped) {
    // An ingest job that drops its watermark column after withWatermark: pre ends at withWatermark instead.
    plan = resolvePlan(spec.plan, env, true, planProblems);
  }
  problems.push(...planProblems);
  if (plan !== null) {
    problems.push(...modeProblems(spec, plan));
    if (plan.dedup !== null) problems.push(...dedupProblems(spec.options.lateRows ?? 'drop'));
    problems.push(...outputProblems(plan.output, spec.sink.partitionBy));
    problems.push(...externalSinkProblems(spec.sink, plan.output));
  }
  if (problems.length > 0 || plan === null) throw new QueryResolutionError(problems.length > 0 ? problems : ['the query could not be resolved']);

  const o = spec.options;
  const lateRows = o.lateRows ?? 'drop';
  const mode = spec.sink.outputMode;
  const maxAhead = parseDuration(o.maxEventTimeAhead ?? DEFAULT_MAX_EVENT_TIME_AHEAD);
  return {
    format: 1,
    name: spec.name ?? null,
    source: resolvedSource(spec),
    scan: { ...plan.scan, json: plan.scan.json === null ? null : { ...plan.scan.json, timeZone }, maxValueBytes: o.maxValueBytes ?? opts.defaults?.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES },
    pre: plan.pre,
    eventTime: plan.eventTime === null ? null : { ...plan.eventTime, maxAheadMicros: maxAhead },
    aggregate: plan.aggregate,
    ...(plan.dedup === null ? {} : { dedup: plan.dedup }),
    post: plan.post,
    output: plan.output,
    sink: {
      ...(spec.sink.format === 'delta' ? {} : { format: spec.sink.format }),
      path: spec.sink.path,
      outputMode: mode,
      partitionBy: plan.partitionBy(spec.sink.partitionBy ?? []),
      checkpointLocation: spec.sink.checkpointLocation,
    },
    // Only an aggregation in append or update mode drops late rows (Spark: the state store's late filter); ingest jobs keep them all.
    options: resolvedOptions(spec, opts, timeZone, lateRows === 'table' && mode !== 'complete' && plan.aggregate !== null),
  };
}

/** The resolved Kafka source of a spec. */
export function resolvedSource(spec: QuerySpecV2): ResolvedQuery['source'] {
  return {
    topic: spec.source.topic,
    bootstrapServers: spec.source.bootstrapServers.split(',').map((s) => s.trim()),
    startingOffsets: spec.source.startingOffsets,
    maxOffsetsPerTrigger: spec.source.maxOffsetsPerTrigger ?? null,
    failOnDataLoss: spec.source.failOnDataLoss,
    isolationLevel: isolationLevelOf(spec.source),
  };
}

/** The resolved options of a spec; `writesLateRows`: whether the query has a late-rows table to write. */
export function resolvedOptions(spec: QuerySpecV2, opts: ResolveOptions, timeZone: string, writesLateRows: boolean): ResolvedQuery['options'] {
  const o = spec.options;
  const badRecords = o.badRecords ?? 'quarantine';
  return {
    shufflePartitions: o.shufflePartitions ?? opts.defaults?.shufflePartitions ?? DEFAULT_SHUFFLE_PARTITIONS,
    badRecords,
    quarantinePath: badRecords === 'quarantine' ? o.quarantinePath ?? defaultSideTablePath(spec.sink.path, 'quarantine') : null,
    lateRows: o.lateRows ?? 'drop',
    lateRowsPath: writesLateRows ? o.lateRowsPath ?? defaultSideTablePath(spec.sink.path, 'lateRows') : null,
    timeZone,
    triggerIntervalMicros: spec.trigger.kind === 'processingTime' ? parseDuration(spec.trigger.interval) : null,
    availableNow: spec.trigger.kind === 'availableNow',
  };
}

interface ResolvedPlan {
  scan: Omit<ScanSpec, 'maxValueBytes' | 'json'> & { json: { schema: SqlField[] } | null };
  pre: Step[];
  eventTime: Omit<EventTime, 'maxAheadMicros'> | null;
  aggregate: AggregateSpec | null;
  dedup: DedupSpec | null;
  post: Step[];
  output: SqlField[];
  /** The partition columns spelled as the output names them. */
  partitionBy(names: readonly string[]): string[];
  /** An ingest job resolved without a split whose watermark column is not in its output. */
  watermarkDropped: boolean;
}


const VALUE_COLUMN = KAFKA_COLUMNS.indexOf('value');
const PARSED_COLUMN = KAFKA_COLUMNS.length;

function inputScope(schema: readonly SqlField[], eventTime: (i: number) => boolean = () => false): ScopeColumn[] {
  return schema.map((f, i) => ({ name: f.name, expr: { kind: 'column', index: i, type: f.type, nullable: f.nullable }, eventTime: eventTime(i) }));
}

/**
 * The plan's stages. An ingest job's pre holds every operation unless `splitAtWatermark` (then pre
 * ends at withWatermark, so that the event-time column is one of pre's outputs).
 */
function resolvePlan(ops: readonly LogicalOp[], baseEnv: ExprEnv, splitAtWatermark: boolean, problems: string[]): ResolvedPlan | null {
  const json: JsonHoist = { valueColumn: VALUE_COLUMN, parsedColumn: PARSED_COLUMN, found: null };
  let env: ExprEnv = { ...baseEnv, json };
  let jsonName: string | null = null;
  const aggAt = ops.findIndex((op) => op.op === 'aggregate');
  const dedupAt = ops.findIndex((op) => op.op === 'dropDuplicates');
  const watermarkAt = ops.map((op) => op.op).lastIndexOf('withWatermark');
  const boundary = aggAt >= 0 ? aggAt : dedupAt >= 0 ? dedupAt : splitAtWatermark ? watermarkAt : -1;

  let stage: Stage = { filters: [], scope: inputScope(KAFKA_SCHEMA) };
  let pre: { filters: RExpr[]; columns: { expr: RExpr; name: string }[] } | null = null;
  let eventTime: ResolvedPlan['eventTime'] = null;
  let watermarkDelay: number | null = null;
  let aggregate: AggregateSpec | null = null;
  let dedup: DedupSpec | null = null;
  let postInput: SqlField[] | null = null;

  const noteJson = (r: Resolved): void => {
    if (jsonName === null && r.expr.kind === 'column' && r.expr.index === PARSED_COLUMN && env.json !== null) jsonName = r.name;
  };

  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const start = problems.length;
    try {
      if (op.op === 'aggregate') {
        if (i !== aggAt) throw new ResolveProblem('Multiple streaming aggregations are not supported with streaming DataFrames/Datasets');
        const grouping = resolveGrouping(op.keys, op.aggregates, stage.scope, env, problems);
        if (grouping === null) break;
        const built = buildAggregate(grouping, stage, watermarkDelay, problems);
        if (built === null) break;
        const before = dedup as DedupSpec | null; // set by an earlier iteration
        if (before === null) {
          pre = { filters: stage.filters, columns: built.inputs };
          eventTime = built.eventTime;
        } else {
          // After dropDuplicates: pre and the event time stay the dedup's; the steps between feed the
          // aggregation (a time window, a session window or a plain group-by).
          dedup = { ...before, beforeAggregate: stageSteps(stage.filters, built.inputs) };
        }
        aggregate = built.aggregate;
        postInput = built.aggregate.schema;
        stage = { filters: [], scope: built.postScope };
        env = { ...env, json: null, jsonRefusal: 'from_json is only supported over the Kafka value before the aggregation' };
        continue;
      }
      if (op.op === 'dropDuplicates') {
        if (i !== dedupAt) throw new ResolveProblem('only one dropDuplicates is supported in a query');
        if (aggAt >= 0 && i > aggAt) throw new ResolveProblem(DEDUP_AFTER_AGGREGATION);
        dedup = resolveDedup(op, stage.scope, watermarkDelay !== null);
        pre = { filters: stage.filters, columns: stage.scope.map((c) => ({ expr: c.expr, name: c.name })) };
        eventTime = { column: stage.scope.findIndex((c) => c.eventTime), delayMicros: watermarkDelay ?? 0 };
        postInput = stage.scope.map((c) => sqlField(c.name, c.expr.type, c.expr.nullable));
        const flags = stage.scope.map((c) => c.eventTime);
        stage = { filters: [], scope: inputScope(postInput, (k) => flags[k]) };
        env = { ...env, json: null, jsonRefusal: 'from_json after dropDuplicates is not supported; parse the value before it' };
        continue;
      }
      stage = applyOp(op, stage, env, problems, noteJson, (delay) => {
        if (watermarkDelay !== null) throw new ResolveProblem('only one withWatermark is supported in a query');
        if (aggAt >= 0 && i > aggAt) throw new ResolveProblem('withWatermark after the aggregation is not supported yet');
        watermarkDelay = delay;
      });
    } catch (e) {
      if (!(e instanceof ResolveProblem)) throw e;
      problems.push(e.message);
    }
    if (problems.length > start) return null;
    if (i === boundary && aggAt < 0) {
      // Ingest job with a watermark: pre ends here, so the event-time column is one of its outputs.
      pre = { filters: stage.filters, columns: stage.scope.map((c) => ({ expr: c.expr, name: c.name })) };
      const at = stage.scope.findIndex((c) => c.eventTime);
      eventTime = at < 0 ? null : { column: at, delayMicros: watermarkDelay ?? 0 };
      postInput = stage.scope.map((c) => sqlField(c.name, c.expr.type, c.expr.nullable));
      const flags = stage.scope.map((c) => c.eventTime);
      stage = { filters: [], scope: inputScope(postInput, (k) => flags[k]) };
      env = { ...env, json: null, jsonRefusal: 'from_json after withWatermark is not supported when the watermark column is dropped later; parse the value first' };
    }
  }
  if (problems.length > 0) return null;
  let watermarkDropped = false;
  if (pre === null) {
    pre = { filters: stage.filters, columns: stage.scope.map((c) => ({ expr: c.expr, name: c.name })) };
    const at = stage.scope.findIndex((c) => c.eventTime);
    if (at >= 0) eventTime = { column: at, delayMicros: watermarkDelay ?? 0 };
    watermarkDropped = watermarkDelay !== null && at < 0;
  }

  // The scan: the Kafka columns pre reads, then the parsed struct.
  const preSteps = stageSteps(pre.filters, pre.columns);
  const read = new Set<number>();
  for (const s of preSteps) {
    if (s.kind === 'filter') columnsRead(s.condition, read);
    else for (const e of s.exprs) columnsRead(e, read);
  }
  const kafkaColumns: KafkaColumn[] = KAFKA_COLUMNS.filter((_, k) => read.has(k));
  const scanSchema: SqlField[] = kafkaColumns.map((c) => KAFKA_SCHEMA[KAFKA_COLUMNS.indexOf(c)]);
  const found = json.found as JsonHoist['found'];
  const renumbered = new Map<number, number>(kafkaColumns.map((c, k) => [KAFKA_COLUMNS.indexOf(c), k]));
  if (found !== null) {
    renumbered.set(PARSED_COLUMN, scanSchema.length);
    scanSchema.push(sqlField(jsonName ?? found.prettyName, { kind: 'struct', fields: found.schema }, false));
  }
  const preFinal = dropIdentity(preSteps.map((s) => renumberStep(s, (k) => renumbered.get(k) as number)), scanSchema);
  const preOutput = [...stepsOutput(scanSchema, preFinal)];

  const post = postInput === null ? [] : dropIdentity(stageSteps(stage.filters, stage.scope.map((c) => ({ expr: c.expr, name: c.name }))), postInput);
  const output = postInput === null ? preOutput : [...stepsOutput(postInput, post)];
  return {
    scan: { kafkaColumns, json: found === null ? null : { schema: found.schema }, schema: scanSchema },
    pre: preFinal,
    eventTime,
    aggregate,
    dedup,
    post,
    output,
    watermarkDropped,
    partitionBy: (names) => names.map((n) => {
      const at = matchingFields(output, n);
      return at.length === 1 ? output[at[0]].name : n;
    }),
  };
}

/** The stage's filters, then its projection. */
function stageSteps(filters: readonly RExpr[], columns: readonly { expr: RExpr; name: string }[]): Step[] {
  return [
    ...filters.map((condition): Step => ({ kind: 'filter', condition })),
    { kind: 'project', exprs: columns.map((c) => c.expr), schema: columns.map((c) => sqlField(c.name, c.expr.type, c.expr.nullable)) },
  ];
}

/** Steps without a final projection that passes `input` through unchanged (same columns, same names). */
function dropIdentity(steps: Step[], input: readonly SqlField[]): Step[] {
  const last = steps[steps.length - 1];
  if (last === undefined || last.kind !== 'project' || last.exprs.length !== input.length) return steps;
  const identity = last.exprs.every((e, i) => e.kind === 'column' && e.index === i && last.schema[i].name === input[i].name);
  return identity ? steps.slice(0, -1) : steps;
}

/** Pre's projection for the aggregation, the AggregateSpec over it, and post's starting scope in the user's order. */
function buildAggregate(
  g: ResolvedGrouping, stage: Stage, watermarkDelay: number | null, problems: string[],
): { inputs: { expr: RExpr; name: string }[]; eventTime: ResolvedPlan['eventTime']; aggregate: AggregateSpec; postScope: ScopeColumn[] } | null {
  const inputs: { expr: RExpr; name: string }[] = [];
  const indexOf = new Map<string, number>();
  const input = (expr: RExpr, name: string): number => {
    const key = exprKey(expr);
    let at = indexOf.get(key);
    if (at === undefined) {
      at = inputs.length;
      inputs.push({ expr, name });
      indexOf.set(key, at);
    }
    return at;
  };
  const flagged = stage.scope.find((c) => c.eventTime);
  const eventColumn = flagged === undefined ? null : input(flagged.expr, flagged.name);
  if (g.window !== null && flagged !== undefined && exprKey(g.window.time.expr) !== exprKey(flagged.expr)) {
    problems.push(`the watermark is on column '${flagged.name}' but the window is on '${g.window.time.sql}'; the watermark must be on the window's time column`);
    return null;
  }
  if (g.session !== null && flagged !== undefined && exprKey(g.session.time.expr) !== exprKey(flagged.expr)) {
    problems.push(`the watermark is on column '${flagged.name}' but the session window is on '${g.session.time.sql}'; the watermark must be on the session window's time column`);
    return null;
  }
  if (g.session !== null && g.keys.length === 0) {
    // Spark's AggUtils.planStreamingAggregationForSession: sessions are kept and merged per key.
    problems.push('Global aggregation with session window in streaming query is not supported. Group by at least one column besides session_window.');
    return null;
  }
  const window = g.window === null ? null : {
    column: input(g.window.time.expr, g.window.time.name),
    sizeMicros: g.window.sizeMicros, slideMicros: g.window.slideMicros, startMicros: g.window.startMicros,
  };
  const session = g.session === null ? null : { column: input(g.session.time.expr, g.session.time.name), gapMicros: g.session.gapMicros };
  const keys = g.keys.map((k) => ({ column: input(k.expr, k.name), field: sqlField(k.name, k.expr.type, k.expr.nullable) }));
  const aggregates = g.aggregates.map((a) => ({
    fn: a.fn, column: a.input === null ? null : input(a.input.expr, a.input.name), field: a.field,
    ...(a.relativeSD === undefined ? {} : { relativeSD: a.relativeSD }),
  }));
  const windowName = g.window?.name ?? g.session?.name ?? null;
  const windowField = windowName === null ? [] : [sqlField(windowName, WINDOW_STRUCT, false)];
  const schema = [...windowField, ...keys.map((k) => k.field), ...aggregates.map((a) => a.field)];
  // The user's order: grouping expressions as written (the window where it was), then the aggregates.
  const order: number[] = keys.map((_, k) => windowField.length + k);
  if (windowName !== null) order.splice(g.windowPosition, 0, 0);
  aggregates.forEach((_, k) => order.push(windowField.length + keys.length + k));
  const scope = inputScope(schema);
  const postScope = order.map((k) => scope[k]);
  return {
    inputs,
    eventTime: eventColumn === null ? null : { column: eventColumn, delayMicros: watermarkDelay ?? 0 },
    aggregate: session === null ? { window, keys, aggregates, schema } : { window, session, keys, aggregates, schema },
    postScope,
  };
}

/** Spark's output-mode checks (UnsupportedOperationChecker) as the plan leaves them. */
function modeProblems(spec: QuerySpecV2, plan: ResolvedPlan): string[] {
  const mode = spec.sink.outputMode;
  if (mode === 'complete' && plan.aggregate === null) return [COMPLETE_WITHOUT_AGGREGATION];
  if (mode === 'update' && (plan.aggregate?.session ?? null) !== null) {
    // Spark refuses it too (SPARK-36463): a session's range changes, so its row cannot be upserted by key.
    return ['Update output mode is not supported for a streaming aggregation with session window: a session\'s start and end change as it merges, so its row has no stable key; use append or complete mode'];
  }
  if (mode === 'update') return updateModeProblems(spec, plan);
  if (mode === 'append' && plan.aggregate !== null) {
    if (plan.eventTime === null) return [APPEND_WITHOUT_WATERMARK];
    if (plan.aggregate.window === null && (plan.aggregate.session ?? null) === null) {
      // Spark gives the same words when the watermarked column is not among the grouping expressions.
      return [`${APPEND_WITHOUT_WATERMARK}: group by window(<watermark column>, <duration>) or use complete mode for a group-by without window`];
    }
  }
  return [];
}

/** Update mode's own checks: an aggregation whose keys reach the table unchanged, no partitionBy. */
function updateModeProblems(spec: QuerySpecV2, plan: ResolvedPlan): string[] {
  if (plan.aggregate === null) return [UPDATE_WITHOUT_AGGREGATION];
  const problems: string[] = [];
  const traced = traceUpdateKeys(plan.aggregate, plan.post);
  if ('missing' in traced) {
    problems.push(`update mode merges rows into the table by their window and grouping keys, so each must be an output column as it is (renaming is fine); not in the output as they are: ${traced.missing.join(', ')}`);
  }
  if ((spec.sink.partitionBy ?? []).length > 0) {
    problems.push('partitionBy is not supported in update mode: its files are laid out by shuffle partition and window range (docs/update-mode.md)');
  }
  return problems;
}

/** Parts of the spec the resolver reads without checking their type elsewhere. */
function shapeProblems(spec: QuerySpecV2): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(spec)) return ['the query spec is not an object'];
  const problems: string[] = [];
  if (spec.version !== 2) problems.push(`unknown query spec version ${JSON.stringify(spec.version)}; the resolver reads version 2 (upgradeSpec turns version 1 into it)`);
  for (const part of ['source', 'sink', 'trigger', 'options'] as const) {
    if (!isObject(spec[part])) problems.push(`the query has no ${part} object`);
  }
  if (!Array.isArray(spec.plan)) problems.push('the query has no plan: a list of operations');
  else spec.plan.forEach((op, i) => { if (!isObject(op) || typeof op.op !== 'string') problems.push(`plan[${i}] must be an operation { op: … }, got ${JSON.stringify(op)}`); });
  if (problems.length > 0) return problems;
  if (typeof spec.source.topic !== 'string' || typeof spec.source.bootstrapServers !== 'string') return sharedSectionProblems(spec);
  if (typeof spec.sink.path !== 'string' || typeof spec.sink.checkpointLocation !== 'string') return sharedSectionProblems(spec);
  return [];
}
