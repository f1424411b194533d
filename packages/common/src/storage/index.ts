export type { Storage, ObjectInfo, ListedObject } from './storage';
export { joinLocation, isObjectStoreLocation, parseObjectStoreLocation } from './storage';
export { LocalStorage } from './local-storage';
export { StorageRouter, processStorage } from './storage-router';
