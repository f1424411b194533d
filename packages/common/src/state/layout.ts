import type { StateVersion } from '../batch/batch-id';
import { InvalidArgumentError } from '../errors';
import { joinLocation } from '../storage/storage';

/**
 * Where state lives, on disk and in Redis. Names carry state versions (batch/batch-id.ts): version v
 * of a shuffle partition is its state after batch v−1; version 0 is the empty state before the first
 * batch. Every partition writes every version it passes through (an empty change set when nothing
 * changed), so a missing version is always an error.
 *
 * Durable copy, under the checkpoint location in its Storage (format version 1, named in `state/_metadata`):
 *   state/_metadata                                   JSON {"formatVersion":1,"queryId":"..."}
 *   state/<partition>/<version>.<attempt>.delta.arrow     change set of <version>, by attempt <attempt> of its batch
 *   state/<partition>/<version>.<attempt>.snapshot.arrow  whole state at <version>, by attempt <attempt>
 *   state/<partition>/.<file name>.<pid>.<random>.tmp     local storage only: a write in progress (temp + fsync + rename)
 * File contents are the caller's Arrow IPC bytes, unchanged. Only the attempt the commit log names
 * for a version counts; files of other attempts are ignored and purged with their version.
 *
 * Redis fast path (the `{queryId}` hash tag keeps one query's keys in one cluster slot, as the Lua
 * scripts need):
 *   trib:{<queryId>}:fence                       string "<version>:<attempt>": only that attempt may write
 *                                                 that state version (set by the driver before each attempt)
 *   trib:{<queryId>}:p<partition>:versions       sorted set of versions held, score = member = version
 *   trib:{<queryId>}:p<partition>:v<version>:delta     hash {attempt, bytes}
 *   trib:{<queryId>}:p<partition>:v<version>:snapshot  hash {attempt, bytes}
 * Redis holds one attempt per (partition, version, kind): the last one the fence let through.
 */
export const STATE_FORMAT_VERSION = 1;

export type BlobKind = 'delta' | 'snapshot';

export interface BlobName {
  version: StateVersion;
  attempt: number;
  kind: BlobKind;
}

const BLOB_FILE = /^(\d+)\.(\d+)\.(delta|snapshot)\.arrow$/;
const QUERY_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function stateDir(checkpointDir: string): string {
  return joinLocation(checkpointDir, 'state');
}

export function metadataPath(checkpointDir: string): string {
  return joinLocation(stateDir(checkpointDir), '_metadata');
}

export function partitionDir(checkpointDir: string, partition: number): string {
  return joinLocation(stateDir(checkpointDir), String(partition));
}

export function blobFileName(blob: BlobName): string {
  return `${blob.version}.${blob.attempt}.${blob.kind}.arrow`;
}

export function parseBlobFileName(name: string): BlobName | undefined {
  const m = BLOB_FILE.exec(name);
  if (m === null) return undefined;
  return { version: Number(m[1]) as StateVersion, attempt: Number(m[2]), kind: m[3] as BlobKind };
}

export function fenceValue(version: StateVersion, attempt: number): string {
  return `${version}:${attempt}`;
}

export class RedisKeys {
  readonly fence: string;
  private readonly prefix: string;

  constructor(queryId: string) {
    this.prefix = `trib:{${queryId}}`;
    this.fence = `${this.prefix}:fence`;
  }

  versions(partition: number): string {
    return `${this.prefix}:p${partition}:versions`;
  }

  blob(partition: number, version: StateVersion, kind: BlobKind): string {
    return `${this.prefix}:p${partition}:v${version}:${kind}`;
  }
}

export function checkQueryId(queryId: string): void {
  if (!QUERY_ID.test(queryId)) {
    throw new InvalidArgumentError(`queryId ${JSON.stringify(queryId)} must be 1-128 characters of [A-Za-z0-9._-]`);
  }
}

export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

export function checkKind(kind: string): asserts kind is BlobKind {
  if (kind !== 'delta' && kind !== 'snapshot') {
    throw new InvalidArgumentError(`state blob kind must be 'delta' or 'snapshot', got ${JSON.stringify(kind)}`);
  }
}
