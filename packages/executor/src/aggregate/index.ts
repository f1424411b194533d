/**
 * Aggregation of resolved queries: group-by/ (any scalar keys, several aggregates, formats
 * group-partials/v1 and group-changes/v1) and window arithmetic.
 */
export { windowStartMicros, windowEndMicros, isWindowClosed, formatMicrosIso } from './window';
export { DecimalOverflowError, CorruptAggregateDataError, LongOverflowError } from './errors';
export * from './group-by';
