export { TributarySession, SessionBuilder, DEFAULT_MASTER, SESSION_CONFIG_KEYS } from './session';
export type { SubmitterFactory } from './session';
export { DataStreamReader } from './reader';
export { DataFrame, GroupedData } from './dataframe';
export { DataStreamWriter } from './writer';
export type { Trigger } from './writer';
export { StreamingQuery } from './streaming-query';
export { Column } from './column';
export { col, window, count, sum, fromJson, to_date, date_format, hour } from './functions';
export {
  DataType, StructType, StructField, IntegerType, LongType, StringType, TimestampType, DoubleType, BooleanType, DecimalType,
} from './types';
export type {
  QuerySubmitter, QueryHandleInfo, QueryState, StreamingQueryStatus, QueryFailure, TerminationInfo,
} from './submitter';
