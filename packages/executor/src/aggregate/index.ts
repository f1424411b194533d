/**
 * Aggregation of resolved queries: group-by/ (any scalar keys, several aggregates, formats
 * group-partials/v1 and group-changes/v1) and window arithmetic. The former seed path's window
 * state table and partial codec remain only for LiveState's v1 checkout/commit, which is being
 * removed; they go with it.
 */
export { windowStartMicros, windowEndMicros, isWindowClosed, formatMicrosIso } from './window';
export { PartialSet, PartialSetColumns, ColumnBuffers, partialSumCents, emptyPartialSet } from './partial-set';
export {
  ChangeSet,
  encodePartialSet,
  decodePartialSet,
  encodeChangeSet,
  decodeChangeSet,
  PARTIALS_FORMAT,
  CHANGES_FORMAT,
} from './partial-codec';
export { DECIMAL_20_2_LIMIT_CENTS } from './exact-sum';
export { DecimalOverflowError, CorruptAggregateDataError, LongOverflowError } from './errors';
export * from './group-by';
