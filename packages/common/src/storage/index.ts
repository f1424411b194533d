export type { Storage, ObjectInfo, ListedObject } from './storage';
export { joinLocation, isObjectStoreLocation, parseObjectStoreLocation } from './storage';
export { S3Storage, S3StorageOptions, S3_CONFLICT_RETRY, s3ClientConfig } from './s3-storage';
export { LocalStorage, sweepStaleTempFiles } from './local-storage';
export type { TempFileSweeper } from './local-storage';
export { StorageRouter, processStorage } from './storage-router';
export { resolveLocation } from './locations';
