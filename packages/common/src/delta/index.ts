/**
 * Delta Lake tables written and read by Tributary: the transaction log (actions, put-if-absent
 * commits, optimistic concurrency with named conflict checks, txn-based idempotence), snapshots
 * (JSON log and V1 checkpoints), data files with statistics, and the seed job's output schema.
 */
export type { Action, AddFile, RemoveFile, Txn, Metadata, Protocol, CommitInfo } from './actions';
export { removeFor, ENGINE_INFO } from './actions';
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
export { AGGREGATE_TABLE_SCHEMA, buildAggregateTable } from './aggregate-table';
export type { AggregateColumns } from './aggregate-table';
