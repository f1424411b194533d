import { parseDuration } from './duration';
import { SINK_FORMATS } from './external-sink';
import type { QuerySpec } from './query-spec';
import { startingOffsetsProblems } from './starting-offsets';
import { kafkaOptionsProblems } from './kafka-options';
import { pathRuleProblems, specPaths } from './table-paths';

/** Largest input precision of a summed decimal: one row's unscaled value always fits an int64. */
export const MAX_SUM_INPUT_PRECISION = 18;
export const MAX_SHUFFLE_PARTITIONS = 10_000;

/** Spark's own message, word for word. */
export const APPEND_WITHOUT_WATERMARK =
  'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark';

/**
 * Problems of the sections a version 1 and a version 2 spec share: the Kafka source, the sink's
 * format, locations and output mode (the modes no query may use), the trigger and the options
 * (side-table paths included). The checks that depend on the query's operations (append mode
 * without a watermark) are the caller's.
 */
export function sharedSectionProblems(spec: Pick<QuerySpec, 'source' | 'sink' | 'trigger' | 'options'>): string[] {
  const problems: string[] = [];
  const add = (p: string): void => {
    problems.push(p);
  };
  const duration = (text: unknown, where: string): number | undefined => {
    try {
      return parseDuration(text as string);
    } catch (e) {
      add(`${where}: ${(e as Error).message}`);
      return undefined;
    }
  };
  checkSource(spec, add);
  checkSink(spec, add);
  checkTrigger(spec, duration, add);
  checkOptions(spec, duration, add);
  return problems;
}

type Add = (problem: string) => void;
type Duration = (text: unknown, where: string) => number | undefined;

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function checkSource(spec: Pick<QuerySpec, 'source'>, add: Add): void {
  const src = spec.source;
  if (src === undefined || src === null) {
    add("the query has no source: use readStream.format('kafka')");
    return;
  }
  if (src.format !== 'kafka') add(`source format ${quote(src.format)} is not supported yet; use 'kafka'`);
  const servers = typeof src.bootstrapServers === 'string' ? src.bootstrapServers.trim() : '';
  if (servers === '') {
    add("no bootstrap servers: set option('kafka.bootstrap.servers', 'host:port') on readStream");
  } else {
    for (const server of servers.split(',')) {
      if (!/^[^\s:]+:\d{1,5}$/.test(server.trim())) add(`bootstrap server '${server.trim()}' is not host:port`);
    }
  }
  const topic = typeof src.topic === 'string' ? src.topic.trim() : '';
  if (topic === '') add("no topic: set option('subscribe', '<topic>') on readStream");
  else if (topic.includes(',')) add(`subscribing to several topics ('${topic}') is not supported yet; subscribe to one topic`);
  else { const bad = topicNameProblem(src.topic as string); if (bad) add(bad); }
  for (const p of startingOffsetsProblems(src.startingOffsets, topic)) add(p);
  const max = src.maxOffsetsPerTrigger;
  if (max !== undefined && !(typeof max === 'number' && Number.isSafeInteger(max) && max > 0)) {
    add(`maxOffsetsPerTrigger must be a positive integer, got ${JSON.stringify(max)}`);
  }
  if (typeof src.failOnDataLoss !== 'boolean') add(`failOnDataLoss must be true or false, got ${JSON.stringify(src.failOnDataLoss)}`);
  for (const p of kafkaOptionsProblems(src.kafkaOptions)) add(p);
}

/** Kafka's rule for topic names (Topic.validate): 1..249 characters of [a-zA-Z0-9._-], and not '.' or '..'. */
const MAX_TOPIC_NAME_LENGTH = 249;
function topicNameProblem(topic: string): string | undefined {
  const why = topic === '.' || topic === '..' ? "'.' and '..' are not allowed"
    : topic.length > MAX_TOPIC_NAME_LENGTH ? `it is ${topic.length} characters long, more than ${MAX_TOPIC_NAME_LENGTH}`
    : /^[a-zA-Z0-9._-]+$/.test(topic) ? undefined
    : "Kafka topic names use only ASCII letters, digits, '.', '_' and '-'";
  return why && `topic ${JSON.stringify(topic.length > 80 ? topic.slice(0, 80) + '…' : topic)} is not a legal Kafka topic name: ${why}`;
}

function checkSink(spec: Pick<QuerySpec, 'sink'>, add: Add): void {
  const sink = spec.sink;
  if (sink === undefined || sink === null) {
    add("the query has no sink: use writeStream.format('delta')");
    return;
  }
  if (!SINK_FORMATS.includes(sink.format)) add(`sink format ${quote(sink.format)} is not supported; use ${SINK_FORMATS.map((f) => `'${f}'`).join(', ')}`);
  if (typeof sink.path !== 'string' || sink.path.trim() === '') add("no output path: call start('<table path>')");
  if (typeof sink.checkpointLocation !== 'string' || sink.checkpointLocation.trim() === '') {
    add("no checkpoint location: set option('checkpointLocation', '<path>') on writeStream");
  }
  const mode = sink.outputMode;
  if (mode !== 'complete' && mode !== 'append' && mode !== 'update') {
    add(`unknown output mode ${quote(mode)}; use append, complete or update`);
  }
}

function checkTrigger(spec: Pick<QuerySpec, 'trigger'>, duration: Duration, add: Add): void {
  const trigger = spec.trigger;
  if (trigger === undefined || trigger === null) {
    add('the query has no trigger');
  } else if (trigger.kind === 'processingTime') {
    duration(trigger.interval, 'trigger interval');
  } else if (trigger.kind !== 'availableNow') {
    add(`trigger ${quote((trigger as { kind: unknown }).kind)} is not supported yet; use { processingTime: '<interval>' } or { availableNow: true }`);
  }
}

function checkOptions(spec: Pick<QuerySpec, 'sink' | 'options'>, duration: Duration, add: Add): void {
  const opts = spec.options;
  if (opts === undefined || opts === null) {
    add('the query has no options object');
    return;
  }
  const p = opts.shufflePartitions;
  if (p !== undefined && !(Number.isInteger(p) && p >= 1 && p <= MAX_SHUFFLE_PARTITIONS)) {
    add(`shufflePartitions must be an integer in 1..${MAX_SHUFFLE_PARTITIONS}, got ${JSON.stringify(p)}`);
  }
  if (opts.badRecords !== undefined && !['quarantine', 'fail', 'drop'].includes(opts.badRecords)) {
    add(`badRecords must be 'quarantine', 'fail' or 'drop', got ${JSON.stringify(opts.badRecords)}`);
  }
  if (opts.lateRows !== undefined && !['drop', 'table'].includes(opts.lateRows)) {
    add(`lateRows must be 'drop' or 'table', got ${JSON.stringify(opts.lateRows)}`);
  }
  const m = opts.maxValueBytes;
  if (m !== undefined && !(Number.isSafeInteger(m) && m > 0)) add(`maxValueBytes must be a positive integer, got ${JSON.stringify(m)}`);
  if (opts.maxEventTimeAhead !== undefined) {
    const ahead = duration(opts.maxEventTimeAhead, 'maxEventTimeAhead');
    if (ahead !== undefined && ahead <= 0) add(`maxEventTimeAhead must be positive, got '${opts.maxEventTimeAhead}'`);
  }
  let pathsTyped = true;
  for (const key of ['quarantinePath', 'lateRowsPath'] as const) {
    const p = opts[key];
    if (p === undefined) continue;
    if (typeof p !== 'string' || p.trim() === '') { add(`${key} must be a table path, got ${JSON.stringify(p)}`); pathsTyped = false; }
  }
  if (pathsTyped) for (const p of pathRuleProblems(specPaths(spec))) add(p);
}

