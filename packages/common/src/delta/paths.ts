/**
 * Data file paths in `add`/`remove` actions are RFC 2396 URIs: relative to the table root, or
 * absolute (`/abs/path` or `file:/abs/path`). Two actions name the same file when their decoded,
 * resolved paths are equal (`canonicalFilePath`).
 *
 * Partition directories follow Hive: `col=value/`, with characters that are special in paths
 * escaped as `%XX` in the directory name; the action's `path` then percent-encodes that name again
 * (`%` → `%25`), as Spark does.
 */
import * as path from 'node:path';
import { isObjectStoreLocation, joinLocation } from '../storage/storage';

/**
 * The location a log path names (an absolute local path, or a URL under an object-store table),
 * used as the key of live files and to read them.
 */
export function canonicalFilePath(tablePath: string, uriPath: string): string {
  let p = uriPath;
  if (isObjectStoreLocation(tablePath)) {
    if (isObjectStoreLocation(p)) return p;
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      decoded = p;
    }
    return joinLocation(tablePath, ...path.posix.normalize(decoded).split('/'));
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p)) {
    const url = new URL(p);
    p = url.pathname;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    decoded = p;
  }
  return path.resolve(tablePath, decoded);
}

/** Characters Hive escapes in partition directory names. */
const HIVE_ESCAPE = /[\u0000-\u001f"#%'*/:=?\\\u007f{}[\]^]/g;

export function escapePartitionValue(value: string): string {
  return value.replace(HIVE_ESCAPE, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** Hive's directory value for a null (or empty) partition value. */
export const NULL_PARTITION_DIR = '__HIVE_DEFAULT_PARTITION__';

/** `a=1/b=x%3Ay` (a file system relative directory) for ordered partition columns. */
export function partitionDirectory(partitionColumns: readonly string[], values: Record<string, string | null>): string {
  return partitionColumns
    .map((c) => {
      const v = values[c];
      return `${escapePartitionValue(c)}=${v === null || v === undefined || v === '' ? NULL_PARTITION_DIR : escapePartitionValue(v)}`;
    })
    .join('/');
}

/** Percent-encodes a relative file system path for the `path` field, keeping `/` and URI sub-delims. */
export function toUriPath(relativePath: string): string {
  return relativePath
    .split(path.sep)
    .map((segment) => encodeURIComponent(segment).replace(/%(24|26|2B|2C|3B|3D|40)/g, (m) => decodeURIComponent(m)))
    .join('/');
}
