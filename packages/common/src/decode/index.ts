/**
 * Kafka records → typed columns, with exact decimals, epoch microseconds and a stable reason for
 * every record that cannot become a row: the struct decoder (any scan schema → ColumnBatch).
 */
export { BAD_REASONS, type BadReason, type BadRecordSink } from './bad-reason';
export { createStructDecoder, type StructDecoder, type StructDecoderOptions } from './struct-decoder';
export { formatTimestampMicros, parseTimestampMicros, parseTimeZoneOffsetSeconds } from './timestamp';
