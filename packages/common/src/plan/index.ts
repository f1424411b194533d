export type {
  QuerySpec, KafkaSourceSpec, FieldType, FieldSpec, JsonParseSpec, WatermarkSpec, WindowSpec, AggregateFn,
  AggregationSpec, OutputMode, DeltaSinkSpec, TriggerSpec, QueryOptions,
} from './query-spec';
export type {
  QueryProgress, EventTimeProgress, StateOperatorProgress, SourceProgress, SinkProgress, KafkaOffsets,
} from './progress';
export { parseDuration, formatMicros } from './duration';
export { DEFAULT_MARKER_TOPIC, SINK_FORMATS, defaultStagePath, externalSinkProblems, publishedSinkDescription } from './external-sink';
export type { KafkaSinkSpec, SinkFormat, WebhookSinkSpec } from './external-sink';
export { canonicalJson } from './canonical-json';
export { hllPrecision, relativeSDProblem, DEFAULT_RELATIVE_SD, MAX_HLL_PRECISION } from './hll-precision';
export { sharedSectionProblems, APPEND_WITHOUT_WATERMARK, MAX_SUM_INPUT_PRECISION, MAX_SHUFFLE_PARTITIONS } from './validate-spec';
export {
  startingOffsetsFromOption, startingOffsetsProblems, EARLIEST_OFFSET, LATEST_OFFSET,
} from './starting-offsets';
export type { StartingOffsets } from './starting-offsets';
export type { DerivedColumnSpec, DerivedExpr } from './query-spec';
export { zoneOffsetMicros } from './time-zone';
export {
  kafkaOptionProblem, kafkaOptionsProblems, isolationLevelOf, ISOLATION_LEVELS, DEFAULT_ISOLATION_LEVEL, SUPPORTED_KAFKA_OPTIONS,
} from './kafka-options';
export type { IsolationLevel } from './kafka-options';
export { parseSpecDocument, specBoundsProblem, MAX_SPEC_DEPTH, MAX_SPEC_BYTES } from './spec-document';
export { specPaths, pathRuleProblems, isWithin, SYSTEM_DIRS } from './table-paths';
export type { NamedPath, PathRuleOptions } from './table-paths';
export type { ExprSpec, LogicalOp, QuerySpecV2 } from './logical-plan';
export type {
  RExpr, KafkaColumn, ResolvedSource, ScanSpec, Step, EventTime, AggregateFn as ResolvedAggregateFn, AggregateSpec, SessionWindowSpec, DedupSpec,
  ResolvedSink, ResolvedOptions, ResolvedQuery,
} from './resolved-query';
export { KAFKA_COLUMNS, stepsOutput, aggregateInput, dedupBeforeAggregate } from './resolved-query';
export { traceUpdateKeys, updateKeyColumns } from './update-keys';
export type { UpdateKeys } from './update-keys';
export { resolvedQueryToProto, resolvedQueryFromProto } from './resolved-query-proto';
export type { ResolvedQueryMessage } from './resolved-query-proto';
