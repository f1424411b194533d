/**
 * Kafka record values (JSON customer events) → typed columns → Arrow, with exact cents, epoch
 * microseconds and a stable reason for every record that cannot become a row.
 */
export { BAD_REASONS, type BadReason } from './bad-reason';
export { EventDecoder, type BadRecordSink, type EventDecoderOptions } from './event-decoder';
export { clearEventColumns, createEventColumns, ensureEventCapacity, type EventColumns } from './event-columns';
export { formatCents, parseDecimalCents } from './decimal';
export { formatTimestampMicros, parseTimestampMicros, parseTimeZoneOffsetSeconds } from './timestamp';
export { toArrow, type ToArrowOptions } from './to-arrow';
