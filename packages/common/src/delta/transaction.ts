/**
 * Optimistic commit of data changes (PROTOCOL.md, "Requirements for Writers").
 *
 *   1. Check the table at the read version: supported protocol, writer duties (append-only), and
 *      our txn: if the table already holds appId's txn ≥ ours, the batch is in → skipped.
 *   2. Put-if-absent `readVersion + 1` with: commitInfo, our txn, the caller's actions.
 *   3. On a lost race, read the winning commits and decide with conflict-checker.ts: skip, fail,
 *      or retry at the version after the last winner (blind appends only).
 *   4. Once the commit is in, write its version checksum (version-checksum.ts) from the snapshot
 *      after it (the read snapshot, the winners' actions, ours), which the result returns. The
 *      checksum is not part of the commit: failing to write it is reported through `warn`, and the
 *      version is then read unverified.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, TributaryError, UnavailableError } from '../errors';
import { Action, CommitInfo, ENGINE_INFO, Txn, parseActions, serialiseActions } from './actions';
import { CommitIntent, ConflictCode, WinningCommit, checkConflicts } from './conflict-checker';
import { LogStore, checksumFileName } from './log-store';
import type { Storage } from '../storage/storage';
import { assertWritable, isAppendOnly } from './protocol-support';
import { ReplayState, Snapshot, readSnapshot } from './snapshot';
import { checksumOf, serialiseChecksum } from './version-checksum';

export interface CommitOptions {
  /** The table version the actions were planned against. */
  readVersion: number;
  /** commitInfo.operation, e.g. `STREAMING UPDATE`, `WRITE`. */
  operation: string;
  operationParameters?: Record<string, unknown>;
  /** Makes the commit idempotent: skipped when the table holds appId's txn ≥ version. */
  txn?: { appId: string; version: number };
  /** The commit depends on every file of the table (complete mode, OPTIMIZE). */
  readWholeTable?: boolean;
  /** Paths of files the commit depended on. */
  readPaths?: string[];
  /** The snapshot at readVersion, when the caller already has it (saves a log replay). */
  snapshot?: Snapshot;
  /** Attempts at successive versions before giving up (retriable error). Default 100. */
  maxAttempts?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Told when the version checksum could not be written. Default: ignored. */
  warn?: (message: string) => void;
}

export type CommitResult =
  /** `snapshot`: the table right after the commit (at `version`). */
  | { skipped: false; version: number; attempts: number; snapshot: Snapshot }
  | { skipped: true; reason: string };

/** A concurrent commit made ours invalid; the operation must be planned again from a new snapshot. */
export class ConcurrentModificationError extends TributaryError {
  constructor(
    message: string,
    readonly check: ConflictCode,
    readonly winnerVersion: number,
  ) {
    super(message, { code: 'DELTA_CONCURRENT_MODIFICATION', retriable: false });
  }
}

export async function commit(storage: Storage, tablePath: string, actions: readonly Action[], opts: CommitOptions): Promise<CommitResult> {
  const now = opts.now ?? Date.now;
  const snapshot = opts.snapshot ?? (await readSnapshot(storage, tablePath, { version: opts.readVersion }));
  if (snapshot.version !== opts.readVersion) {
    throw new InvalidArgumentError(`snapshot is at version ${snapshot.version}, readVersion is ${opts.readVersion}`);
  }
  validateActions(snapshot, actions, opts);
  if (opts.txn) {
    const held = snapshot.txns.get(opts.txn.appId);
    if (held !== undefined && held >= opts.txn.version) {
      return { skipped: true, reason: `table version ${snapshot.version} holds txn ${opts.txn.appId}@${held} ≥ ${opts.txn.version}` };
    }
  }

  const removedPaths: string[] = [];
  for (const a of actions) if ('remove' in a) removedPaths.push(a.remove.path);
  const intent: CommitIntent = {
    tablePath,
    txn: opts.txn,
    removedPaths,
    readPaths: opts.readPaths ?? [],
    readWholeTable: opts.readWholeTable ?? false,
  };
  const commitInfo: CommitInfo = {
    timestamp: now(),
    operation: opts.operation,
    operationParameters: opts.operationParameters ?? {},
    readVersion: opts.readVersion,
    isolationLevel: 'Serializable',
    isBlindAppend: removedPaths.length === 0 && !intent.readWholeTable && intent.readPaths.length === 0,
    engineInfo: ENGINE_INFO,
    txnId: randomUUID(),
  };
  const all: Action[] = [{ commitInfo }];
  if (opts.txn) all.push({ txn: { appId: opts.txn.appId, version: opts.txn.version, lastUpdated: commitInfo.timestamp } });
  all.push(...actions);
  const content = serialiseActions(all);

  const store = new LogStore(storage, tablePath);
  const maxAttempts = opts.maxAttempts ?? 100;
  let checkedUpTo = opts.readVersion;
  const passed: WinningCommit[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const version = checkedUpTo + 1;
    if (await store.putIfAbsent(version, content)) {
      const after = ReplayState.from(snapshot);
      for (const w of passed) after.apply(w.actions);
      after.apply(all);
      const result = after.finish(version);
      await writeVersionChecksum(store, result, commitInfo.txnId as string, opts.warn);
      return { skipped: false, version, attempts: attempt, snapshot: result };
    }
    const winners = await readWinners(store, checkedUpTo + 1);
    const decision = checkConflicts(intent, winners);
    if (decision.kind === 'skip') return { skipped: true, reason: decision.reason };
    if (decision.kind === 'fail') throw new ConcurrentModificationError(`${tablePath}: ${decision.reason}`, decision.check, decision.winnerVersion);
    passed.push(...winners);
    checkedUpTo = winners[winners.length - 1].version;
  }
  throw new UnavailableError(`${tablePath}: commit lost the race ${maxAttempts} times`, { code: 'DELTA_COMMIT_CONTENTION' });
}

/** Writes the checksum of `snapshot` (the table after a commit that is in); never throws. */
export async function writeVersionChecksum(store: LogStore, snapshot: Snapshot, txnId: string | undefined, warn?: (message: string) => void): Promise<void> {
  const name = checksumFileName(snapshot.version);
  try {
    if (!(await store.putChecksum(snapshot.version, serialiseChecksum(checksumOf(snapshot, txnId))))) {
      warn?.(`${store.tablePath}: ${name} already existed and was left as it is (version ${snapshot.version} is checked against it)`);
    }
  } catch (err) {
    warn?.(`${store.tablePath}: cannot write ${name} (version ${snapshot.version} stays readable, unverified): ${(err as Error).message}`);
  }
}

/** Commits from `from` up to the newest one present (at least `from`, which a winner just wrote). */
async function readWinners(store: LogStore, from: number): Promise<WinningCommit[]> {
  const winners: WinningCommit[] = [];
  for (let v = from; ; v++) {
    const text = await store.readCommit(v);
    if (text === undefined) break;
    winners.push({ version: v, actions: parseActions(text, `commit ${v}`) });
  }
  if (winners.length === 0) throw new UnavailableError(`commit ${from} exists but could not be read`);
  return winners;
}

function validateActions(snapshot: Snapshot, actions: readonly Action[], opts: CommitOptions): void {
  const table = snapshot.tablePath;
  assertWritable(snapshot.protocol, snapshot.metadata, table);
  const appendOnly = isAppendOnly(snapshot.protocol, snapshot.metadata);
  const partitionColumns = [...snapshot.metadata.partitionColumns].sort();
  const appIds = new Set<string>(opts.txn ? [opts.txn.appId] : []);
  for (const a of actions) {
    if ('add' in a) {
      const keys = Object.keys(a.add.partitionValues).sort();
      if (keys.join('\u0000') !== partitionColumns.join('\u0000')) {
        throw new InvalidArgumentError(`${table}: add ${a.add.path} has partition values for [${keys}], table is partitioned by [${partitionColumns}]`);
      }
    } else if ('remove' in a) {
      if (appendOnly && a.remove.dataChange) {
        throw new InvalidArgumentError(`${table} is append-only (delta.appendOnly=true): cannot remove ${a.remove.path}`, {
          code: 'DELTA_APPEND_ONLY',
        });
      }
    } else if ('txn' in a) {
      if (appIds.has(a.txn.appId)) throw new InvalidArgumentError(`${table}: txn appId ${a.txn.appId} appears twice in one commit`);
      appIds.add(a.txn.appId);
    } else {
      const kind = Object.keys(a)[0];
      throw new InvalidArgumentError(`commit() writes add, remove and txn actions only, got '${kind}'`);
    }
  }
}

/**
 * The end offsets of a batch as txn actions, one per Kafka partition:
 * appId `<queryId>-<topic>-<partition>`, version = end offset (exclusive).
 */
export function kafkaOffsetTxns(queryId: string, topic: string, endOffsets: ReadonlyMap<number, string> | Record<number, string>): Txn[] {
  const entries = endOffsets instanceof Map ? [...endOffsets] : Object.entries(endOffsets).map(([p, o]) => [Number(p), o] as const);
  return entries.map(([partition, offset]) => {
    const version = Number(offset);
    if (!/^\d+$/.test(offset) || !Number.isSafeInteger(version)) {
      throw new InvalidArgumentError(`offset ${offset} of ${topic}-${partition} is not an integer below 2^53`);
    }
    return { appId: `${queryId}-${topic}-${partition}`, version };
  });
}
