export { TributarySession, SessionBuilder, DEFAULT_MASTER, SESSION_CONFIG_KEYS } from './session';
export type { SubmitterFactory } from './session';
export { DataStreamReader } from './reader';
export { DataFrame, GroupedData } from './dataframe';
export { DataStreamWriter } from './writer';
export type { Trigger } from './writer';
export { StreamingQuery } from './streaming-query';
export { Column } from './column';
export type { ColumnOrLiteral, ColumnOrName, LiteralValue } from './column';
export {
  col, column, lit, expr, when, coalesce, not, isnull, isnotnull, lower, upper, trim, substring, concat, length, abs, negative, round,
  toDate, to_date, dateTrunc, date_trunc, hour, dayofweek, dateFormat, date_format, getJsonObject, get_json_object,
  fromJson, from_json, window, sessionWindow, session_window, count, sum, avg, mean, min, max,
  approxCountDistinct, approx_count_distinct, countDistinct, count_distinct,
} from './functions';
export {
  DataType, StructType, StructField, BooleanType, IntegerType, LongType, DoubleType, StringType, BinaryType, DecimalType,
  TimestampType, DateType, ArrayType, parseTypeName,
} from './types';
export type {
  QuerySubmitter, QueryHandleInfo, QueryState, StreamingQueryStatus, QueryFailure, TerminationInfo,
} from './submitter';
export { StreamingQueryManager } from './query-listeners';
export type { StreamingQueryListener, QueryStartedEvent, QueryProgressEvent, QueryTerminatedEvent } from './query-listeners';
export type { QueryListenerEvent } from './submitter';
