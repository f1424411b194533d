/**
 * Snapshot reconstruction (PROTOCOL.md, "Action Reconciliation"): start from the newest complete
 * checkpoint at or below the wanted version (if any), then replay the JSON commits after it in
 * order. The latest protocol and metaData win, the latest txn version per appId wins, and a file
 * is live when its newest action (keyed by canonical path) is an `add`.
 *
 * Commits must be contiguous from the checkpoint (or version 0) to the wanted version; a gap is a
 * broken log and an error, never a partial snapshot.
 */
import { InvalidArgumentError } from '../errors';
import { Action, AddFile, Metadata, Protocol, parseActions } from './actions';
import { readCheckpoint } from './checkpoint-reader';
import { LocalLogStore } from './log-store';
import { canonicalFilePath } from './paths';
import { assertReadable } from './protocol-support';
import { StructType, parseSchemaString } from './schema';

export interface Snapshot {
  tablePath: string;
  version: number;
  protocol: Protocol;
  metadata: Metadata;
  /** Live files keyed by canonical (decoded, absolute) path. */
  files: Map<string, AddFile>;
  /** Latest txn version per appId. */
  txns: Map<string, number>;
}

export class TableNotFoundError extends InvalidArgumentError {
  constructor(tablePath: string) {
    super(`${tablePath} is not a Delta table (no commits in _delta_log)`, { code: 'DELTA_TABLE_NOT_FOUND' });
  }
}

function corrupt(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { code: 'DELTA_LOG_CORRUPT' });
}

export async function readSnapshot(tablePath: string, opts: { version?: number } = {}): Promise<Snapshot> {
  const store = new LocalLogStore(tablePath);
  const listing = await store.list();
  if (listing.commits.length === 0 && listing.checkpoints.length === 0) throw new TableNotFoundError(tablePath);
  const latest = Math.max(listing.commits.at(-1) ?? -1, listing.checkpoints.at(-1)?.version ?? -1);
  const target = opts.version ?? latest;
  if (target > latest || target < 0) {
    throw new InvalidArgumentError(`${tablePath} has no version ${target} (latest is ${latest})`, { code: 'DELTA_VERSION_NOT_FOUND' });
  }

  const state = new ReplayState(tablePath);
  const checkpoint = listing.checkpoints.filter((c) => c.version <= target).at(-1);
  let from = 0;
  if (checkpoint) {
    state.apply(await readCheckpoint(store, checkpoint));
    from = checkpoint.version + 1;
  }
  const available = new Set(listing.commits);
  for (let v = from; v <= target; v++) {
    if (!available.has(v)) {
      throw corrupt(`${tablePath}: commit ${v} is missing (log versions not contiguous up to ${target})`);
    }
    const text = await store.readCommit(v);
    if (text === undefined) throw corrupt(`${tablePath}: commit ${v} disappeared while reading`);
    state.apply(parseActions(text, `commit ${v}`));
  }
  return state.finish(target);
}

/** Applies actions in log order; `finish` checks the result is a complete snapshot. */
export class ReplayState {
  protocol?: Protocol;
  metadata?: Metadata;
  readonly files = new Map<string, AddFile>();
  readonly txns = new Map<string, number>();

  constructor(readonly tablePath: string) {}

  apply(actions: readonly Action[]): void {
    // Within one commit the order of actions is not meaningful; a commit never holds an add and a
    // remove of the same logical file, so applying removes first keeps re-adds of a path correct.
    for (const a of actions) if ('remove' in a) this.files.delete(canonicalFilePath(this.tablePath, a.remove.path));
    for (const a of actions) {
      if ('add' in a) this.files.set(canonicalFilePath(this.tablePath, a.add.path), a.add);
      else if ('protocol' in a) this.protocol = a.protocol;
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
    };
  }
}

export function snapshotSchema(snapshot: Snapshot): StructType {
  if (typeof snapshot.metadata.schemaString !== 'string') throw corrupt(`${snapshot.tablePath}: metaData has no schemaString`);
  return parseSchemaString(snapshot.metadata.schemaString);
}
