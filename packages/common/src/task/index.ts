export { ExecutorJob, MapTaskStats, ReduceTaskStats, emptyMapStats } from './contract';
export {
  QUARANTINE_TABLE_SCHEMA, EVENT_TIME_TOO_FAR_AHEAD, NULL_EVENT_TIME, SideTableName, defaultSideTablePath,
  DEFAULT_MAX_EVENT_TIME_AHEAD,
} from './side-tables';
export { lateRowsTableSchema, LATE_ROWS_METADATA } from './late-rows-table';
export { aggregateShuffleId, dedupStatePartition, stateStorePartitions } from './batch-stages';
