import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { arrayAt, integerAt, objectAt, stringAt } from './json-shape';
import { putIfAbsent, readIfExists } from '../fs/durable-file';
import { corruptCheckpointFile, decodeVersioned, encodeVersioned } from './versioned-json';

/**
 * `<checkpoint>/metadata` (format v1, same framing as the logs): what identifies the query and
 * may never change while the checkpoint lives. Written once, put-if-absent, at first start.
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
}

export type NewQueryMetadata = Omit<QueryMetadata, 'queryId' | 'createdAtMs'>;

const FORMAT_VERSION = 1;
export const QUERY_METADATA_FILE = 'metadata';

/** The query metadata of the checkpoint at `location`, or undefined before the first start. */
export async function readQueryMetadata(location: string): Promise<QueryMetadata | undefined> {
  const file = path.join(location, QUERY_METADATA_FILE);
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  const { value } = decodeVersioned(text, FORMAT_VERSION, file);
  try {
    return parseQueryMetadata(value);
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
  };
  parseQueryMetadata(metadata);
  await fs.mkdir(location, { recursive: true });
  if (await putIfAbsent(path.join(location, QUERY_METADATA_FILE), encodeVersioned(FORMAT_VERSION, metadata))) {
    return { metadata, created: true };
  }
  const existing = await readQueryMetadata(location);
  if (existing === undefined) throw corruptCheckpointFile(path.join(location, QUERY_METADATA_FILE), 'it vanished after it existed');
  return { metadata: existing, created: false };
}

function parseQueryMetadata(document: unknown): QueryMetadata {
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
  return d as unknown as QueryMetadata;
}
