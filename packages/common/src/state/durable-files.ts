import type { StateVersion } from '../batch/batch-id';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { putIfAbsent, replaceFile } from '../fs/durable-file';
import { InvalidArgumentError, UnavailableError } from '../errors';
import {
  BlobName,
  STATE_FORMAT_VERSION,
  blobFileName,
  metadataPath,
  parseBlobFileName,
  parseTempFileVersion,
  partitionDir,
  stateDir,
} from './layout';

/**
 * The durable copy of state under the checkpoint location (layout in layout.ts). A blob file is
 * written once: temp file, fsync, rename, fsync of the directory. Files carry the attempt in their
 * name, so attempts never share a file and rename cannot clobber another attempt's state.
 */
export class DurableStateFiles {
  constructor(private readonly checkpointDir: string) {}

  /**
   * Creates `state/_metadata` if absent (put-if-absent by hard link, so concurrent openers agree), and
   * refuses a directory written in another format or for another query.
   */
  async ensureMetadata(queryId: string): Promise<void> {
    const file = metadataPath(this.checkpointDir);
    await fs.mkdir(stateDir(this.checkpointDir), { recursive: true });
    const content = JSON.stringify({ formatVersion: STATE_FORMAT_VERSION, queryId }) + '\n';
    await putIfAbsent(file, content);
    const found = JSON.parse(await fs.readFile(file, 'utf8')) as { formatVersion?: unknown; queryId?: unknown };
    if (found.formatVersion !== STATE_FORMAT_VERSION) {
      throw new InvalidArgumentError(
        `${file}: state format version ${String(found.formatVersion)} is not supported (this build reads ${STATE_FORMAT_VERSION})`,
      );
    }
    if (found.queryId !== queryId) {
      throw new InvalidArgumentError(`${file} belongs to query ${String(found.queryId)}, not ${queryId}`);
    }
  }

  async write(partition: number, blob: BlobName, bytes: Uint8Array): Promise<void> {
    const dir = partitionDir(this.checkpointDir, partition);
    const name = blobFileName(blob);
    try {
      await fs.mkdir(dir, { recursive: true });
      await replaceFile(path.join(dir, name), bytes);
    } catch (error) {
      throw new UnavailableError(`durable state write of ${path.join(dir, name)} failed: ${(error as Error).message}`, {
        code: 'STATE_DURABLE_WRITE',
        cause: error,
      });
    }
  }

  /** The file's bytes, or undefined when it does not exist. */
  async read(partition: number, blob: BlobName): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path.join(partitionDir(this.checkpointDir, partition), blobFileName(blob)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(partition: number): Promise<BlobName[]> {
    const blobs: BlobName[] = [];
    for (const name of await this.names(partition)) {
      const blob = parseBlobFileName(name);
      if (blob !== undefined) blobs.push(blob);
    }
    return blobs;
  }

  /** Deletes every blob and leftover temp file of a version below `cutoff`, of any attempt. */
  async removeBelow(partition: number, cutoff: StateVersion): Promise<void> {
    const dir = partitionDir(this.checkpointDir, partition);
    for (const name of await this.names(partition)) {
      const version = parseBlobFileName(name)?.version ?? parseTempFileVersion(name);
      if (version !== undefined && version < cutoff) await fs.rm(path.join(dir, name), { force: true });
    }
  }

  private async names(partition: number): Promise<string[]> {
    try {
      return await fs.readdir(partitionDir(this.checkpointDir, partition));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
