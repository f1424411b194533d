/**
 * Storage: the one interface for everything Tributary persists — the Delta log and data files, the
 * checkpoint (offset and commit logs, metadata, attempt claims) and durable state snapshots. Every
 * caller gets a `Storage` injected; nothing else in the engine touches `node:fs` or an object
 * store client for these.
 *
 * Locations are strings, either a local absolute path (`/data/tables/customers/_delta_log/…`) or an
 * object-store URL (`s3://bucket/prefix/…`). Build them with `joinLocation`, never with
 * `path.join` (which would fold `s3://` into `s3:/`).
 *
 * Contract, which every implementation meets and `storage-contract` tests:
 * - `putIfAbsent` is the only way to write a file that must be written once (Delta commits, offset
 *   and commit log entries, attempt claims, state change sets): of any number of racing writers,
 *   on any hosts, exactly one gets `true`; readers never see a partly written object.
 *   Local: temp file + fsync + hard link (EEXIST loses). S3: `PutObject` with `If-None-Match: *`
 *   (412 loses; 409, a concurrent conflicting write, is retried).
 * - `put` replaces atomically: a reader sees the old bytes or the new ones. Only for objects meant to
 *   be replaced (`_last_checkpoint`, checkpoints whose content their name determines, files no other
 *   writer shares).
 * - `list` is a directory listing (names directly under `dir`, or every name below it when
 *   `recursive`), for discovery and housekeeping only. Correctness never rests on a listing being
 *   complete or current: whoever must know whether a named object exists asks `head` or `get`, and
 *   whoever must win a name uses `putIfAbsent`.
 * - Directories are implicit: writing `a/b/c` needs no `mkdir` of `a/b` (the local implementation
 *   creates parents itself).
 * - `delete` of a missing object is not an error.
 *
 * Failures of the store itself (I/O errors, an unreachable endpoint) surface as thrown errors;
 * callers wrap them in the engine's error kinds where they know what was being written.
 */
import { TributaryError } from '../errors';
export interface Storage {
  /** Writes `contents` at `location` unless an object is there; false when one is (another writer won). */
  putIfAbsent(location: string, contents: string | Uint8Array): Promise<boolean>;
  /** Writes or atomically replaces the object at `location`. */
  put(location: string, contents: string | Uint8Array): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(location: string): Promise<Uint8Array | undefined>;
  /** Bytes `[start, end)` of the object (clamped to its size); throws `noObject(location)` when there is none. */
  getRange(location: string, start: number, end: number): Promise<Uint8Array>;
  /** Size and modification time, or undefined when there is no object. */
  head(location: string): Promise<ObjectInfo | undefined>;
  /**
   * Objects under the directory `dir`, as names relative to it ('/'-separated), in no set order.
   * Without `recursive`, only the objects directly in `dir`. Names starting with '.' (temp files of
   * the local implementation) are left out. An absent directory lists as empty.
   */
  list(dir: string, options?: { recursive?: boolean }): Promise<ListedObject[]>;
  /** Removes the object; a missing one is fine. */
  delete(location: string): Promise<void>;
}

/** What `getRange` throws for a missing object: NOT_FOUND, naming the location. */
export function noObject(location: string): TributaryError {
  return new TributaryError(`no object at ${location}`, { code: 'NOT_FOUND' });
}

export interface ObjectInfo {
  size: number;
  /** Last modification, milliseconds since the epoch. */
  modifiedMs: number;
}

export interface ListedObject extends ObjectInfo {
  /** Relative to the listed directory, '/'-separated. */
  name: string;
}

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)(\/.*)?$/;

/** True when `location` is an object-store URL (`s3://bucket/key`), false for a local path. */
export function isObjectStoreLocation(location: string): boolean {
  return URL_RE.test(location);
}

/** Joins `parts` to `base` with '/', for local paths and `scheme://bucket/prefix` URLs alike. */
export function joinLocation(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const part of parts) {
    const p = part.replace(/^\/+|\/+$/g, '');
    if (p !== '') out = `${out}/${p}`;
  }
  return out;
}

/** Splits `s3://bucket/a/b` into its scheme, bucket and key (`a/b`, no leading '/'). */
export function parseObjectStoreLocation(location: string): { scheme: string; bucket: string; key: string } {
  const m = URL_RE.exec(location);
  if (m === null) throw new Error(`not an object-store location: '${location}'`);
  return { scheme: m[1], bucket: m[2], key: (m[3] ?? '').replace(/^\/+/, '') };
}
