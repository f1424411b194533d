import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BatchId } from '../batch/batch-id';
import { InvalidArgumentError, TributaryError } from '../errors';
import { errnoCode, putIfAbsent, readIfExists, removeStaleTempFiles } from '../fs/durable-file';
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
 * On disk: `<dir>/<batchId>` (decimal, no leading zeros), each file `v<version>\n<json>\n`
 * (see versioned-json.ts). Names starting with '.' are temp files of `add` and are ignored.
 *
 * Protocol:
 * - `add(N, value)` is put-if-absent (temp file + fsync + hard link + fsync of the directory):
 *   it returns true when this call wrote entry N and false when N already existed — whoever
 *   wrote it first, in this process or another. An entry, once added, never changes.
 * - Entries may have gaps (after `purge`, or written out of order); `getLatest` is the highest id.
 * - A file in a newer format than `formatVersion` is refused with an error naming the file.
 *
 * Subclasses fix T, the format version and the document check; the base knows nothing of them.
 */
export class MetadataLog<T> {
  constructor(
    readonly dir: string,
    private readonly parse: DocumentParser<T> = (document) => document as T,
    /** The format this build writes, and the newest it reads. */
    readonly formatVersion = 1,
  ) {}

  /** Writes entry `batchId` unless it exists; true if this call wrote it. */
  async add(batchId: BatchId, value: T): Promise<boolean> {
    checkBatchId(batchId);
    this.parse(JSON.parse(JSON.stringify(value)) as unknown, batchId);
    await fs.mkdir(this.dir, { recursive: true });
    return putIfAbsent(this.fileOf(batchId), encodeVersioned(this.formatVersion, value));
  }

  /** Entry `batchId`, or undefined when it was never written (or was purged). */
  async get(batchId: BatchId): Promise<T | undefined> {
    checkBatchId(batchId);
    const file = this.fileOf(batchId);
    const text = await readIfExists(file);
    return text === undefined ? undefined : this.decode(text, batchId, file);
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
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
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
      await fs.unlink(this.fileOf(id)).then(
        () => removed++,
        (err: unknown) => {
          if (errnoCode(err) !== 'ENOENT') throw err;
        },
      );
    }
    await removeStaleTempFiles(this.dir, STALE_TEMP_FILE_MS).catch(() => 0);
    return removed;
  }

  private fileOf(batchId: BatchId): string {
    return path.join(this.dir, String(batchId));
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
