import type { BatchId } from '../batch/batch-id';
import { InvalidArgumentError, TributaryError } from '../errors';
import { sweepStaleTempFiles } from '../storage/local-storage';
import { joinLocation, type Storage } from '../storage/storage';
import { corruptCheckpointFile, decodeVersioned, encodeVersioned } from './versioned-json';

export interface LogEntry<T> {
  readonly batchId: BatchId;
  readonly value: T;
}

/** Checks a decoded JSON document and returns it typed; throws (any error) when it is malformed. */
export type DocumentParser<T> = (document: unknown, batchId: BatchId) => T;

/** Temp files older than this are debris of a crashed writer; `purge` removes them. */
const STALE_TEMP_FILE_MS = 60 * 60 * 1000;

/**
 * A write-once log of one JSON document per batch, in a directory of its own.
 *
 * In storage: `<dir>/<batchId>` (decimal, no leading zeros), each file `v<version>\n<json>\n`
 * (see versioned-json.ts). Listings leave out names starting with '.' (local temp files).
 *
 * Protocol:
 * - `add(N, value)` is `putIfAbsent`:
 *   it returns true when this call wrote entry N and false when N already existed — whoever
 *   wrote it first, in this process or another. An entry, once added, never changes.
 * - Entries may have gaps (after `purge`, or written out of order); `getLatest` is the highest id
 *   listed, read by name (a listing that misses a newer entry only delays it: `add` of that id
 *   still returns false).
 * - A file in a newer format than `formatVersion` is refused with an error naming the file.
 *
 * Subclasses fix T, the format version and the document check; the base knows nothing of them.
 */
export class MetadataLog<T> {
  constructor(
    readonly storage: Storage,
    readonly dir: string,
    private readonly parse: DocumentParser<T> = (document) => document as T,
    /** The format this build writes, and the newest it reads. */
    readonly formatVersion = 1,
  ) {}

  /** Writes entry `batchId` unless it exists; true if this call wrote it. */
  async add(batchId: BatchId, value: T): Promise<boolean> {
    checkBatchId(batchId);
    this.parse(JSON.parse(JSON.stringify(value)) as unknown, batchId);
    return this.storage.putIfAbsent(this.fileOf(batchId), encodeVersioned(this.formatVersion, value));
  }

  /** Entry `batchId`, or undefined when it was never written (or was purged). */
  async get(batchId: BatchId): Promise<T | undefined> {
    checkBatchId(batchId);
    const file = this.fileOf(batchId);
    const bytes = await this.storage.get(file);
    return bytes === undefined ? undefined : this.decode(Buffer.from(bytes).toString('utf8'), batchId, file);
  }

  /** The entry with the highest batch id, or undefined for an empty log. */
  async getLatest(): Promise<LogEntry<T> | undefined> {
    const ids = await this.list();
    if (ids.length === 0) return undefined;
    const batchId = ids[ids.length - 1];
    const value = await this.get(batchId);
    if (value === undefined) {
      // Entries are never deleted from the top: a vanished latest entry means someone else edits the log.
      throw new TributaryError(`metadata log ${this.dir}: entry ${batchId} disappeared while being read`, {
        code: 'CHECKPOINT_CORRUPT',
      });
    }
    return { batchId, value };
  }

  /** Batch ids present, ascending. */
  async list(): Promise<BatchId[]> {
    const names = (await this.storage.list(this.dir)).map((o) => o.name);
    const ids: BatchId[] = [];
    for (const name of names) {
      if (/^(0|[1-9][0-9]{0,15})$/.test(name)) {
        const id = Number(name);
        if (Number.isSafeInteger(id)) ids.push(id as BatchId);
      }
    }
    return ids.sort((a, b) => a - b);
  }

  /** Deletes entries below `keepFromBatchId` (and stale temp files); returns how many entries went. */
  async purge(keepFromBatchId: BatchId): Promise<number> {
    checkBatchId(keepFromBatchId);
    let removed = 0;
    for (const id of await this.list()) {
      if (id >= keepFromBatchId) break;
      await this.storage.delete(this.fileOf(id));
      removed++;
    }
    await sweepStaleTempFiles(this.storage, this.dir, STALE_TEMP_FILE_MS).catch(() => 0);
    return removed;
  }

  private fileOf(batchId: BatchId): string {
    return joinLocation(this.dir, String(batchId));
  }

  private decode(text: string, batchId: BatchId, file: string): T {
    const { value } = decodeVersioned(text, this.formatVersion, file);
    try {
      return this.parse(value, batchId);
    } catch (err) {
      throw corruptCheckpointFile(file, err instanceof Error ? err.message : String(err), err);
    }
  }
}

function checkBatchId(batchId: number): void {
  if (!Number.isSafeInteger(batchId) || batchId < 0) {
    throw new InvalidArgumentError(`batch id must be a non-negative integer, got ${batchId}`);
  }
}
