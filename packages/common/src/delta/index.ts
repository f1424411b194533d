/**
 * Delta Lake tables written and read by Tributary: the transaction log (actions, put-if-absent
 * commits, optimistic concurrency with named conflict checks, txn-based idempotence), snapshots
 * (JSON log and V1 checkpoints), data files with statistics, and the seed job's output schema.
 */
export type { Action, AddFile, RemoveFile, Txn, Metadata, Protocol, CommitInfo } from './actions';
export { removeFor, ENGINE_INFO, parseActions } from './actions';
export { LogStore } from './log-store';
export type { DataType, StructType, StructField, PrimitiveName } from './schema';
export { struct, field, primitive, decimal, toSchemaString, parseSchemaString, typeName } from './schema';
export { toArrowSchema } from './arrow-schema';
export { createTable } from './create-table';
export type { CreateTableOptions } from './create-table';
export { commit, kafkaOffsetTxns, ConcurrentModificationError } from './transaction';
export type { CommitOptions, CommitResult } from './transaction';
export type { ConflictCode } from './conflict-checker';
export { readSnapshot, snapshotSchema, TableNotFoundError } from './snapshot';
export type { Snapshot } from './snapshot';
export { UnsupportedTableError } from './protocol-support';
export { readTableRows } from './table-reader';
export { writeDataFile } from './data-file';
export type { DataFileOptions } from './data-file';
export { computeStats } from './stats';
export { readSnapshotRows, readDataFile, parsePartitionValue } from './table-reader';
export { updateSnapshot, commitTimestamps } from './snapshot';
export { DamagedCommitError } from './version-checksum';
export type { SnapshotOptions, CommitTimestamp } from './snapshot';
export { writeCheckpoint } from './checkpoint-writer';
export type { CheckpointResult } from './checkpoint-writer';
export { optimize, vacuum, cleanupLog } from './maintenance';
export type { OptimizeOptions, OptimizeResult, VacuumOptions, VacuumResult, LogCleanupResult } from './maintenance';
export { checkpointInterval, deletedFileRetentionMs, logRetentionMs, parseDeltaInterval } from './table-properties';
export { canonicalRows, formatUnscaled } from './row-format';
export type { CanonicalValue } from './row-format';
export { deltaSchemaOf, deltaTypeOf, sqlFieldsOf, sqlTypeOf } from './sql-schema';
export { columnBatchToArrow, arrowSchemaOf } from './column-batch-arrow';
export { partitionRows, partitionValueText } from './partition-batch';
export type { BatchPartition } from './partition-batch';
export { writeBatchFiles, DEFAULT_MAX_ROWS_PER_FILE } from './write-batch-files';
export type { BatchFilesOptions } from './write-batch-files';
export { canonicalFilePath } from './paths';
