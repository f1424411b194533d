export { expectedWindows, computeExpected, amountCents, timestampMicros } from './expected-windows';
export type { ExpectedRow, Expected, OracleOptions, OracleEvent } from './expected-windows';
export { diffRows, formatRow, formatMicros, formatCents } from './diff-rows';
export type { ActualRow, RowsDiff } from './diff-rows';
export { readTopicEvents } from './read-topic';
export type { TopicRecord } from './read-topic';
