import type { StateVersion } from '../batch/batch-id';
import { DataLossError, InvalidArgumentError } from '../errors';
import { BlobKind } from './layout';

/** The attempt whose state counts for a version (the commit log knows it); undefined if none was committed. */
export type CommittedAttempt = (version: StateVersion) => number | undefined;

export interface VersionedBytes {
  version: StateVersion;
  bytes: Uint8Array;
}

/**
 * What loading state version N of a partition needs: the newest snapshot at or below N (absent when
 * the chain starts from the empty version 0) and then every change set after it up to N, oldest first.
 */
export interface StateChain {
  snapshot?: VersionedBytes;
  changes: VersionedBytes[];
}

/** Fetches one blob of the committed attempt, or undefined when it is stored nowhere. */
export type BlobFetch = (version: StateVersion, attempt: number, kind: BlobKind) => Promise<Uint8Array | undefined>;

/**
 * Walks down from `version`: a snapshot of the committed attempt ends the walk, otherwise that
 * version's change set is needed and the walk goes on; reaching version 0 means the chain starts
 * from the empty state.
 */
export async function assembleChain(
  partition: number,
  version: StateVersion,
  committedAttempt: CommittedAttempt,
  fetch: BlobFetch,
): Promise<StateChain> {
  const changes: VersionedBytes[] = [];
  let snapshot: VersionedBytes | undefined;
  for (let n = version; n >= 1; n--) {
    const v = n as StateVersion;
    const attempt = committedAttempt(v);
    if (attempt === undefined) {
      throw new InvalidArgumentError(
        `cannot load state of partition ${partition} at version ${version}: version ${v} has no committed attempt`,
      );
    }
    const snapshotBytes = await fetch(v, attempt, 'snapshot');
    if (snapshotBytes !== undefined) {
      snapshot = { version: v, bytes: snapshotBytes };
      break;
    }
    const delta = await fetch(v, attempt, 'delta');
    if (delta === undefined) {
      throw new DataLossError(
        `state of partition ${partition} version ${v} (attempt ${attempt}) is missing from Redis and from the checkpoint; ` +
          `it is needed to load version ${version}`,
      );
    }
    changes.push({ version: v, bytes: delta });
  }
  changes.reverse();
  return snapshot === undefined ? { changes } : { snapshot, changes };
}
