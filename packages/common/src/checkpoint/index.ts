/** Checkpoint location: query metadata, offsets log (plans), commit log, location lock. */
export { Checkpoint } from './checkpoint';
export { MetadataLog, type LogEntry, type DocumentParser } from './metadata-log';
export { OffsetLog, type BatchPlan, type SourceRanges, type PartitionRange } from './offset-log';
export { CommitLog, type BatchCommit, type SinkCommit } from './commit-log';
export { readQueryMetadata, createQueryMetadata, type QueryMetadata, type NewQueryMetadata } from './query-metadata';
export { LocationLock, type LockHolder, CHECKPOINT_IN_USE } from './location-lock';
export { CHECKPOINT_CORRUPT, CHECKPOINT_FORMAT_UNSUPPORTED } from './versioned-json';
