import * as path from 'node:path';
import { isObjectStoreLocation } from './storage';

/** A location as the engine keeps it: object-store URLs as written, local paths made absolute. */
export function resolveLocation(location: string): string {
  return isObjectStoreLocation(location) ? location : path.resolve(location);
}
