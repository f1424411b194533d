/**
 * Snapshot reconstruction (PROTOCOL.md, "Action Reconciliation"): start from the newest complete
 * checkpoint at or below the wanted version (if any), then replay the JSON commits after it in
 * order. The latest protocol and metaData win, the latest txn version per appId wins, and a file
 * is live when its newest action (keyed by canonical path) is an `add`; a file whose newest action
 * is a `remove` is a tombstone (kept for VACUUM and for checkpoints).
 *
 * The checkpoint is found through `_last_checkpoint` when that file names a complete checkpoint at
 * or below the wanted version, else by listing `_delta_log`; a table without checkpoints replays
 * from version 0. Commits must be contiguous from the checkpoint (or version 0) to the wanted
 * version; a gap is a broken log and an error, never a partial snapshot.
 *
 * Time travel by timestamp follows Delta: a version's timestamp is its commitInfo.inCommitTimestamp
 * when the table enables in-commit timestamps, else the commit file's modification time; file times
 * are made strictly increasing (a time not after its predecessor's becomes predecessor + 1 ms); the
 * snapshot "as of" T is the newest version whose timestamp ≤ T. T before the earliest available
 * version or after the latest commit is an error.
 *
 * Version checksums (version-checksum.ts): wherever the replayed range — the starting checkpoint's
 * version and every commit replayed after it — has a `.crc`, the state at that version must match
 * it; a mismatch is a DamagedCommitError naming the version, never a snapshot. Versions without one
 * are accepted unverified; an unreadable one is reported through `warn` and treated as absent.
 */
import { InvalidArgumentError } from '../errors';
import type { Storage } from '../storage/storage';
import { Action, AddFile, Metadata, Protocol, RemoveFile, parseActions } from './actions';
import { readCheckpoint } from './checkpoint-reader';
import { CheckpointFiles, LogStore, LogListing, checksumFileName } from './log-store';
import { canonicalFilePath } from './paths';
import { assertReadable } from './protocol-support';
import { StructType, parseSchemaString } from './schema';
import { parseChecksum, verifyChecksum } from './version-checksum';

export interface Snapshot {
  tablePath: string;
  version: number;
  protocol: Protocol;
  metadata: Metadata;
  /** Live files keyed by canonical (decoded, absolute) path. */
  files: Map<string, AddFile>;
  /** Latest txn version per appId. */
  txns: Map<string, number>;
  /** Files whose newest action is a remove, keyed by canonical path. */
  tombstones: Map<string, RemoveFile>;
  /** Σ size of the live files (kept as files change, never recomputed). */
  tableSizeBytes: number;
}

export interface SnapshotOptions {
  version?: number;
  /** Time travel: the newest version committed at or before this time (ms since the epoch). */
  timestamp?: number;
  /** Told about versions that cannot be verified (an unreadable checksum). Default: ignored. */
  warn?: (message: string) => void;
}

export class TableNotFoundError extends InvalidArgumentError {
  constructor(tablePath: string) {
    super(`${tablePath} is not a Delta table (no commits in _delta_log)`, { code: 'DELTA_TABLE_NOT_FOUND' });
  }
}

function corrupt(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { code: 'DELTA_LOG_CORRUPT' });
}

export async function readSnapshot(storage: Storage, tablePath: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const store = new LogStore(storage, tablePath);
  const listing = await store.list();
  if (listing.commits.length === 0 && listing.checkpoints.length === 0) throw new TableNotFoundError(tablePath);
  const latest = Math.max(listing.commits.at(-1) ?? -1, listing.checkpoints.at(-1)?.version ?? -1);
  if (opts.version !== undefined && opts.timestamp !== undefined) {
    throw new InvalidArgumentError('give a version or a timestamp to time travel, not both');
  }
  const target = opts.timestamp !== undefined ? (await versionAtTimestamp(store, listing, opts.timestamp)).version : (opts.version ?? latest);
  if (!Number.isSafeInteger(target) || target > latest || target < 0) {
    throw new InvalidArgumentError(`${tablePath} has no version ${target} (latest is ${latest})`, { code: 'DELTA_VERSION_NOT_FOUND' });
  }

  const state = new ReplayState(tablePath);
  const checkpoint = await chooseCheckpoint(store, listing, target);
  const warn = opts.warn ?? (() => {});
  let from = 0;
  if (checkpoint) {
    state.apply(await readCheckpoint(store, checkpoint));
    await verifyVersion(store, listing, state, checkpoint.version, warn, `checkpoint ${checkpoint.files[0]}`);
    from = checkpoint.version + 1;
  }
  await replayCommits(store, state, listing, from, target, warn);
  return state.finish(target);
}

/**
 * The snapshot advanced to the newest version (or `opts.version`) by replaying only the commits after
 * `snapshot.version`; a full read when those commits are gone (log cleanup). `snapshot` is not changed.
 */
export async function updateSnapshot(storage: Storage, snapshot: Snapshot, opts: { version?: number; warn?: (message: string) => void } = {}): Promise<Snapshot> {
  const store = new LogStore(storage, snapshot.tablePath);
  const listing = await store.list();
  const latest = listing.commits.at(-1) ?? -1;
  const target = opts.version ?? latest;
  const reread = { version: target, ...(opts.warn ? { warn: opts.warn } : {}) };
  if (target === snapshot.version) return snapshot;
  if (target < snapshot.version) return readSnapshot(storage, snapshot.tablePath, reread);
  const available = new Set(listing.commits);
  for (let v = snapshot.version + 1; v <= target; v++) if (!available.has(v)) return readSnapshot(storage, snapshot.tablePath, reread);
  const state = ReplayState.from(snapshot);
  await replayCommits(store, state, listing, snapshot.version + 1, target, opts.warn ?? (() => {}));
  return state.finish(target);
}

async function replayCommits(
  store: LogStore, state: ReplayState, listing: LogListing, from: number, target: number, warn: (message: string) => void,
): Promise<void> {
  const available = new Set(listing.commits);
  for (let v = from; v <= target; v++) {
    if (!available.has(v)) {
      const earliest = listing.commits[0];
      if (from === 0 && earliest !== undefined && v < earliest && !listing.checkpoints.some((c) => c.version <= target)) {
        throw new InvalidArgumentError(
          `${store.tablePath}: version ${target} cannot be reconstructed: commits before ${earliest} were cleaned up and no checkpoint covers it`,
          { code: 'DELTA_VERSION_NOT_FOUND' },
        );
      }
      throw corrupt(`${store.tablePath}: commit ${v} is missing (log versions not contiguous up to ${target})`);
    }
    const text = await store.readCommit(v);
    if (text === undefined) throw corrupt(`${store.tablePath}: commit ${v} disappeared while reading`);
    state.apply(parseActions(text, `commit ${v}`));
    await verifyVersion(store, listing, state, v, warn);
  }
}

/** Checks the state at `version` against that version's checksum, when it has a readable one. */
async function verifyVersion(
  store: LogStore, listing: LogListing, state: ReplayState, version: number, warn: (message: string) => void, source?: string,
): Promise<void> {
  if (!listing.checksums.has(version)) return;
  const text = await store.readChecksum(version);
  if (text === undefined) return;
  const recorded = parseChecksum(text);
  if (!recorded) {
    warn(`${store.tablePath}: version checksum ${checksumFileName(version)} is unreadable; version ${version} is not verified`);
    return;
  }
  verifyChecksum(store.tablePath, version, recorded, state, source);
}

/** `_last_checkpoint` when it names a complete checkpoint ≤ target, else the newest complete one ≤ target. */
async function chooseCheckpoint(store: LogStore, listing: LogListing, target: number): Promise<CheckpointFiles | undefined> {
  const hint = await store.readLastCheckpoint();
  if (hint !== undefined && hint.version <= target) {
    const newer = listing.checkpoints.filter((c) => c.version <= target).at(-1);
    const named = listing.checkpoints.find((c) => c.version === hint.version && (hint.parts === undefined || c.files.length === hint.parts));
    // A newer complete checkpoint than the hint may exist (the hint is written after the checkpoint).
    if (named && (!newer || newer.version <= named.version)) return named;
  }
  return listing.checkpoints.filter((c) => c.version <= target).at(-1);
}

export interface CommitTimestamp {
  version: number;
  /** ms since the epoch, after Delta's adjustment to strictly increasing values. */
  timestamp: number;
}

/** The timestamps of every commit file present, ascending by version (see the header for the rules). */
export async function commitTimestamps(storage: Storage, tablePath: string): Promise<CommitTimestamp[]> {
  const store = new LogStore(storage, tablePath);
  return readCommitTimestamps(store, await store.list());
}

async function readCommitTimestamps(store: LogStore, listing: LogListing): Promise<CommitTimestamp[]> {
  const out: CommitTimestamp[] = [];
  let prev = -Infinity;
  for (const version of listing.commits) {
    let ts = await store.commitModificationTime(version);
    const ict = await inCommitTimestamp(store, version);
    if (ict !== undefined) ts = ict;
    else if (ts <= prev) ts = prev + 1;
    out.push({ version, timestamp: ts });
    prev = ts;
  }
  return out;
}

/** commitInfo.inCommitTimestamp of a commit, when it has one (first action by protocol). */
async function inCommitTimestamp(store: LogStore, version: number): Promise<number | undefined> {
  const text = await store.readCommit(version);
  if (text === undefined) return undefined;
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  if (!firstLine.includes('inCommitTimestamp')) return undefined;
  try {
    const v = (JSON.parse(firstLine) as { commitInfo?: { inCommitTimestamp?: unknown } }).commitInfo?.inCommitTimestamp;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function versionAtTimestamp(store: LogStore, listing: LogListing, timestamp: number): Promise<CommitTimestamp> {
  const all = await readCommitTimestamps(store, listing);
  // Versions that can be reconstructed: from the oldest checkpoint, or from version 0.
  const oldestStart = listing.commits[0] === 0 ? 0 : (listing.checkpoints[0]?.version ?? Infinity);
  const usable = all.filter((c) => c.version >= oldestStart);
  const fmt = (ms: number): string => new Date(ms).toISOString();
  if (usable.length === 0) throw new InvalidArgumentError(`${store.tablePath} has no reconstructable version to time travel to`, { code: 'DELTA_VERSION_NOT_FOUND' });
  const last = usable[usable.length - 1];
  if (timestamp > last.timestamp) {
    throw new InvalidArgumentError(
      `the timestamp ${fmt(timestamp)} is after the latest version available to ${store.tablePath} (version ${last.version}, ${fmt(last.timestamp)})`,
      { code: 'DELTA_TIMESTAMP_AFTER_LATEST' },
    );
  }
  let found: CommitTimestamp | undefined;
  for (const c of usable) if (c.timestamp <= timestamp) found = c;
  if (!found) {
    throw new InvalidArgumentError(
      `the timestamp ${fmt(timestamp)} is before the earliest version available to ${store.tablePath} (version ${usable[0].version}, ${fmt(usable[0].timestamp)})`,
      { code: 'DELTA_TIMESTAMP_BEFORE_EARLIEST' },
    );
  }
  return found;
}

/** Applies actions in log order; `finish` checks the result is a complete snapshot. */
export class ReplayState {
  protocol?: Protocol;
  metadata?: Metadata;
  readonly files = new Map<string, AddFile>();
  readonly txns = new Map<string, number>();
  readonly tombstones = new Map<string, RemoveFile>();
  tableSizeBytes = 0;

  constructor(readonly tablePath: string) {}

  static from(snapshot: Snapshot): ReplayState {
    const state = new ReplayState(snapshot.tablePath);
    state.protocol = snapshot.protocol;
    state.metadata = snapshot.metadata;
    for (const [k, v] of snapshot.files) state.files.set(k, v);
    for (const [k, v] of snapshot.txns) state.txns.set(k, v);
    for (const [k, v] of snapshot.tombstones) state.tombstones.set(k, v);
    state.tableSizeBytes = snapshot.tableSizeBytes;
    return state;
  }

  apply(actions: readonly Action[]): void {
    // Within one commit the order of actions is not meaningful; a commit never holds an add and a
    // remove of the same logical file, so applying removes first keeps re-adds of a path correct.
    for (const a of actions) {
      if ('remove' in a) {
        const key = canonicalFilePath(this.tablePath, a.remove.path);
        this.tableSizeBytes -= this.files.get(key)?.size ?? 0;
        this.files.delete(key);
        this.tombstones.set(key, a.remove);
      }
    }
    for (const a of actions) {
      if ('add' in a) {
        const key = canonicalFilePath(this.tablePath, a.add.path);
        this.tableSizeBytes += (a.add.size ?? 0) - (this.files.get(key)?.size ?? 0);
        this.files.set(key, a.add);
        this.tombstones.delete(key);
      } else if ('protocol' in a) this.protocol = a.protocol;
      else if ('metaData' in a) this.metadata = a.metaData;
      else if ('txn' in a) this.txns.set(a.txn.appId, a.txn.version);
    }
  }

  finish(version: number): Snapshot {
    if (!this.protocol) throw corrupt(`${this.tablePath}: no protocol action at version ${version}`);
    if (!this.metadata) throw corrupt(`${this.tablePath}: no metaData action at version ${version}`);
    assertReadable(this.protocol, this.tablePath);
    return {
      tablePath: this.tablePath,
      version,
      protocol: this.protocol,
      metadata: this.metadata,
      files: this.files,
      txns: this.txns,
      tombstones: this.tombstones,
      tableSizeBytes: this.tableSizeBytes,
    };
  }
}

export function snapshotSchema(snapshot: Snapshot): StructType {
  if (typeof snapshot.metadata.schemaString !== 'string') throw corrupt(`${snapshot.tablePath}: metaData has no schemaString`);
  return parseSchemaString(snapshot.metadata.schemaString);
}
