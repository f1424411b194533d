import type { RecordChunk } from '../kafka/record-chunk';

/**
 * Why a Kafka record could not become an event row. The codes are stable: they are stored in the
 * quarantine table and shown in progress reports. Internally the decoder works with the numeric
 * index into BAD_REASONS (no strings on the hot path).
 */
export const BAD_REASONS = [
  'EMPTY_VALUE', //       value of 0 bytes
  'TOMBSTONE', //         null value (a Kafka tombstone)
  'VALUE_TOO_LARGE', //   value over maxValueBytes
  'NOT_UTF8', //          invalid UTF-8 where the JSON grammar allows non-ASCII bytes (strings)
  'MALFORMED_JSON', //    not one RFC 8259 JSON value with only whitespace around it
  'TOO_DEEP', //          arrays/objects nested deeper than maxDepth
  'NOT_AN_OBJECT', //     valid JSON, but not an object
  'MISSING_FIELD', //     a non-nullable field absent
  'NULL_FIELD', //        a required field (or array element) is JSON null
  'WRONG_TYPE', //        a field holds a JSON type (or string form) it may not
  'BAD_TIMESTAMP', //     timestamp string outside the accepted ISO-8601 forms or range
  'INT_RANGE', //         int/bigint field holds an integer outside its range
  'DECIMAL_PRECISION', // decimal(p,s) value with more than p-s integer digits
  'DECIMAL_SCALE', //     decimal(p,s) value with more than s decimal places (no silent rounding)
  'BAD_DATE', //          date string outside the accepted forms or range
] as const;

export type BadReason = (typeof BAD_REASONS)[number];

/**
 * Receives each record that cannot become a row: the chunk and record index (for topic, partition,
 * offset, key and value), a stable reason code, and a function building a readable message. The
 * message is built only when called; it does not read the chunk's buffer, so it may be called after
 * the sink returns. A sink that throws stops `decode` (rows before the record stay in the columns).
 */
export type BadRecordSink = (chunk: RecordChunk, index: number, reason: BadReason, detail: () => string) => void;

/** Numeric reason codes, index into BAD_REASONS. */
export const enum R {
  EMPTY_VALUE = 0,
  TOMBSTONE,
  VALUE_TOO_LARGE,
  NOT_UTF8,
  MALFORMED_JSON,
  TOO_DEEP,
  NOT_AN_OBJECT,
  MISSING_FIELD,
  NULL_FIELD,
  WRONG_TYPE,
  BAD_TIMESTAMP,
  INT_RANGE,
  DECIMAL_PRECISION,
  DECIMAL_SCALE,
  BAD_DATE,
}
