/**
 * Delta's version checksum (PROTOCOL.md, "Version Checksum File"): `_delta_log/%020d.crc`, one JSON
 * object recording the table state after that version. It lets a reader tell a damaged log (a commit
 * file cut short, a line lost) from a good one.
 *
 * Written by Tributary after each commit's put-if-absent succeeded (it is not part of the commit's
 * atomicity; a crash in between leaves a version without one, which readers accept unverified):
 *
 *   {"txnId":…, "tableSizeBytes":Σ live add.size, "numFiles":live adds, "numMetadata":1, "numProtocol":1,
 *    "setTransactions":[{"appId","version"},…], "metadata":{…}, "protocol":{…}}
 *
 * Only the protocol's fields: other engines read these files (delta-spark validates them). The
 * optional `allFiles`, `fileSizeHistogram` and `domainMetadata` are left out (allFiles grows with
 * the table; Tributary writes no domain metadata).
 *
 * Checked when the log is replayed (snapshot.ts), at every version since the checkpoint the replay
 * starts from (that checkpoint's own version included) that has a checksum: the replayed state must
 * give the recorded numFiles and tableSizeBytes, the recorded txn version of every appId (when the
 * checksum lists setTransactions and the table does not expire txns through
 * delta.setTransactionRetentionDuration), and the recorded metadata (id, schemaString,
 * partitionColumns, configuration) and protocol (versions, feature sets) where recorded. Any other
 * field (allFiles, histograms, inCommitTimestampOpt, …) is accepted as written by its engine and not
 * compared. A checksum that is not a JSON object with numeric tableSizeBytes and numFiles is
 * unreadable: the version is then unverified (reported through `warn`), as if it had none.
 *
 * What this detects: a commit that lost one or more `add`, `remove` or `txn` lines, a `metaData` or
 * `protocol` line, or all of its lines — each changes a recorded field, so the version is refused.
 * What it does not: a lost `commitInfo` line (it changes no state), a lost line whose action repeats
 * what the state already held (a re-add of a live file with the same size, a txn at the version
 * already held), damage to a version without a checksum (damage to the newest commit before its
 * checksum exists, to versions written by engines that write none), and damage to commits older than
 * the checkpoint a replay starts from (the checkpoint holds the state they produced).
 */
import { DataLossError } from '../errors';
import { AddFile, Metadata, Protocol, Txn } from './actions';
import { checksumFileName, commitFileName } from './log-store';

export interface VersionChecksum {
  txnId?: string;
  tableSizeBytes: number;
  numFiles: number;
  numMetadata?: number;
  numProtocol?: number;
  setTransactions?: Txn[];
  metadata?: Metadata;
  protocol?: Protocol;
  /** Fields Tributary does not compare (allFiles, histograms, …), as read. */
  [other: string]: unknown;
}

/** The table state a checksum describes (a Snapshot, or a replay in progress). */
export interface ChecksumState {
  files: ReadonlyMap<string, AddFile>;
  tableSizeBytes: number;
  txns: ReadonlyMap<string, number>;
  metadata?: Metadata;
  protocol?: Protocol;
}

/** A version whose replayed state differs from its checksum: the log was damaged or changed. */
export class DamagedCommitError extends DataLossError {}

export function checksumOf(state: ChecksumState, txnId?: string): VersionChecksum {
  return {
    ...(txnId !== undefined ? { txnId } : {}),
    tableSizeBytes: state.tableSizeBytes,
    numFiles: state.files.size,
    numMetadata: 1,
    numProtocol: 1,
    setTransactions: [...state.txns].map(([appId, version]) => ({ appId, version })),
    ...(state.metadata ? { metadata: state.metadata } : {}),
    ...(state.protocol ? { protocol: state.protocol } : {}),
  };
}

export function serialiseChecksum(checksum: VersionChecksum): string {
  return JSON.stringify(checksum);
}

/** The checksum in `text`, or undefined when it is unreadable (see the header). */
export function parseChecksum(text: string): VersionChecksum | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const c = json as Record<string, unknown>;
  if (typeof c.tableSizeBytes !== 'number' || typeof c.numFiles !== 'number') return undefined;
  if (c.setTransactions !== undefined && c.setTransactions !== null) {
    if (!Array.isArray(c.setTransactions)) return undefined;
    for (const t of c.setTransactions) {
      if (t === null || typeof t !== 'object' || typeof (t as Txn).appId !== 'string' || typeof (t as Txn).version !== 'number') return undefined;
    }
  }
  for (const key of ['metadata', 'protocol'] as const) {
    if (c[key] !== undefined && c[key] !== null && (typeof c[key] !== 'object' || Array.isArray(c[key]))) return undefined;
  }
  return c as VersionChecksum;
}

/**
 * What differs between a checksum and the replayed state, as a pair of descriptions (what the
 * checksum says, what the log gives), or undefined when they agree on every compared field.
 */
export function checksumMismatch(recorded: VersionChecksum, state: ChecksumState): { says: string[]; gives: string[] } | undefined {
  const says: string[] = [];
  const gives: string[] = [];
  const n = (v: number): string => v.toLocaleString('en-US');
  if (recorded.numFiles !== state.files.size || recorded.tableSizeBytes !== state.tableSizeBytes) {
    says.push(`${n(recorded.numFiles)} files / ${n(recorded.tableSizeBytes)} bytes`);
    gives.push(`${n(state.files.size)} / ${n(state.tableSizeBytes)}`);
  }
  for (const key of ['numMetadata', 'numProtocol'] as const) {
    const v = recorded[key];
    if (v !== undefined && v !== null && v !== 1) {
      says.push(`${key} ${v}`);
      gives.push(`${key} 1`);
    }
  }
  const txnsExpire = state.metadata?.configuration?.['delta.setTransactionRetentionDuration'] !== undefined;
  if (Array.isArray(recorded.setTransactions) && !txnsExpire) {
    const want = new Map(recorded.setTransactions.map((t) => [t.appId, t.version]));
    const appIds = [...new Set([...want.keys(), ...state.txns.keys()])].sort();
    for (const appId of appIds) {
      const a = want.get(appId);
      const b = state.txns.get(appId);
      if (a === b) continue;
      says.push(a === undefined ? `no txn ${appId}` : `txn ${appId}@${a}`);
      gives.push(b === undefined ? `no txn ${appId}` : `txn ${appId}@${b}`);
    }
  }
  const metadataDiff = differingMetadata(recorded.metadata, state.metadata);
  if (metadataDiff.length > 0) {
    says.push(`metaData with a different ${metadataDiff.join(', ')}`);
    gives.push(state.metadata ? `metaData id ${state.metadata.id}` : 'no metaData');
  }
  if (recorded.protocol && protocolKey(recorded.protocol) !== (state.protocol ? protocolKey(state.protocol) : '')) {
    says.push(`protocol ${protocolKey(recorded.protocol)}`);
    gives.push(state.protocol ? `protocol ${protocolKey(state.protocol)}` : 'no protocol');
  }
  return says.length === 0 ? undefined : { says, gives };
}

/**
 * Throws DamagedCommitError when `state` (the replay up to `version`) differs from its checksum.
 * `source` names what the state came from: the commit file, or the checkpoint a replay started at.
 */
export function verifyChecksum(tablePath: string, version: number, recorded: VersionChecksum, state: ChecksumState, source = `commit ${commitFileName(version)}`): void {
  const mismatch = checksumMismatch(recorded, state);
  if (!mismatch) return;
  throw new DamagedCommitError(
    `${source} of ${tablePath} is damaged: its checksum ${checksumFileName(version)} says ${mismatch.says.join(', ')}; ` +
      `the log gives ${mismatch.gives.join(', ')}. Restore the file from a backup; the table cannot be read or written as it is`,
  );
}

/** Compared metadata fields whose recorded value differs from the replayed one. */
function differingMetadata(recorded: Metadata | undefined, replayed: Metadata | undefined): string[] {
  if (!recorded) return [];
  if (!replayed) return ['presence'];
  const out: string[] = [];
  if (recorded.id !== undefined && recorded.id !== replayed.id) out.push('id');
  if (recorded.schemaString !== undefined && recorded.schemaString !== replayed.schemaString) out.push('schema');
  if (Array.isArray(recorded.partitionColumns) && recorded.partitionColumns.join('\u0000') !== replayed.partitionColumns.join('\u0000')) out.push('partitioning');
  if (recorded.configuration && sortedEntries(recorded.configuration) !== sortedEntries(replayed.configuration ?? {})) out.push('configuration');
  return out;
}

function sortedEntries(o: Record<string, string>): string {
  return JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function protocolKey(p: Protocol): string {
  const features = (f: string[] | undefined | null): string => [...(f ?? [])].sort().join('+');
  return `${p.minReaderVersion}/${p.minWriterVersion}` + (p.readerFeatures?.length || p.writerFeatures?.length ? ` [${features(p.readerFeatures)}|${features(p.writerFeatures)}]` : '');
}
