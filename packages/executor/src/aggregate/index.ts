/**
 * Aggregation kernels of the seed job: tumbling windows, late filter, typed-array partial
 * aggregation, shuffle partitioning, and their Arrow IPC encoding (the state of a partition is the
 * general group-by's GroupStateTable for every query).
 * group-by/ holds the general version (any scalar keys, several aggregates, formats
 * group-partials/v1 and group-changes/v1) beside them; the seed job's path is unchanged.
 */
export { windowStartMicros, windowEndMicros, isWindowClosed, formatMicrosIso } from './window';
export { murmur3HashInt, shufflePartition } from './hash-partition';
export { PartialSet, PartialSetColumns, ColumnBuffers, partialSumCents, emptyPartialSet } from './partial-set';
export { PartialAggregator, EventColumns, AddOptions, DrainOptions, DrainResult } from './partial-aggregator';
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
