/**
 * Kafka records → typed columns, with exact decimals, epoch microseconds and a stable reason for
 * every record that cannot become a row: the struct decoder (any scan schema → ColumnBatch) and
 * the event decoder (the seed schema → EventColumns → Arrow).
 */
export { BAD_REASONS, type BadReason } from './bad-reason';
export { createStructDecoder, type StructDecoder, type StructDecoderOptions } from './struct-decoder';
export { EventDecoder, type BadRecordSink, type EventDecoderOptions } from './event-decoder';
export { clearEventColumns, createEventColumns, ensureEventCapacity, type EventColumns } from './event-columns';
export { formatCents, parseDecimalCents } from './decimal';
export { formatTimestampMicros, parseTimestampMicros, parseTimeZoneOffsetSeconds } from './timestamp';
export { toArrow, type ToArrowOptions } from './to-arrow';
