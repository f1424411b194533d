import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import type { ResolvedQuery } from '../plan/resolved-query';
import { arrayAt, integerAt, objectAt, stringAt } from './json-shape';
import { joinLocation, type Storage } from '../storage/storage';
import { checkResolvedQueryDocument } from './resolved-query-document';
import { corruptCheckpointFile, decodeVersioned, encodeVersioned } from './versioned-json';

/**
 * `<checkpoint>/metadata` (same framing as the logs): what identifies the query and may never
 * change while the checkpoint lives. Written once, put-if-absent, at first start.
 *
 *   v1   queryId, createdAtMs, shufflePartitions, statefulFingerprint, sinkPaths, sourceTopic
 *   v2   v1 + resolvedQuery: the ResolvedQuery document (its own `format: 1`) the query was
 *        resolved to at first start
 *
 * A writer writes v1 when it has no resolved query and v2 when it has one, so checkpoints without
 * one stay readable by builds that only know v1; a v2 file is refused by those builds by name.
 */
export interface QueryMetadata {
  /** UUID made at first start; constant across restarts; the `appId` of the sinks' txn actions. */
  readonly queryId: string;
  readonly createdAtMs: number;
  /** Number of shuffle partitions that own state (fixed for the checkpoint's life). */
  readonly shufflePartitions: number;
  /** Canonical JSON of everything state layout depends on (keys, windows, aggregates); opaque here. */
  readonly statefulFingerprint: string;
  /** Sink tables in commit order (side tables first, the main table last). */
  readonly sinkPaths: readonly string[];
  readonly sourceTopic: string;
  /** The query as resolved at first start (v2); absent in checkpoints made without one (v1). */
  readonly resolvedQuery?: ResolvedQuery;
}

export type NewQueryMetadata = Omit<QueryMetadata, 'queryId' | 'createdAtMs'>;

/** The newest format this build reads; it writes v1 or v2 (see above). */
const FORMAT_VERSION = 2;
const FORMAT_WITH_RESOLVED_QUERY = 2;
export const QUERY_METADATA_FILE = 'metadata';

/** The query metadata of the checkpoint at `location`, or undefined before the first start. */
export async function readQueryMetadata(storage: Storage, location: string): Promise<QueryMetadata | undefined> {
  const file = joinLocation(location, QUERY_METADATA_FILE);
  const bytes = await storage.get(file);
  if (bytes === undefined) return undefined;
  const text = Buffer.from(bytes).toString('utf8');
  const { version, value } = decodeVersioned(text, FORMAT_VERSION, file);
  try {
    return parseQueryMetadata(value, version);
  } catch (err) {
    throw corruptCheckpointFile(file, err instanceof Error ? err.message : String(err), err);
  }
}

/**
 * Creates the metadata with a fresh queryId unless the file exists. Returns what is on disk
 * afterwards — ours (`created: true`) or the one written earlier or by a racing process.
 * Comparing it with the current job (fingerprint, partitions, sinks) is the caller's business.
 */
export async function createQueryMetadata(
  storage: Storage,
  location: string,
  init: NewQueryMetadata,
  nowMs = Date.now(),
): Promise<{ metadata: QueryMetadata; created: boolean }> {
  const metadata: QueryMetadata = {
    queryId: randomUUID(),
    createdAtMs: nowMs,
    shufflePartitions: init.shufflePartitions,
    statefulFingerprint: init.statefulFingerprint,
    sinkPaths: [...init.sinkPaths],
    sourceTopic: init.sourceTopic,
    ...(init.resolvedQuery === undefined ? {} : { resolvedQuery: init.resolvedQuery }),
  };
  const version = metadata.resolvedQuery === undefined ? 1 : FORMAT_WITH_RESOLVED_QUERY;
  parseQueryMetadata(metadata, version);
  if (await storage.putIfAbsent(joinLocation(location, QUERY_METADATA_FILE), encodeVersioned(version, metadata))) {
    return { metadata, created: true };
  }
  const existing = await readQueryMetadata(storage, location);
  if (existing === undefined) throw corruptCheckpointFile(joinLocation(location, QUERY_METADATA_FILE), 'it vanished after it existed');
  return { metadata: existing, created: false };
}

function parseQueryMetadata(document: unknown, version: number): QueryMetadata {
  const d = objectAt(document, 'metadata');
  const queryId = stringAt(d.queryId, 'metadata.queryId');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(queryId)) {
    throw new InvalidArgumentError(`metadata.queryId must be a UUID, found ${JSON.stringify(queryId.slice(0, 60))}`);
  }
  integerAt(d.createdAtMs, 'metadata.createdAtMs', 0);
  integerAt(d.shufflePartitions, 'metadata.shufflePartitions', 1);
  stringAt(d.statefulFingerprint, 'metadata.statefulFingerprint');
  arrayAt(d.sinkPaths, 'metadata.sinkPaths').forEach((p, i) => stringAt(p, `metadata.sinkPaths[${i}]`));
  stringAt(d.sourceTopic, 'metadata.sourceTopic');
  if (version >= FORMAT_WITH_RESOLVED_QUERY) checkResolvedQueryDocument(d.resolvedQuery, 'metadata.resolvedQuery');
  else if (d.resolvedQuery !== undefined) throw new InvalidArgumentError(`metadata.resolvedQuery appears in a v${version} file; it needs v${FORMAT_WITH_RESOLVED_QUERY}`);
  return d as unknown as QueryMetadata;
}
