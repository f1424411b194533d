export type { Storage, ObjectInfo, ListedObject } from './storage';
export { joinLocation, isObjectStoreLocation, parseObjectStoreLocation } from './storage';
