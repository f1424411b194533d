/**
 * Kafka records → typed columns, with exact decimals, epoch microseconds and a stable reason for
 * every record that cannot become a row: the struct decoder (any scan schema → ColumnBatch).
 * EventColumns remain only for the late-rows files of the former seed path, until those are generic.
 */
export { BAD_REASONS, type BadReason, type BadRecordSink } from './bad-reason';
export { createStructDecoder, type StructDecoder, type StructDecoderOptions } from './struct-decoder';
export { clearEventColumns, createEventColumns, ensureEventCapacity, type EventColumns } from './event-columns';
export { formatTimestampMicros, parseTimestampMicros, parseTimeZoneOffsetSeconds } from './timestamp';
