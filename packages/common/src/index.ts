/**
 * @tributary/common: what driver, executor and client share. Each area keeps its own small API in
 * its folder's index.ts; this file only gathers them.
 */
export * from './errors';
export * from './batch';
export * from './retry';
export * from './rpc';
export * from './task';
export * from './plan';
export * from './schema';
export * from './columns';
export * from './expr';
export * from './resolve';
export * from './kafka';
export * from './decode';
export {
  Checkpoint, MetadataLog, LogEntry, DocumentParser, OffsetLog, BatchPlan, SourceRanges, CommitLog, BatchCommit, SinkCommit,
  readQueryMetadata, createQueryMetadata, QueryMetadata, NewQueryMetadata, LocationLock, LockHolder, CHECKPOINT_IN_USE,
  CHECKPOINT_CORRUPT, CHECKPOINT_FORMAT_UNSUPPORTED,
} from './checkpoint';
export * from './state';
export * from './parquet';
export {
  Action, AddFile, RemoveFile, Txn, Metadata, Protocol, CommitInfo, removeFor, ENGINE_INFO, parseActions, LogStore,
  DataType, StructType, StructField, PrimitiveName, struct, field, primitive, decimal, toSchemaString, parseSchemaString,
  typeName as deltaTypeName, toArrowSchema, createTable, CreateTableOptions, commit, kafkaOffsetTxns,
  ConcurrentModificationError, CommitOptions, CommitResult, ConflictCode, readSnapshot, snapshotSchema, TableNotFoundError,
  Snapshot, UnsupportedTableError, readTableRows, writeDataFile, DataFileOptions, computeStats,
  readSnapshotRows, readDataFile, updateSnapshot, DamagedCommitError, commitTimestamps, SnapshotOptions, CommitTimestamp, writeCheckpoint,
  CheckpointResult, optimize, vacuum, cleanupLog, OptimizeOptions, OptimizeResult, VacuumOptions, VacuumResult,
  LogCleanupResult, checkpointInterval, canonicalRows, formatUnscaled, CanonicalValue,
  deltaSchemaOf, deltaTypeOf, sqlFieldsOf, sqlTypeOf, columnBatchToArrow, arrowSchemaOf, partitionRows, partitionValueText,
  BatchPartition, writeBatchFiles, DEFAULT_MAX_ROWS_PER_FILE, BatchFilesOptions, canonicalFilePath,
} from './delta';
export * from './testing';
export * from './arrow';
export * from './storage';
export * from './observe';
export * from './lease';
export * from './cdc';
