import { InvalidArgumentError } from '../errors';
import { LocalStorage, sweepStaleTempFiles, type TempFileSweeper } from './local-storage';
import { S3Storage } from './s3-storage';
import { isObjectStoreLocation, parseObjectStoreLocation, type ListedObject, type ObjectInfo, type Storage } from './storage';

/**
 * The one `Storage` a driver or executor process builds at start and passes down: it sends each
 * location to the implementation of its kind — local absolute paths to LocalStorage, `scheme://`
 * URLs to the implementation registered for that scheme. A scheme nobody registered is refused by
 * name ("s3:// storage is not configured"), never guessed at.
 */
export class StorageRouter implements Storage, TempFileSweeper {
  private readonly schemes: Map<string, Storage | (() => Storage)>;

  /**
   * `schemes`: the implementation of each URL scheme, or a function that builds it on first use
   * (so a process that never meets an `s3://` location never loads an object-store client).
   */
  constructor(
    private readonly local: Storage = new LocalStorage(),
    schemes: Readonly<Record<string, Storage | (() => Storage)>> = {},
  ) {
    this.schemes = new Map(Object.entries(schemes));
  }

  /** The implementation that holds `location`. */
  storageFor(location: string): Storage {
    if (!isObjectStoreLocation(location)) return this.local;
    const { scheme } = parseObjectStoreLocation(location);
    const entry = this.schemes.get(scheme);
    if (entry === undefined) {
      throw new InvalidArgumentError(`${scheme}:// storage is not configured (location '${location}')`);
    }
    if (typeof entry !== 'function') return entry;
    const storage = entry();
    this.schemes.set(scheme, storage);
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
 * The storage of a Tributary process: local paths, and `s3://` (or `s3a://`) locations on S3 or an
 * S3-compatible store, configured from the usual AWS environment (s3-storage.ts). One S3Storage
 * serves both schemes, built at the first object-store location.
 */
export function processStorage(): StorageRouter {
  let s3: S3Storage | undefined;
  const shared = (): Storage => (s3 ??= new S3Storage());
  return new StorageRouter(new LocalStorage(), { s3: shared, s3a: shared });
}
