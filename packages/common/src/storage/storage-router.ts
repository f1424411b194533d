import { InvalidArgumentError } from '../errors';
import { LocalStorage, sweepStaleTempFiles, type TempFileSweeper } from './local-storage';
import { isObjectStoreLocation, parseObjectStoreLocation, type ListedObject, type ObjectInfo, type Storage } from './storage';

/**
 * The one `Storage` a driver or executor process builds at start and passes down: it sends each
 * location to the implementation of its kind — local absolute paths to LocalStorage, `scheme://`
 * URLs to the implementation registered for that scheme. A scheme nobody registered is refused by
 * name ("s3:// storage is not configured"), never guessed at.
 */
export class StorageRouter implements Storage, TempFileSweeper {
  private readonly schemes: ReadonlyMap<string, Storage>;

  constructor(
    private readonly local: Storage = new LocalStorage(),
    schemes: Readonly<Record<string, Storage>> = {},
  ) {
    this.schemes = new Map(Object.entries(schemes));
  }

  /** The implementation that holds `location`. */
  storageFor(location: string): Storage {
    if (!isObjectStoreLocation(location)) return this.local;
    const { scheme } = parseObjectStoreLocation(location);
    const storage = this.schemes.get(scheme);
    if (storage === undefined) {
      throw new InvalidArgumentError(`${scheme}:// storage is not configured (location '${location}')`);
    }
    return storage;
  }

  async putIfAbsent(location: string, contents: string | Uint8Array): Promise<boolean> {
    return this.storageFor(location).putIfAbsent(location, contents);
  }

  async put(location: string, contents: string | Uint8Array): Promise<void> {
    return this.storageFor(location).put(location, contents);
  }

  async get(location: string): Promise<Uint8Array | undefined> {
    return this.storageFor(location).get(location);
  }

  async getRange(location: string, start: number, end: number): Promise<Uint8Array> {
    return this.storageFor(location).getRange(location, start, end);
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    return this.storageFor(location).head(location);
  }

  async list(dir: string, options?: { recursive?: boolean }): Promise<ListedObject[]> {
    return this.storageFor(dir).list(dir, options);
  }

  async delete(location: string): Promise<void> {
    return this.storageFor(location).delete(location);
  }

  async removeStaleTempFiles(dir: string, olderThanMs: number, nowMs = Date.now()): Promise<number> {
    return sweepStaleTempFiles(this.storageFor(dir), dir, olderThanMs, nowMs);
  }
}

/**
 * The storage of a Tributary process: local paths, plus the object stores this build can reach.
 * Object stores register here (e.g. `{ s3: new S3Storage(...) }`); none is registered yet.
 */
export function processStorage(): StorageRouter {
  return new StorageRouter(new LocalStorage(), {});
}
