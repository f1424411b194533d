export { startDriver, DriverOptions, RunningDriver } from './driver';
export { PROTOCOL_STEPS } from './query/fault-hook';
export { DeltaSink } from './commit/delta-sink';
export type { SinkTable } from './commit/delta-sink';
export { ProgressStore, HISTORY_LIMIT } from './progress/progress-store';
export type { QueryHistory } from './progress/progress-store';
export type { QueryEvent, QueryEventListener, CommitRecord, QueryIdentity } from './progress/query-events';
export { lagGroupId } from './progress/lag-mirror';
export { historyPath, HISTORY_FORMAT_VERSION } from './progress/history-file';
