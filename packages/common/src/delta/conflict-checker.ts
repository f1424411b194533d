/**
 * What to do when another writer committed the version we tried: a pure decision over our intent
 * and the winning commits (those after our read version), as a flat list of named checks, first
 * objection wins. Only a blind append survives a lost race by retrying at the next version; anything
 * else retried blindly could duplicate or lose rows.
 *
 *   txnAlreadyCommitted   a winner holds our appId's txn ≥ our version → skip (the batch is in)
 *   concurrentTransaction a winner holds our appId's txn < our version → fail (two writers)
 *   protocolChanged       a winner has a protocol action → fail
 *   metadataChanged       a winner has a metaData action → fail
 *   concurrentDeleteDelete a file we remove was removed by a winner → fail
 *   concurrentDeleteRead  a file we read was removed by a winner → fail
 *   concurrentAppend      a winner added data while we read the whole table → fail
 *   otherwise             → retry at the version after the last winner
 */
import { Action } from './actions';
import { canonicalFilePath } from './paths';

export interface CommitIntent {
  tablePath: string;
  /** Our txn, if the commit is idempotent per (appId, version). */
  txn?: { appId: string; version: number };
  /** Paths (as in our `remove` actions) this commit removes. */
  removedPaths: readonly string[];
  /** Paths of files whose content this commit depended on (besides those it removes). */
  readPaths: readonly string[];
  /** True when the commit depends on the whole table (complete mode, OPTIMIZE). */
  readWholeTable: boolean;
}

export interface WinningCommit {
  version: number;
  actions: readonly Action[];
}

export type ConflictCode =
  | 'ConcurrentTransaction'
  | 'ProtocolChanged'
  | 'MetadataChanged'
  | 'ConcurrentDeleteDelete'
  | 'ConcurrentDeleteRead'
  | 'ConcurrentAppend';

export type ConflictDecision =
  | { kind: 'retry' }
  | { kind: 'skip'; check: 'txnAlreadyCommitted'; winnerVersion: number; reason: string }
  | { kind: 'fail'; check: ConflictCode; winnerVersion: number; reason: string };

type Check = (intent: CommitIntent, winner: WinningCommit) => ConflictDecision | undefined;

const txnAlreadyCommitted: Check = (intent, winner) => {
  if (!intent.txn) return undefined;
  const { appId, version } = intent.txn;
  for (const a of winner.actions) {
    if ('txn' in a && a.txn.appId === appId && a.txn.version >= version) {
      return {
        kind: 'skip',
        check: 'txnAlreadyCommitted',
        winnerVersion: winner.version,
        reason: `version ${winner.version} already holds txn ${appId}@${a.txn.version} ≥ ${version}`,
      };
    }
  }
  return undefined;
};

const concurrentTransaction: Check = (intent, winner) => {
  if (!intent.txn) return undefined;
  const { appId, version } = intent.txn;
  for (const a of winner.actions) {
    if ('txn' in a && a.txn.appId === appId) {
      return fail('ConcurrentTransaction', winner, `another writer committed txn ${appId}@${a.txn.version} while this commit (${version}) ran`);
    }
  }
  return undefined;
};

const protocolChanged: Check = (_intent, winner) =>
  winner.actions.some((a) => 'protocol' in a) ? fail('ProtocolChanged', winner, 'the table protocol changed') : undefined;

const metadataChanged: Check = (_intent, winner) =>
  winner.actions.some((a) => 'metaData' in a) ? fail('MetadataChanged', winner, 'the table metadata changed') : undefined;

const concurrentDeleteDelete: Check = (intent, winner) => {
  const removed = removedBy(intent.tablePath, winner);
  const hit = intent.removedPaths.find((p) => removed.has(canonicalFilePath(intent.tablePath, p)));
  return hit === undefined ? undefined : fail('ConcurrentDeleteDelete', winner, `file ${hit} was already removed`);
};

const concurrentDeleteRead: Check = (intent, winner) => {
  const removed = removedBy(intent.tablePath, winner);
  const hit = intent.readPaths.find((p) => removed.has(canonicalFilePath(intent.tablePath, p)));
  if (hit !== undefined) return fail('ConcurrentDeleteRead', winner, `file ${hit} this commit read was removed`);
  if (intent.readWholeTable && winner.actions.some((a) => 'remove' in a && a.remove.dataChange)) {
    return fail('ConcurrentDeleteRead', winner, 'files of the table this commit read were removed');
  }
  return undefined;
};

const concurrentAppend: Check = (intent, winner) => {
  if (!intent.readWholeTable) return undefined;
  const added = winner.actions.find((a) => 'add' in a && a.add.dataChange);
  return added === undefined ? undefined : fail('ConcurrentAppend', winner, 'files were added to the table this commit read whole');
};

/** The checks in order; exported so tests can name them. */
export const CONFLICT_CHECKS: ReadonlyArray<readonly [string, Check]> = [
  ['txnAlreadyCommitted', txnAlreadyCommitted],
  ['concurrentTransaction', concurrentTransaction],
  ['protocolChanged', protocolChanged],
  ['metadataChanged', metadataChanged],
  ['concurrentDeleteDelete', concurrentDeleteDelete],
  ['concurrentDeleteRead', concurrentDeleteRead],
  ['concurrentAppend', concurrentAppend],
];

/**
 * Each check runs over all winners (oldest first) before the next check runs, so a winner that
 * already committed our txn means skip even when some other winner also changed the table.
 */
export function checkConflicts(intent: CommitIntent, winners: readonly WinningCommit[]): ConflictDecision {
  for (const [, check] of CONFLICT_CHECKS) {
    for (const winner of winners) {
      const decision = check(intent, winner);
      if (decision) return decision;
    }
  }
  return { kind: 'retry' };
}

function fail(check: ConflictCode, winner: WinningCommit, reason: string): ConflictDecision {
  return { kind: 'fail', check, winnerVersion: winner.version, reason: `${check} at version ${winner.version}: ${reason}` };
}

function removedBy(tablePath: string, winner: WinningCommit): Set<string> {
  const out = new Set<string>();
  for (const a of winner.actions) if ('remove' in a) out.add(canonicalFilePath(tablePath, a.remove.path));
  return out;
}
