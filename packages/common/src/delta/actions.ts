/**
 * Delta Lake log actions (delta-io/delta PROTOCOL.md, "Actions").
 *
 * A commit file `_delta_log/%020d.json` holds one action per line; each line is a JSON object with
 * exactly one key naming the action (`protocol`, `metaData`, `add`, `remove`, `txn`, `commitInfo`).
 * Readers must ignore actions and fields they do not know (cdc, domainMetadata, ...): they are kept
 * as `UnknownAction` so a reader never fails on them and a writer never produces them.
 *
 * Longs (sizes, times, txn versions) are JS numbers: a value beyond 2^53 is refused when written
 * (`serialiseActions`), never rounded. Kafka offsets stay far below that in practice.
 */
import { InvalidArgumentError } from '../errors';

export const ENGINE_INFO = 'Tributary/0.1.0';

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  /** Present only when minReaderVersion is 3. */
  readerFeatures?: string[];
  /** Present only when minWriterVersion is 7. */
  writerFeatures?: string[];
}

export interface Metadata {
  /** A UUID, unique per table. */
  id: string;
  name?: string;
  description?: string;
  format: { provider: string; options: Record<string, string> };
  /** The table schema in Spark's StructType JSON (see schema.ts). */
  schemaString: string;
  partitionColumns: string[];
  /** Required by the protocol; may be `{}`. */
  configuration: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdTime?: number;
}

export interface AddFile {
  /** An RFC 2396 relative URI from the table root (percent-encoded), or an absolute URI. */
  path: string;
  /** Partition column → serialised value (null for a null partition value). */
  partitionValues: Record<string, string | null>;
  size: number;
  /** Milliseconds since the epoch. */
  modificationTime: number;
  dataChange: boolean;
  /** Per-file statistics as a JSON string (see stats.ts). */
  stats?: string;
  tags?: Record<string, string>;
  deletionVector?: unknown;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number;
  dataChange: boolean;
  /** When true, partitionValues and size are present. */
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null>;
  size?: number;
  deletionVector?: unknown;
}

/** An application transaction identifier: the latest `version` per `appId` wins on replay. */
export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number;
}

export interface CommitInfo {
  timestamp: number;
  operation: string;
  operationParameters: Record<string, unknown>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  engineInfo?: string;
  txnId?: string;
  [extra: string]: unknown;
}

export interface UnknownAction {
  /** The action's key, e.g. `cdc` or `domainMetadata`. */
  unknown: string;
  body: unknown;
}

export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { txn: Txn }
  | { commitInfo: CommitInfo }
  | UnknownAction;

const KNOWN = new Set(['protocol', 'metaData', 'add', 'remove', 'txn', 'commitInfo']);

/** One action per line, each line ending with `\n`. */
export function serialiseActions(actions: readonly Action[]): string {
  let out = '';
  for (const action of actions) {
    if ('unknown' in action) throw new InvalidArgumentError(`cannot write unknown action '${action.unknown}'`);
    checkLongs(action);
    out += JSON.stringify(action) + '\n';
  }
  return out;
}

/** Parses a commit file; blank lines are skipped, unknown actions kept as UnknownAction. */
export function parseActions(text: string, source = 'commit'): Action[] {
  const actions: Action[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      throw new InvalidArgumentError(`${source} line ${lineNo} is not JSON`, { code: 'DELTA_LOG_CORRUPT', cause });
    }
    actions.push(toAction(parsed, `${source} line ${lineNo}`));
  }
  return actions;
}

/** Turns one `{key: body}` object (from JSON or a checkpoint row) into an Action. */
export function toAction(obj: unknown, where: string): Action {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new InvalidArgumentError(`${where} is not an action object`, { code: 'DELTA_LOG_CORRUPT' });
  }
  const keys = Object.keys(obj);
  if (keys.length !== 1) {
    throw new InvalidArgumentError(`${where} must hold exactly one action, found [${keys.join(', ')}]`, {
      code: 'DELTA_LOG_CORRUPT',
    });
  }
  const key = keys[0];
  const body = (obj as Record<string, unknown>)[key];
  if (!KNOWN.has(key)) return { unknown: key, body };
  if (body === null || typeof body !== 'object') {
    throw new InvalidArgumentError(`${where}: '${key}' is not an object`, { code: 'DELTA_LOG_CORRUPT' });
  }
  const b = body as Record<string, unknown>;
  const need = (field: string, type: string): void => {
    if (typeof b[field] !== type) {
      throw new InvalidArgumentError(`${where}: '${key}.${field}' must be a ${type}`, { code: 'DELTA_LOG_CORRUPT' });
    }
  };
  switch (key) {
    case 'add':
      need('path', 'string');
      if (b.partitionValues === undefined || b.partitionValues === null) b.partitionValues = {};
      break;
    case 'remove':
      need('path', 'string');
      break;
    case 'txn':
      need('appId', 'string');
      need('version', 'number');
      break;
    case 'protocol':
      need('minReaderVersion', 'number');
      need('minWriterVersion', 'number');
      break;
    case 'metaData':
      need('id', 'string');
      if (!Array.isArray(b.partitionColumns)) b.partitionColumns = [];
      if (b.configuration === undefined || b.configuration === null) b.configuration = {};
      break;
  }
  return { [key]: body } as Action;
}

function checkLongs(action: Action): void {
  const check = (what: string, v: number | undefined): void => {
    if (v !== undefined && !Number.isSafeInteger(v)) {
      throw new InvalidArgumentError(`${what} must be an integer within ±2^53, got ${v}`);
    }
  };
  if ('add' in action) {
    check('add.size', action.add.size);
    check('add.modificationTime', action.add.modificationTime);
  } else if ('remove' in action) {
    check('remove.size', action.remove.size);
    check('remove.deletionTimestamp', action.remove.deletionTimestamp);
  } else if ('txn' in action) {
    check(`txn.version (appId ${action.txn.appId})`, action.txn.version);
    check('txn.lastUpdated', action.txn.lastUpdated);
  }
}

/** The `remove` that takes a live file out of the table (extended metadata copied from its `add`). */
export function removeFor(add: AddFile, deletionTimestamp: number, dataChange = true): RemoveFile {
  return {
    path: add.path,
    deletionTimestamp,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
  };
}
